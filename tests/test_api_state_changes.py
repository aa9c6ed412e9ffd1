"""An endpoint per state change the pages offer (issue 9 point 1): each goes through the page's
service with the caller as the actor, asks the page's access helper, answers refusals in the
one error shape and leaves an audit row when it changes something."""

import datetime as dt

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings import services as booking_services
from bookings.models import Room
from core.models import AuditEntry
from core.roles import Role
from feedback import services as feedback_services
from feedback.models import Complaint, ComplaintStatus
from inspections import requests as service_requests
from inspections.incidents import report_incident
from inspections.models import Incident, IncidentCategory, ServiceRequest, Severity
from offices import services as office_services
from offices.checklists import codes_for
from offices.models import OfficeRound, Recurrence, RoundStatus, ServiceKind, ServicePlan
from quality.models import ActionStatus, CorrectiveAction, InspectionTemplate
from staffing import services
from staffing.models import Duty, DutyRole, DutyStatus
from tests.conftest import NOW
from tests.staffing_factories import make_staff
from tests.test_quality_services import record_with_action

TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


def audited(action: str, by) -> bool:
    return AuditEntry.objects.filter(action=action, actor=by).exists()


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


# --- duties -----------------------------------------------------------------------------------


@pytest.fixture
def duty(book, supervisor, attendant):
    """The attendant (linked to staff) on tomorrow's meeting, assigned by the supervisor."""
    meeting = book()
    person = make_staff(name="服务员甲", user=attendant)
    return services.assign_duty(
        meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW
    )


def test_the_person_acknowledges_their_duty_and_an_audit_row_says_so(duty, attendant):
    response = client_for(attendant).post(f"/api/duties/{duty.pk}/acknowledge/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["id"], body["status"]) == (duty.pk, DutyStatus.ACKNOWLEDGED)
    assert dt.datetime.fromisoformat(body["acknowledged_at"]) == NOW
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ACKNOWLEDGED
    assert audited("duty_acknowledged", attendant)


def test_someone_elses_duty_is_a_404_for_acknowledging_and_arriving(duty, make_user):
    other = make_user("other", Role.ATTENDANT)
    make_staff(name="服务员乙", user=other)
    assert_error(client_for(other).post(f"/api/duties/{duty.pk}/acknowledge/"), 404)
    assert_error(client_for(other).post(f"/api/duties/{duty.pk}/arrived/"), 404)
    duty.refresh_from_db()
    assert (duty.status, duty.arrived_at) == (DutyStatus.ASSIGNED, None)
    assert not AuditEntry.objects.filter(action__in=["duty_acknowledged", "duty_arrived"]).exists()


def test_a_lobby_manager_records_an_arrival_for_the_person(duty, lobby_manager):
    response = client_for(lobby_manager).post(f"/api/duties/{duty.pk}/arrived/")
    assert response.status_code == 200, response.content
    assert dt.datetime.fromisoformat(response.json()["arrived_at"]) == NOW
    assert audited("duty_arrived", lobby_manager)


def test_a_released_duty_cannot_be_acknowledged_or_released_again(duty, attendant, supervisor):
    client = client_for(supervisor)
    response = client.post(f"/api/duties/{duty.pk}/release/", {"reason": "人员调整"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == DutyStatus.RELEASED
    assert audited("duty_released", supervisor)
    again = client.post(f"/api/duties/{duty.pk}/release/", {"reason": "再次"}, format="json")
    assert_error(again, 409, "released")
    assert_error(client_for(attendant).post(f"/api/duties/{duty.pk}/acknowledge/"), 409)


def test_releasing_needs_a_reason_named_in_the_fields(duty, supervisor):
    response = client_for(supervisor).post(f"/api/duties/{duty.pk}/release/", {}, format="json")
    assert "reason" in assert_error(response, 400, "invalid")["fields"]
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED


def test_the_person_may_not_release_or_reassign_their_own_duty(duty, attendant):
    client = client_for(attendant)
    assert_error(
        client.post(f"/api/duties/{duty.pk}/release/", {"reason": "x"}, format="json"), 403
    )
    other = make_staff(name="服务员丙")
    body = {"staff": other.pk}
    assert_error(client.post(f"/api/duties/{duty.pk}/reassign/", body, format="json"), 403)
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED
    assert not Duty.objects.filter(staff=other).exists()


def test_the_hotline_hands_a_duty_to_someone_else(duty, hotline):
    other = make_staff(name="服务员丁")
    response = client_for(hotline).post(
        f"/api/duties/{duty.pk}/reassign/", {"staff": other.pk}, format="json"
    )
    assert response.status_code == 200, response.content
    body = response.json()
    new = Duty.objects.get(pk=body["id"])
    assert (new.staff, body["staff_name"], body["status"]) == (other, "服务员丁", "assigned")
    duty.refresh_from_db()
    assert duty.status == DutyStatus.RELEASED
    assert audited("duty_released", hotline)


def test_reassigning_to_nobody_or_the_same_person_is_a_400_with_the_field(duty, supervisor):
    client = client_for(supervisor)
    for body in ({}, {"staff": 999999}, {"staff": duty.staff_id}):
        response = client.post(f"/api/duties/{duty.pk}/reassign/", body, format="json")
        assert "staff" in assert_error(response, 400)["fields"], body
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED


def test_my_duties_lists_the_callers_own_duties_only(duty, attendant, book, supervisor):
    someone_else = make_staff(name="服务员戊")
    services.assign_duty(
        book(title="别人的会", start=NOW + dt.timedelta(days=1, hours=5)),
        by=supervisor,
        staff=someone_else,
        role="attendant",
        now=NOW,
    )
    response = client_for(attendant).get("/api/duties/?mine=1")
    assert response.status_code == 200, response.content
    body = response.json()
    assert [row["id"] for row in body["results"]] == [duty.pk]
    assert body["results"][0]["title"] == duty.meeting.title
    assert_error(client_for(attendant).get("/api/duties/"), 400)


# --- incidents --------------------------------------------------------------------------------


@pytest.fixture
def incident(room, hotline):
    return report_incident(
        by=hotline,
        category=IncidentCategory.EQUIPMENT,
        severity=Severity.HIGH,
        description="投影仪无信号",
        room=room,
        now=NOW,
    )


def test_the_hotline_resolves_an_incident_once(incident, hotline):
    client = client_for(hotline)
    url = f"/api/incidents/{incident.pk}/resolve/"
    response = client.post(url, {"resolution": "更换了线缆"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["open"], response.json()["resolution"]) == (False, "更换了线缆")
    assert audited("incident_resolved", hotline)
    assert_error(client.post(url, {"resolution": "再次"}, format="json"), 400, "resolved")


def test_an_attendant_may_not_resolve_an_incident(incident, attendant):
    url = f"/api/incidents/{incident.pk}/resolve/"
    assert_error(client_for(attendant).post(url, {"resolution": "好了"}, format="json"), 403)
    incident.refresh_from_db()
    assert incident.is_open


def test_resolving_without_saying_how_is_a_400_naming_the_field(incident, hotline):
    response = client_for(hotline).post(
        f"/api/incidents/{incident.pk}/resolve/", {"resolution": ""}, format="json"
    )
    assert "resolution" in assert_error(response, 400)["fields"]
    assert Incident.objects.get(pk=incident.pk).is_open


# --- service requests -------------------------------------------------------------------------


def test_the_hotline_logs_takes_and_completes_a_request(hotline, room):
    client = client_for(hotline)
    response = client.post(
        "/api/requests/",
        {"what": "加两把椅子", "room": room.pk, "urgency": "urgent"},
        format="json",
    )
    assert response.status_code == 201, response.content
    pk = response.json()["id"]
    assert response.json()["request_status"] == "open"
    assert [row["id"] for row in client.get("/api/requests/").json()["results"]] == [pk]

    person = make_staff(name="服务员己")
    taken = client.post(f"/api/requests/{pk}/take/", {"staff": person.pk}, format="json")
    assert taken.status_code == 200, taken.content
    assert taken.json()["taken_by"] == {"id": person.pk, "name": "服务员己"}
    again = client.post(f"/api/requests/{pk}/take/", {"staff": person.pk}, format="json")
    assert_error(again, 400, "taken")

    done = client.post(f"/api/requests/{pk}/complete/", {"feedback": "满意"}, format="json")
    assert done.status_code == 200, done.content
    assert done.json()["request_status"] == "done"
    assert client.get("/api/requests/").json()["results"] == []
    assert_error(client.post(f"/api/requests/{pk}/complete/", {}, format="json"), 400, "done")
    for action in ("request_logged", "request_taken", "request_done"):
        assert audited(action, hotline), action


def test_an_attendant_reads_requests_but_may_not_log_or_take_them(attendant, hotline):
    req = service_requests.log_request(by=hotline, what="送水", where_text="一楼大厅", now=NOW)
    client = client_for(attendant)
    assert client.get("/api/requests/").status_code == 200
    assert_error(client.post("/api/requests/", {"what": "送水"}, format="json"), 403)
    person = make_staff(name="服务员庚")
    take = client.post(f"/api/requests/{req.pk}/take/", {"staff": person.pk}, format="json")
    assert_error(take, 403)
    assert_error(client.post(f"/api/requests/{req.pk}/complete/", {}, format="json"), 403)
    req.refresh_from_db()
    assert (req.taken_at, req.done_at) == (None, None)
    assert ServiceRequest.objects.count() == 1


def test_a_request_without_what_or_with_an_unknown_urgency_is_refused_field_by_field(hotline):
    response = client_for(hotline).post("/api/requests/", {"urgency": "soon"}, format="json")
    assert {"what", "urgency"} <= set(assert_error(response, 400)["fields"])
    assert not ServiceRequest.objects.exists()


def test_taking_a_request_needs_someone_to_take_it(hotline):
    req = service_requests.log_request(by=hotline, what="送水", now=NOW)
    response = client_for(hotline).post(f"/api/requests/{req.pk}/take/", {}, format="json")
    assert "staff" in assert_error(response, 400)["fields"]


# --- office rounds ----------------------------------------------------------------------------


@pytest.fixture
def office_round(create_room):
    office = create_room(number="805", name="综合科办公室", kind=Room.Kind.OFFICE, floor=8)
    plan = ServicePlan.objects.create(
        room=office,
        kind=ServiceKind.CLEANING,
        recurrence=Recurrence.DAILY,
        start_time=dt.time(9, 30),
        minutes=40,
    )
    (made,) = office_services.generate_rounds(TODAY, TODAY, plans=[plan], now=NOW)
    return made


@pytest.fixture
def round_duty(office_round, supervisor, attendant):
    person = make_staff(name="保洁员甲", user=attendant)
    return services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)


def test_the_rounds_of_a_day_are_listed_with_who_is_on_them(round_duty, lobby_manager):
    response = client_for(lobby_manager).get(f"/api/office-rounds/?date={TODAY.isoformat()}")
    assert response.status_code == 200, response.content
    (row,) = response.json()["results"]
    assert (row["id"], row["round_status"], row["state"]) == (
        round_duty.office_round_id,
        RoundStatus.SCHEDULED,
        "upcoming",
    )
    assert [duty["staff_name"] for duty in row["duties"]] == ["保洁员甲"]


def test_the_person_on_the_round_ticks_it_off_once(round_duty, attendant):
    url = f"/api/office-rounds/{round_duty.office_round_id}/complete/"
    items = list(codes_for(ServiceKind.CLEANING))
    client = client_for(attendant)
    response = client.post(url, {"items": items}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["round_status"] == RoundStatus.DONE
    assert audited("round_done", attendant)
    assert_error(client.post(url, {"items": items}, format="json"), 409, "closed")


def test_someone_not_on_the_round_may_not_tick_it_off(office_round, make_user, hotline):
    stranger = make_user("stranger", Role.ATTENDANT)
    make_staff(name="服务员辛", user=stranger)
    url = f"/api/office-rounds/{office_round.pk}/complete/"
    items = list(codes_for(office_round.kind))
    # Not on the rounds page: the round does not exist for them; the hotline reads it: 403.
    assert_error(client_for(stranger).post(url, {"items": items}, format="json"), 404)
    assert_error(client_for(hotline).post(url, {"items": items}, format="json"), 403)
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED


def test_an_unticked_item_needs_a_note_and_an_unknown_one_is_refused(office_round, supervisor):
    url = f"/api/office-rounds/{office_round.pk}/complete/"
    client = client_for(supervisor)
    assert "note" in assert_error(client.post(url, {"items": []}, format="json"), 400)["fields"]
    unknown = client.post(url, {"items": ["polish_the_moon"]}, format="json")
    assert "items" in assert_error(unknown, 400)["fields"]
    assert "items" in assert_error(client.post(url, {}, format="json"), 400)["fields"]
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED


def test_a_lobby_manager_cancels_a_round_with_a_reason_and_its_duty_is_released(
    round_duty, lobby_manager, attendant
):
    url = f"/api/office-rounds/{round_duty.office_round_id}/cancel/"
    assert_error(client_for(attendant).post(url, {"reason": "x"}, format="json"), 403)
    client = client_for(lobby_manager)
    assert "reason" in assert_error(client.post(url, {}, format="json"), 400)["fields"]
    response = client.post(url, {"reason": "领导外出"}, format="json")
    assert response.status_code == 200, response.content
    assert response.json()["round_status"] == RoundStatus.CANCELLED
    assert audited("round_cancelled", lobby_manager)
    round_duty.refresh_from_db()
    assert round_duty.status == DutyStatus.RELEASED
    assert_error(client.post(url, {"reason": "再次"}, format="json"), 409, "closed")
    assert OfficeRound.objects.get(pk=round_duty.office_round_id).status == RoundStatus.CANCELLED


# --- corrective actions -----------------------------------------------------------------------


@pytest.fixture
def action(supervisor, create_room, attendant):
    template = InspectionTemplate.objects.get(name="品质检查表")
    office = create_room(number="A501", name="主任办公室", kind=Room.Kind.LEADER_OFFICE)
    assignee = make_staff(name="服务员壬", user=attendant)
    _inspection, made = record_with_action(supervisor, template, office, assignee)
    return made


def test_the_assignee_closes_their_action_once(action, attendant):
    url = f"/api/corrective-actions/{action.pk}/close/"
    client = client_for(attendant)
    response = client.post(url, {"note": "已重新摆放"}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["action_status"], response.json()["closing_note"]) == (
        ActionStatus.DONE,
        "已重新摆放",
    )
    assert audited("action_closed", attendant)
    assert_error(client.post(url, {"note": "再次"}, format="json"), 409, "closed")


def test_someone_else_may_not_close_an_action_and_a_missing_one_is_a_404(action, outsider):
    url = f"/api/corrective-actions/{action.pk}/close/"
    assert_error(client_for(outsider).post(url, {"note": "好了"}, format="json"), 403)
    missing = "/api/corrective-actions/999999/close/"
    assert_error(client_for(outsider).post(missing, {"note": "好了"}, format="json"), 404)
    assert CorrectiveAction.objects.get(pk=action.pk).status == ActionStatus.OPEN


def test_closing_an_action_needs_a_note(action, supervisor):
    response = client_for(supervisor).post(
        f"/api/corrective-actions/{action.pk}/close/", {"note": " "}, format="json"
    )
    assert "note" in assert_error(response, 400)["fields"]
    assert CorrectiveAction.objects.get(pk=action.pk).status == ActionStatus.OPEN


# --- complaints -------------------------------------------------------------------------------


@pytest.fixture
def complaint(book, clerk):
    start = NOW - dt.timedelta(days=1)
    meeting = book(start=start, end=start + dt.timedelta(hours=2), now=start - dt.timedelta(days=7))
    booking_services.confirm_meeting(meeting, by=clerk, now=start - dt.timedelta(days=7))
    invitation = feedback_services.invite(meeting, now=NOW)
    ratings = dict.fromkeys(feedback_services.services_for(meeting), 2)
    feedback_services.submit(invitation.token, ratings, now=NOW)
    return Complaint.objects.get(meeting=meeting)


def test_the_supervisor_replies_to_a_complaint_once(complaint, supervisor):
    url = f"/api/complaints/{complaint.pk}/reply/"
    client = client_for(supervisor)
    response = client.post(url, {"text": "已整改，向您致歉。"}, format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["complaint_status"], body["reply"]) == (
        ComplaintStatus.REPLIED,
        "已整改，向您致歉。",
    )
    assert body["meeting_title"] == complaint.meeting.title
    assert audited("complaint_replied", supervisor)
    assert_error(client.post(url, {"text": "再次"}, format="json"), 400, "replied")


def test_a_lobby_manager_may_not_reply_to_a_complaint(complaint, lobby_manager):
    url = f"/api/complaints/{complaint.pk}/reply/"
    assert_error(client_for(lobby_manager).post(url, {"text": "好"}, format="json"), 403)
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN


def test_a_reply_needs_text_and_a_missing_complaint_is_a_404(complaint, supervisor):
    client = client_for(supervisor)
    response = client.post(f"/api/complaints/{complaint.pk}/reply/", {"text": ""}, format="json")
    assert "text" in assert_error(response, 400)["fields"]
    assert_error(client.post("/api/complaints/999999/reply/", {"text": "好"}, format="json"), 404)
    assert Complaint.objects.get(pk=complaint.pk).status == ComplaintStatus.OPEN


def test_every_state_change_needs_a_login(db):
    for url in (
        "/api/duties/1/acknowledge/",
        "/api/incidents/1/resolve/",
        "/api/requests/1/take/",
        "/api/office-rounds/1/complete/",
        "/api/corrective-actions/1/close/",
        "/api/complaints/1/reply/",
    ):
        assert_error(APIClient().post(url, {}, format="json"), 401)
