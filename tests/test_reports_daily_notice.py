"""The daily service notice (每日服务通知): what it lists, how it marks changes, whom it hides
from, its GB/T 9704 layout, its print page, and what it costs in queries."""

import datetime as dt
import io
import json

import docx
import pytest
from django.db.models import Sum
from django.template.loader import render_to_string
from docx.oxml.ns import qn
from docx.shared import Mm, Pt

from bookings import services
from bookings.models import Building, Confidentiality, Meeting
from core.timeutils import at, day_bounds
from reports.builders import BuildRequest, daily_notice
from reports.layout import fonts
from reports.viewers import RoleViewer
from staffing import services as staffing_services
from staffing.models import DutyRole
from tests.conftest import NOW
from tests.staffing_factories import make_staff

DAY = dt.date(2026, 11, 28)  # the day after NOW
SECRET_TITLE = "绝密项目推进会"


# --- helpers shared with the bureau report's tests ---------------------------------------------


def read(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


def all_text(document) -> str:
    parts = [paragraph.text for paragraph in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            parts.extend(cell.text for cell in row.cells)
    return "\n".join(parts)


TWIP = 635  # EMU: Word stores page sizes and margins in twentieths of a point


def same_length(stored: int, expected: int) -> bool:
    """Equal once rounded to the twips the file holds (210 mm is 11906 twips, not 11905.5)."""
    return abs(stored - expected) <= TWIP


def assert_official_layout(document) -> None:
    """GB/T 9704: A4 portrait, margins 37/35/28/26 mm, FangSong 16 pt body, 22 pt title, page
    numbers as a PAGE field in 14 pt, table headers repeating and rows that never split."""
    section = document.sections[0]
    assert same_length(section.page_width, Mm(210))
    assert same_length(section.page_height, Mm(297))
    assert section.page_width < section.page_height  # portrait
    assert same_length(section.top_margin, Mm(37))
    assert same_length(section.bottom_margin, Mm(35))
    assert same_length(section.left_margin, Mm(28))
    assert same_length(section.right_margin, Mm(26))
    names = fonts()
    normal = document.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.rFonts.get(qn("w:eastAsia")) == names["body"]
    title = document.styles["Title"]
    assert title.font.size == Pt(22)
    assert title.element.rPr.rFonts.get(qn("w:eastAsia")) == names["title"]
    assert document.styles["Footer"].font.size == Pt(14)
    instructions = section.footer._element.xpath(".//w:instrText")
    assert any("PAGE" in element.text for element in instructions)
    assert document.tables, "the document has a table"
    for table in document.tables:
        rows = list(table.rows)
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        for row in rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None


def is_shaded(row) -> bool:
    return any(cell._tc.tcPr.find(qn("w:shd")) is not None for cell in row.cells)


def snapshot_round_trip(snapshot: dict) -> dict:
    """What the next version receives: the snapshot as stored in a JSONField."""
    return json.loads(json.dumps(snapshot))


# --- fixtures ------------------------------------------------------------------------------------


@pytest.fixture
def clerk_view(role_groups):
    return RoleViewer("clerk")


@pytest.fixture
def buildings(db, building):
    return {code: Building.objects.get(code=code) for code in ("main", "east", "conference")}


@pytest.fixture
def rooms(create_room, buildings):
    return {
        "main": create_room(number="M101", building=buildings["main"], capacity=60),
        "east": create_room(number="E201", building=buildings["east"], capacity=40),
        "conference": create_room(number="C301", building=buildings["conference"], capacity=80),
        "conference2": create_room(number="C302", building=buildings["conference"], capacity=50),
    }


@pytest.fixture
def seeded_day(book, rooms, leader, clerk):
    """Five active meetings on DAY in three buildings, one cancelled, one on the next day,
    one secret, with duties on two of them."""
    meetings = {
        "main_am": book(
            room=rooms["main"],
            title="区政府常务会议",
            start=at(DAY, 9),
            end=at(DAY, 11),
            attendees=40,
            leader=leader,
            layout="boardroom",
            notes="需投影",
        ),
        "main_pm": book(room=rooms["main"], start=at(DAY, 14), end=at(DAY, 16), attendees=20),
        "east": book(room=rooms["east"], start=at(DAY, 10), end=at(DAY, 11), attendees=15),
        "conf": book(room=rooms["conference"], start=at(DAY, 8), end=at(DAY, 9), attendees=30),
        "secret": book(
            room=rooms["conference2"],
            title=SECRET_TITLE,
            start=at(DAY, 15),
            end=at(DAY, 17),
            attendees=37,
            leader=leader,
            confidentiality=Confidentiality.SECRET,
            notes="涉密备注内容",
        ),
        "cancelled": book(room=rooms["conference"], start=at(DAY, 13), end=at(DAY, 14)),
        "tomorrow": book(room=rooms["east"], start=at(DAY + dt.timedelta(days=1), 9)),
    }
    services.cancel_meeting(meetings["cancelled"], by=clerk, reason="取消", now=NOW)
    lead = make_staff(name="赵敏", is_group_leader=True)
    helper = make_staff(name="周婷")
    staffing_services.assign_duty(
        meetings["main_am"], by=clerk, staff=lead, role=DutyRole.LEAD, now=NOW
    )
    staffing_services.assign_duty(
        meetings["main_am"], by=clerk, staff=helper, role=DutyRole.ATTENDANT, now=NOW
    )
    cleared = make_staff(name="钱进", authorised=True)
    staffing_services.assign_duty(
        meetings["secret"], by=clerk, staff=cleared, role=DutyRole.ATTENDANT, now=NOW
    )
    return meetings


def request_for(viewer, *, day=DAY, previous=None) -> BuildRequest:
    return BuildRequest(
        kind="daily_notice",
        period_start=day,
        period_end=day,
        viewer=viewer,
        now=NOW,
        previous_snapshot=previous,
    )


def rows_of(data: dict) -> list[dict]:
    return [row for group in data["buildings"] for row in group["rows"]]


# --- content ---------------------------------------------------------------------------------


def test_the_notice_is_an_official_document(seeded_day, clerk_view):
    data = daily_notice.collect(request_for(clerk_view))
    document = read(daily_notice.render_docx(data))
    assert_official_layout(document)
    assert document.paragraphs[0].text == "每日服务通知"
    assert document.paragraphs[0].style.name == "Title"
    text = all_text(document)
    assert "2026年11月28日（星期六）" in text
    assert "信息处理中心" in text


def test_the_counts_equal_the_databases_and_leave_out_cancelled_meetings(seeded_day, clerk_view):
    data = daily_notice.collect(request_for(clerk_view))
    start, end = day_bounds(DAY)
    day = Meeting.objects.active().filter(start__gte=start, start__lt=end)
    assert data["summary"]["meetings"] == day.count() == 5
    assert data["summary"]["attendees"] == day.aggregate(n=Sum("attendees"))["n"]
    for name, figures in data["summary"]["by_building"].items():
        in_building = day.filter(room__building__name=name)
        assert figures["meetings"] == in_building.count()
        assert figures["attendees"] == in_building.aggregate(n=Sum("attendees"))["n"]
        for level in "ABC":
            assert figures["levels"][level] == in_building.filter(level=level).count()
    assert list(data["summary"]["by_building"]) == ["主楼", "东楼", "会议大厦"]
    assert data["summary"]["by_building"]["主楼"]["staff"] == 2
    ids = {row["id"] for row in rows_of(data)}
    assert seeded_day["cancelled"].pk not in ids
    assert seeded_day["tomorrow"].pk not in ids
    text = all_text(read(daily_notice.render_docx(data)))
    assert "小计：会议2场，参会60人" in text  # 主楼: 40 + 20


def test_a_row_prints_times_arrival_orders_staff_and_leader(seeded_day, clerk_view):
    data = daily_notice.collect(request_for(clerk_view))
    first = data["buildings"][0]
    assert first["name"] == "主楼"
    row = first["rows"][0]
    assert row["id"] == seeded_day["main_am"].pk
    assert row["cells"][0] == "09:00–11:00\n到岗 08:30"
    assert row["unit"] == "区发改委"
    assert row["leader"] == "张建国 副区长（区级）"
    assert row["staff"] == "赵敏（组长）、周婷"
    assert row["layout"] == "会议桌式"
    assert "备注：需投影" in row["cells"][5]
    orders = seeded_day["main_am"].orders.exclude(status="cancelled")
    assert orders.exists()
    assert all(daily_notice.ORDER_KINDS[order.kind] in row["services"] for order in orders)
    assert row["services"].startswith("会务：")
    # Only counted services carry a number: 名牌12, 礼仪4, 鲜花2 but 茶水, 会场布置.
    assert "茶水" in row["services"]
    assert "茶水1" not in row["services"]
    assert "会场布置1" not in row["services"]
    # Rows run in time order within their building.
    assert [r["time"] for r in first["rows"]] == ["09:00–11:00", "14:00–16:00"]


def test_a_day_without_meetings_still_makes_a_notice(db, clerk_view):
    data = daily_notice.collect(request_for(clerk_view))
    assert data["summary"]["meetings"] == 0
    text = all_text(read(daily_notice.render_docx(data)))
    assert "本日无会议安排" in text


# --- changes since the previous version -----------------------------------------------------------


def test_after_one_reschedule_exactly_that_row_is_marked(seeded_day, clerk_view, clerk):
    first = daily_notice.collect(request_for(clerk_view))
    assert not any(row["changed"] for row in rows_of(first))
    assert first["legend"] == ""

    moved = seeded_day["east"]
    services.reschedule_meeting(moved, by=clerk, start=at(DAY, 16), end=at(DAY, 17, 30), now=NOW)
    second = daily_notice.collect(
        request_for(RoleViewer("clerk"), previous=snapshot_round_trip(first["snapshot"]))
    )
    changed = [row["id"] for row in rows_of(second) if row["changed"]]
    assert changed == [moved.pk]
    assert second["summary"]["changed"] == 1
    assert second["snapshot"]["rows"][str(moved.pk)] != first["snapshot"]["rows"][str(moved.pk)]

    document = read(daily_notice.render_docx(second))
    marked = []
    for table in document.tables:
        for row in list(table.rows)[1:]:
            starred = row.cells[0].text.startswith("★")
            assert starred == is_shaded(row)
            if starred:
                marked.append(row.cells[0].text)
    assert marked == ["★16:00–17:30\n到岗 15:30"]
    assert any(paragraph.text == daily_notice.LEGEND for paragraph in document.paragraphs)

    html = render_to_string(daily_notice.TEMPLATE, second)
    assert html.count('class="notice-row is-changed') == 1
    assert f'data-meeting="{moved.pk}"' in html
    assert html.count("★") == 2  # the row's mark and the legend
    assert "标有“★”" in html


def test_the_same_day_unchanged_marks_nothing_and_a_new_meeting_is_marked(
    seeded_day, clerk_view, book, rooms
):
    first = daily_notice.collect(request_for(clerk_view))
    same = daily_notice.collect(
        request_for(RoleViewer("clerk"), previous=snapshot_round_trip(first["snapshot"]))
    )
    assert same["summary"]["changed"] == 0
    added = book(room=rooms["east"], start=at(DAY, 18), end=at(DAY, 19))
    later = daily_notice.collect(
        request_for(RoleViewer("clerk"), previous=snapshot_round_trip(first["snapshot"]))
    )
    assert [row["id"] for row in rows_of(later) if row["changed"]] == [added.pk]


def test_a_meeting_cancelled_since_the_previous_version_is_reported_as_removed(
    seeded_day, clerk_view, clerk
):
    first = daily_notice.collect(request_for(clerk_view))
    services.cancel_meeting(seeded_day["conf"], by=clerk, reason="改期", now=NOW)
    second = daily_notice.collect(
        request_for(RoleViewer("clerk"), previous=snapshot_round_trip(first["snapshot"]))
    )
    assert second["removed"] == 1
    assert second["summary"]["changed"] == 0
    assert "有1场已取消或调整至他日" in all_text(read(daily_notice.render_docx(second)))


# --- confidentiality --------------------------------------------------------------------------


# What the secret meeting of the seeded day would print to a viewer who may see it.
SECRET_DETAILS = (SECRET_TITLE, "张建国", "涉密备注内容", "37人")


@pytest.mark.parametrize("persona", ["outsider", "attendant_role"])
def test_a_secret_meeting_shows_nothing_but_time_and_room_to_a_viewer_without_clearance(
    request, seeded_day, persona
):
    viewer = (
        request.getfixturevalue("outsider") if persona == "outsider" else RoleViewer("attendant")
    )
    request.getfixturevalue("role_groups")
    data = daily_notice.collect(request_for(viewer))
    secret = next(row for row in rows_of(data) if row["id"] == seeded_day["secret"].pk)
    assert secret["hidden"]
    assert secret["title"] == "涉密会议"
    assert secret["attendees"] is None
    assert secret["leader"] == secret["notes"] == secret["unit"] == ""
    # Nor do its attendees reach the totals, which would reveal them by subtraction.
    assert data["summary"]["by_building"]["会议大厦"]["attendees"] == 30
    text = all_text(read(daily_notice.render_docx(data)))
    html = render_to_string(daily_notice.TEMPLATE, data)
    assert "涉密会议" in text
    assert "涉密会议" in html
    for detail in SECRET_DETAILS:
        if detail == "张建国":
            # The leader convenes another, ordinary meeting that day: check the secret row.
            assert detail not in "\n".join(secret["cells"])
            continue
        assert detail not in text, detail
        assert detail not in html, detail


def test_a_secret_meeting_shows_its_details_to_a_viewer_who_may_see_them(seeded_day, clerk_view):
    assert clerk_view.has_perm("bookings.view_secret_meeting")
    data = daily_notice.collect(request_for(clerk_view))
    secret = next(row for row in rows_of(data) if row["id"] == seeded_day["secret"].pk)
    assert not secret["hidden"]
    text = all_text(read(daily_notice.render_docx(data)))
    html = render_to_string(daily_notice.TEMPLATE, data)
    for detail in SECRET_DETAILS:
        assert detail in text, detail
        assert detail in html, detail
    assert "\n".join(secret["cells"]).count("张建国") == 1


def test_the_leaders_service_notes_are_never_printed(seeded_day, clerk_view, leader):
    leader.service_notes = "只喝龙井"
    leader.save(update_fields=["service_notes"])
    data = daily_notice.collect(request_for(clerk_view))
    assert "龙井" not in all_text(read(daily_notice.render_docx(data)))


# --- the print page -------------------------------------------------------------------------------


def test_the_print_page_shows_the_same_rows_without_inline_style_or_script(seeded_day, clerk_view):
    data = daily_notice.collect(request_for(clerk_view))
    html = render_to_string(daily_notice.TEMPLATE, data)
    for row in rows_of(data):
        assert f'data-meeting="{row["id"]}"' in html
    assert html.count('class="notice-row') == len(rows_of(data))
    assert "每日服务通知" in html
    assert "2026年11月28日（星期六）" in html
    assert "reports/print.css" in html
    assert "style=" not in html
    assert "<style" not in html
    assert "<script>" not in html
    assert "<nav" not in html
    for group in data["buildings"]:
        assert group["summary_text"] in html


# --- queries --------------------------------------------------------------------------------------


def busy_day(book, create_room, building, count: int, clerk) -> None:
    """`count` meetings on DAY, three per room, one secret, each with a duty on the first."""
    staff = make_staff(name="孙丽", is_group_leader=True)
    for index in range(count):
        if index % 3 == 0:
            room = create_room(number=f"Q{index}")
        meeting = book(
            room=room,
            start=at(DAY, 8 + 3 * (index % 3)),
            end=at(DAY, 10 + 3 * (index % 3)),
            confidentiality=Confidentiality.SECRET if index == 1 else Confidentiality.NORMAL,
        )
        if index == 0:
            staffing_services.assign_duty(
                meeting, by=clerk, staff=staff, role=DutyRole.LEAD, now=NOW
            )


# meetings, their orders, their duties with staff, the role's permissions (asked once).
NOTICE_QUERIES = 4


@pytest.mark.parametrize("count", [3, 30])
def test_the_notice_costs_the_same_queries_for_3_or_30_meetings(
    count, book, create_room, building, clerk, role_groups, django_assert_num_queries
):
    busy_day(book, create_room, building, count, clerk)
    viewer = RoleViewer("clerk")
    with django_assert_num_queries(NOTICE_QUERIES):
        data = daily_notice.collect(request_for(viewer))
    assert data["summary"]["meetings"] == count
    with django_assert_num_queries(0):
        daily_notice.render_docx(data)
        render_to_string(daily_notice.TEMPLATE, data)
