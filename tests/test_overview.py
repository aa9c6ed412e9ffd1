"""The supervisor's overview (issue 8 point 5): this week against last with the change in words
and small charts, clearances running out, corrective actions overdue and the latest weekly
briefing, for the supervisor alone, in a constant number of queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bookings.models import Room
from conference.dashboards.overview import MetricRow
from core.roles import Role
from quality import services as quality_services
from quality.models import InspectionTemplate, TemplateItem
from reports.models import Document, Kind, Status
from tests.conftest import NOW
from tests.staffing_factories import make_staff

TODAY = NOW.date()  # Friday 27 November 2026: this week is 23-29, last week 16-22.
LAST_MONDAY = dt.date(2026, 11, 16)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def at(day: dt.date, hour: int) -> dt.datetime:
    return NOW.replace(year=day.year, month=day.month, day=day.day, hour=hour)


@pytest.fixture
def office(create_room):
    return create_room(number="501", kind=Room.Kind.OFFICE, capacity=2)


@pytest.fixture
def template(db):
    template = InspectionTemplate.objects.create(name="会场检查")
    TemplateItem.objects.create(template=template, position=1, text="整体")
    return template


def overdue_action(supervisor, template, room, *, due_on, text="桌面有水渍", assignee=None):
    """An inspection recorded the day before `due_on` (or yesterday) with one corrective action
    due then."""
    assignee = assignee or make_staff(name="王芳")
    inspection = quality_services.record_inspection(
        by=supervisor,
        template=template,
        room=room,
        scores={item.pk: 3 for item in template.items.all()},
        staff=[],
        findings=[{"text": text, "action": text, "assignee": assignee, "due_on": due_on}],
        now=at(min(due_on, TODAY) - dt.timedelta(days=1), 10),
    )
    return inspection.findings.get().actions.get()


def briefing(user, *, status=Status.DONE, start=LAST_MONDAY, version=1):
    return Document.objects.create(
        kind=Kind.WEEKLY_BRIEFING,
        period_start=start,
        period_end=start + dt.timedelta(days=6),
        version=version,
        requested_by=user,
        view=f"role:{Role.SUPERVISOR}",
        status=status,
        created_at=NOW,
        file="documents/2026/11/briefing.docx" if status == Status.DONE else "",
    )


# --- who may look -----------------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/overview/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize("who", ["clerk", "lobby_manager", "attendant", "outsider"])
def test_only_the_supervisor_may_see_the_overview(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/overview/").status_code == 403


def test_the_supervisor_and_a_superuser_see_the_overview(client, supervisor, make_user):
    client.force_login(supervisor)
    response = client.get("/overview/")
    assert response.status_code == 200
    assert 'id="overview-table"' in response.content.decode()
    client.force_login(make_user("root", is_superuser=True))
    assert client.get("/overview/").status_code == 200


# --- this week against last -------------------------------------------------------------------


def test_this_week_is_set_against_last_with_the_change_in_words(client, supervisor, book):
    saturday = dt.date(2026, 11, 28)
    book(start=at(saturday, 10), end=at(saturday, 11), attendees=20)
    book(start=at(saturday, 14), end=at(saturday, 15), attendees=10)
    book(start=at(saturday, 16), end=at(saturday, 17), attendees=5)
    wednesday = dt.date(2026, 11, 18)
    for hour in (10, 14):
        book(
            start=at(wednesday, hour),
            end=at(wednesday, hour + 1),
            attendees=20,
            now=at(wednesday, 8),
        )
    client.force_login(supervisor)
    response = client.get("/overview/")
    rows = {row.key: row for row in response.context["metrics"]}
    assert (rows["meetings"].this_week, rows["meetings"].last_week) == (3, 2)
    assert rows["meetings"].direction == "up"
    assert (rows["attendees"].this_week, rows["attendees"].last_week) == (35, 40)
    assert rows["attendees"].direction == "down"
    assert rows["incidents"].direction == "same"
    assert rows["average_score"].direction == "none"  # no inspection in either week
    assert set(rows) >= {
        "room_use_percent",
        "checks_on_time_percent",
        "feedback",
        "staff_hours",
        "average_rating",
    }
    html = response.content.decode()
    assert 'id="metric-meetings" data-direction="up"' in html
    assert 'id="metric-attendees" data-direction="down"' in html
    with translation.override("en"):
        assert rows["meetings"].change_text == "Up 1"
        assert rows["attendees"].change_text == "Down 5"
        assert rows["incidents"].change_text == "Unchanged"


def test_a_percentage_changes_in_points_and_a_missing_week_has_no_comparison():
    with translation.override("en"):
        row = MetricRow("room_use_percent", "Room use", "percent", 42.5, 40.0)
        assert (row.this_text, row.last_text) == ("42.5%", "40%")
        assert row.change_text == "Up 2.5 percentage points"
        assert MetricRow("x", "x", "score", None, 80.0).change_text == "No comparison"
        assert MetricRow("x", "x", "hours", 3.5, 3.5).this_text == "3.5 h"


def test_the_charts_are_data_uris_whose_alt_text_states_the_numbers(client, supervisor, book):
    saturday, wednesday = dt.date(2026, 11, 28), dt.date(2026, 11, 25)
    book(start=at(saturday, 10), end=at(saturday, 11))
    book(start=at(wednesday, 10), end=at(wednesday, 11), now=at(wednesday, 6))  # checks missed
    client.force_login(supervisor)
    response = client.get("/overview/")
    charts = {chart.key: chart for chart in response.context["charts"]}
    assert set(charts) == {"meetings_per_day", "checks_by_level", "meetings_by_building"}
    for chart in charts.values():
        assert chart.data_uri.startswith("data:image/png;base64,iVBOR")
    assert "周三 1，周四 0，周五 0，周六 1" in charts["meetings_per_day"].alt
    assert "会议大厦 2" in charts["meetings_by_building"].alt
    assert "一级检查 1" in charts["checks_by_level"].alt
    html = response.content.decode()
    assert html.count('src="data:image/png;base64,') == 3
    assert f'alt="{charts["meetings_per_day"].alt}"' in html
    # CSP: no inline style or script on the page.
    assert 'style="' not in html
    assert "<script>" not in html


def test_without_checks_or_meetings_the_empty_charts_are_left_out(client, supervisor):
    client.force_login(supervisor)
    response = client.get("/overview/")
    assert [chart.key for chart in response.context["charts"]] == ["meetings_per_day"]


# --- clearances ---------------------------------------------------------------------------------


def test_clearances_ending_within_thirty_days_or_ended_are_listed_with_links(client, supervisor):
    soon = make_staff(name="李娟", authorised=True, authorised_until=TODAY + dt.timedelta(days=10))
    ended = make_staff(name="赵敏", authorised=True, authorised_until=TODAY - dt.timedelta(days=3))
    far = make_staff(name="孙丽", authorised=True, authorised_until=TODAY + dt.timedelta(days=90))
    gone = make_staff(
        name="周强", authorised=True, authorised_until=TODAY - dt.timedelta(days=3), active=False
    )
    client.force_login(supervisor)
    response = client.get("/overview/")
    listed = [row.staff.pk for row in response.context["clearances"]]
    assert listed == [ended.pk, soon.pk]
    html = response.content.decode()
    assert f'id="clearance-{ended.pk}" data-expired="1"' in html
    assert f'id="clearance-{soon.pk}" data-expired="0"' in html
    assert f'href="/staff/{soon.pk}/"' in html
    assert 'href="/staff/clearance/"' in html
    assert far.name not in html and gone.name not in html


# --- corrective actions -------------------------------------------------------------------------


def test_overdue_corrective_actions_are_listed_with_assignee_due_date_and_link(
    client, supervisor, template, office
):
    room = office
    late = overdue_action(supervisor, template, room, due_on=TODAY - dt.timedelta(days=4))
    later = overdue_action(
        supervisor, template, room, due_on=TODAY - dt.timedelta(days=1), text="茶杯未消毒"
    )
    on_time = overdue_action(supervisor, template, room, due_on=TODAY + dt.timedelta(days=2))
    closed = overdue_action(supervisor, template, room, due_on=TODAY - dt.timedelta(days=2))
    quality_services.close_action(
        closed, by=supervisor, note="已整改", now=NOW - dt.timedelta(hours=1)
    )
    client.force_login(supervisor)
    response = client.get("/overview/")
    assert [row.action.pk for row in response.context["overdue_actions"]] == [late.pk, later.pk]
    assert (response.context["open_actions"], response.context["overdue_count"]) == (3, 2)
    html = response.content.decode()
    row = html.split(f'id="overdue-action-{late.pk}"')[1].split("</tr>")[0]
    assert "王芳" in row and "2026年11月23日" in row and 'href="/quality/actions/"' in row
    assert f'id="overdue-action-{on_time.pk}"' not in html


def test_without_overdue_actions_the_page_says_so(client, supervisor):
    client.force_login(supervisor)
    assert 'id="overview-no-overdue"' in client.get("/overview/").content.decode()


# --- the weekly briefing ------------------------------------------------------------------------


def test_without_a_briefing_the_page_offers_to_generate_last_weeks(client, supervisor):
    client.force_login(supervisor)
    html = client.get("/overview/").content.decode()
    form = html.split('id="overview-generate"')[1].split("</form>")[0]
    assert 'name="kind" value="weekly_briefing"' in form
    assert 'name="day" value="2026-11-16"' in form
    assert 'action="/documents/generate/"' in html.split('id="overview-generate"')[0][-120:]
    assert 'id="overview-briefing-download"' not in html


def test_generating_from_the_overview_asks_for_last_weeks_briefing(client, supervisor):
    client.force_login(supervisor)
    response = client.post("/documents/generate/", {"kind": "weekly_briefing", "day": "2026-11-16"})
    assert response.status_code == 302
    document = Document.objects.get(kind=Kind.WEEKLY_BRIEFING)
    assert (document.period_start, document.period_end) == (LAST_MONDAY, dt.date(2026, 11, 22))
    if document.status in (Status.PENDING, Status.RUNNING):
        html = client.get("/overview/").content.decode()
        assert 'id="overview-briefing-in-progress"' in html
        assert 'id="overview-generate"' not in html


def test_the_latest_finished_briefing_the_supervisor_may_see_is_offered_for_download(
    client, supervisor, clerk
):
    older = briefing(clerk, start=LAST_MONDAY - dt.timedelta(days=7))
    latest = briefing(clerk, version=2)
    briefing(clerk, version=3, status=Status.FAILED)
    hidden = Document.objects.create(
        kind=Kind.WEEKLY_BRIEFING,
        period_start=LAST_MONDAY,
        period_end=LAST_MONDAY + dt.timedelta(days=6),
        version=4,
        view=f"user:{clerk.pk}",
        status=Status.DONE,
        created_at=NOW,
    )
    client.force_login(supervisor)
    response = client.get("/overview/")
    assert response.context["briefing"]["latest"] == latest
    html = response.content.decode()
    assert f'href="/documents/{latest.pk}/download/"' in html
    assert f"/documents/{older.pk}/" not in html and f"/documents/{hidden.pk}/" not in html
    assert 'id="overview-generate"' not in html  # last week's is there already
    assert "/documents/print/weekly_briefing/?date=2026-11-16" in html


def test_an_older_briefing_is_offered_beside_generating_last_weeks(client, supervisor, clerk):
    older = briefing(clerk, start=LAST_MONDAY - dt.timedelta(days=7))
    client.force_login(supervisor)
    html = client.get("/overview/").content.decode()
    assert f'href="/documents/{older.pk}/download/"' in html
    assert 'id="overview-generate"' in html


# --- query count --------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_meetings_actions_or_staff(
    client, supervisor, clerk, book, create_room, template, office
):
    rooms = [create_room(number=f"Q{i}") for i in range(3)]
    saturday, wednesday = dt.date(2026, 11, 28), dt.date(2026, 11, 18)

    def lay(n, offset):
        for i in range(n):
            hour = 8 + 2 * (offset + i)
            r = rooms[i % 3]
            book(
                room=r, start=at(saturday, hour), end=at(saturday, hour) + dt.timedelta(minutes=45)
            )
            book(
                room=r,
                start=at(wednesday, hour),
                end=at(wednesday, hour) + dt.timedelta(minutes=45),
                now=at(wednesday, 7),
            )
            overdue_action(supervisor, template, office, due_on=TODAY - dt.timedelta(days=i + 1))
            make_staff(authorised=True, authorised_until=TODAY + dt.timedelta(days=i))

    lay(1, 0)
    briefing(clerk)
    client.force_login(supervisor)
    client.get("/overview/")  # warm the per-user caches
    with CaptureQueriesContext(connection) as few:
        response = client.get("/overview/")
    assert len(response.context["overdue_actions"]) == 1
    lay(5, 1)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/overview/")
    assert len(response.context["overdue_actions"]) == 6
    assert len(response.context["clearances"]) == 6
    assert response.context["metrics"][0].this_week == 6
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # Session and user, two weeks of the briefing's own figures (about 20 a week), the action
    # counts, the overdue list, the clearances, the briefing and the one in progress, and the
    # viewer's own clearance (a briefing made for a role is only for members authorised now).
    assert len(few) == 48
