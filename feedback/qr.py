"""QR codes of feedback links, made with segno (pure Python, no image library needed).

- `svg_data_uri(url)` for HTML pages: an <img src="data:image/svg+xml,..."> source, which the
  CSP allows (img-src 'self' data:) where an inline <svg> with style attributes would not be.
- `png_bytes(url)` for Word documents: python-docx takes it as
  `run.add_picture(io.BytesIO(png_bytes(url)), width=Mm(25))`.

Both encode exactly the string given, with error correction "M" (15 % of the code may be
smudged or covered and it still reads). Get the URL from `feedback.services.link_for(
invite(meeting))`; the name-plate sheet should print the link in words beside the code too.
"""

import io

import segno

ERROR_CORRECTION = "m"


def make(url: str) -> segno.QRCode:
    """The QR code of `url` (segno picks the smallest version that holds it)."""
    return segno.make(url, error=ERROR_CORRECTION, micro=False)


def svg_data_uri(url: str, *, scale: int = 4, border: int = 4) -> str:
    """A data: URI of an SVG of `url`'s code, for <img src>. `scale` is pixels per module."""
    return make(url).svg_data_uri(scale=scale, border=border)


def png_bytes(url: str, *, scale: int = 10, border: int = 4) -> bytes:
    """PNG bytes of `url`'s code, black on white, `scale` pixels per module and a quiet zone
    of `border` modules: at scale 10 a typical link gives a 330-370 px square, sharp when
    printed 25-30 mm wide."""
    out = io.BytesIO()
    make(url).save(out, kind="png", scale=scale, border=border)
    return out.getvalue()
