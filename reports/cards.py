"""Name-plate cards (名牌) drawn with Pillow, for the Word file.

A name plate is an A4 landscape sheet folded along its middle into a tent: the name reads
upright on the lower half and on the upper half turned 180°, so once folded both faces read
upright (one to the audience, one to the seated leader). Word cannot turn text upside down, so
each card face is one picture: the lower half is drawn, the upper half is that drawing rotated
180°, and a faint dashed fold line runs between them. The dashes are laid out symmetrically
about the centre, so the rotation lines them up and the two halves stay exact 180° copies.

The face is the committed Noto Sans CJK SC (reports/fonts, subset to GB 2312), loaded by path
so no system font is needed. It is a regular weight; a stroke of the same colour makes the name
as heavy as printed plates usually are. A character outside GB 2312 (e.g. 镕, 堃) has no glyph
in it: `missing_glyphs` names them so the sheet can say which plates to check by hand.
"""

import functools
import io
import re
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "NotoSansSC-GB2312.otf"

DPI = 150
WIDTH_MM, HEIGHT_MM = 297, 210
WIDTH_PX = round(WIDTH_MM / 25.4 * DPI)  # 1754
HEIGHT_PX = round(HEIGHT_MM / 25.4 * DPI) // 2 * 2  # 1240, even: two equal halves
HALF_PX = HEIGHT_PX // 2

# The name fills at most this share of a half's height and of the sheet's width.
NAME_HEIGHT_SHARE = 0.62
NAME_WIDTH_SHARE = 0.90
STROKE_SHARE = 0.025  # faux bold: stroke width as a share of the font size

INK = (0, 0, 0)
PAPER = (255, 255, 255)
FOLD = (190, 190, 190)
FOLD_DASH_PX = 18

IDEOGRAPHIC_SPACE = "\u3000"
_CJK = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]+$")


def spaced(name: str) -> str:
    """A two-character Chinese name is printed with a full-width space between its characters
    (张三 -> 张　三), as name plates and rosters customarily do; other names are unchanged."""
    name = (name or "").strip()
    if len(name) == 2 and _CJK.match(name):
        return f"{name[0]}{IDEOGRAPHIC_SPACE}{name[1]}"
    return name


@functools.lru_cache(maxsize=1)
def _covered() -> frozenset[int]:
    from fontTools.ttLib import TTFont  # a dependency of matplotlib, already installed

    font = TTFont(str(FONT_PATH), lazy=True)
    try:
        return frozenset(font.getBestCmap())
    finally:
        font.close()


def missing_glyphs(text: str) -> str:
    """The characters of `text` the committed face cannot draw, in order, each once."""
    covered = _covered()
    missing = []
    for char in text:
        if not char.isspace() and ord(char) not in covered and char not in missing:
            missing.append(char)
    return "".join(missing)


@functools.lru_cache(maxsize=64)
def _font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(FONT_PATH), size)


def _fitting_font(text: str, stroke_share: float) -> tuple[ImageFont.FreeTypeFont, int]:
    """The largest font (and its stroke) whose drawing of `text` fits the half."""
    size = int(HALF_PX * NAME_HEIGHT_SHARE)
    max_width = WIDTH_PX * NAME_WIDTH_SHARE
    while True:
        font = _font(size)
        stroke = max(1, round(size * stroke_share))
        left, _top, right, _bottom = font.getbbox(text, stroke_width=stroke)
        if right - left <= max_width or size <= 24:
            return font, stroke
        size = int(size * max_width / (right - left))


def _fold_line(draw: ImageDraw.ImageDraw) -> None:
    """Dashes on the half's top two rows, placed symmetrically about the vertical centre line,
    so the 180° copy above continues them exactly."""
    for x in range(WIDTH_PX):
        # |2x - (W - 1)| is the same for x and its mirror W - 1 - x.
        if (abs(2 * x - (WIDTH_PX - 1)) // (2 * FOLD_DASH_PX)) % 2 == 0:
            draw.point([(x, 0), (x, 1)], fill=FOLD)


def lower_half(name: str) -> Image.Image:
    """The upright half of a card: the (spaced) name, centred."""
    half = Image.new("RGB", (WIDTH_PX, HALF_PX), PAPER)
    draw = ImageDraw.Draw(half)
    _fold_line(draw)
    text = spaced(name)
    if text:
        font, stroke = _fitting_font(text, STROKE_SHARE)
        draw.text(
            (WIDTH_PX / 2, HALF_PX / 2),
            text,
            font=font,
            fill=INK,
            anchor="mm",
            stroke_width=stroke,
            stroke_fill=INK,
        )
    return half


def card_image(name: str) -> Image.Image:
    """The whole card face: upper half = lower half turned 180°, lower half upright."""
    lower = lower_half(name)
    card = Image.new("RGB", (WIDTH_PX, HEIGHT_PX), PAPER)
    card.paste(lower.rotate(180), (0, 0))
    card.paste(lower, (0, HALF_PX))
    return card


def card_png(name: str) -> bytes:
    """PNG bytes of the card face, tagged with its resolution (150 dpi)."""
    out = io.BytesIO()
    card_image(name).save(out, format="PNG", dpi=(DPI, DPI), optimize=True)
    return out.getvalue()
