"""The bureau report (会务安排情况): a period's meetings by day then time, with totals, in the
GB/T 9704 layout, through the visibility policy, at a constant number of queries."""

import datetime as dt

import pytest
from django.db.models import Sum
from django.template.loader import render_to_string

from bookings import services
from bookings.models import Building, Confidentiality, Meeting
from core.timeutils import at, day_bounds
from reports.builders import BuildRequest, bureau_report
from reports.viewers import RoleViewer
from tests.conftest import NOW
from tests.test_reports_daily_notice import all_text, assert_official_layout, read

FIRST = dt.date(2026, 11, 30)  # a Monday
LAST = dt.date(2026, 12, 4)  # that Friday
SECRET_TITLE = "绝密专题研究会"


@pytest.fixture
def rooms(create_room, building):
    main = Building.objects.get(code="main")
    east = Building.objects.get(code="east")
    return {
        "main": create_room(number="M1", building=main, capacity=80),
        "east": create_room(number="E1", building=east, capacity=50),
        "conference": create_room(number="C1", building=building, capacity=60),
    }


@pytest.fixture
def week(book, rooms, leader, clerk):
    """Six meetings in the period (one cancelled, one secret) and one on each side of it."""
    meetings = {
        "mon_pm": book(room=rooms["main"], start=at(FIRST, 14), end=at(FIRST, 16), attendees=30),
        "mon_am": book(
            room=rooms["east"],
            start=at(FIRST, 9),
            end=at(FIRST, 10),
            attendees=12,
            leader=leader,
            title="发改工作推进会",
        ),
        "wed": book(
            room=rooms["conference"],
            start=at(FIRST + dt.timedelta(days=2), 10),
            end=at(FIRST + dt.timedelta(days=2), 12),
            attendees=50,
        ),
        "fri_late": book(room=rooms["main"], start=at(LAST, 19), end=at(LAST, 21), attendees=8),
        "secret": book(
            room=rooms["east"],
            start=at(LAST, 9),
            end=at(LAST, 11),
            attendees=41,
            leader=leader,
            title=SECRET_TITLE,
            confidentiality=Confidentiality.SECRET,
        ),
        "cancelled": book(room=rooms["conference"], start=at(LAST, 9), end=at(LAST, 10)),
        "before": book(room=rooms["main"], start=at(FIRST - dt.timedelta(days=1), 9)),
        "after": book(room=rooms["main"], start=at(LAST + dt.timedelta(days=1), 9)),
    }
    services.cancel_meeting(meetings["cancelled"], by=clerk, reason="取消", now=NOW)
    return meetings


def request_for(viewer, first=FIRST, last=LAST) -> BuildRequest:
    return BuildRequest(
        kind="bureau_report", period_start=first, period_end=last, viewer=viewer, now=NOW
    )


def active_in_period():
    start, _end = day_bounds(FIRST)
    _start, end = day_bounds(LAST)
    return Meeting.objects.active().filter(start__gte=start, start__lt=end)


def test_the_report_is_an_official_document(week, role_groups):
    data = bureau_report.collect(request_for(RoleViewer("clerk")))
    document = read(bureau_report.render_docx(data))
    assert_official_layout(document)
    assert len(document.tables) == 2  # the meetings and the totals by building
    assert document.paragraphs[0].text == "会务安排情况"
    assert document.paragraphs[0].style.name == "Title"
    text = all_text(document)
    assert "2026年11月30日（星期一）至2026年12月4日（星期五）" in text
    assert "信息处理中心" in text


def test_meetings_run_by_day_then_time_and_only_within_the_period(week, role_groups):
    data = bureau_report.collect(request_for(RoleViewer("clerk")))
    ids = [row["id"] for row in data["rows"]]
    expected = ["mon_am", "mon_pm", "wed", "secret", "cancelled", "fri_late"]
    assert ids[:3] == [week[key].pk for key in expected[:3]]
    assert set(ids[3:5]) == {week["secret"].pk, week["cancelled"].pk}  # both at 09:00
    assert ids[5] == week["fri_late"].pk
    assert week["before"].pk not in ids
    assert week["after"].pk not in ids
    first = data["rows"][0]
    assert first["cells"][0] == "11月30日\n星期一"
    assert first["cells"][1] == "09:00–10:00"
    assert first["cells"][2] == "东楼\nE1 第E1会议室"
    assert first["unit"] == "区发改委"
    assert first["leader"] == "张建国 副区长（区级）"
    assert first["status"] == "待确认"
    cancelled = next(row for row in data["rows"] if row["id"] == week["cancelled"].pk)
    assert cancelled["status"] == "已取消"


def test_the_totals_equal_the_databases_and_leave_out_cancelled_meetings(week, role_groups):
    data = bureau_report.collect(request_for(RoleViewer("clerk")))
    period = active_in_period()
    totals = data["totals"]
    assert totals["meetings"] == period.count() == 5
    assert totals["attendees"] == period.aggregate(n=Sum("attendees"))["n"]
    assert totals["cancelled"] == 1
    for level in "ABC":
        assert totals["levels"][level] == period.filter(level=level).count()
    for name, figures in totals["by_building"].items():
        assert figures["meetings"] == period.filter(room__building__name=name).count()
    assert list(totals["by_building"]) == ["主楼", "东楼", "会议大厦"]
    assert data["summary"]["meetings"] == 5
    document = read(bureau_report.render_docx(data))
    totals_table = document.tables[1]
    last = [cell.text for cell in list(totals_table.rows)[-1].cells]
    assert last[:3] == ["合计", "5", str(totals["attendees"])]
    assert "另有1场会议已取消，未计入" in all_text(document)


@pytest.mark.parametrize("persona", ["outsider", "bureau_role"])
def test_a_secret_meeting_is_hidden_from_a_viewer_without_clearance(
    request, week, role_groups, persona
):
    viewer = request.getfixturevalue("outsider") if persona == "outsider" else RoleViewer("bureau")
    data = bureau_report.collect(request_for(viewer))
    secret = next(row for row in data["rows"] if row["id"] == week["secret"].pk)
    assert secret["hidden"]
    assert secret["title"] == "涉密会议"
    assert secret["attendees"] is None
    assert secret["leader"] == secret["unit"] == secret["level"] == ""
    assert "张建国" not in "\n".join(secret["cells"])
    text = all_text(read(bureau_report.render_docx(data)))
    html = render_to_string(bureau_report.TEMPLATE, data)
    for output in (text, html):
        assert SECRET_TITLE not in output
        assert "41人" not in output
        assert "涉密会议" in output
    # Its attendees stay out of the totals, which would otherwise reveal them.
    assert data["totals"]["attendees"] == 30 + 12 + 50 + 8
    assert data["totals"]["hidden"] == 1


def test_a_secret_meeting_shows_its_details_to_a_viewer_who_may_see_them(week, role_groups, clerk):
    for viewer in (RoleViewer("clerk"), clerk):
        data = bureau_report.collect(request_for(viewer))
        secret = next(row for row in data["rows"] if row["id"] == week["secret"].pk)
        assert not secret["hidden"]
        text = all_text(read(bureau_report.render_docx(data)))
        html = render_to_string(bureau_report.TEMPLATE, data)
        for output in (text, html):
            assert SECRET_TITLE in output
            assert "41人" in output


def test_the_print_page_shows_the_same_rows_and_totals(week, role_groups):
    data = bureau_report.collect(request_for(RoleViewer("clerk")))
    html = render_to_string(bureau_report.TEMPLATE, data)
    assert html.count('class="report-row') == len(data["rows"]) == 6
    for row in data["rows"]:
        assert f'data-meeting="{row["id"]}"' in html
    assert html.count("is-cancelled") == 1
    assert data["totals_text"] in html
    assert "style=" not in html
    assert "<script>" not in html


def test_a_single_day_and_an_empty_period_make_a_report(db, role_groups):
    day = dt.date(2027, 1, 4)
    data = bureau_report.collect(request_for(RoleViewer("clerk"), day, day))
    assert data["period_text"] == "2027年1月4日（星期一）"
    assert data["totals"]["meetings"] == 0
    text = all_text(read(bureau_report.render_docx(data)))
    assert "本期无会议安排" in text


# The meetings with room, building, unit and leader; the role's permissions (asked once).
BUREAU_QUERIES = 2


@pytest.mark.parametrize("count", [3, 30])
def test_the_report_costs_the_same_queries_for_3_or_30_meetings(
    count, book, create_room, role_groups, django_assert_num_queries
):
    for index in range(count):
        if index % 5 == 0:
            room = create_room(number=f"Q{index}")
        day = FIRST + dt.timedelta(days=index % 5)
        book(
            room=room,
            start=at(day, 9 + index // 5 % 5 * 2),
            end=at(day, 10 + index // 5 % 5 * 2),
            confidentiality=Confidentiality.SECRET if index == 1 else Confidentiality.NORMAL,
        )
    viewer = RoleViewer("bureau")
    with django_assert_num_queries(BUREAU_QUERIES):
        data = bureau_report.collect(request_for(viewer))
    assert len(data["rows"]) == count
    with django_assert_num_queries(0):
        bureau_report.render_docx(data)
        render_to_string(bureau_report.TEMPLATE, data)
