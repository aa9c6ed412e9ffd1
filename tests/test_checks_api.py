"""The checks API (issue 5 point 8): a meeting's three checks and completing one, in the
booking API's style (error shape, token or session, secret meetings per bookings.visibility)."""

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings.models import Confidentiality
from core.roles import Role
from inspections import checklists, services
from inspections.models import Check, CheckStatus
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


def checks_of(meeting) -> dict[int, Check]:
    services.ensure_checks(meeting, now=NOW)
    return {check.level: check for check in meeting.checks.all()}


def all_ticked(check) -> list[dict]:
    return [
        {"text": item["text"], "ok": True, "note": "" if item.get("ready", True) else "ok"}
        for item in checklists.items_for(check)
    ]


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    error = response.json()["error"]
    assert set(error) == {"code", "message", "fields"}
    assert error["message"]
    if code:
        assert error["code"] == code
    return error


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


def test_a_meetings_three_checks_are_listed_by_level_with_their_due_times(book, attendant):
    meeting = book()
    checks_of(meeting)
    response = client_for(attendant).get(f"/api/meetings/{meeting.pk}/checks/")
    assert response.status_code == 200, response.content
    data = response.json()
    assert [row["level"] for row in data] == [1, 2, 3]
    first = data[0]
    assert first["status"] == "pending"
    assert first["result"] is None
    assert first["responsible"] is None
    assert first["escalated"] is False
    # ISO 8601 with the offset: two hours before the start, on the place's clock.
    assert first["due_at"].endswith("+08:00")
    assert first["due_at"].startswith("2026-11-28T08:00")


def test_a_claimed_check_names_its_responsible(book, attendant):
    meeting = book()
    check = checks_of(meeting)[1]
    staff = make_staff(position=Position.ATTENDANT, is_group_leader=True)
    Check.objects.filter(pk=check.pk).update(responsible=staff)
    data = client_for(attendant).get(f"/api/meetings/{meeting.pk}/checks/").json()
    assert data[0]["responsible"] == {"id": staff.pk, "name": staff.name}


def test_someone_without_a_staff_role_may_not_read_checks(book, outsider):
    meeting = book()
    assert_error(client_for(outsider).get(f"/api/meetings/{meeting.pk}/checks/"), 403)


def test_an_unknown_meeting_is_a_404_in_the_error_shape(attendant):
    assert_error(client_for(attendant).get("/api/meetings/999999/checks/"), 404)


def test_the_checks_of_a_secret_meeting_are_hidden_from_those_who_may_not_see_it(book, attendant):
    meeting = book(confidentiality=Confidentiality.SECRET)
    assert_error(client_for(attendant).get(f"/api/meetings/{meeting.pk}/checks/"), 404)


def test_reading_a_meetings_checks_costs_the_same_queries_claimed_or_not(
    book, attendant, django_assert_num_queries
):
    meeting = book()
    checks = checks_of(meeting)
    client = client_for(attendant)
    with CaptureQueriesContext(connection) as before:
        client.get(f"/api/meetings/{meeting.pk}/checks/")
    for check in checks.values():
        Check.objects.filter(pk=check.pk).update(responsible=make_staff())
    with CaptureQueriesContext(connection) as after:
        client.get(f"/api/meetings/{meeting.pk}/checks/")
    assert len(after) == len(before)
    with django_assert_num_queries(4):
        client.get(f"/api/meetings/{meeting.pk}/checks/")


def test_the_hotline_completes_a_check_with_every_item_ticked(book, hotline):
    meeting = book()
    check = checks_of(meeting)[1]
    response = client_for(hotline).post(
        f"/api/checks/{check.pk}/complete/",
        {"items": all_ticked(check), "note": "一切正常"},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["status"] == "done"
    assert data["result"] == "ok"
    check.refresh_from_db()
    assert check.status == CheckStatus.DONE
    assert check.done_by == hotline


def test_an_item_neither_ticked_nor_noted_is_a_400_with_the_services_message(book, hotline):
    meeting = book()
    check = checks_of(meeting)[1]
    items = all_ticked(check)
    assert items, "the demo templates give level 1 items"
    items[0] = {**items[0], "ok": False, "note": ""}
    response = client_for(hotline).post(
        f"/api/checks/{check.pk}/complete/", {"items": items}, format="json"
    )
    assert_error(response, 400, "incomplete")
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING


def test_level_two_cannot_pass_before_level_one(book, hotline):
    meeting = book()
    check = checks_of(meeting)[2]
    response = client_for(hotline).post(
        f"/api/checks/{check.pk}/complete/", {"items": all_ticked(check)}, format="json"
    )
    assert_error(response, 400)


def test_a_malformed_body_is_a_400_naming_the_field(book, hotline):
    meeting = book()
    check = checks_of(meeting)[1]
    response = client_for(hotline).post(
        f"/api/checks/{check.pk}/complete/", {"items": "all fine"}, format="json"
    )
    error = assert_error(response, 400, "invalid")
    assert "items" in error["fields"]


def test_an_attendant_not_responsible_may_not_complete_a_check(book, attendant):
    meeting = book()
    check = checks_of(meeting)[1]
    response = client_for(attendant).post(
        f"/api/checks/{check.pk}/complete/", {"items": all_ticked(check)}, format="json"
    )
    assert_error(response, 403)


def test_the_responsible_person_completes_their_own_check(book, make_user):
    meeting = book()
    check = checks_of(meeting)[1]
    user = make_user("group-leader", Role.GROUP_LEADER)
    staff = make_staff(is_group_leader=True, user=user)
    Check.objects.filter(pk=check.pk).update(responsible=staff)
    response = client_for(user).post(
        f"/api/checks/{check.pk}/complete/", {"items": all_ticked(check)}, format="json"
    )
    assert response.status_code == 200, response.content


def test_completing_a_check_of_a_secret_meeting_one_may_not_see_is_a_404(book, make_user):
    meeting = book(confidentiality=Confidentiality.SECRET)
    check = checks_of(meeting)[1]
    user = make_user("lobby-x", Role.LOBBY_MANAGER)
    response = client_for(user).post(
        f"/api/checks/{check.pk}/complete/", {"items": all_ticked(check)}, format="json"
    )
    assert_error(response, 404)
