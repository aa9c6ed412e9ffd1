"""The staffing API (issue 4 point 9): the roster, a meeting's duties and one meeting's
dispatch, in the booking API's style (error shape, pagination, token or session)."""

import datetime as dt

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings.models import Building, Confidentiality
from core.roles import Role
from staffing import services
from staffing.models import Duty, DutyRole, Position, Skill, Team
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


def tomorrow_at(hour: int) -> dt.datetime:
    return (NOW + dt.timedelta(days=1)).replace(hour=hour)


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


@pytest.fixture
def roster(building):
    east = Building.objects.create(code="east-t", name="东楼")
    team = Team.objects.create(name="会议一组", building=building)
    return {
        "leader": make_staff(
            name="组长甲", is_group_leader=True, home_building=building, team=team
        ),
        "attendant": make_staff(name="服务员乙", home_building=building, team=team),
        "east": make_staff(name="东楼服务员", home_building=east),
        "audio": make_staff(
            name="音控员丙",
            position=Position.AUDIO_TECH,
            skills=[Skill.AUDIO],
            home_building=building,
        ),
        "team": team,
        "east_building": east,
    }


def test_the_staff_list_needs_a_login(db):
    assert_error(APIClient().get("/api/staff/"), 401)


def test_the_staff_list_is_for_staff_roles_only(make_user, roster):
    assert_error(client_for(make_user("bureau", Role.BUREAU)).get("/api/staff/"), 403)
    assert_error(client_for(make_user("nobody")).get("/api/staff/"), 403)


def test_attendants_may_not_read_the_roster_with_its_phone_numbers(attendant, roster):
    response = client_for(attendant).get("/api/staff/")
    assert response.status_code == 403
    assert "组长甲" not in response.content.decode()


def test_staff_read_the_roster_with_its_fields_and_no_clearance(clerk, roster):
    body = client_for(clerk).get("/api/staff/").json()
    assert body["count"] == 4 and "next" in body and "previous" in body
    row = next(r for r in body["results"] if r["name"] == "组长甲")
    assert row["position"] == Position.ATTENDANT
    assert row["team"] == roster["team"].pk and row["team_name"] == "会议一组"
    assert row["home_building_name"] == "会议大厦"
    assert row["is_group_leader"] is True
    assert row["ical_url"] is None
    assert "authorised_until" not in row and "guarantor" not in row


def test_the_staff_list_filters_by_position_team_and_home_building(clerk, roster):
    client = client_for(clerk)

    def names(**params):
        return {r["name"] for r in client.get("/api/staff/", params).json()["results"]}

    assert names(position=Position.AUDIO_TECH) == {"音控员丙"}
    assert names(team=roster["team"].pk) == {"组长甲", "服务员乙"}
    assert names(home_building="east-t") == {"东楼服务员"}
    assert names(home_building=roster["east_building"].pk) == {"东楼服务员"}


def test_bad_staff_filters_are_a_400_naming_the_field(clerk, roster):
    client = client_for(clerk)
    error = assert_error(client.get("/api/staff/", {"position": "pilot"}), 400, "invalid")
    assert "position" in error["fields"]
    error = assert_error(client.get("/api/staff/", {"home_building": "nowhere"}), 400)
    assert "home_building" in error["fields"]
    assert_error(client.get("/api/staff/", {"team": "999999"}), 400)


def test_a_meetings_duties_are_listed(attendant, supervisor, roster, book):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    duty = services.assign_duty(
        meeting, by=supervisor, staff=roster["leader"], role=DutyRole.LEAD, now=NOW
    )
    released = services.assign_duty(
        meeting, by=supervisor, staff=roster["attendant"], role=DutyRole.ATTENDANT, now=NOW
    )
    services.release_duty(released, by=supervisor, reason="换人", now=NOW)
    body = client_for(attendant).get(f"/api/meetings/{meeting.pk}/duties/").json()
    assert body["count"] == 1
    row = body["results"][0]
    assert row["id"] == duty.pk and row["staff_name"] == "组长甲"
    assert row["role"] == DutyRole.LEAD and row["status"] == "assigned"
    assert row["start"].startswith("2026-11-28T09:30:00")


def test_the_duties_of_an_unknown_meeting_are_a_404(attendant, db):
    assert_error(client_for(attendant).get("/api/meetings/999999/duties/"), 404)


def test_dispatch_is_refused_to_other_roles(attendant, clerk, book, roster):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    for user in (attendant, clerk):
        assert_error(client_for(user).post(f"/api/meetings/{meeting.pk}/dispatch/"), 403)
    assert not Duty.objects.filter(meeting=meeting).exists()


def test_a_lobby_manager_dispatches_a_meeting_and_gets_duties_and_unfilled(
    lobby_manager, book, roster
):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11), attendees=30)
    response = client_for(lobby_manager).post(f"/api/meetings/{meeting.pk}/dispatch/")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["meeting"] == meeting.pk
    active = Duty.objects.active().filter(meeting=meeting)
    assert {d["id"] for d in body["duties"]} == set(active.values_list("pk", flat=True))
    assert set(body["created"]) == set(active.values_list("pk", flat=True))
    assert any(d["role"] == DutyRole.LEAD for d in body["duties"])
    # Whatever is left over comes with its reason.
    for row in body["unfilled"]:
        assert set(row) == {"role", "count", "reason"} and row["reason"]


def test_dispatching_a_meeting_nobody_can_serve_explains_why(lobby_manager, book, db):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    body = client_for(lobby_manager).post(f"/api/meetings/{meeting.pk}/dispatch/").json()
    assert body["duties"] == [] and body["created"] == []
    assert {row["role"] for row in body["unfilled"]} >= {DutyRole.LEAD}


def test_dispatching_an_unknown_meeting_is_a_404(lobby_manager, db):
    assert_error(client_for(lobby_manager).post("/api/meetings/999999/dispatch/"), 404)


def test_who_serves_a_secret_meeting_is_masked_for_those_who_may_not_see_it(
    make_user, supervisor, book, building
):
    authorised = make_staff(name="授权组长", is_group_leader=True, authorised=True)
    meeting = book(
        start=tomorrow_at(10), end=tomorrow_at(11), confidentiality=Confidentiality.SECRET
    )
    services.assign_duty(meeting, by=supervisor, staff=authorised, role=DutyRole.LEAD, now=NOW)
    attendant = make_user("plain-attendant", Role.ATTENDANT)
    row = client_for(attendant).get(f"/api/meetings/{meeting.pk}/duties/").json()["results"][0]
    assert row["staff"] is None and row["staff_name"] is None
    row = client_for(supervisor).get(f"/api/meetings/{meeting.pk}/duties/").json()["results"][0]
    assert row["staff_name"] == "授权组长"
