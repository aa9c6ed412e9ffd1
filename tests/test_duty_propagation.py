"""Duties follow their meeting (issue 4, point 7): a reschedule always succeeds when the room is
free; duties that still fit move, the others are released and the lobby manager is told; a
cancellation frees them all; everyone affected is notified."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.utils import translation

from bookings import services as bookings
from bookings.models import Confidentiality, MeetingStatus
from core.models import AuditEntry, Notification
from core.roles import Role
from core.timeutils import at
from staffing import services
from staffing.models import Duty, DutyRole, DutyStatus
from tests.conftest import NOW
from tests.staffing_factories import day_shift, make_staff

DAY = dt.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.fixture
def meeting(book):
    return book(start=at(DAY, 10), end=at(DAY, 12))


def assign(meeting, staff, role=DutyRole.ATTENDANT):
    return services.assign_duty(meeting, by=None, staff=staff, role=role, now=NOW)


def duty_actions(duty) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Duty), object_id=str(duty.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


def test_a_reschedule_within_the_shifts_moves_every_duty(meeting, clerk, make_user):
    user = make_user("mover")
    lead = assign(meeting, make_staff(is_group_leader=True), DutyRole.LEAD)
    attendant = assign(meeting, make_staff(user=user))

    bookings.reschedule_meeting(meeting, by=clerk, start=at(DAY, 14), end=at(DAY, 16), now=NOW)

    for duty in (lead, attendant):
        duty.refresh_from_db()
        assert duty.status == DutyStatus.ASSIGNED
        assert (duty.start, duty.end) == (at(DAY, 13, 30), at(DAY, 16, 10))
        assert duty_actions(duty) == ["duty_assigned", "duty_moved"]
    assert Notification.objects.filter(recipient=user, kind="duty_moved").exists()


def test_a_reschedule_outside_one_persons_shift_releases_only_theirs_and_tells_the_lobby_manager(
    meeting, clerk, make_user, building
):
    early_user, late_user = make_user("early"), make_user("late")
    early = make_staff(user=early_user, days=[])
    day_shift(early, DAY, start_hour=7, end_hour=15)  # an early shift ends at 15:00
    late = make_staff(user=late_user)  # on until 23:00
    manager = make_user("lobby-here", Role.LOBBY_MANAGER)
    make_staff(user=manager, home_building=building, position="lobby_manager")
    elsewhere = make_user("lobby-elsewhere", Role.LOBBY_MANAGER)
    early_duty, late_duty = assign(meeting, early), assign(meeting, late)

    moved = bookings.reschedule_meeting(
        meeting, by=clerk, start=at(DAY, 17), end=at(DAY, 19), now=NOW
    )

    assert (moved.start, moved.status) == (at(DAY, 17), MeetingStatus.REQUESTED)
    early_duty.refresh_from_db()
    late_duty.refresh_from_db()
    assert early_duty.status == DutyStatus.RELEASED
    assert early_duty.release_reason == "no longer fits after the reschedule"
    assert duty_actions(early_duty) == ["duty_assigned", "duty_released"]
    assert (late_duty.status, late_duty.start) == (DutyStatus.ASSIGNED, at(DAY, 16, 30))
    assert Notification.objects.filter(recipient=early_user, kind="duty_released").exists()
    told = Notification.objects.get(recipient=manager, kind="duties_released")
    assert early.name in told.body and late.name not in told.body
    assert not Notification.objects.filter(recipient=elsewhere, kind="duties_released").exists()


def test_without_a_lobby_manager_of_the_building_every_lobby_manager_is_told(
    meeting, clerk, make_user
):
    manager = make_user("lobby-any", Role.LOBBY_MANAGER)
    early = make_staff(days=[])
    day_shift(early, DAY, start_hour=7, end_hour=13)
    assign(meeting, early)

    bookings.reschedule_meeting(meeting, by=clerk, start=at(DAY, 15), end=at(DAY, 16), now=NOW)

    assert Notification.objects.filter(recipient=manager, kind="duties_released").exists()


def test_a_reschedule_onto_the_persons_other_duty_releases_only_the_clash(
    meeting, book, clerk, create_room
):
    person = make_staff()
    assign(meeting, person)
    afternoon = book(start=at(DAY, 14), end=at(DAY, 16), room=create_room())
    kept = assign(afternoon, person)

    bookings.reschedule_meeting(meeting, by=clerk, start=at(DAY, 15), end=at(DAY, 17), now=NOW)

    kept.refresh_from_db()
    assert kept.status == DutyStatus.ASSIGNED
    assert not Duty.objects.active().filter(meeting=meeting).exists()


def test_making_a_meeting_secret_releases_the_unauthorised_duties(meeting, clerk):
    cleared = assign(meeting, make_staff(authorised=True))
    uncleared = assign(meeting, make_staff(authorised=False))

    bookings.edit_meeting(meeting, by=clerk, confidentiality=Confidentiality.SECRET, now=NOW)

    cleared.refresh_from_db()
    uncleared.refresh_from_db()
    assert cleared.status == DutyStatus.ASSIGNED
    assert uncleared.status == DutyStatus.RELEASED


def test_a_cancellation_frees_every_duty_and_tells_the_people(meeting, clerk, make_user):
    users = [make_user(f"served{i}") for i in range(3)]
    duties = [assign(meeting, make_staff(user=u)) for u in users]

    bookings.cancel_meeting(meeting, by=clerk, reason="领导出差", now=NOW)

    for duty, user in zip(duties, users, strict=True):
        duty.refresh_from_db()
        assert (duty.status, duty.release_reason) == (DutyStatus.RELEASED, "meeting cancelled")
        assert duty_actions(duty) == ["duty_assigned", "duty_released"]
        assert Notification.objects.filter(recipient=user, kind="duty_released").exists()
    assert not Duty.objects.active().exists()
