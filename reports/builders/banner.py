"""会标制作单: the banner text for the banner maker, large, with what they need to make it.

A working sheet printed for the banner maker, so its fixed texts are written here in Chinese and
not translated: the interface language does not change what is printed. A4 landscape with
20 mm margins (not GB/T 9704: it is not an official document).

The text is the banner order's (details["text"]); without an order, or with its text empty,
the meeting's title stands in and the sheet says so. The order's other details are printed
when present: size, colour, background, font, material (keys as the order form or the API
stored them), and the order's note. "Who ordered it" is the hosting unit with the meeting's
contact (else the unit's contact), and the clerk who last entered the order.

Confidentiality: a viewer who may not see the meeting's details (bookings.visibility) gets a
sheet saying 涉密会议，无权查看 and no banner text, no title, no unit and no notes.
"""

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from bookings.models import Meeting, OrderKind, OrderStatus, ServiceOrder
from bookings.visibility import can_see_details
from core.names import display_name
from core.timeutils import format_date, format_span, format_time
from reports import layout
from reports.builders import BuildRequest

TEMPLATE = "reports/banner.html"
TITLE = "会标制作单"
WITHHELD = "涉密会议，无权查看"
FROM_TITLE = "（未单独登记会标文字，按会议名称制作）"

# The order's optional details, in the order they are printed, with their labels.
DETAIL_LABELS = (
    ("size", "尺寸"),
    ("colour", "颜色"),
    ("color", "颜色"),
    ("background", "底色"),
    ("font", "字体"),
    ("material", "材质"),
)

MARGIN_MM = 20
TEXT_WIDTH_MM = 297 - 2 * MARGIN_MM
PT_MM = 25.4 / 72


def collect(request: BuildRequest) -> dict:
    """The banner text and the making notes, as `request.viewer` may see them. Two queries:
    the meeting (with room, building and unit) and its banner order (with its clerk)."""
    meeting = Meeting.objects.select_related("room__building", "hosting_unit").get(
        pk=request.meeting_id
    )
    room = meeting.room
    data = {
        "title": TITLE,
        "meeting_id": meeting.pk,
        "date": format_date(meeting.start),
        "time": format_span(meeting.start, meeting.end),
        "room": f"{room.building.name} {room.number} {room.name}".strip(),
    }
    if not can_see_details(request.viewer, meeting):
        return {
            **data,
            "allowed": False,
            "notice": WITHHELD,
            "text": "",
            "from_title": False,
            "from_title_note": "",
            "rows": [],
            "summary": {"withheld": True},
        }
    order = (
        ServiceOrder.objects.filter(meeting=meeting, kind=OrderKind.BANNER)
        .exclude(status=OrderStatus.CANCELLED)
        .select_related("updated_by")
        .first()
    )
    details = (order.details or {}) if order else {}
    text = str(details.get("text") or "").strip()
    from_title = not text
    text = text or meeting.title
    unit = meeting.hosting_unit
    contact = meeting.contact_name or unit.contact_name
    phone = meeting.contact_phone or unit.contact_phone
    rows = [
        ("会议名称", meeting.title),
        ("会场", data["room"]),
        ("会议时间", data["time"]),
        ("主办单位", unit.name),
        ("联系人", "　".join(part for part in (contact, phone) if part)),
    ]
    seen = set()
    for key, label in DETAIL_LABELS:
        value = str(details.get(key) or "").strip()
        if value and label not in seen:
            rows.append((label, value))
            seen.add(label)
    if order and order.note:
        rows.append(("备注", order.note))
    if order:
        rows.append(("完成时限", f"{format_date(order.due_at)} {format_time(order.due_at)}前"))
        if order.updated_by_id:
            rows.append(("登记人", display_name(order.updated_by)))
    return {
        **data,
        "allowed": True,
        "notice": "",
        "text": text,
        "from_title": from_title,
        "from_title_note": FROM_TITLE if from_title else "",
        "rows": [{"label": label, "value": value} for label, value in rows],
        "summary": {"text": text, "from_title": from_title},
    }


def text_size_pt(text: str) -> int:
    """The banner text's size: one line across the sheet where it fits, 28-72 pt."""
    per_char = TEXT_WIDTH_MM / max(len(text), 1) / PT_MM
    return int(max(28, min(72, per_char * 0.95)))


def render_docx(data: dict) -> bytes:
    doc = _document()
    heading = doc.add_paragraph()
    heading.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = heading.add_run(TITLE)
    run.font.size = Pt(layout.TITLE_PT)
    layout.set_fonts(run, layout.fonts()["heading"])
    if not data["allowed"]:
        _line(doc, data["notice"], size=48, space_before=48)
        _line(doc, f"{data['time']}　{data['room']}", size=layout.BODY_PT)
        return layout.to_bytes(doc)
    _line(doc, data["text"], size=text_size_pt(data["text"]), space_before=36, heading=True)
    if data["from_title"]:
        _line(doc, FROM_TITLE, size=12)
    table = doc.add_table(rows=0, cols=2)
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for row in data["rows"]:
        label, value = table.add_row().cells
        label.width, value.width = Mm(40), Mm(TEXT_WIDTH_MM - 40)
        label.paragraphs[0].add_run(row["label"]).bold = True
        value.paragraphs[0].add_run(row["value"])
    return layout.to_bytes(doc)


def _document() -> Document:
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(MARGIN_MM))
    normal = doc.styles["Normal"]
    layout.set_fonts(normal, layout.fonts()["body"])
    normal.font.size = Pt(14)
    normal.paragraph_format.space_after = Pt(0)
    return doc


def _line(doc, text: str, *, size: int, space_before: int = 0, heading: bool = False) -> None:
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    paragraph.paragraph_format.space_before = Pt(space_before)
    paragraph.paragraph_format.space_after = Pt(max(12, size // 2))
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if heading:
        layout.set_fonts(run, layout.fonts()["heading"])
