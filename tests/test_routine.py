"""The small-meeting routine ticked off on the phone page, and late arrival shown there."""

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from core.models import AuditEntry
from core.roles import Role
from inspections.errors import CheckError
from inspections.models import RoutineTick
from inspections.routine import ROUTINE_CODES, tick_routine
from staffing import services
from staffing.models import DutyRole
from tests.conftest import NOW
from tests.staffing_factories import make_staff


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def person(attendant):
    return make_staff(user=attendant, name="李娟")


@pytest.fixture
def duty(person, supervisor, book):
    meeting = book(start=NOW.replace(hour=10), end=NOW.replace(hour=11))
    return services.assign_duty(
        meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW
    )


def test_the_routine_has_the_five_steps():
    assert ROUTINE_CODES == ("uniform", "equipment", "tables", "cups_tea", "at_door")


def test_the_person_on_the_duty_ticks_a_step_once_and_it_is_audited(attendant, duty):
    tick = tick_routine(duty, by=attendant, item="uniform", now=NOW)
    assert tick.ticked_at == NOW and tick.item == "uniform"
    entry = AuditEntry.objects.get(action="routine_ticked")
    assert entry.object_id == str(duty.pk) and entry.note == "uniform"
    assert entry.actor_id == attendant.pk
    with pytest.raises(CheckError) as refused:
        tick_routine(duty, by=attendant, item="uniform", now=NOW)
    assert refused.value.code == "ticked"
    assert RoutineTick.objects.filter(duty=duty).count() == 1
    assert AuditEntry.objects.filter(action="routine_ticked").count() == 1


def test_an_unknown_step_is_refused(attendant, duty):
    with pytest.raises(CheckError):
        tick_routine(duty, by=attendant, item="dance", now=NOW)
    assert not RoutineTick.objects.exists()


def test_an_attendant_cannot_tick_someone_elses_routine(make_user, duty, supervisor):
    other = make_user("other-attendant", Role.ATTENDANT)
    make_staff(user=other)
    for user in (other, supervisor):
        with pytest.raises(CheckError) as refused:
            tick_routine(duty, by=user, item="tables", now=NOW)
        assert refused.value.code == "forbidden"
    assert not RoutineTick.objects.exists()
    assert not AuditEntry.objects.filter(action="routine_ticked").exists()


def test_the_page_ticks_a_step_and_shows_it_with_the_time(client, attendant, duty):
    client.force_login(attendant)
    html = client.get(reverse("my-duties")).content.decode()
    assert html.count("js-routine-tick") == 5
    assert reverse("routine-tick", args=[duty.pk]) in html
    response = client.post(
        reverse("routine-tick", args=[duty.pk]), {"item": "cups_tea"}, follow=True
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count("js-routine-tick") == 4
    assert 'class="routine-ticked"' in html and "09:00" in html
    assert RoutineTick.objects.get(duty=duty).item == "cups_tea"
    # A second tick of the same step comes back as a message, not an error page.
    again = client.post(reverse("routine-tick", args=[duty.pk]), {"item": "cups_tea"}, follow=True)
    assert "alert-danger" in again.content.decode()


def test_the_tick_page_refuses_someone_elses_duty_and_get(client, make_user, duty):
    other = make_user("other-attendant", Role.ATTENDANT)
    make_staff(user=other)
    client.force_login(other)
    url = reverse("routine-tick", args=[duty.pk])
    assert client.post(url, {"item": "uniform"}).status_code == 404
    assert client.get(url).status_code == 405
    assert not RoutineTick.objects.exists()


def test_a_late_arrival_shows_by_how_many_minutes(client, attendant, duty):
    # The duty starts at 09:30 (30 minutes before the meeting); arriving at 09:42 is 12 late.
    with time_machine.travel(NOW + dt.timedelta(minutes=42), tick=False):
        services.record_arrival(duty, by=attendant)
    client.force_login(attendant)
    html = client.get(reverse("my-duties")).content.decode()
    assert "duty-late" in html and "12" in html


def test_an_arrival_on_time_shows_no_lateness(client, attendant, duty):
    services.record_arrival(duty, by=attendant)
    client.force_login(attendant)
    assert "duty-late" not in client.get(reverse("my-duties")).content.decode()
