"""Name plates (名牌): one landscape A4 tent card per person in rostrum seating order, the
hosting unit's feedback QR sheet last, what a viewer without clearance gets, the print page,
and what it costs in queries."""

import datetime as dt
import io

import docx
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image

from bookings import orders, services
from bookings.models import Confidentiality, OrderKind
from feedback import qr
from feedback.models import Invitation
from feedback.services import link_for
from reports import cards
from reports.builders import BuildRequest, name_plates
from reports.viewers import RoleViewer
from tests.conftest import NOW

TWIP = 635  # EMU: Word stores sizes in twentieths of a point
PICTURE = "{http://schemas.openxmlformats.org/drawingml/2006/picture}pic"

# Explicit precedence 1..5; the rostrum rule seats them, from the audience's left, 5 3 1 2 4.
PEOPLE = [
    {"name": "张建国", "title": "副区长", "precedence": 1},
    {"name": "李明", "title": "局长", "precedence": 2},
    {"name": "王晓燕", "title": "副局长", "precedence": 3},
    {"name": "欧阳建华", "title": "处长", "precedence": 4},
    {"name": "赵强", "title": "科长", "precedence": 5},
]
SEATED = ["赵强", "王晓燕", "张建国", "李明", "欧阳建华"]


def plates_order(meeting, clerk, people):
    existing = meeting.orders.filter(kind=OrderKind.NAME_PLATES).first()
    details = {"plates": people}
    if existing is None:
        return orders.add_order(meeting, by=clerk, kind=OrderKind.NAME_PLATES, details=details)
    return orders.update_order(existing, by=clerk, details=details)


def request_for(meeting, viewer) -> BuildRequest:
    day = meeting.start.date()
    return BuildRequest(
        kind="name_plates",
        period_start=day,
        period_end=day,
        viewer=viewer,
        now=NOW,
        meeting_id=meeting.pk,
    )


def read(data: bytes):
    return docx.Document(io.BytesIO(data))


def pictures(document) -> list:
    """The inline pictures in body order, as (alt text, image bytes)."""
    found = []
    for inline in document.element.body.iter(qn("wp:inline")):
        descr = inline.find(qn("wp:docPr")).get("descr")
        blip = next(inline.iter(qn("a:blip")))
        blob = document.part.related_parts[blip.get(qn("r:embed"))].blob
        found.append((descr, blob))
    return found


def page_count(document) -> int:
    """Pages: the first, plus one per page break (paragraphs that start a page, or explicit
    w:br type=page), plus one per section after the first."""
    body = document.element.body
    starts = sum(
        1
        for flag in body.iter(qn("w:pageBreakBefore"))
        if flag.get(qn("w:val"), "true") not in ("0", "false")
    )
    breaks = sum(1 for br in body.iter(qn("w:br")) if br.get(qn("w:type")) == "page")
    return 1 + starts + breaks + len(document.sections) - 1


def text_of(document) -> str:
    return "\n".join(paragraph.text for paragraph in document.paragraphs)


@pytest.fixture
def meeting(book, clerk):
    meeting = book(title="全区重点项目推进会", contact_name="李明", contact_phone="13800138000")
    plates_order(meeting, clerk, PEOPLE)
    return meeting


@pytest.fixture
def secret_meeting(book, clerk):
    meeting = book(
        title="绝密项目推进会",
        confidentiality=Confidentiality.SECRET,
        start=NOW + dt.timedelta(days=1, hours=4),
    )
    plates_order(meeting, clerk, PEOPLE)
    return meeting


def test_each_person_gets_one_landscape_a4_page_in_seating_order_then_the_feedback_sheet(
    meeting, clerk
):
    data = name_plates.collect(request_for(meeting, clerk))
    assert [plate["name"] for plate in data["plates"]] == SEATED
    assert [plate["seat"] for plate in data["plates"]] == [1, 2, 3, 4, 5]
    document = read(name_plates.render_docx(data))
    found = pictures(document)
    assert [descr for descr, _blob in found[:-1]] == SEATED
    assert found[-1][0].startswith("会后请扫码评价")
    assert len(found) == len(PEOPLE) + 1
    assert page_count(document) == len(PEOPLE) + 1
    for section in document.sections:
        assert abs(section.page_width - Mm(297)) <= TWIP
        assert abs(section.page_height - Mm(210)) <= TWIP
        assert section.orientation == docx.enum.section.WD_ORIENT.LANDSCAPE
        assert section.top_margin <= Mm(5)
    # Each card is a paragraph of its own, and every card after the first starts a page.
    with_picture = [p for p in document.paragraphs if p._p.findall(f".//{PICTURE}")]
    cards_only = with_picture[: len(PEOPLE)]
    assert all(len(p._p.findall(f".//{PICTURE}")) == 1 for p in with_picture)
    assert not cards_only[0].paragraph_format.page_break_before
    assert all(p.paragraph_format.page_break_before for p in cards_only[1:])


def test_plates_without_a_complete_seating_keep_the_lists_order():
    plates = [{"name": "甲", "seat": 2}, {"name": "乙"}, {"name": "丙", "seat": 1}]
    assert [p["name"] for p in name_plates.seating_order(plates)] == ["甲", "乙", "丙"]


def test_two_character_names_are_spaced_with_a_full_width_space(meeting, clerk):
    assert cards.spaced("赵强") == "赵\u3000强"
    assert cards.spaced("王晓燕") == "王晓燕"
    assert cards.spaced("欧阳建华") == "欧阳建华"
    assert cards.spaced("Li Na") == "Li Na"
    data = name_plates.collect(request_for(meeting, clerk))
    printed = {plate["name"]: plate["printed"] for plate in data["plates"]}
    assert printed["李明"] == "李\u3000明"
    assert printed["张建国"] == "张建国"


def test_the_cards_upper_half_is_its_lower_half_turned_180_degrees(meeting, clerk):
    data = name_plates.collect(request_for(meeting, clerk))
    _descr, blob = pictures(read(name_plates.render_docx(data)))[0]
    card = Image.open(io.BytesIO(blob)).convert("RGB")
    width, height = card.size
    assert (width, height) == (cards.WIDTH_PX, cards.HEIGHT_PX)
    upper = card.crop((0, 0, width, height // 2))
    lower = card.crop((0, height // 2, width, height))
    assert upper.rotate(180).tobytes() == lower.tobytes()
    # And the name is there: dark ink covers a fair share of the lower half.
    ink = sum(1 for value in lower.convert("L").tobytes() if value < 128)
    assert ink > width * height // 2 * 0.02


def test_the_feedback_qr_is_the_meetings_feedback_link_and_one_invitation_is_made(meeting, clerk):
    first = name_plates.collect(request_for(meeting, clerk))
    second = name_plates.collect(request_for(meeting, clerk))
    invitation = Invitation.objects.get(meeting=meeting)  # idempotent: exactly one
    url = link_for(invitation)
    assert first["feedback"]["url"] == second["feedback"]["url"] == url
    document = read(name_plates.render_docx(first))
    descr, blob = pictures(document)[-1]
    # No QR decoder is installed; the PNG is segno's exact output for that link.
    assert blob == qr.png_bytes(url)
    assert url in descr
    text = text_of(document)
    assert "会后请扫码评价" in text
    assert url in text
    assert "全区重点项目推进会" in text


@pytest.mark.parametrize("persona", ["outsider", "attendant_role"])
def test_a_secret_meeting_gives_a_viewer_without_clearance_no_names_and_no_qr(
    request, secret_meeting, persona
):
    viewer = (
        request.getfixturevalue("outsider") if persona == "outsider" else RoleViewer("attendant")
    )
    data = name_plates.collect(request_for(secret_meeting, viewer))
    assert not data["allowed"]
    assert data["plates"] == []
    assert data["feedback"] is None
    assert not Invitation.objects.filter(meeting=secret_meeting).exists()
    document = read(name_plates.render_docx(data))
    html = render_to_string(name_plates.TEMPLATE, data)
    assert pictures(document) == []
    text = text_of(document)
    assert "涉密会议，无权查看" in text
    assert "涉密会议，无权查看" in html
    for secret in ["绝密项目推进会", *SEATED, *(plate["title"] for plate in PEOPLE)]:
        for shown in (text, html, repr(data)):
            assert secret not in shown, secret


def test_a_cleared_viewer_gets_the_secret_meetings_plates(secret_meeting, clerk):
    assert clerk.has_perm("bookings.view_secret_meeting")
    data = name_plates.collect(request_for(secret_meeting, clerk))
    assert [plate["name"] for plate in data["plates"]] == SEATED


def test_a_meeting_without_plates_says_so_and_still_carries_the_feedback_sheet(book, clerk):
    meeting = book(title="无名牌的会议")
    meeting.orders.filter(kind=OrderKind.NAME_PLATES).delete()
    data = name_plates.collect(request_for(meeting, clerk))
    assert data["plates"] == []
    document = read(name_plates.render_docx(data))
    assert "本会议未登记名牌。" in text_of(document)
    assert [descr[:7] for descr, _blob in pictures(document)] == ["会后请扫码评价"]
    assert page_count(document) == 2


def test_a_cancelled_meeting_gets_no_feedback_link(meeting, clerk):
    services.cancel_meeting(meeting, by=clerk, reason="改期", now=NOW)
    data = name_plates.collect(request_for(meeting, clerk))
    assert data["feedback"] is None
    assert not Invitation.objects.filter(meeting=meeting).exists()


def test_a_name_outside_the_fonts_character_set_is_flagged_for_checking(meeting, clerk):
    plates_order(meeting, clerk, [*PEOPLE, {"name": "朱镕基", "precedence": 6}])
    data = name_plates.collect(request_for(meeting, clerk))
    assert data["summary"]["missing_glyphs"] == ["朱镕基"]
    assert "朱镕基" in render_to_string(name_plates.TEMPLATE, data)


def test_the_print_page_turns_the_upper_half_with_css_and_has_no_inline_style(meeting, clerk):
    data = name_plates.collect(request_for(meeting, clerk))
    html = render_to_string(name_plates.TEMPLATE, data)
    assert html.count('class="plate-half plate-half-upper"') == len(PEOPLE)
    assert html.count("李\u3000明") == 2  # both halves
    assert "reports/name_plates.css" in html
    assert "style=" not in html
    assert "<script>" not in html
    positions = [html.index(f'data-name="{name}"') for name in SEATED]
    assert positions == sorted(positions)
    assert data["feedback"]["svg"] in html
    assert "会后请扫码评价" in html
    with open("static/reports/name_plates.css", encoding="utf-8") as css:
        assert "transform: rotate(180deg)" in css.read()


@pytest.mark.parametrize("count", [2, 9])
def test_collect_costs_three_queries_however_many_plates(meeting, clerk, count):
    people = [{"name": f"人员{i}", "precedence": i} for i in range(1, count + 1)]
    plates_order(meeting, clerk, people)
    name_plates.collect(request_for(meeting, clerk))  # makes the invitation once
    with CaptureQueriesContext(connection) as queries:
        data = name_plates.collect(request_for(meeting, clerk))
        name_plates.render_docx(data)
        render_to_string(name_plates.TEMPLATE, data)
    # The meeting (room, building, unit), its plates order, the invitation.
    assert len(queries) == 3, [q["sql"] for q in queries.captured_queries]
    assert len(data["plates"]) == count
