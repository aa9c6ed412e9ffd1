"""Language, the place's date format, and the Content-Security-Policy on every page.

The desk speaks Simplified Chinese whatever the browser asks for (headless Chromium and many
office PCs send en-US); English is the user's own choice through the footer's switcher.
"""

import datetime as dt
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

from core import timeutils

TEMPLATES = Path(settings.BASE_DIR) / "templates"


@pytest.fixture
def as_clerk(client, clerk):
    client.force_login(clerk)
    return client


def html_lang(response) -> str:
    return re.search(r'<html lang="([^"]+)"', response.content.decode()).group(1)


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["en-US,en;q=0.9", "en", "fr-FR", "", "zh-TW"])
def test_pages_are_chinese_whatever_the_browser_asks(client, accept):
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert html_lang(response) == "zh-CN"
    assert response["Content-Language"] == "zh-hans"


def test_a_logged_in_page_is_chinese_for_an_english_browser(as_clerk):
    response = as_clerk.get(reverse("today"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert html_lang(response) == "zh-CN"
    assert response["Content-Language"] == "zh-hans"
    assert "星期" in response.content.decode()  # the date is written the Chinese way


def test_choosing_english_in_the_switcher_makes_the_pages_english(as_clerk):
    home = reverse("today")
    response = as_clerk.post(
        reverse("set_language"), {"language": "en", "next": home}, HTTP_ACCEPT_LANGUAGE="zh-CN"
    )
    assert response.status_code == 302
    assert response["Location"] == home
    assert response.cookies[settings.LANGUAGE_COOKIE_NAME].value == "en"
    page = as_clerk.get(home, HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert html_lang(page) == "en"
    assert page["Content-Language"] == "en"
    assert "星期" not in page.content.decode()
    # ...and back.
    as_clerk.post(reverse("set_language"), {"language": "zh-hans", "next": home})
    assert html_lang(as_clerk.get(home)) == "zh-CN"


@pytest.mark.django_db
def test_the_switcher_is_in_the_footer_of_the_login_page(client):
    html = client.get(reverse("login")).content.decode()
    footer = re.search(r"<footer.*?</footer>", html, re.S).group(0)
    assert f'action="{reverse("set_language")}"' in footer
    assert 'name="language"' in footer
    assert 'value="en"' in footer
    assert 'value="zh-hans"' in footer


@pytest.mark.django_db
def test_an_unknown_language_cookie_falls_back_to_chinese(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "de"
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE="en-US")
    assert html_lang(response) == "zh-CN"


# --- Content-Security-Policy ------------------------------------------------------------------


def _csp(response) -> str:
    return response["Content-Security-Policy"]


@pytest.mark.parametrize("name", ["home", "meeting-new"])
def test_pages_carry_a_policy_without_inline_script_or_style(as_clerk, name):
    policy = _csp(as_clerk.get(reverse(name)))
    directives = {part.split()[0]: part.split()[1:] for part in policy.split(";") if part.strip()}
    assert "script-src 'self'" in policy
    assert directives["script-src"] == ["'self'"]
    assert directives["style-src"] == ["'self'"]
    assert "unsafe-inline" not in policy
    assert "unsafe-eval" not in policy


@pytest.mark.django_db
def test_the_login_page_carries_the_policy_too(client):
    policy = _csp(client.get(reverse("login")))
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy


_SCRIPT_TAG = re.compile(r"<script\b([^>]*)>", re.I)
_STYLE_ATTR = re.compile(r"""\sstyle\s*=""", re.I)
_STYLE_TAG = re.compile(r"<style\b", re.I)
_EVENT_ATTR = re.compile(r"""\son[a-z]+\s*=\s*["']""", re.I)


def _template_files() -> list[Path]:
    return sorted(p for p in TEMPLATES.rglob("*") if p.is_file())


def test_there_are_templates_to_scan():
    names = {p.relative_to(TEMPLATES).as_posix() for p in _template_files()}
    assert {"base.html", "home.html", "bookings/meeting_form.html"} <= names


@pytest.mark.parametrize(
    "path", _template_files(), ids=lambda p: p.relative_to(TEMPLATES).as_posix()
)
def test_no_template_has_inline_script_or_style(path):
    text = path.read_text(encoding="utf-8")
    for match in _SCRIPT_TAG.finditer(text):
        attrs = match.group(1)
        assert "src=" in attrs or "application/json" in attrs, (
            f"{path}: inline <script> (put behaviour in static/js/app.js)"
        )
    assert not _STYLE_ATTR.search(text), f"{path}: style= attribute (use static/css/app.css)"
    assert not _STYLE_TAG.search(text), f"{path}: <style> block (use static/css/app.css)"
    assert not _EVENT_ATTR.search(text), f"{path}: on...= handler (use static/js/app.js)"


def test_rendered_pages_have_no_inline_script_either(as_clerk, leader):
    """Templates of packages (crispy forms) are part of the page too."""
    for name in ("home", "meeting-new"):
        html = as_clerk.get(reverse(name)).content.decode()
        for match in _SCRIPT_TAG.finditer(html):
            attrs = match.group(1)
            assert "src=" in attrs or 'type="application/json"' in attrs, match.group(0)
        assert not _STYLE_ATTR.search(html)
        assert not _STYLE_TAG.search(html)


# --- the place's conventions ------------------------------------------------------------------


def test_dates_are_written_the_chinese_way():
    assert timeutils.format_date(dt.date(2026, 11, 27)) == "2026年11月27日（星期五）"
    assert timeutils.format_date(dt.date(2026, 11, 29)) == "2026年11月29日（星期日）"


def test_dates_are_written_the_english_way_in_english():
    with translation.override("en"):
        assert timeutils.format_date(dt.date(2026, 11, 27)) == "Friday 27 November 2026"
