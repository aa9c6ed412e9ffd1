"""Reading an uploaded roster file, refusing whatever is not a small, honest .xlsx workbook.

The checks run before openpyxl parses anything, cheapest first: the file name, the size the
upload handler counted, the zip directory (an .xlsx is a zip), the parts a spreadsheet must
have, and the unpacked size of every member. A zip bomb (kilobytes that inflate to gigabytes) is
refused from its directory without inflating a byte: Python's zipfile, which openpyxl reads
through, never inflates a member past the size its directory entry declares (it stops there
and fails the CRC check), so the declared sizes are a bound the file cannot lie its way past.
The sheet XML is parsed by expat, which refuses entity expansion bombs and never fetches
external entities.
"""

import io
import zipfile

from django.conf import settings
from django.utils.translation import gettext as _

from staffing.errors import RosterError

# A roster of a few hundred people at most; a bigger sheet is a wrong file.
MAX_ROWS = 2000
# The import reads the first 14 columns (staffing.roster._parse_row); the rest are ignored.
COLUMNS = 14
# A 2,000-row roster unpacks to about 2 MB; ten times that is room for styles and images.
MAX_UNPACKED_BYTES = 20 * 1024 * 1024
MAX_MEMBERS = 500
# The parts every workbook has, and the content type of a plain one: macro-enabled workbooks
# (.xlsm) and templates declare other types and are refused.
REQUIRED_PARTS = ("[Content_Types].xml", "xl/workbook.xml")
WORKBOOK_TYPE = b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
# What Excel and openpyxl write; other methods (bzip2, lzma) are slower to inflate and unusual.
COMPRESSION = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED}


def max_bytes() -> int:
    return settings.ROSTER_IMPORT_MAX_BYTES


def megabytes(size: int) -> str:
    """`2` for 2 MB, `1.5` for 1.5 MB: how the limits are told to the user."""
    return f"{size / 2**20:g}"


def read_rows(upload) -> list[tuple[int, tuple]]:
    """The sheet's rows below the header as (line number, first 14 cell values).

    Raises RosterError, with a message for the user, when the file is refused as a whole.
    """
    name = getattr(upload, "name", "") or ""
    if not name.lower().endswith(".xlsx"):
        raise RosterError(_("Only .xlsx files (Excel 2007 or later) can be imported."))
    if upload.size > max_bytes():
        raise RosterError(
            _("The file is larger than %(limit)s MB.") % {"limit": megabytes(max_bytes())}
        )
    upload.seek(0)
    data = upload.read()
    _check_package(data)
    return _rows(data)


def _check_package(data: bytes) -> None:
    not_a_workbook = RosterError(_("The file could not be read as an .xlsx workbook."))
    try:
        package = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError, OSError) as error:
        raise not_a_workbook from error
    with package:
        members = package.infolist()
        names = {member.filename for member in members}
        if any(part not in names for part in REQUIRED_PARTS):
            raise not_a_workbook
        if len(members) > MAX_MEMBERS or any(m.compress_type not in COMPRESSION for m in members):
            raise not_a_workbook
        if sum(member.file_size for member in members) > MAX_UNPACKED_BYTES:
            raise RosterError(
                _("The workbook unpacks to more than %(limit)s MB; it is not a roster.")
                % {"limit": megabytes(MAX_UNPACKED_BYTES)}
            )
        try:
            content_types = package.read("[Content_Types].xml")
        except (zipfile.BadZipFile, OSError, EOFError) as error:
            raise not_a_workbook from error
        if WORKBOOK_TYPE not in content_types:
            raise not_a_workbook


def _rows(data: bytes) -> list[tuple[int, tuple]]:
    from openpyxl import load_workbook

    rows = []
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise RosterError(_("The file could not be read as an .xlsx workbook.")) from error
    try:
        # The sheet is streamed, so a broken part only shows while the rows are read.
        sheet = book.worksheets[0]
        for line, values in enumerate(
            sheet.iter_rows(min_row=2, max_col=COLUMNS, values_only=True), start=2
        ):
            if line > MAX_ROWS + 1:
                raise RosterError(_("The file has more than %(limit)d rows.") % {"limit": MAX_ROWS})
            rows.append((line, values))
    except RosterError:
        raise
    except Exception as error:
        raise RosterError(_("The file could not be read as an .xlsx workbook.")) from error
    finally:
        book.close()
    return rows
