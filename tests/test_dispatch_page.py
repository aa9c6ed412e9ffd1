"""The lobby manager's dispatch page (issue 4 points 6 and 8): one click staffs a day, every
meeting shows needed vs filled or the reason it is not, and duties are adjusted by hand through
the same services and validator."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Building
from core.roles import Role
from staffing import services
from staffing.models import Duty, DutyRole, DutyStatus, Position, Skill
from staffing.needs import open_needs
from staffing.views.dispatch import UNFILLED_SESSION_KEY
from tests.conftest import NOW
from tests.staffing_factories import make_staff

TOMORROW = NOW.date() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def manager(lobby_manager, building):
    """The lobby manager of the conference building, on the roster."""
    make_staff(user=lobby_manager, position=Position.LOBBY_MANAGER, home_building=building)
    return lobby_manager


@pytest.fixture
def team(building):
    """A group leader, three attendants and an audio technician of the building."""
    return {
        "leader": make_staff(name="组长甲", is_group_leader=True, home_building=building),
        "attendants": [make_staff(name=f"服务员{i}", home_building=building) for i in range(3)],
        "audio": make_staff(
            name="音控员",
            position=Position.AUDIO_TECH,
            skills=[Skill.AUDIO],
            home_building=building,
        ),
    }


def tomorrow_at(hour: int) -> dt.datetime:
    return (NOW + dt.timedelta(days=1)).replace(hour=hour)


def page(client, **params):
    return client.get(reverse("dispatch"), params).content.decode()


def back(day=TOMORROW, building=None):
    return {"day": day.isoformat(), "building": building.pk if building else ""}


def test_only_lobby_managers_and_the_supervisor_open_the_page(
    client, attendant, clerk, manager, supervisor
):
    for user, status in ((attendant, 403), (clerk, 403), (manager, 200), (supervisor, 200)):
        client.force_login(user)
        assert client.get(reverse("dispatch")).status_code == status, user


def test_the_page_defaults_to_tomorrow_in_the_managers_own_building(
    client, manager, building, book, create_room
):
    other = Building.objects.create(code="east-t", name="东楼")
    book(title="本楼明天的会", start=tomorrow_at(10), end=tomorrow_at(11))
    book(
        title="东楼明天的会",
        start=tomorrow_at(10),
        end=tomorrow_at(11),
        room=create_room(number="E1", building=other),
    )
    book(title="今天的会", start=NOW + dt.timedelta(hours=2), end=NOW + dt.timedelta(hours=3))
    client.force_login(manager)
    html = page(client)
    assert "2026年11月28日" in html
    assert "本楼明天的会" in html
    assert "东楼明天的会" not in html and "今天的会" not in html
    # An explicit empty building is every building.
    assert "东楼明天的会" in page(client, day=TOMORROW.isoformat(), building="")
    assert "今天的会" in page(client, day=NOW.date().isoformat(), building="")


def test_one_click_staffs_tomorrow_and_each_meeting_is_staffed_or_explained(
    client, manager, building, team, book
):
    first = book(title="第一场", start=tomorrow_at(9), end=tomorrow_at(10), attendees=30)
    second = book(title="第二场", start=tomorrow_at(14), end=tomorrow_at(15))
    client.force_login(manager)
    response = client.post(reverse("dispatch-run"), back(building=building), follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "alert-success" in html
    assert Duty.objects.active().filter(meeting__in=[first, second]).exists()
    for meeting in (first, second):
        if open_needs(meeting):
            assert f'id="meeting-{meeting.pk}"' in html
            assert "dispatch-unfilled" in html
        else:
            assert html.count("meeting-staffed") >= 1
    assert Duty.objects.filter(meeting=first, role=DutyRole.LEAD).count() == 1


def test_needs_nobody_can_fill_are_explained_on_the_page(client, manager, building, book):
    meeting = book(title="无人可派的会", start=tomorrow_at(9), end=tomorrow_at(10))
    client.force_login(manager)
    html = client.post(reverse("dispatch-run"), back(building=building), follow=True)
    html = html.content.decode()
    assert not Duty.objects.filter(meeting=meeting).exists()
    assert "dispatch-unfilled" in html
    assert "need-short" in html
    stored = client.session[UNFILLED_SESSION_KEY][str(meeting.pk)]
    assert stored and all(row["reason"] for row in stored)


def test_a_duty_is_handed_to_someone_else_by_hand(client, manager, building, team, book):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    first, second = team["attendants"][:2]
    duty = services.assign_duty(meeting, by=manager, staff=first, role=DutyRole.ATTENDANT, now=NOW)
    client.force_login(manager)
    html = page(client)
    assert first.name in html and f"reassign-{duty.pk}" in html
    response = client.post(
        reverse("dispatch-reassign", args=[duty.pk]),
        {"staff": second.pk, **back(building=building)},
    )
    assert response.status_code == 302
    assert f"day={TOMORROW.isoformat()}" in response["Location"]
    duty.refresh_from_db()
    assert duty.status == DutyStatus.RELEASED
    assert Duty.objects.active().get(meeting=meeting, role=DutyRole.ATTENDANT).staff == second


def test_a_refused_reassignment_is_shown_and_changes_nothing(client, manager, building, team, book):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    duty = services.assign_duty(
        meeting, by=manager, staff=team["attendants"][0], role=DutyRole.ATTENDANT, now=NOW
    )
    off_shift = make_staff(name="休班的人", days=[NOW.date()])
    client.force_login(manager)
    response = client.post(
        reverse("dispatch-reassign", args=[duty.pk]),
        {"staff": off_shift.pk, **back(building=building)},
        follow=True,
    )
    assert "alert-danger" in response.content.decode()
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED
    assert not Duty.objects.filter(staff=off_shift).exists()


def test_a_duty_is_released_with_a_reason_and_not_without(client, manager, building, team, book):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    duty = services.assign_duty(
        meeting, by=manager, staff=team["attendants"][0], role=DutyRole.ATTENDANT, now=NOW
    )
    client.force_login(manager)
    url = reverse("dispatch-release", args=[duty.pk])
    response = client.post(url, {"reason": "", **back(building=building)}, follow=True)
    assert "alert-danger" in response.content.decode()
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED
    client.post(url, {"reason": "临时请假", **back(building=building)})
    duty.refresh_from_db()
    assert duty.status == DutyStatus.RELEASED and duty.release_reason == "临时请假"


def test_an_open_need_is_filled_by_hand_with_the_same_validation(
    client, manager, building, team, book
):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    client.force_login(manager)
    html = page(client)
    assert f"assign-{meeting.pk}-lead" in html
    url = reverse("dispatch-assign", args=[meeting.pk])
    # A plain attendant cannot lead: refused with the validator's words.
    response = client.post(
        url,
        {"role": DutyRole.LEAD, "staff": team["attendants"][0].pk, **back(building=building)},
        follow=True,
    )
    assert "alert-danger" in response.content.decode()
    assert not Duty.objects.filter(meeting=meeting).exists()
    client.post(url, {"role": DutyRole.LEAD, "staff": team["leader"].pk, **back(building=building)})
    assert Duty.objects.active().get(meeting=meeting).staff == team["leader"]


def test_the_write_actions_are_refused_to_other_roles(client, make_user, team, book, manager):
    meeting = book(start=tomorrow_at(10), end=tomorrow_at(11))
    duty = services.assign_duty(
        meeting, by=manager, staff=team["attendants"][0], role=DutyRole.ATTENDANT, now=NOW
    )
    client.force_login(make_user("leader-only", Role.GROUP_LEADER))
    assert client.post(reverse("dispatch-run"), back()).status_code == 403
    assert (
        client.post(reverse("dispatch-release", args=[duty.pk]), {"reason": "x"}).status_code == 403
    )
    assert (
        client.post(
            reverse("dispatch-assign", args=[meeting.pk]),
            {"role": DutyRole.LEAD, "staff": team["leader"].pk},
        ).status_code
        == 403
    )
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED


def test_a_bad_day_is_refused_with_a_message(client, manager):
    client.force_login(manager)
    response = client.post(reverse("dispatch-run"), {"day": "not-a-day"}, follow=True)
    assert "alert-danger" in response.content.decode()


def test_the_page_costs_the_same_number_of_queries_for_one_meeting_or_many(
    client, manager, building, team, book, create_room
):
    first = book(start=tomorrow_at(9), end=tomorrow_at(10))
    services.assign_duty(first, by=manager, staff=team["leader"], role=DutyRole.LEAD, now=NOW)
    client.force_login(manager)
    page(client)
    with CaptureQueriesContext(connection) as one:
        page(client)
    for hour in (11, 14, 16):
        meeting = book(start=tomorrow_at(hour), end=tomorrow_at(hour + 1), room=create_room())
        services.assign_duty(
            meeting, by=manager, staff=team["attendants"][0], role=DutyRole.ATTENDANT, now=NOW
        )
    with CaptureQueriesContext(connection) as many:
        html = page(client)
    assert html.count('class="card dispatch-meeting') == 4
    assert len(many) == len(one), [q["sql"] for q in many]
