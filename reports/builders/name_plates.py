"""名牌: one tent card per person of a meeting's name-plate order, then the feedback sheet.

The sheet is a working document printed for the rostrum, so its fixed texts are written here in
Chinese and not translated: the interface language does not change what is printed.

Order: the rostrum seating (bookings.seating, which stored every plate's `seat` counted from the
audience's left when the order was saved), so the stack comes off the printer in the order the
plates are set out along the table; plates without a complete seating keep the list's order.
Each page is A4 landscape with 5 mm margins and one picture (reports.cards): the name upright on
the lower half and turned 180° on the upper, so the folded card reads upright on both faces.
The picture's alt text (docPr descr) is the person's name, for screen readers and for tests.

The last page is for the hosting unit: the meeting's feedback QR code (issue 6) and its link in
words. `collect` calls feedback.services.invite(), which makes the invitation on first call:
generating the sheet may write that one row (and its audit row); later calls only read it.

Confidentiality: a viewer who may not see the meeting's details (bookings.visibility) gets a
single page saying 涉密会议，无权查看, with no names, no title and no QR code, rather than an
error: the document row is still made, and shows plainly that nothing was disclosed.
"""

import io

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.shared import Mm, Pt

from bookings.models import Meeting, OrderKind, OrderStatus, ServiceOrder
from bookings.visibility import can_see_details
from core.timeutils import format_date, format_span
from feedback import qr
from feedback.errors import FeedbackError
from feedback.services import invite, link_for
from reports import cards, layout
from reports.builders import BuildRequest

TEMPLATE = "reports/name_plates.html"
TITLE = "名牌"
WITHHELD = "涉密会议，无权查看"
NO_PLATES = "本会议未登记名牌。"
FEEDBACK_CAPTION = "会后请扫码评价"
FEEDBACK_FOR = "请主办单位会后扫码评价本次会议服务"
# Shown on the print page and the documents page (summary), not on the hosting unit's sheet.
MISSING_GLYPHS = "以下名牌含字库缺字，打印后请人工核对："

# The card's printed size: as tall as the page leaves (210 - 5 - 4 mm, with 1 mm for the
# paragraph's descent), its width in the card's 297:210 proportion, centred.
MARGIN_MM = 5
CARD_HEIGHT_MM = 200
QR_WIDTH_MM = 60


def collect(request: BuildRequest) -> dict:
    """The meeting, its plates in seating order and the feedback link, as `request.viewer`
    may see them. Three queries when the invitation exists (meeting, order, invitation)."""
    meeting = Meeting.objects.select_related("room__building", "hosting_unit").get(
        pk=request.meeting_id
    )
    data = {
        "title": TITLE,
        "meeting_id": meeting.pk,
        "date": format_date(meeting.start),
        "time": format_span(meeting.start, meeting.end),
        "room": room_label(meeting),
    }
    if not can_see_details(request.viewer, meeting):
        return {
            **data,
            "allowed": False,
            "notice": WITHHELD,
            "meeting_title": "",
            "hosting_unit": "",
            "plates": [],
            "missing_glyphs": [],
            "missing_glyphs_note": "",
            "feedback": None,
            "summary": {"plates": 0, "withheld": True},
        }
    order = (
        ServiceOrder.objects.filter(meeting=meeting, kind=OrderKind.NAME_PLATES)
        .exclude(status=OrderStatus.CANCELLED)
        .first()
    )
    plates = [
        {
            "name": plate["name"],
            "printed": cards.spaced(plate["name"]),
            "title": plate.get("title") or "",
            "precedence": plate.get("precedence"),
            "seat": plate.get("seat"),
            "missing": cards.missing_glyphs(plate["name"]),
        }
        for plate in seating_order((order.details or {}).get("plates") or [] if order else [])
        if str(plate.get("name") or "").strip()
    ]
    missing = [plate["name"] for plate in plates if plate["missing"]]
    return {
        **data,
        "allowed": True,
        "notice": "" if plates else NO_PLATES,
        "meeting_title": meeting.title,
        "hosting_unit": meeting.hosting_unit.name,
        "plates": plates,
        "missing_glyphs": missing,
        "feedback": _feedback(meeting, request),
        "missing_glyphs_note": MISSING_GLYPHS if missing else "",
        "summary": {"plates": len(plates), "missing_glyphs": missing},
    }


def seating_order(plates: list[dict]) -> list[dict]:
    """Plates by seat from the audience's left when every plate holds a distinct seat
    1..n (the order services always store one); otherwise in the list's order."""
    seats = [plate.get("seat") for plate in plates]
    if all(isinstance(seat, int) for seat in seats) and sorted(seats) == list(
        range(1, len(plates) + 1)
    ):
        return sorted(plates, key=lambda plate: plate["seat"])
    return list(plates)


def room_label(meeting: Meeting) -> str:
    room = meeting.room
    return f"{room.building.name} {room.number} {room.name}".strip()


def _feedback(meeting: Meeting, request: BuildRequest) -> dict | None:
    """The hosting unit's feedback link; none for a cancelled meeting (it gets no link)."""
    if not meeting.is_active:
        return None
    try:
        invitation = invite(meeting, by=request.viewer, now=request.now)
    except FeedbackError:
        return None
    url = link_for(invitation)
    return {"url": url, "svg": qr.svg_data_uri(url), "caption": FEEDBACK_CAPTION}


# --- Word -------------------------------------------------------------------------------------


def render_docx(data: dict) -> bytes:
    doc = _document()
    if not data["allowed"]:
        _centred(doc, data["notice"], size=48)
        _centred(doc, f"{data['time']}　{data['room']}", size=16)
        return layout.to_bytes(doc)
    first = True
    for plate in data["plates"]:
        paragraph = doc.add_paragraph(style="Card")
        if not first:
            paragraph.paragraph_format.page_break_before = True
        shape = paragraph.add_run().add_picture(
            io.BytesIO(cards.card_png(plate["name"])), height=Mm(CARD_HEIGHT_MM)
        )
        shape._inline.docPr.set("descr", plate["name"])
        first = False
    if data["notice"]:
        _centred(doc, data["notice"], size=22, new_page=not first)
        first = False
    if data["feedback"]:
        _feedback_page(doc, data, first=first)
    return layout.to_bytes(doc)


def _document() -> Document:
    """A4 landscape with small margins (not GB/T 9704: the card fills the sheet), a "Card"
    paragraph style that adds nothing around a picture, and the body font for the text pages."""
    doc = Document()
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Mm(297), Mm(210)
    section.top_margin = section.left_margin = section.right_margin = Mm(MARGIN_MM)
    section.bottom_margin = Mm(MARGIN_MM - 1)
    section.header_distance = section.footer_distance = Mm(0)
    names = layout.fonts()
    normal = doc.styles["Normal"]
    layout.set_fonts(normal, names["body"])
    normal.font.size = Pt(layout.BODY_PT)
    normal.paragraph_format.space_after = Pt(0)
    card = doc.styles.add_style("Card", 1)  # 1 = paragraph style
    card.base_style = normal
    card.font.size = Pt(1)  # the line's descent below the picture stays under 1 mm
    fmt = card.paragraph_format
    fmt.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
    return doc


def _centred(doc, text: str, *, size: int, new_page: bool = False, heading: bool = False):
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if new_page:
        paragraph.paragraph_format.page_break_before = True
    paragraph.paragraph_format.space_after = Pt(size // 2)
    run = paragraph.add_run(text)
    run.font.size = Pt(size)
    if heading:
        layout.set_fonts(run, layout.fonts()["heading"])
    return paragraph


def _feedback_page(doc, data: dict, *, first: bool) -> None:
    """The hosting unit's sheet: the meeting, the QR code and the link in words."""
    feedback = data["feedback"]
    title = _centred(doc, FEEDBACK_CAPTION, size=layout.TITLE_PT, new_page=not first, heading=True)
    title.paragraph_format.space_before = Pt(36)
    _centred(doc, data["meeting_title"], size=layout.BODY_PT)
    _centred(doc, f"{data['hosting_unit']}　{data['time']}　{data['room']}", size=12)
    paragraph = doc.add_paragraph()
    paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
    shape = paragraph.add_run().add_picture(
        io.BytesIO(qr.png_bytes(feedback["url"])), width=Mm(QR_WIDTH_MM)
    )
    shape._inline.docPr.set("descr", f"{FEEDBACK_CAPTION}：{feedback['url']}")
    _centred(doc, FEEDBACK_FOR, size=layout.BODY_PT)
    _centred(doc, feedback["url"], size=12)
