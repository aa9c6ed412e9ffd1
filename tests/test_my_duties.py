"""My duties (我的任务, issue 4 point 8): the phone page of the people who serve meetings."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Building, OrderKind
from bookings.orders import add_order
from core.models import AuditEntry
from core.roles import Role
from staffing import services
from staffing.models import DutyRole, DutyStatus
from tests.conftest import NOW
from tests.staffing_factories import make_staff


@pytest.fixture(autouse=True)
def _frozen_clock():
    # Friday 27 November 2026 09:00 in Shanghai: "today" and "tomorrow" are fixed.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def person(attendant):
    """The attendant persona, on the roster and linked to the login."""
    return make_staff(user=attendant, name="李娟")


def ensure_order(meeting, kind, by):
    """The booking may already have proposed the level's package; add the kind if missing."""
    if not meeting.orders.filter(kind=kind).exists():
        add_order(meeting, by=by, kind=kind, now=NOW)


def assign(meeting, staff, by, role=DutyRole.ATTENDANT):
    return services.assign_duty(meeting, by=by, staff=staff, role=role, now=NOW)


def at_hour(day_offset: int, hour: int, minute: int = 0) -> dt.datetime:
    return (NOW + dt.timedelta(days=day_offset)).replace(hour=hour, minute=minute)


def test_a_login_without_a_roster_entry_gets_a_friendly_message(client, attendant):
    client.force_login(attendant)
    response = client.get(reverse("my-duties"))
    assert response.status_code == 200
    assert 'id="no-staff"' in response.content.decode()


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse("my-duties"))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_todays_and_tomorrows_duties_show_in_time_order_with_what_to_prepare(
    client, attendant, person, supervisor, book, create_room
):
    late_today = book(title="下午的协调会", start=at_hour(0, 15), end=at_hour(0, 16))
    tomorrow = book(title="明天的座谈会", start=at_hour(1, 10), end=at_hour(1, 11))
    early_today = book(
        title="上午的碰头会",
        start=at_hour(0, 10, 30),
        end=at_hour(0, 11, 30),
        room=create_room(number="502"),
    )
    later = book(title="后天的会", start=at_hour(2, 10), end=at_hour(2, 11))
    ensure_order(tomorrow, OrderKind.FLOWERS, supervisor)
    for meeting in (late_today, tomorrow, early_today, later):
        assign(meeting, person, supervisor)

    client.force_login(attendant)
    html = client.get(reverse("my-duties")).content.decode()

    # The day after tomorrow is not shown; the rest in time order.
    assert "后天的会" not in html
    positions = [html.index(title) for title in ("上午的碰头会", "下午的协调会", "明天的座谈会")]
    assert positions == sorted(positions)
    # Arrival is 30 minutes before the start; the meeting's own time, room and building too.
    assert "10:00" in html and "10:30–11:30" in html
    assert "502" in html and "会议大厦" in html
    assert str(DutyRole.ATTENDANT.label) in html
    # Services to prepare and the small-meeting routine.
    assert str(OrderKind.FLOWERS.label) in html
    assert html.count('class="duty-routine') == 3
    assert "15" in html


def test_released_duties_are_not_shown(client, attendant, person, supervisor, book):
    meeting = book(title="取消了的任务", start=at_hour(0, 14), end=at_hour(0, 15))
    duty = assign(meeting, person, supervisor)
    services.release_duty(duty, by=supervisor, reason="换人", now=NOW)
    client.force_login(attendant)
    assert "取消了的任务" not in client.get(reverse("my-duties")).content.decode()


def test_an_attendant_acknowledges_a_duty(client, attendant, person, supervisor, book):
    duty = assign(book(start=at_hour(1, 10), end=at_hour(1, 11)), person, supervisor)
    client.force_login(attendant)
    response = client.post(reverse("my-duty-acknowledge", args=[duty.pk]), follow=True)
    assert response.status_code == 200
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ACKNOWLEDGED
    assert duty.acknowledged_at == NOW
    assert AuditEntry.objects.filter(action="duty_acknowledged").exists()
    html = response.content.decode()
    assert "js-acknowledge" not in html  # the button is gone once acknowledged


def test_an_attendant_checks_in_on_arrival(client, attendant, person, supervisor, book):
    duty = assign(book(start=at_hour(0, 10), end=at_hour(0, 11)), person, supervisor)
    client.force_login(attendant)
    client.post(reverse("my-duty-arrived", args=[duty.pk]))
    duty.refresh_from_db()
    assert duty.arrived_at == NOW


def test_someone_elses_duty_cannot_be_acknowledged(client, make_user, person, supervisor, book):
    duty = assign(book(start=at_hour(1, 10), end=at_hour(1, 11)), person, supervisor)
    other = make_user("other-attendant", Role.ATTENDANT)
    make_staff(user=other)
    client.force_login(other)
    assert client.post(reverse("my-duty-acknowledge", args=[duty.pk])).status_code == 404
    assert client.post(reverse("my-duty-arrived", args=[duty.pk])).status_code == 404
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED and duty.arrived_at is None


def test_acknowledging_a_released_duty_is_refused_with_a_message(
    client, attendant, person, supervisor, book
):
    duty = assign(book(start=at_hour(1, 10), end=at_hour(1, 11)), person, supervisor)
    services.release_duty(duty, by=supervisor, reason="换人", now=NOW)
    client.force_login(attendant)
    response = client.post(reverse("my-duty-acknowledge", args=[duty.pk]), follow=True)
    assert "alert-danger" in response.content.decode()
    duty.refresh_from_db()
    assert duty.status == DutyStatus.RELEASED


def test_the_actions_accept_only_post(client, attendant, person, supervisor, book):
    duty = assign(book(start=at_hour(1, 10), end=at_hour(1, 11)), person, supervisor)
    client.force_login(attendant)
    assert client.get(reverse("my-duty-acknowledge", args=[duty.pk])).status_code == 405


def test_the_page_costs_the_same_number_of_queries_for_one_duty_or_many(
    client, attendant, person, supervisor, book, create_room
):
    client.force_login(attendant)
    first = book(start=at_hour(1, 8), end=at_hour(1, 9))
    ensure_order(first, OrderKind.FLOWERS, supervisor)
    assign(first, person, supervisor)
    client.get(reverse("my-duties"))  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("my-duties"))
    for hour in (10, 13, 16):
        meeting = book(start=at_hour(0, hour), end=at_hour(0, hour + 1), room=create_room())
        ensure_order(meeting, OrderKind.FLOWERS, supervisor)
        assign(meeting, person, supervisor)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("my-duties")).content.decode()
    assert html.count('class="card duty-card') == 4
    assert len(many) == len(one), [q["sql"] for q in many]


def test_the_serving_roles_find_my_duties_in_the_navigation(client, make_user, clerk):
    for role in (Role.ATTENDANT, Role.GROUP_LEADER, Role.AUDIO_TECH, Role.LOBBY_MANAGER):
        user = make_user(None, role)
        client.force_login(user)
        assert reverse("my-duties") in client.get(reverse("today")).content.decode(), role
    client.force_login(clerk)
    assert f'href="{reverse("my-duties")}"' not in client.get(reverse("today")).content.decode()


def test_the_page_links_its_own_stylesheet_and_has_no_inline_style(client, attendant, person):
    client.force_login(attendant)
    html = client.get(reverse("my-duties")).content.decode()
    assert "css/duties.css" in html
    assert " style=" not in html and "<style" not in html


def test_the_home_building_is_named_under_the_heading(client, attendant, db):
    building = Building.objects.create(code="east-t", name="东楼")
    from django.contrib.auth import get_user_model

    make_staff(user=get_user_model().objects.get(pk=attendant.pk), home_building=building)
    client.force_login(attendant)
    assert "东楼" in client.get(reverse("my-duties")).content.decode()
