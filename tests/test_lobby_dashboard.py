"""The lobby manager's building dashboard (issue 8 point 2): today's meetings of one building by
room, their state from the clock, the three checks in words, staffing, undelivered orders,
incidents, the next two hours and the office rounds, in a constant number of queries."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Building, Confidentiality, ServiceOrder
from bookings.models.orders import KIND_DEPARTMENT, Department, OrderKind, OrderStatus
from conference.dashboards.lobby import building_board, meeting_state
from core.roles import Role
from inspections.incidents import report_incident
from inspections.models import Check, CheckStatus
from inspections.states import STATES
from staffing import services as staffing_services
from staffing.models import DutyRole, Position
from tests.conftest import NOW, on_postgres
from tests.staffing_factories import make_staff


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute)


@pytest.fixture
def east(db):
    return Building.objects.create(code="east-l", name="东楼", sort_order=2)


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


@pytest.fixture
def manager(lobby_manager, building):
    """The Conference building's lobby manager, without clearance for secret meetings."""
    make_staff(user=lobby_manager, position=Position.LOBBY_MANAGER, home_building=building)
    return lobby_manager


@pytest.fixture
def morning(book):
    """A meeting 10:30-12:00 today: checks due 08:30 (due at 09:00), 09:30, 10:00."""
    return book(title="上午协调会", start=today_at(10, 30), end=today_at(12))


def add_order(meeting, kind, status=OrderStatus.REQUESTED):
    return ServiceOrder.objects.update_or_create(
        meeting=meeting,
        kind=kind,
        defaults={
            "department": KIND_DEPARTMENT[kind],
            "status": status,
            "due_at": meeting.start - dt.timedelta(hours=1),
            "created_at": NOW,
            "updated_at": NOW,
        },
    )[0]


def row_of(board, meeting):
    return next(row for row in board["meetings"] if row.meeting.pk == meeting.pk)


# --- who sees which building ------------------------------------------------------------------


def test_an_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get("/lobby/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]
    assert client.get("/lobby/board/").status_code == 302


def test_a_board_refresh_after_the_session_ends_sends_the_page_to_log_in(client):
    response = client.get("/lobby/board/", headers={"HX-Request": "true"})
    assert response.status_code == 204
    assert response["HX-Redirect"].startswith("/login/")


@pytest.mark.parametrize("who", ["attendant", "clerk", "outsider"])
def test_staff_without_a_lobby_role_may_not_see_the_dashboard(client, request, who):
    client.force_login(request.getfixturevalue(who))
    assert client.get("/lobby/").status_code == 403
    assert client.get("/lobby/board/").status_code == 403


def test_a_lobby_manager_lands_on_their_own_building(client, manager, morning, building):
    client.force_login(manager)
    response = client.get("/lobby/")
    assert response.status_code == 200
    assert response.context["building"] == building
    assert response.context["buildings"] == []
    assert "上午协调会" in response.content.decode()


def test_a_lobby_manager_asking_for_another_building_still_gets_their_own(
    client, manager, building, east
):
    client.force_login(manager)
    response = client.get(f"/lobby/?building={east.pk}")
    assert response.status_code == 200
    assert response.context["building"] == building
    assert client.get(f"/lobby/board/?building={east.pk}").context["building"] == building


def test_a_lobby_manager_without_a_home_building_is_refused(client, lobby_manager):
    client.force_login(lobby_manager)
    assert client.get("/lobby/").status_code == 403


def test_the_supervisor_switches_buildings(client, supervisor, book, create_room, building, east):
    book(title="东楼座谈会", room=create_room(number="E101", building=east), start=today_at(14))
    client.force_login(supervisor)
    first = client.get("/lobby/")
    assert first.status_code == 200
    assert set(first.context["buildings"]) >= {building, east}
    assert 'id="lobby-building-select"' in first.content.decode()
    response = client.get(f"/lobby/?building={east.pk}")
    assert response.context["building"] == east
    assert "东楼座谈会" in response.content.decode()


def test_the_hotline_may_look_at_any_building_read_only(client, hotline, east):
    client.force_login(hotline)
    response = client.get(f"/lobby/?building={east.pk}")
    assert response.status_code == 200
    assert response.context["building"] == east
    assert response.context["read_only"] is True
    assert 'id="lobby-read-only"' in response.content.decode()


# --- what the board shows -----------------------------------------------------------------------


def test_todays_meetings_are_in_the_first_response_with_links_and_masked_secrets(
    client, manager, book, morning
):
    secret = book(
        title="绝密会商",
        start=today_at(14),
        end=today_at(15),
        confidentiality=Confidentiality.SECRET,
    )
    book(title="明天的会", start=NOW + dt.timedelta(days=1))
    client.force_login(manager)
    body = client.get("/lobby/").content.decode()
    assert "上午协调会" in body
    assert f'href="/meetings/{morning.pk}/"' in body
    assert "绝密会商" not in body
    assert "涉密会议" in body
    assert f'id="lobby-meeting-{secret.pk}"' in body
    assert "明天的会" not in body
    assert 'hx-trigger="every 30s, refresh"' in body


@pytest.mark.parametrize(
    ("hour", "minute", "state"),
    [(10, 0, "upcoming"), (10, 20, "setting_up"), (11, 0, "in_progress"), (12, 30, "finished")],
)
def test_a_meetings_state_comes_from_the_clock(morning, manager, building, hour, minute, state):
    # The room's setup is 15 minutes: setting up from 10:15.
    now = today_at(hour, minute)
    assert meeting_state(morning, now) == state
    assert row_of(building_board(building, now, manager), morning).state == state


def test_the_three_checks_read_pending_due_late_and_done_in_words(client, manager, book, morning):
    checks = {c.level: c for c in morning.checks.all()}
    Check.objects.filter(pk=checks[2].pk).update(escalated_at=NOW, status=CheckStatus.NOTIFIED)
    client.force_login(manager)
    response = client.get("/lobby/board/")
    row = row_of(response.context, morning)
    assert [c.code for c in row.checks] == ["due", "late", "pending"]
    other = book(start=today_at(15), end=today_at(16))
    Check.objects.filter(meeting=other, level=1).update(status=CheckStatus.DONE, done_at=NOW)
    body = client.get("/lobby/board/").content.decode()
    for code in ("due", "late", "pending", "done"):
        assert f'data-state="{code}"' in body
        assert str(STATES[code].label) in body


def test_duties_show_filled_against_needed_with_acknowledgements_and_arrivals(
    manager, supervisor, morning, building
):
    people = [make_staff(home_building=building) for _ in range(2)]
    first = staffing_services.assign_duty(
        morning, by=supervisor, staff=people[0], role=DutyRole.ATTENDANT, now=NOW
    )
    staffing_services.assign_duty(
        morning, by=supervisor, staff=people[1], role=DutyRole.ATTENDANT, now=NOW
    )
    staffing_services.acknowledge_duty(first, by=supervisor, now=NOW)
    staffing_services.record_arrival(first, by=supervisor, now=today_at(10))
    row = row_of(building_board(building, today_at(10, 5), manager), morning)
    assert row.filled == 2
    assert row.needed >= 1
    assert (row.acknowledged, row.unacknowledged, row.arrived) == (1, 1, 1)
    attendants = next(s for s in row.staffing if s.role == DutyRole.ATTENDANT)
    assert attendants.filled == 2


def test_undelivered_orders_are_grouped_by_department(manager, morning, building):
    ServiceOrder.objects.filter(meeting=morning).delete()
    add_order(morning, OrderKind.TEA)
    add_order(morning, OrderKind.FLOWERS, OrderStatus.PREPARED)
    add_order(morning, OrderKind.AUDIO_VISUAL, OrderStatus.DELIVERED)
    board = building_board(building, NOW, manager)
    departments = {name: [o.kind for o in orders] for name, orders in board["orders_by_department"]}
    assert departments == {
        str(Department.MEETING_SERVICE.label): ["tea"],
        str(Department.ENVIRONMENT.label): ["flowers"],
    }
    assert {o.kind for o in row_of(board, morning).open_orders} == {"tea", "flowers"}


def test_open_incidents_and_room_faults_are_listed(client, manager, supervisor, morning, room):
    report_incident(
        by=supervisor,
        category="equipment",
        severity="high",
        description="话筒无声",
        meeting=morning,
    )
    report_incident(
        by=supervisor, category="lighting", severity="low", description="灯管闪烁", room=room
    )
    client.force_login(manager)
    response = client.get("/lobby/board/")
    assert len(response.context["incidents"]) == 2
    assert [i.description for i in response.context["room_faults"]] == ["灯管闪烁"]
    body = response.content.decode()
    assert "话筒无声" in body and "灯管闪烁" in body


def test_the_next_two_hours_strip_names_what_needs_attention(manager, book, morning, building):
    ServiceOrder.objects.filter(meeting=morning).delete()
    add_order(morning, OrderKind.TEA)
    later = book(title="下午会议", start=today_at(15), end=today_at(16))
    board = building_board(building, NOW, manager)
    items = board["attention"]
    kinds = {(item.kind, item.meeting_id) for item in items}
    assert ("check", morning.pk) in kinds  # level 1 due, level 2 within two hours
    assert ("meeting", morning.pk) in kinds  # starts 10:30, nobody on it, tea not delivered
    assert all(item.meeting_id != later.pk for item in items)
    assert items[0].severity in ("danger", "warning")


def test_the_board_changes_when_a_check_comes_due(client, manager, morning):
    level3 = morning.checks.get(level=3)  # due 10:00
    client.force_login(manager)
    with time_machine.travel(today_at(9, 55), tick=False):
        before = client.get("/lobby/board/").content.decode()
    with time_machine.travel(today_at(10, 1), tick=False):
        after = client.get("/lobby/board/").content.decode()
    marker = f'id="check-{level3.pk}" data-state='
    assert f'{marker}"pending"' in before
    assert f'{marker}"due"' in after
    assert before != after


def test_the_query_count_does_not_grow_with_the_number_of_meetings(
    client, manager, supervisor, book, create_room, building
):
    rooms = [create_room(number=f"Q{i}") for i in range(3)]

    def lay(meetings):
        for meeting in meetings:
            add_order(meeting, OrderKind.TEA)
            report_incident(
                by=supervisor, category="other", severity="low", description="x", meeting=meeting
            )
            person = make_staff(home_building=building)
            staffing_services.assign_duty(
                meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW
            )

    slots = [(room, hour) for hour in (10, 12, 14, 16) for room in rooms]
    lay(book(room=r, start=today_at(h), end=today_at(h + 1)) for r, h in slots[:2])
    client.force_login(manager)
    client.get("/lobby/board/")  # warm the per-user caches
    with CaptureQueriesContext(connection) as few:
        response = client.get("/lobby/board/")
    assert len(response.context["meetings"]) == 2
    lay(book(room=r, start=today_at(h), end=today_at(h + 1)) for r, h in slots[2:])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/lobby/board/")
    assert len(response.context["meetings"]) == 12
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # 16 to build the board, and first its ETag's fingerprint (conference.board_etag): on
    # PostgreSQL most of its reads are hashed by the database in one statement.
    assert len(few) == 16 + (3 if on_postgres() else 11)
