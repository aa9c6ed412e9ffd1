"""The banner sheet (会标制作单): the banner text large, the making notes, who ordered it, what a
viewer without clearance gets, the print page, and what it costs in queries."""

import datetime as dt
import io

import docx
import pytest
from django.db import connection
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from docx.shared import Mm

from bookings import orders
from bookings.models import Confidentiality, OrderKind
from reports.builders import BuildRequest, banner
from reports.viewers import RoleViewer
from tests.conftest import NOW

TWIP = 635
BANNER_TEXT = "全区重点项目推进工作会议"


def banner_order(meeting, clerk, details, note=""):
    existing = meeting.orders.filter(kind=OrderKind.BANNER).first()
    if existing is None:
        return orders.add_order(
            meeting, by=clerk, kind=OrderKind.BANNER, details=details, note=note
        )
    return orders.update_order(existing, by=clerk, details=details, note=note)


def request_for(meeting, viewer) -> BuildRequest:
    day = meeting.start.date()
    return BuildRequest(
        kind="banner",
        period_start=day,
        period_end=day,
        viewer=viewer,
        now=NOW,
        meeting_id=meeting.pk,
    )


def text_of(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


@pytest.fixture
def meeting(book, clerk):
    meeting = book(title="重点项目推进会", contact_name="李明", contact_phone="13800138000")
    banner_order(
        meeting,
        clerk,
        {"text": BANNER_TEXT, "size": "8米×0.8米", "colour": "红底白字"},
        note="请于前一天下午布置到位",
    )
    return meeting


def test_the_sheet_holds_the_banner_text_and_the_making_notes(meeting, clerk):
    data = banner.collect(request_for(meeting, clerk))
    assert data["text"] == BANNER_TEXT
    assert not data["from_title"]
    rows = {row["label"]: row["value"] for row in data["rows"]}
    assert rows["尺寸"] == "8米×0.8米"
    assert rows["颜色"] == "红底白字"
    assert rows["备注"] == "请于前一天下午布置到位"
    assert rows["主办单位"] == "区发展和改革委员会"
    assert rows["联系人"] == "李明　13800138000"
    assert rows["登记人"] == "王晓燕"
    assert rows["会议名称"] == "重点项目推进会"
    assert "2026年11月28日（星期六）" in rows["会议时间"]
    content = banner.render_docx(data)
    document = docx.Document(io.BytesIO(content))
    section = document.sections[0]
    assert abs(section.page_width - Mm(297)) <= TWIP
    assert abs(section.page_height - Mm(210)) <= TWIP
    text = text_of(content)
    for expected in (BANNER_TEXT, "会标制作单", "8米×0.8米", "红底白字", "王晓燕"):
        assert expected in text
    big = next(p for p in document.paragraphs if p.text == BANNER_TEXT)
    assert big.runs[0].font.size.pt >= 28


def test_without_banner_text_the_meetings_title_stands_in_and_the_sheet_says_so(book, clerk):
    meeting = book(title="季度安全生产例会")
    meeting.orders.filter(kind=OrderKind.BANNER).delete()
    data = banner.collect(request_for(meeting, clerk))
    assert data["text"] == "季度安全生产例会"
    assert data["from_title"]
    text = text_of(banner.render_docx(data))
    assert "按会议名称制作" in text


@pytest.mark.parametrize("persona", ["outsider", "attendant_role"])
def test_a_secret_meeting_gives_a_viewer_without_clearance_no_banner_text(
    request, book, clerk, persona
):
    meeting = book(
        title="绝密项目推进会",
        confidentiality=Confidentiality.SECRET,
        contact_name="李明",
        start=NOW + dt.timedelta(days=1, hours=4),
    )
    banner_order(meeting, clerk, {"text": "绝密项目会标", "size": "6米"})
    viewer = (
        request.getfixturevalue("outsider") if persona == "outsider" else RoleViewer("attendant")
    )
    data = banner.collect(request_for(meeting, viewer))
    assert not data["allowed"]
    text = text_of(banner.render_docx(data))
    html = render_to_string(banner.TEMPLATE, data)
    assert "涉密会议，无权查看" in text
    assert "涉密会议，无权查看" in html
    for secret in ("绝密项目推进会", "绝密项目会标", "6米", "李明", "区发展和改革委员会"):
        for shown in (text, html, repr(data)):
            assert secret not in shown, secret
    # A cleared viewer sees it.
    assert banner.collect(request_for(meeting, clerk))["text"] == "绝密项目会标"


def test_the_print_page_shows_the_text_landscape_and_without_inline_style(meeting, clerk):
    data = banner.collect(request_for(meeting, clerk))
    html = render_to_string(banner.TEMPLATE, data)
    assert f'<p class="banner-text">{BANNER_TEXT}</p>' in html
    assert "reports/name_plates.css" in html
    assert "8米×0.8米" in html
    assert "style=" not in html


def test_collect_costs_two_queries(meeting, clerk):
    with CaptureQueriesContext(connection) as queries:
        data = banner.collect(request_for(meeting, clerk))
        banner.render_docx(data)
        render_to_string(banner.TEMPLATE, data)
    # The meeting (room, building, unit) and its banner order (with its clerk).
    assert len(queries) == 2, [q["sql"] for q in queries.captured_queries]
