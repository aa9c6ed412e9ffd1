"""The weekly business briefing (issue 7 points 2 and 5): its figures equal the database's in a
seeded week, it compares with the week before, it reads in a constant number of queries, and
its Word file follows GB/T 9704."""

import datetime as dt
import io
from collections import Counter
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.db import connection
from django.db.models import F
from django.template.loader import render_to_string
from django.test.utils import CaptureQueriesContext
from docx import Document as read_docx
from docx.oxml.ns import qn
from docx.shared import Pt

from bookings import orders, services
from bookings.models import Building, HostingUnit, OrderStatus, PackageItem, Room, ServiceOrder
from inspections.models import Check, CheckStatus, Incident, ServiceRequest
from reports.builders import BuildRequest, weekly_briefing
from reports.layout import fonts
from reports.viewers import RoleViewer
from staffing.models import Duty, DutyStatus, Team
from tests.staffing_factories import make_staff

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = dt.date(2026, 11, 30)
LAST_MONDAY = MONDAY - dt.timedelta(days=7)
GENERATED = dt.datetime(2026, 12, 7, 8, 0, tzinfo=TZ)  # the Monday after, 08:00


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=TZ)


def day(n: int) -> dt.date:
    return MONDAY + dt.timedelta(days=n)


def briefing(now=GENERATED) -> dict:
    request = BuildRequest(
        kind="weekly_briefing",
        period_start=MONDAY,
        period_end=MONDAY + dt.timedelta(days=6),
        viewer=RoleViewer("supervisor"),
        now=now,
    )
    return weekly_briefing.collect(request)


@pytest.fixture
def week(db, book, clerk, room, building, hosting_unit):
    """Four active meetings this week in two buildings (one on Saturday, one partly after
    18:00), one cancelled, one rescheduled; two meetings last week."""
    PackageItem.objects.all().delete()  # no package orders: the test adds its own
    east, _created = Building.objects.get_or_create(
        code="east", defaults={"name": "东楼", "sort_order": 2}
    )
    east_room = Room.objects.create(
        building=east,
        number="E101",
        name="东楼第一会议室",
        floor=1,
        capacity=40,
        setup_minutes=15,
        teardown_minutes=10,
    )
    Room.objects.create(
        building=east,
        number="E201",
        name="办公室",
        floor=2,
        capacity=4,
        kind=Room.Kind.OFFICE,
        setup_minutes=0,
        teardown_minutes=0,
    )
    other_unit = HostingUnit.objects.create(name="区财政局", short_name="区财政局")
    m1 = book(start=at(day(0), 9), end=at(day(0), 11), attendees=12)
    m2 = book(start=at(day(1), 17), end=at(day(1), 19), attendees=20)
    m3 = book(
        start=at(day(2), 10),
        end=at(day(2), 12),
        attendees=8,
        room=east_room,
        hosting_unit=other_unit,
    )
    m3 = services.reschedule_meeting(
        m3, by=clerk, start=at(day(2), 14), end=at(day(2), 16), now=at(day(-3), 10)
    )
    m4 = book(start=at(day(3), 10), end=at(day(3), 11), attendees=30, room=east_room)
    m5 = book(start=at(day(5), 10), end=at(day(5), 12), attendees=5, room=east_room)
    last_now = at(LAST_MONDAY, 8) - dt.timedelta(days=3)
    m6 = book(
        start=at(LAST_MONDAY + dt.timedelta(days=1), 10),
        end=at(LAST_MONDAY + dt.timedelta(days=1), 11),
        attendees=10,
        now=last_now,
    )
    m7 = book(
        start=at(LAST_MONDAY + dt.timedelta(days=2), 10),
        end=at(LAST_MONDAY + dt.timedelta(days=2), 12),
        attendees=6,
        room=east_room,
        now=last_now,
    )
    # Orders: tea delivered for m1, flowers still open for m2, tea for m4 (cancelled with it).
    tea = orders.add_order(m1, by=clerk, kind="tea", now=at(day(-3), 10))
    ServiceOrder.objects.filter(pk=tea.pk).update(status=OrderStatus.DELIVERED)
    orders.add_order(m2, by=clerk, kind="flowers", now=at(day(-3), 10))
    orders.add_order(m4, by=clerk, kind="tea", now=at(day(-3), 10))
    services.cancel_meeting(m4, by=clerk, reason="领导另有安排", now=at(day(-3), 11))
    # Checks: m1 all on time; m2 level 1 late, 2 and 3 on time; m3 none done; m5 level 1 only.
    grace = dt.timedelta(minutes=settings.CHECK_ESCALATE_MINUTES)

    def done(meeting, level, *, late=False):
        checks = Check.objects.filter(meeting=meeting, level=level)
        if late:
            checks.update(
                status=CheckStatus.DONE,
                escalated_at=F("due_at") + grace,
                done_at=F("due_at") + grace + dt.timedelta(minutes=10),
            )
        else:
            checks.update(status=CheckStatus.DONE, done_at=F("due_at") + dt.timedelta(minutes=5))

    for level in (1, 2, 3):
        done(m1, level)
    done(m2, 1, late=True)
    done(m2, 2)
    done(m2, 3)
    done(m5, 1)
    done(m6, 1)  # last week: 1 on time, 5 missed
    Incident.objects.create(
        meeting=m3,
        category="equipment",
        description="话筒无声",
        reported_at=at(day(2), 14, 30),
        resolved_at=at(day(2), 15),
    )
    Incident.objects.create(category="cleaning", description="地面积水", reported_at=at(day(4), 9))
    ServiceRequest.objects.create(
        what="加茶水", logged_at=at(day(1), 10), done_at=at(day(1), 10, 30)
    )
    # Duties: arrival 30 minutes before the start to the end.
    team_a = Team.objects.create(name="会议服务一组")
    team_b = Team.objects.create(name="会议服务二组")
    first = make_staff(name="王芳", team=team_a, days=[])
    second = make_staff(name="李娜", team=team_b, days=[])
    third = make_staff(name="张伟", days=[])

    def duty(staff, meeting, **fields):
        return Duty.objects.create(
            staff=staff,
            meeting=meeting,
            role="attendant",
            building=meeting.room.building,
            start=meeting.start - dt.timedelta(minutes=30),
            end=meeting.end,
            assigned_at=at(day(-3), 10),
            **fields,
        )

    duty(first, m1)
    duty(first, m3)
    duty(second, m2)
    duty(third, m5)
    duty(third, m1, status=DutyStatus.RELEASED)
    return {
        "meetings": [m1, m2, m3, m5],
        "cancelled": m4,
        "last_week": [m6, m7],
        "conference": building,
        "east": east,
        "unit": hosting_unit,
        "other_unit": other_unit,
    }


def test_the_meeting_figures_equal_the_database(week):
    data = briefing()
    meetings = data["this_week"]["meetings"]
    assert meetings["total"] == 4
    assert meetings["attendees"] == 12 + 20 + 8 + 5
    assert meetings["cancelled"] == 1
    by_building = {r["building"]: (r["meetings"], r["attendees"]) for r in meetings["by_building"]}
    assert by_building == {week["conference"].pk: (2, 32), week["east"].pk: (2, 13)}
    levels = Counter(m.level for m in week["meetings"])
    assert {r["level"]: r["meetings"] for r in meetings["by_level"]} == {
        level: levels.get(level, 0) for level in ("A", "B", "C")
    }
    assert {r["label"]: r["meetings"] for r in meetings["by_unit"]} == {
        "区发改委": 3,
        "区财政局": 1,
    }
    assert [d["meetings"] for d in meetings["per_day"]] == [1, 1, 1, 0, 0, 1, 0]
    assert data["this_week"]["changes"]["rescheduled"] == 1
    assert data["this_week"]["changes"]["reschedules"] == 1


def test_room_use_counts_meeting_time_inside_working_hours_of_meeting_rooms(week):
    use = data = briefing()["this_week"]["room_use"]
    assert use["working_days"] == 5
    rows = {r["building"]: r for r in data["rows"]}
    conference, east = rows[week["conference"].pk], rows[week["east"].pk]
    rooms_here = Room.objects.filter(building=week["conference"], kind="meeting", in_service=True)
    # m1 09:00-11:00 counts 2 h; m2 17:00-19:00 only 1 h (the room is available until 18:00).
    assert conference["booked_hours"] == 3.0
    assert conference["available_hours"] == rooms_here.count() * 5 * 10
    # East: m3 2 h; the Saturday meeting and the office room do not count.
    assert east["rooms"] == 1
    assert east["booked_hours"] == 2.0
    assert east["available_hours"] == 50.0
    assert east["percent"] == 4.0


def test_services_checks_incidents_and_requests_equal_the_database(week):
    this = briefing()["this_week"]
    assert {r["kind"]: (r["ordered"], r["delivered"]) for r in this["services"]} == {
        "tea": (1, 1),
        "flowers": (1, 0),
    }
    checks = {
        r["level"]: (r["on_time"], r["late"], r["missed"], r["pending"]) for r in this["checks"]
    }
    assert checks == {1: (2, 1, 1, 0), 2: (2, 0, 2, 0), 3: (2, 0, 2, 0)}
    assert this["headline"]["checks_on_time_percent"] == 50.0
    incidents = {r["kind"]: r for r in this["incidents"]["rows"]}
    assert incidents["equipment"]["resolved"] == 1
    assert incidents["equipment"]["median_hours"] == 0.5
    assert incidents["cleaning"]["open"] == 1
    assert this["incidents"]["total"] == {"total": 2, "resolved": 1, "open": 1, "median_hours": 0.5}
    assert this["requests"]["total"] == {"total": 1, "resolved": 1, "open": 0, "median_hours": 0.5}


def test_checks_of_meetings_not_yet_started_are_pending_not_missed(week):
    checks = briefing(now=at(day(2), 9))["this_week"]["checks"]
    # By Wednesday 09:00 m3 (14:00) and m5 (Saturday) have not started.
    assert {r["level"]: (r["missed"], r["pending"]) for r in checks} == {
        1: (0, 1),  # m5's level 1 is done already
        2: (0, 2),
        3: (0, 2),
    }


def test_staff_hours_by_team_and_the_busiest_people(week):
    this = briefing()["this_week"]
    teams = {r["label"]: (r["people"], r["duties"], r["hours"]) for r in this["teams"]}
    assert teams == {
        "会议服务一组": (1, 2, 5.0),
        "会议服务二组": (1, 1, 2.5),
        "未分组": (1, 1, 2.5),
    }
    assert (this["busiest"][0]["name"], this["busiest"][0]["hours"]) == ("王芳", 5.0)
    assert {r["name"] for r in this["busiest"]} == {"王芳", "李娜", "张伟"}
    assert this["headline"]["staff_hours"] == 10.0


def test_the_week_before_is_compared(week):
    data = briefing()
    last = data["last_week"]["headline"]
    assert (last["meetings"], last["attendees"], last["cancelled"]) == (2, 16, 0)
    rows = {r["key"]: r for r in data["comparison"]}
    assert (rows["meetings"]["this_week"], rows["meetings"]["last_week"]) == (4, 2)
    assert rows["meetings"]["change"] == 2
    assert rows["meetings"]["change_text"] == "增加2场"
    assert rows["attendees"]["change"] == 45 - 16
    assert rows["checks_on_time_percent"]["last_week"] == round(100 * 1 / 6, 1)
    summary = data["summary"]
    assert summary["meetings"] == 4
    assert summary["attendees"] == 45
    assert summary["room_use_percent"] == data["this_week"]["room_use"]["total"]["percent"]
    assert summary["checks_on_time_percent"] == 50.0


def test_the_summary_is_json(week):
    import json

    json.dumps(briefing()["summary"])


def _add_meetings(book, room, count: int, first_day: dt.date):
    for i in range(count):
        start = at(first_day + dt.timedelta(days=i % 5), 8 + 2 * (i // 5))
        book(start=start, end=start + dt.timedelta(hours=1), room=room, attendees=3)


def test_the_briefing_reads_in_a_constant_number_of_queries(
    week, book, create_room, django_assert_num_queries
):
    with CaptureQueriesContext(connection) as small:
        briefing()
    for n in range(4):
        _add_meetings(book, create_room(number=f"Q{n}"), 5, MONDAY)
    with CaptureQueriesContext(connection) as bigger:
        data = briefing()
    assert data["this_week"]["meetings"]["total"] == 4 + 20
    assert len(small.captured_queries) == len(bigger.captured_queries)
    with django_assert_num_queries(QUERIES):
        briefing()


# Both weeks read the same way: 19 queries each, however many meetings.
QUERIES = 38


def _docx(data) -> object:
    return read_docx(io.BytesIO(weekly_briefing.render_docx(data)))


def test_the_word_file_follows_gb_t_9704(week):
    data = briefing()
    doc = _docx(data)
    section = doc.sections[0]
    # Word stores twips: compare to the nearest tenth of a millimetre.
    margins = (section.top_margin, section.bottom_margin, section.left_margin, section.right_margin)
    assert [round(m.mm, 1) for m in margins] == [37, 35, 28, 26]
    normal = doc.styles["Normal"]
    assert normal.font.size == Pt(16)
    assert normal.element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia")) == fonts()["body"]
    assert fonts()["body"] == "仿宋_GB2312"
    assert doc.styles["Title"].font.size == Pt(22)
    assert doc.paragraphs[0].style.name == "Title"
    assert doc.paragraphs[0].text == "每周业务简报"
    assert "2026年11月30日（星期一）" in doc.paragraphs[1].text
    assert "2026年12月6日（星期日）" in doc.paragraphs[1].text
    headings = [p.text for p in doc.paragraphs if p.style.name == "Heading 1"]
    assert headings[:2] == ["一、总体情况", "二、会议概况"]
    footer_xml = section.footer._element.xml
    assert "PAGE" in footer_xml
    assert doc.tables
    for table in doc.tables:
        rows = table.rows
        assert rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None
        for row in rows:
            assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    assert len(doc.inline_shapes) == len(data["charts"]) >= 3
    body = "\n".join(p.text for p in doc.paragraphs)
    assert "本周共服务会议4场（上周2场）" in body


def test_the_print_page_embeds_the_charts_as_data_uris(week):
    data = briefing()
    html = render_to_string(weekly_briefing.TEMPLATE, data)
    assert "每周业务简报" in html
    assert html.count('src="data:image/png;base64,') == len(data["charts"])
    assert "一、总体情况" in html
    assert "data:" in settings.CONTENT_SECURITY_POLICY["DIRECTIVES"]["img-src"]
