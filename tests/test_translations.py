"""The Chinese catalogue is complete, current and compiled: nothing shows up in English."""

import gettext
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def _entries():
    return [entry for entry in polib.pofile(str(PO)) if not entry.obsolete]


def test_every_message_in_the_catalogue_is_translated_and_not_fuzzy():
    entries = _entries()
    assert len(entries) > 100
    untranslated = [e.msgid for e in entries if not e.translated()]
    fuzzy = [e.msgid for e in entries if "fuzzy" in e.flags]
    assert untranslated == []
    assert fuzzy == []


def test_the_compiled_catalogue_holds_every_translation_of_the_source():
    with MO.open("rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in _entries():
        if entry.msgid_plural:
            got = (
                compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, 1)
                if (entry.msgctxt)
                else compiled.ngettext(entry.msgid, entry.msgid_plural, 1)
            )
            want = entry.msgstr_plural[0]
        elif entry.msgctxt:
            got, want = compiled.pgettext(entry.msgctxt, entry.msgid), entry.msgstr
        else:
            got, want = compiled.gettext(entry.msgid), entry.msgstr
        if got != want:
            stale.append(entry.msgid)
    assert stale == [], "run `make messages` to recompile locale/"


def test_the_catalogue_covers_every_message_in_the_source(tmp_path):
    """makemessages on a copy of the tree finds no message the catalogue lacks."""
    if shutil.which("xgettext") is None:
        pytest.skip("xgettext (Debian's gettext) is not installed; .ci/run installs it")
    copy = tmp_path / "tree"
    shutil.copytree(
        ROOT,
        copy,
        ignore=shutil.ignore_patterns(
            ".venv", "var", ".git", "test-output", "node_modules", "*.pyc"
        ),
    )
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "-l",
            "zh_Hans",
            "--no-obsolete",
            "--ignore=static/vendor/*",
            "--ignore=tests/*",
            "--ignore=bench/*",
        ],
        cwd=copy,
        check=True,
        capture_output=True,
    )
    fresh = {(e.msgctxt, e.msgid) for e in polib.pofile(str(copy / PO.relative_to(ROOT)))}
    have = {(e.msgctxt, e.msgid) for e in _entries() if e.translated()}
    missing = sorted(msgid for _ctx, msgid in fresh - have)
    assert missing == [], "run `make messages` and translate the new entries"
