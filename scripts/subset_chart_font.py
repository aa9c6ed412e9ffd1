"""Make the committed chart font once: Noto Sans CJK SC (OFL 1.1, from Debian's fonts-noto-cjk)
cut down to GB 2312 (its 6,763 hanzi and its symbols), ASCII and CJK punctuation, so charts
render Chinese on a machine with no CJK font installed (issue 7 point 5).

    apt-get install fonts-noto-cjk && .venv/bin/python scripts/subset_chart_font.py

fontTools is a development dependency (requirements-dev.txt): the result is committed, the
application only reads it (reports/charts.py loads it by file path).
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTCollection

SOURCE = Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc")
FAMILY = "Noto Sans CJK SC"
TARGET = Path(__file__).resolve().parent.parent / "reports" / "fonts" / "NotoSansSC-GB2312.otf"


def gb2312_characters() -> set[str]:
    """Every character GB 2312 encodes: rows 0xA1-0xA9 (symbols) and 0xB0-0xF7 (hanzi)."""
    found = set()
    for high in [*range(0xA1, 0xAA), *range(0xB0, 0xF8)]:
        for low in range(0xA1, 0xFF):
            try:
                found.add(bytes([high, low]).decode("gb2312"))
            except UnicodeDecodeError:
                continue
    return found


def wanted() -> set[int]:
    chars = gb2312_characters()
    chars.update(chr(c) for c in range(0x20, 0x7F))  # ASCII
    chars.update(chr(c) for c in range(0x3000, 0x3040))  # CJK symbols and punctuation
    chars.update(chr(c) for c in range(0xFF01, 0xFF5F))  # full-width forms
    chars.update("–—‘’“”…·×÷°℃%‰−")  # − (U+2212): matplotlib's minus sign on axes
    return {ord(c) for c in chars}


def main() -> int:
    collection = TTCollection(str(SOURCE))
    font = next(f for f in collection.fonts if f["name"].getDebugName(1) == FAMILY)
    options = subset.Options()
    options.layout_features = ["*"]
    options.name_IDs = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=wanted())
    subsetter.subset(font)
    TARGET.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(TARGET))
    hanzi = sum(1 for c in gb2312_characters() if "\u4e00" <= c <= "\u9fff")
    print(f"{TARGET}: {TARGET.stat().st_size / 1e6:.1f} MB, {hanzi} hanzi")
    return 0


if __name__ == "__main__":
    sys.exit(main())
