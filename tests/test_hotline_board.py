"""The service hotline's board (服务热线, issue 8 point 3): every building's checks due soon,
late checks, open incidents and requests by age, unacknowledged duties and meetings within the
hour whose preparation is incomplete, with one-click actions through the shared services."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Confidentiality
from conference.dashboards.hotline import hotline_board
from core.models import AuditEntry
from core.roles import Role
from inspections import incidents, services
from inspections import requests as service_requests
from inspections.models import Check, CheckStatus, Incident, ServiceRequest
from staffing import services as staffing
from staffing.models import Duty, DutyRole, DutyStatus, Position
from tests.conftest import NOW, on_postgres
from tests.staffing_factories import make_staff

MIN = dt.timedelta(minutes=1)
BOARD_QUERIES = 20
# Read before the board, to answer 304 when nothing changed (conference.board_etag); on
# PostgreSQL most of its reads are hashed by the database in one statement.
FINGERPRINT_QUERIES = 6 if on_postgres() else 16


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


@pytest.fixture
def meeting_at(book, create_room):
    def make(minutes: int, **params):
        meeting = book(start=NOW + minutes * MIN, room=create_room(), **params)
        services.ensure_checks(meeting, now=NOW)
        return meeting

    return make


def checks_of(meeting) -> dict[int, Check]:
    return {check.level: check for check in meeting.checks.all()}


def pks(items) -> set[tuple[str, int]]:
    return {(item.kind, item.obj.pk) for item in items}


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("hotline", 200),
        ("supervisor", 200),
        ("lobby_manager", 200),
        ("superuser", 200),
        ("clerk", 403),
        ("attendant", 403),
        ("outsider", 403),
    ],
)
def test_the_board_is_open_to_the_hotline_supervisor_and_lobby_managers_only(
    client, make_user, request, persona, status
):
    if persona == "superuser":
        user = make_user("root", is_superuser=True)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get("/hotline/").status_code == status
    assert client.get("/hotline/board/").status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get("/hotline/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_page_renders_the_board_server_side_and_polls_the_partial(client, hotline):
    client.force_login(hotline)
    body = client.get("/hotline/").content.decode()
    assert 'id="hotline-board"' in body
    assert 'hx-get="/hotline/board/"' in body
    assert 'hx-trigger="every 30s"' in body
    partial = client.get("/hotline/board/").content.decode()
    assert partial.lstrip().startswith('<div id="hotline-board"')
    assert "<html" not in partial


# --- the sections --------------------------------------------------------------------------------


def test_checks_due_within_30_minutes_are_listed_and_those_due_later_are_not(meeting_at, hotline):
    soon = checks_of(meeting_at(80))  # level 2 due at 09:20
    later = checks_of(meeting_at(100))  # level 2 due at 09:40: in 40 minutes
    board = hotline_board(NOW, hotline)
    due = pks(board["due_soon"])
    assert ("check", soon[2].pk) in due
    assert ("check", later[2].pk) not in due
    assert ("check", later[3].pk) not in due


def test_late_and_escalated_checks_are_listed_and_a_done_check_never(meeting_at, hotline):
    meeting = meeting_at(100)  # level 1 due at 08:40: 20 minutes ago, past the grace
    other = checks_of(meeting_at(160))  # level 1 due at 09:40, but escalated early
    checks = checks_of(meeting)
    Check.objects.filter(pk=other[1].pk).update(status=CheckStatus.NOTIFIED, escalated_at=NOW)
    done = checks_of(meeting_at(90))[1]  # due 08:30
    Check.objects.filter(pk=done.pk).update(status=CheckStatus.DONE, done_at=NOW)
    board = hotline_board(NOW, hotline)
    late = pks(board["late"])
    assert ("check", checks[1].pk) in late
    assert ("check", other[1].pk) in late
    assert ("check", done.pk) not in late
    assert ("check", done.pk) not in pks(board["due_soon"])


def test_the_responsible_persons_phone_is_on_the_call_list(meeting_at, hotline, client):
    person = make_staff(name="赵敏", phone="13912345678")
    check = checks_of(meeting_at(80))[2]
    Check.objects.filter(pk=check.pk).update(responsible=person)
    item = next(i for i in hotline_board(NOW, hotline)["due_soon"] if i.obj.pk == check.pk)
    assert ("赵敏", "13912345678") in [(c.name, c.phone) for c in item.contacts]
    client.force_login(hotline)
    assert 'href="tel:13912345678"' in client.get("/hotline/").content.decode()


def test_open_incidents_and_requests_come_oldest_first_with_their_age(hotline, clerk, room):
    with time_machine.travel(NOW - 45 * MIN, tick=False):
        old = service_requests.log_request(by=clerk, what="加两把椅子", room=room)
    with time_machine.travel(NOW - 20 * MIN, tick=False):
        middle = incidents.report_incident(
            by=clerk, category="equipment", severity="high", description="话筒没声音", room=room
        )
    new = service_requests.log_request(by=clerk, what="送茶水", room=room)
    closed = incidents.report_incident(
        by=clerk, category="cleaning", severity="low", description="地面有水", room=room
    )
    incidents.resolve_incident(closed, by=clerk, resolution="已拖干")
    items = hotline_board(NOW, hotline)["open_items"]
    assert [(i.kind, i.obj.pk) for i in items] == [
        ("request", old.pk),
        ("incident", middle.pk),
        ("request", new.pk),
    ]
    assert [i.minutes for i in items] == [45, 20, 0]


def test_unacknowledged_duties_of_meetings_in_the_next_four_hours_are_listed(
    meeting_at, hotline, supervisor, building
):
    person = make_staff(name="钱多多", phone="13700000000", home_building=building)
    other = make_staff(home_building=building)
    soon = meeting_at(120)
    tomorrow = meeting_at(24 * 60)
    waiting = staffing.assign_duty(soon, by=supervisor, staff=person, role=DutyRole.ATTENDANT)
    acked = staffing.assign_duty(soon, by=supervisor, staff=other, role=DutyRole.ATTENDANT)
    staffing.acknowledge_duty(acked, by=supervisor)
    later = staffing.assign_duty(tomorrow, by=supervisor, staff=other, role=DutyRole.ATTENDANT)
    items = hotline_board(NOW, hotline)["unacknowledged"]
    assert pks(items) == {("duty", waiting.pk)}
    assert ("钱多多", "13700000000") in [(c.name, c.phone) for c in items[0].contacts]
    assert later.pk not in {i.obj.pk for i in items}


def test_a_meeting_within_the_hour_says_what_its_preparation_lacks(meeting_at, hotline, clerk):
    meeting = meeting_at(45)  # booking proposes its service package: the orders are open
    assert meeting.orders.exists()
    later = meeting_at(90)
    items = hotline_board(NOW, hotline)["preparation"]
    assert [i.obj.pk for i in items] == [meeting.pk]
    problems = " ".join(items[0].problems)
    assert "1" in problems and "2" in problems  # levels 1 and 2 not done
    assert len(items[0].problems) >= 3
    assert later.pk not in {i.obj.pk for i in items}


def test_a_secret_meetings_title_is_hidden_from_a_viewer_without_clearance(
    meeting_at, hotline, client
):
    meeting = meeting_at(80, title="绝密专题会", confidentiality=Confidentiality.SECRET)
    items = hotline_board(NOW, hotline)["due_soon"]
    assert [i.title for i in items if i.meeting.pk == meeting.pk] == ["涉密会议"]
    client.force_login(hotline)
    body = client.get("/hotline/").content.decode()
    assert "绝密专题会" not in body
    assert "涉密会议" in body


def test_a_secret_meetings_incident_shows_no_description_to_a_viewer_without_clearance(
    meeting_at, hotline, clerk, client
):
    meeting = meeting_at(80, title="绝密专题会", confidentiality=Confidentiality.SECRET)
    incidents.report_incident(
        by=clerk, category="equipment", severity="high", description="机要话筒故障", meeting=meeting
    )
    client.force_login(hotline)
    body = client.get("/hotline/board/").content.decode()
    assert "机要话筒故障" not in body
    assert "绝密专题会" not in body


# --- the actions ---------------------------------------------------------------------------------


def test_the_hotline_resolves_an_incident_with_its_audit_row(client, hotline, clerk, room):
    incident = incidents.report_incident(
        by=clerk, category="equipment", severity="high", description="投影仪坏了", room=room
    )
    client.force_login(hotline)
    response = client.post(
        f"/hotline/incidents/{incident.pk}/resolve/", {"resolution": "已更换投影仪"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/hotline/"
    incident.refresh_from_db()
    assert incident.resolved_by == hotline
    assert incident.resolution == "已更换投影仪"
    assert AuditEntry.objects.for_object(incident).filter(action="incident_resolved").count() == 1
    # A second click is refused with a message; nothing changes.
    response = client.post(f"/hotline/incidents/{incident.pk}/resolve/", {"resolution": "再次"})
    assert messages_of(response)
    incident.refresh_from_db()
    assert incident.resolution == "已更换投影仪"
    assert AuditEntry.objects.for_object(incident).filter(action="incident_resolved").count() == 1


def test_a_resolution_must_say_something(client, hotline, clerk, room):
    incident = incidents.report_incident(
        by=clerk, category="equipment", severity="low", description="灯闪", room=room
    )
    client.force_login(hotline)
    response = client.post(f"/hotline/incidents/{incident.pk}/resolve/", {"resolution": " "})
    assert messages_of(response)
    assert Incident.objects.get(pk=incident.pk).resolved_at is None


def test_the_hotline_takes_and_completes_a_phone_request(client, hotline, clerk, room):
    person = make_staff(name="孙丽")
    req = service_requests.log_request(by=clerk, what="补充纸巾", room=room)
    client.force_login(hotline)
    client.post(f"/hotline/requests/{req.pk}/take/", {"staff": person.pk})
    response = client.post(f"/hotline/requests/{req.pk}/complete/", {"feedback": "满意"})
    assert response["Location"] == "/hotline/"
    req = ServiceRequest.objects.get(pk=req.pk)
    assert req.taken_by == person and req.done_at == NOW and req.feedback == "满意"
    actions = set(AuditEntry.objects.for_object(req).values_list("action", flat=True))
    assert {"request_taken", "request_done"} <= actions
    response = client.post(f"/hotline/requests/{req.pk}/complete/")
    assert messages_of(response)
    assert AuditEntry.objects.for_object(req).filter(action="request_done").count() == 1


def test_the_supervisor_reassigns_an_unacknowledged_duty(client, meeting_at, supervisor, building):
    make_staff(user=supervisor, position=Position.SUPERVISOR, home_building=building)
    first = make_staff(home_building=building)
    second = make_staff(name="周到", home_building=building)
    meeting = meeting_at(120)
    duty = staffing.assign_duty(meeting, by=supervisor, staff=first, role=DutyRole.ATTENDANT)
    client.force_login(supervisor)
    response = client.post(f"/hotline/duties/{duty.pk}/reassign/", {"staff": second.pk})
    assert response["Location"] == "/hotline/"
    assert any("周到" in m for m in messages_of(response))
    duty.refresh_from_db()
    assert duty.status == DutyStatus.RELEASED
    new = Duty.objects.active().get(meeting=meeting)
    assert new.staff == second and new.status == DutyStatus.ASSIGNED
    assert AuditEntry.objects.for_object(duty).exclude(action="duty_assigned").exists()


def test_a_refused_reassignment_comes_back_as_a_message_and_changes_nothing(
    client, meeting_at, supervisor, building
):
    first = make_staff(home_building=building)
    off_shift = make_staff(name="不在班", days=[], home_building=building)
    duty = staffing.assign_duty(
        meeting_at(120), by=supervisor, staff=first, role=DutyRole.ATTENDANT
    )
    before = AuditEntry.objects.count()
    client.force_login(supervisor)
    response = client.post(f"/hotline/duties/{duty.pk}/reassign/", {"staff": off_shift.pk})
    assert messages_of(response)
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED and duty.staff == first
    assert Duty.objects.filter(staff=off_shift).count() == 0
    assert AuditEntry.objects.count() == before


def test_the_hotline_reassigns_a_duty_nobody_answered(
    client, meeting_at, hotline, supervisor, building
):
    """The hotline dispatches (domain.md): it hands an unanswered duty to someone else."""
    first = make_staff(home_building=building)
    second = make_staff(home_building=building)
    duty = staffing.assign_duty(
        meeting_at(120), by=supervisor, staff=first, role=DutyRole.ATTENDANT
    )
    client.force_login(hotline)
    response = client.post(f"/hotline/duties/{duty.pk}/reassign/", {"staff": second.pk})
    assert response.status_code == 302
    assert Duty.objects.get(pk=duty.pk).status == DutyStatus.RELEASED
    assert Duty.objects.active().get(meeting=duty.meeting).staff == second


def test_someone_who_neither_assigns_nor_works_the_hotline_may_not_reassign(
    client, meeting_at, attendant, supervisor, building
):
    first = make_staff(home_building=building)
    second = make_staff(home_building=building)
    duty = staffing.assign_duty(
        meeting_at(120), by=supervisor, staff=first, role=DutyRole.ATTENDANT
    )
    client.force_login(attendant)
    response = client.post(f"/hotline/duties/{duty.pk}/reassign/", {"staff": second.pk})
    assert response.status_code == 403
    assert Duty.objects.get(pk=duty.pk).status == DutyStatus.ASSIGNED


def test_a_clerk_may_not_use_the_boards_actions(client, clerk, room):
    incident = incidents.report_incident(
        by=clerk, category="equipment", severity="low", description="灯闪", room=room
    )
    client.force_login(clerk)
    response = client.post(f"/hotline/incidents/{incident.pk}/resolve/", {"resolution": "好了"})
    assert response.status_code == 403
    assert Incident.objects.get(pk=incident.pk).resolved_at is None


# --- queries -------------------------------------------------------------------------------------


def _lay_rows(n: int, *, meeting_at, clerk, supervisor, building, room):
    for i in range(n):
        person = make_staff(phone=f"1390000{i:04d}", home_building=building)
        meeting = meeting_at(45 + i)  # within the hour: level-3 due soon, levels 1-2 late
        staffing.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT)
        Check.objects.filter(meeting=meeting).update(responsible=person)
        incidents.report_incident(
            by=clerk, category="equipment", severity="low", description="灯闪", meeting=meeting
        )
        service_requests.log_request(by=clerk, what=f"送水{i}", room=room)
    make_staff(position=Position.LOBBY_MANAGER, home_building=building)


def test_the_boards_query_count_does_not_grow_with_its_rows(
    client, hotline, meeting_at, clerk, supervisor, building, room
):
    client.force_login(hotline)
    lay = {"meeting_at": meeting_at, "clerk": clerk, "supervisor": supervisor}
    _lay_rows(1, building=building, room=room, **lay)
    client.get("/hotline/board/")
    with CaptureQueriesContext(connection) as few:
        response = client.get("/hotline/board/")
    board = response.context
    assert board["counts"]["preparation"] == 1 and board["counts"]["unacknowledged"] == 1
    _lay_rows(6, building=building, room=room, **lay)
    with CaptureQueriesContext(connection) as many:
        response = client.get("/hotline/board/")
    assert response.context["counts"]["preparation"] == 7
    assert response.context["counts"]["open_items"] == 14
    assert len(many) == len(few)
    # Session, user, roles and permissions, the open checks' ids, the five sections, the
    # preparation's needs, orders, duties and checks, the call list's leads and lobby managers,
    # the staff select; and first the fingerprint's.
    assert len(few) == BOARD_QUERIES + FINGERPRINT_QUERIES, [q["sql"] for q in few.captured_queries]
