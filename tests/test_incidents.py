"""Incidents (issue 5 point 6): anyone on duty reports one, the building's lobby manager and the
hotline hear of it at once, and it is tracked to resolution with who and when."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings.models import Building, Confidentiality
from core.models import AuditEntry, Notification
from core.roles import Role
from inspections.errors import CheckError
from inspections.incidents import report_incident, resolve_incident
from inspections.models import Incident, IncidentCategory, Severity
from staffing.models import Position
from tests.conftest import NOW
from tests.staffing_factories import make_staff


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


@pytest.fixture
def managers(make_user, building):
    """A lobby manager of this building and one of another building."""
    here = make_user("lobby-here", Role.LOBBY_MANAGER)
    there = make_user("lobby-there", Role.LOBBY_MANAGER)
    east = Building.objects.create(code="east-i", name="东楼")
    make_staff(position=Position.LOBBY_MANAGER, home_building=building, user=here)
    make_staff(position=Position.LOBBY_MANAGER, home_building=east, user=there)
    return here, there


def report(by, **fields):
    args = {
        "category": IncidentCategory.AIR_CONDITIONING,
        "severity": Severity.HIGH,
        "description": "空调不制冷",
    }
    args.update(fields)
    return report_incident(by=by, now=NOW, **args)


def test_a_report_notifies_the_buildings_lobby_manager_and_the_hotline_at_once(
    book, attendant, hotline, managers
):
    meeting = book()
    incident = report(attendant, meeting=meeting)
    assert incident.room == meeting.room
    recipients = set(
        Notification.objects.filter(kind="incident").values_list("recipient__username", flat=True)
    )
    assert recipients == {"hotline", "lobby-here"}
    assert AuditEntry.objects.filter(
        action="incident_reported", object_id=str(incident.pk)
    ).exists()


def test_a_report_without_a_description_is_refused(attendant):
    with pytest.raises(CheckError):
        report(attendant, description="  ")
    assert not Incident.objects.exists()


def test_resolving_records_who_and_when_and_a_second_resolve_is_refused(attendant, hotline, room):
    incident = report(attendant, room=room)
    later = NOW + dt.timedelta(minutes=20)
    resolve_incident(incident, by=hotline, resolution="已派维修", now=later)
    incident.refresh_from_db()
    assert (incident.resolved_by, incident.resolved_at, incident.resolution) == (
        hotline,
        later,
        "已派维修",
    )
    assert not incident.is_open
    with pytest.raises(CheckError):
        resolve_incident(incident, by=hotline, resolution="again")


# --- the API ----------------------------------------------------------------------------------


def test_reporting_through_the_api_answers_201_with_the_incident(book, attendant, hotline):
    meeting = book()
    response = client_for(attendant).post(
        "/api/incidents/",
        {"category": "lighting", "severity": "low", "description": "灯不亮", "meeting": meeting.pk},
        format="json",
    )
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["meeting"] == meeting.pk
    assert data["room"] == meeting.room_id
    assert data["open"] is True
    assert response["Location"] == f"/api/incidents/{data['id']}/"
    assert client_for(hotline).get(response["Location"]).json()["description"] == "灯不亮"


def test_an_unknown_category_is_a_400_naming_the_field(attendant):
    response = client_for(attendant).post(
        "/api/incidents/", {"category": "fire-ish", "description": "x"}, format="json"
    )
    assert response.status_code == 400
    assert "category" in response.json()["error"]["fields"]


def test_the_open_filter_lists_only_open_incidents_oldest_first(attendant, hotline, room):
    first = report(attendant, room=room)
    second = report(attendant, room=room)
    closed = report(attendant, room=room)
    resolve_incident(closed, by=hotline, resolution="done")
    data = client_for(hotline).get("/api/incidents/?open=true").json()
    assert [row["id"] for row in data["results"]] == [first.pk, second.pk]


def test_a_junk_open_filter_is_a_400(hotline):
    response = client_for(hotline).get("/api/incidents/?open=maybe")
    assert response.status_code == 400


def test_an_incident_of_a_secret_meeting_is_hidden_from_those_who_may_not_see_it(
    book, attendant, make_user
):
    meeting = book(confidentiality=Confidentiality.SECRET)
    incident = report(attendant, meeting=meeting)
    viewer = client_for(make_user("viewer", Role.LOBBY_MANAGER))
    assert viewer.get(f"/api/incidents/{incident.pk}/").status_code == 404
    listed = viewer.get("/api/incidents/?open=true").json()["results"]
    assert listed[0]["description"] is None


def test_someone_without_a_staff_role_may_not_report(outsider):
    response = client_for(outsider).post(
        "/api/incidents/", {"category": "other", "description": "x"}, format="json"
    )
    assert response.status_code == 403


# --- the pages --------------------------------------------------------------------------------


def test_the_report_form_from_a_meeting_page_records_the_meeting(client, book, attendant):
    meeting = book()
    client.force_login(attendant)
    url = f"/incidents/new/?meeting={meeting.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert meeting.title in page.content.decode()
    response = client.post(
        url, {"category": "cleaning", "severity": "medium", "description": "桌面未清洁"}
    )
    assert response.status_code == 302
    incident = Incident.objects.get()
    assert incident.meeting == meeting
    assert incident.reported_by == attendant


def test_the_list_shows_open_incidents_oldest_first_and_the_hotline_resolves_one(
    client, attendant, hotline, room
):
    first = report(attendant, room=room, description="第一件")
    second = report(attendant, room=room, description="第二件")
    client.force_login(hotline)
    body = client.get("/incidents/").content.decode()
    assert body.index("第一件") < body.index("第二件")
    response = client.post(f"/incidents/{first.pk}/resolve/", {"resolution": "修好了"})
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.resolved_by == hotline
    body = client.get("/incidents/").content.decode()
    assert "第一件" not in body and "第二件" in body
    assert second.is_open


def test_an_attendant_may_not_resolve(client, attendant, room):
    incident = report(attendant, room=room)
    client.force_login(attendant)
    response = client.post(f"/incidents/{incident.pk}/resolve/", {"resolution": "x"})
    assert response.status_code == 403
    incident.refresh_from_db()
    assert incident.is_open


def test_the_lists_query_count_does_not_grow_with_its_incidents(client, book, attendant, hotline):
    client.force_login(hotline)
    report(attendant, meeting=book())
    with CaptureQueriesContext(connection) as few:
        client.get("/incidents/")
    for day in range(2, 6):
        report(attendant, meeting=book(start=NOW + dt.timedelta(days=day)))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/incidents/")
    assert len(response.context["rows"]) == 5
    assert len(many) == len(few)
