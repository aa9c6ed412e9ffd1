"""The checks board and the check page (issue 5 points 2 and 4): open checks across buildings
with their state in words, soonest first, and completing a check through its checklist form."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Building, Confidentiality
from core.roles import Role
from inspections import checklists, services
from inspections.models import Check, CheckStatus
from inspections.states import STATES
from staffing.models import Position
from tests.conftest import NOW
from tests.staffing_factories import make_staff


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


def checks_of(meeting) -> dict[int, Check]:
    services.ensure_checks(meeting, now=NOW)
    return {check.level: check for check in meeting.checks.all()}


def form_for(check, *, skip: int | None = None) -> dict:
    data = {}
    for i, item in enumerate(checklists.items_for(check)):
        if i != skip:
            data[f"item-{i}-ok"] = "on"
        if not item.get("ready", True):
            data[f"item-{i}-note"] = "已电话确认"
    return data


def board_rows(response) -> list[str]:
    return [row["state"].code for row in response.context["rows"]]


def test_the_board_shows_open_checks_soonest_first_with_their_state_in_words(client, book, hotline):
    meeting = book(start=NOW + dt.timedelta(hours=1, minutes=30))  # level 1 already due
    checks = checks_of(meeting)
    Check.objects.filter(pk=checks[2].pk).update(escalated_at=NOW, status=CheckStatus.NOTIFIED)
    checks_of(book(start=NOW + dt.timedelta(days=1)))
    client.force_login(hotline)
    response = client.get("/checks/")
    assert response.status_code == 200
    dues = [row["check"].due_at for row in response.context["rows"]]
    assert dues == sorted(dues)
    assert board_rows(response)[:3] == ["due", "late", "pending"]
    assert len(response.context["rows"]) == 6
    body = response.content.decode()
    for code in ("due", "late", "pending"):
        assert str(STATES[code].label) in body


def test_done_and_cancelled_checks_leave_the_board(client, book, hotline):
    checks = checks_of(book())
    Check.objects.filter(pk=checks[1].pk).update(status=CheckStatus.DONE)
    Check.objects.filter(pk=checks[2].pk).update(status=CheckStatus.CANCELLED)
    client.force_login(hotline)
    rows = client.get("/checks/").context["rows"]
    assert [row["check"].pk for row in rows] == [checks[3].pk]


def test_the_boards_query_count_does_not_grow_with_its_rows(client, book, hotline):
    client.force_login(hotline)
    checks_of(book())
    with CaptureQueriesContext(connection) as few:
        client.get("/checks/")
    for day in range(2, 5):
        checks_of(book(start=NOW + dt.timedelta(days=day)))
    with CaptureQueriesContext(connection) as many:
        response = client.get("/checks/")
    assert len(response.context["rows"]) == 12
    assert len(many) == len(few) == 6


def test_a_lobby_manager_starts_with_their_own_building(client, book, create_room, make_user):
    east = Building.objects.create(code="east-c", name="东楼")
    east_meeting = book(room=create_room(number="E1", building=east))
    home_meeting = book(start=NOW + dt.timedelta(days=2))
    checks_of(east_meeting)
    checks_of(home_meeting)
    user = make_user("lobby-home", Role.LOBBY_MANAGER)
    make_staff(position=Position.LOBBY_MANAGER, home_building=home_meeting.room.building, user=user)
    client.force_login(user)
    mine = client.get("/checks/").context["rows"]
    assert {row["check"].meeting_id for row in mine} == {home_meeting.pk}
    every = client.get("/checks/?building=all").context["rows"]
    assert {row["check"].meeting_id for row in every} == {home_meeting.pk, east_meeting.pk}


def test_a_secret_meetings_title_is_masked_on_the_board(client, book, hotline):
    checks_of(book(title="绝密会商", confidentiality=Confidentiality.SECRET))
    client.force_login(hotline)
    assert "绝密会商" not in client.get("/checks/").content.decode()


def test_someone_without_a_staff_role_may_not_see_the_board(client, outsider):
    client.force_login(outsider)
    assert client.get("/checks/").status_code == 403


def test_the_check_page_shows_its_checklist_as_a_form(client, book, hotline):
    check = checks_of(book())[1]
    client.force_login(hotline)
    response = client.get(f"/checks/{check.pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    for item in checklists.items_for(check):
        assert item["text"] in body
    assert 'name="item-0-ok"' in body


def test_completing_through_the_form_records_the_check(client, book, hotline):
    check = checks_of(book())[1]
    client.force_login(hotline)
    response = client.post(f"/checks/{check.pk}/", form_for(check))
    assert response.status_code == 302
    check.refresh_from_db()
    assert check.status == CheckStatus.DONE
    assert check.done_by == hotline


def test_an_item_left_blank_shows_the_services_refusal(client, book, hotline):
    check = checks_of(book())[1]
    client.force_login(hotline)
    response = client.post(f"/checks/{check.pk}/", form_for(check, skip=0))
    assert response.status_code == 400
    assert response.context["error"]
    # What was ticked stays ticked.
    assert [line["ok"] for line in response.context["lines"]][1:] == [
        True for _ in response.context["lines"][1:]
    ]
    check.refresh_from_db()
    assert check.status == CheckStatus.PENDING


def test_level_three_shows_each_departments_service_orders(client, book, hotline):
    meeting = book()
    check = checks_of(meeting)[3]
    client.force_login(hotline)
    lines = client.get(f"/checks/{check.pk}/").context["lines"]
    order_lines = [line for line in lines if line["is_order"]]
    assert len(order_lines) == meeting.orders.exclude(status="cancelled").count()
    assert all(line["order_status"] for line in order_lines)


def test_an_attendant_reads_a_check_but_may_not_complete_it(client, book, attendant):
    check = checks_of(book())[1]
    client.force_login(attendant)
    page = client.get(f"/checks/{check.pk}/")
    assert page.status_code == 200
    assert not page.context["may_complete"]
    assert client.post(f"/checks/{check.pk}/", form_for(check)).status_code == 403
