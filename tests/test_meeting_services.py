"""The meeting services: booking, confirming, editing, rescheduling and cancelling.

Every refusal is shown to save nothing: the meeting and audit row counts stay as they were.
"""

import datetime as dt
from contextlib import contextmanager

import pytest
import time_machine

from bookings import services, signals
from bookings.errors import BookingConflict, BookingError
from bookings.models import Confidentiality, LeaderRank, Meeting, MeetingStatus, Room
from core.models import AuditEntry
from core.timeutils import at, format_span, format_time
from tests.conftest import NOW

# A Monday after NOW (Friday 2026-11-27 09:00).
DAY = dt.date(2026, 11, 30)


def counts() -> tuple[int, int]:
    return Meeting.objects.count(), AuditEntry.objects.count()


@contextmanager
def nothing_saved():
    before = counts()
    yield
    assert counts() == before


@contextmanager
def receiver_raising(signal):
    """Connect a receiver that fails, as a broken staffing or inspections receiver would."""

    def explode(**kwargs):
        raise RuntimeError("receiver failed")

    signal.connect(explode, dispatch_uid="test-exploding-receiver")
    try:
        yield
    finally:
        assert signal.disconnect(dispatch_uid="test-exploding-receiver")


def audit_rows(meeting) -> list[AuditEntry]:
    return list(AuditEntry.objects.for_object(meeting).order_by("id"))


# --- booking ------------------------------------------------------------------------------


def test_a_booking_takes_contact_and_phone_from_the_hosting_unit(book, hosting_unit):
    meeting = book()

    meeting.refresh_from_db()
    assert meeting.contact_name == "李明"
    assert meeting.contact_phone == "13800138000"
    assert meeting.status == MeetingStatus.REQUESTED
    assert meeting.version == 1


def test_a_contact_given_at_booking_wins_over_the_hosting_units(book):
    meeting = book(contact_name="赵敏", contact_phone="010-12345678")

    assert (meeting.contact_name, meeting.contact_phone) == ("赵敏", "010-12345678")


def test_a_booking_takes_setup_and_teardown_from_the_room(book, create_room):
    hall = create_room(number="H1", capacity=300, setup_minutes=60, teardown_minutes=30)
    start = at(DAY, 10)

    meeting = book(room=hall, start=start, end=at(DAY, 12))

    assert (meeting.setup_minutes, meeting.teardown_minutes) == (60, 30)
    assert meeting.occupied_from == at(DAY, 9)
    assert meeting.occupied_until == at(DAY, 12, 30)


def test_setup_and_teardown_may_be_set_per_meeting(book):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11), setup_minutes=0, teardown_minutes=45)

    assert meeting.occupied_from == at(DAY, 10)
    assert meeting.occupied_until == at(DAY, 11, 45)


def test_a_convening_leader_fills_the_leaders_rank(book, leader):
    meeting = book(leader=leader, leader_rank=LeaderRank.SECTION)

    meeting.refresh_from_db()
    assert meeting.leader == leader
    assert meeting.leader_rank == LeaderRank.DISTRICT


def test_a_booking_leaves_one_audit_row_naming_the_clerk(book, clerk):
    meeting = book(now=NOW)

    [entry] = audit_rows(meeting)
    assert entry.actor == clerk
    assert entry.actor_name == "王晓燕"  # family name first
    assert entry.action == "booked"
    assert (entry.from_state, entry.to_state) == ("", MeetingStatus.REQUESTED)
    assert entry.at == NOW


def test_a_booking_by_the_system_is_audited_as_the_system(book):
    meeting = book(by=None)

    [entry] = audit_rows(meeting)
    assert entry.actor is None
    assert entry.actor_name == "system"
    assert meeting.booked_by is None


def test_without_now_the_services_read_the_clock(book):
    with time_machine.travel(at(DAY, 10), tick=False):
        meeting = book(start=at(DAY, 10, 30), end=at(DAY, 11), now=None)
        with nothing_saved(), pytest.raises(BookingError) as refused:
            book(start=at(DAY, 9, 30), end=at(DAY, 11), now=None)

    assert meeting.booked_at == at(DAY, 10)
    assert AuditEntry.objects.for_object(meeting).get().at == at(DAY, 10)
    assert set(refused.value.fields) == {"start"}


# --- bad input ----------------------------------------------------------------------------


def test_an_end_not_after_the_start_is_refused(book):
    with nothing_saved(), pytest.raises(BookingError) as refused:
        book(start=at(DAY, 10), end=at(DAY, 10))

    assert refused.value.code == "invalid"
    assert set(refused.value.fields) == {"end"}


def test_a_meeting_longer_than_twelve_hours_is_refused(book):
    with nothing_saved(), pytest.raises(BookingError) as refused:
        book(start=at(DAY, 7), end=at(DAY, 19, 1))

    assert set(refused.value.fields) == {"end"}


def test_a_meeting_of_exactly_twelve_hours_is_accepted(book):
    meeting = book(start=at(DAY, 7), end=at(DAY, 19))

    assert meeting.pk is not None


def test_a_start_in_the_past_is_refused_naming_the_time(book):
    with nothing_saved(), pytest.raises(BookingError) as refused:
        book(start=NOW - dt.timedelta(hours=1), end=NOW + dt.timedelta(hours=1), now=NOW)

    assert set(refused.value.fields) == {"start"}
    assert "08:00" in refused.value.message


def test_attendees_over_capacity_are_refused_naming_rooms_that_would_fit(book, create_room):
    create_room(number="H60", capacity=60)
    create_room(number="S20", capacity=20)
    create_room(number="XOUT", capacity=90, in_service=False)
    create_room(number="XOFF", capacity=90, kind=Room.Kind.OFFICE)

    with nothing_saved(), pytest.raises(BookingError) as refused:
        book(attendees=40)

    assert set(refused.value.fields) == {"attendees"}
    message = refused.value.fields["attendees"]
    assert "301" in message and "40" in message
    assert "H60" in message
    assert "S20" not in message and "XOUT" not in message and "XOFF" not in message


def test_a_room_out_of_service_is_refused(book, create_room):
    closed = create_room(number="C1", in_service=False)

    with nothing_saved(), pytest.raises(BookingError) as refused:
        book(room=closed)

    assert set(refused.value.fields) == {"room"}
    assert "C1" in refused.value.message


def test_an_office_cannot_be_booked_as_a_meeting_room(book, create_room):
    office = create_room(number="O1", kind=Room.Kind.OFFICE)

    with nothing_saved(), pytest.raises(BookingError) as refused:
        book(room=office)

    assert set(refused.value.fields) == {"room"}
    assert "O1" in refused.value.message


def test_every_bad_field_is_named_at_once(book):
    with nothing_saved(), pytest.raises(BookingError) as refused:
        book(title="  ", attendees=0, setup_minutes=-5, teardown_minutes=241, layout="circus")

    assert {"title", "attendees", "setup_minutes", "teardown_minutes", "layout"} <= set(
        refused.value.fields
    )


# --- overlap ------------------------------------------------------------------------------


def test_a_second_booking_of_the_same_slot_is_refused(book):
    book(start=at(DAY, 10), end=at(DAY, 12))

    with nothing_saved(), pytest.raises(BookingConflict) as refused:
        book(start=at(DAY, 10), end=at(DAY, 12))

    assert refused.value.code == "conflict"
    assert "start" in refused.value.fields


def test_setup_and_teardown_count_towards_an_overlap(book):
    # Occupied 09:35-10:10 and 09:50-11:10: the meetings themselves do not touch.
    book(start=at(DAY, 9, 50), end=at(DAY, 10), setup_minutes=15, teardown_minutes=10)

    with nothing_saved(), pytest.raises(BookingConflict):
        book(start=at(DAY, 10, 5), end=at(DAY, 11), setup_minutes=15, teardown_minutes=10)


def test_back_to_back_occupied_windows_do_not_conflict(book):
    first = book(start=at(DAY, 9), end=at(DAY, 10), teardown_minutes=10)

    second = book(start=at(DAY, 10, 25), end=at(DAY, 11), setup_minutes=15)

    assert first.occupied_until == second.occupied_from == at(DAY, 10, 10)
    assert Meeting.objects.active().count() == 2


def test_the_same_slot_in_another_room_is_free(book, create_room):
    book(start=at(DAY, 10), end=at(DAY, 12))

    other = book(room=create_room(number="302"), start=at(DAY, 10), end=at(DAY, 12))

    assert other.pk is not None


def test_a_conflict_names_the_other_meeting_and_its_occupied_window(book):
    taken = book(title="季度经济形势分析会", start=at(DAY, 10), end=at(DAY, 12))

    with pytest.raises(BookingConflict) as refused:
        book(start=at(DAY, 11), end=at(DAY, 13))

    message = refused.value.message
    assert "季度经济形势分析会" in message
    assert format_span(taken.occupied_from, taken.occupied_until) in message
    assert "09:45" in message and "12:10" in message
    assert "301" in message


def test_a_conflict_with_a_secret_meeting_does_not_leak_its_title(book, outsider, clerk):
    taken = book(
        title="绝密专题研究会",
        confidentiality=Confidentiality.SECRET,
        start=at(DAY, 10),
        end=at(DAY, 12),
    )

    with nothing_saved(), pytest.raises(BookingConflict) as refused:
        book(by=outsider, start=at(DAY, 11), end=at(DAY, 13))
    assert "绝密专题研究会" not in refused.value.message
    assert format_span(taken.occupied_from, taken.occupied_until) in refused.value.message

    with pytest.raises(BookingConflict) as refused_for_clerk:
        book(by=clerk, start=at(DAY, 11), end=at(DAY, 13))
    assert "绝密专题研究会" in refused_for_clerk.value.message


# --- confirm ------------------------------------------------------------------------------


def test_confirming_a_requested_meeting_makes_it_confirmed(book, supervisor):
    meeting = book()

    confirmed = services.confirm_meeting(meeting, by=supervisor, now=NOW)

    confirmed.refresh_from_db()
    assert confirmed.status == MeetingStatus.CONFIRMED
    assert confirmed.version == 2
    entry = audit_rows(meeting)[-1]
    assert (entry.action, entry.actor) == ("confirmed", supervisor)
    assert (entry.from_state, entry.to_state) == (MeetingStatus.REQUESTED, MeetingStatus.CONFIRMED)


def test_confirming_twice_is_refused(book, clerk):
    meeting = services.confirm_meeting(book(), by=clerk, now=NOW)

    with nothing_saved(), pytest.raises(BookingError) as refused:
        services.confirm_meeting(meeting, by=clerk, now=NOW)

    assert refused.value.code == "invalid_state"
    meeting.refresh_from_db()
    assert meeting.version == 2


# --- edit ---------------------------------------------------------------------------------


def test_editing_details_saves_them_and_audits_what_changed(book, clerk, leader):
    meeting = book(title="原标题", attendees=12)

    edited = services.edit_meeting(
        meeting, by=clerk, title=" 新标题 ", attendees=20, leader=leader, now=NOW
    )

    edited.refresh_from_db()
    assert (edited.title, edited.attendees, edited.leader) == ("新标题", 20, leader)
    assert edited.leader_rank == LeaderRank.DISTRICT
    assert edited.version == 2
    entry = audit_rows(meeting)[-1]
    assert entry.action == "edited"
    assert entry.changes["title"] == ["原标题", "新标题"]
    assert entry.changes["attendees"] == [12, 20]


def test_an_edit_that_changes_nothing_leaves_no_trace(book, clerk):
    meeting = book(title="不变的会")

    with nothing_saved():
        services.edit_meeting(meeting, by=clerk, title="不变的会", now=NOW)

    meeting.refresh_from_db()
    assert meeting.version == 1


@pytest.mark.parametrize("field", ["start", "end", "room"])
def test_an_edit_refuses_time_and_room(book, clerk, field):
    meeting = book()

    with nothing_saved(), pytest.raises(BookingError) as refused:
        services.edit_meeting(meeting, by=clerk, **{field: getattr(meeting, field)}, now=NOW)

    assert refused.value.code == "not_editable"
    assert set(refused.value.fields) == {field}


def test_an_edit_over_the_rooms_capacity_is_refused(book, clerk):
    meeting = book(attendees=12)

    with nothing_saved(), pytest.raises(BookingError):
        services.edit_meeting(meeting, by=clerk, attendees=31, now=NOW)

    meeting.refresh_from_db()
    assert (meeting.attendees, meeting.version) == (12, 1)


def test_an_edit_from_a_stale_version_is_refused_naming_what_changed(book, clerk, supervisor):
    meeting = book(title="原标题")
    read_version = meeting.version
    services.edit_meeting(
        meeting, by=supervisor, expected_version=read_version, title="主管改的标题", now=NOW
    )

    with nothing_saved(), pytest.raises(BookingConflict) as refused:
        services.edit_meeting(
            meeting, by=clerk, expected_version=read_version, attendees=15, now=NOW
        )

    assert refused.value.code == "stale"
    message = refused.value.message
    assert str(Meeting._meta.get_field("title").verbose_name) in message
    assert supervisor.get_username() in message
    assert format_time(NOW) in message
    meeting.refresh_from_db()
    assert (meeting.title, meeting.attendees) == ("主管改的标题", 12)


def test_a_reschedule_from_a_stale_version_is_refused(book, clerk, supervisor):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))
    services.confirm_meeting(meeting, by=supervisor, now=NOW)

    with nothing_saved(), pytest.raises(BookingConflict) as refused:
        services.reschedule_meeting(
            meeting, by=clerk, expected_version=1, start=at(DAY, 14), end=at(DAY, 15), now=NOW
        )

    assert refused.value.code == "stale"
    meeting.refresh_from_db()
    assert meeting.start == at(DAY, 10)


# --- reschedule ---------------------------------------------------------------------------


def test_rescheduling_moves_the_meeting_and_its_occupied_window(book, clerk):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))

    moved = services.reschedule_meeting(
        meeting, by=clerk, start=at(DAY, 14), end=at(DAY, 16), now=NOW
    )

    moved.refresh_from_db()
    assert (moved.start, moved.end) == (at(DAY, 14), at(DAY, 16))
    assert (moved.occupied_from, moved.occupied_until) == (at(DAY, 13, 45), at(DAY, 16, 10))
    assert moved.version == 2
    entry = audit_rows(meeting)[-1]
    assert entry.action == "rescheduled"
    assert set(entry.changes) == {"start", "end"}


def test_a_meeting_may_be_moved_over_its_own_old_window(book, clerk):
    meeting = book(start=at(DAY, 10), end=at(DAY, 12))

    moved = services.reschedule_meeting(
        meeting, by=clerk, start=at(DAY, 10, 30), end=at(DAY, 12, 30), now=NOW
    )

    assert moved.start == at(DAY, 10, 30)


def test_a_new_room_brings_its_own_setup_and_teardown(book, clerk, create_room):
    hall = create_room(number="H2", capacity=200, setup_minutes=60, teardown_minutes=30)
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))

    moved = services.reschedule_meeting(
        meeting, by=clerk, room=hall, start=at(DAY, 10), end=at(DAY, 11), now=NOW
    )

    moved.refresh_from_db()
    assert moved.room == hall
    assert (moved.setup_minutes, moved.teardown_minutes) == (60, 30)
    assert moved.occupied_from == at(DAY, 9)
    assert set(audit_rows(meeting)[-1].changes) == {"room", "setup_minutes", "teardown_minutes"}


def test_rescheduling_into_a_taken_slot_is_refused(book, clerk):
    book(title="先订的会", start=at(DAY, 14), end=at(DAY, 15))
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))

    with nothing_saved(), pytest.raises(BookingConflict) as refused:
        services.reschedule_meeting(
            meeting, by=clerk, start=at(DAY, 14, 30), end=at(DAY, 15, 30), now=NOW
        )

    assert "先订的会" in refused.value.message
    meeting.refresh_from_db()
    assert (meeting.start, meeting.version) == (at(DAY, 10), 1)


def test_rescheduling_into_the_past_is_refused(book, clerk):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))

    with nothing_saved(), pytest.raises(BookingError) as refused:
        services.reschedule_meeting(
            meeting, by=clerk, start=NOW - dt.timedelta(hours=2), end=NOW, now=NOW
        )

    assert "start" in refused.value.fields


# --- cancel -------------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["", "   "])
def test_cancelling_without_a_reason_is_refused(book, clerk, reason):
    meeting = book()

    with nothing_saved(), pytest.raises(BookingError) as refused:
        services.cancel_meeting(meeting, by=clerk, reason=reason, now=NOW)

    assert refused.value.code == "reason_required"
    assert set(refused.value.fields) == {"reason"}
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def test_cancelling_records_the_reason_and_the_state_change(book, clerk, supervisor):
    meeting = services.confirm_meeting(book(), by=supervisor, now=NOW)

    services.cancel_meeting(meeting, by=clerk, reason="领导行程调整", now=NOW)

    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == (MeetingStatus.CANCELLED, "领导行程调整")
    entry = audit_rows(meeting)[-1]
    assert (entry.action, entry.actor, entry.note) == ("cancelled", clerk, "领导行程调整")
    assert (entry.from_state, entry.to_state) == (MeetingStatus.CONFIRMED, MeetingStatus.CANCELLED)


def test_a_cancelled_meeting_frees_its_slot_for_a_new_booking(book, clerk):
    first = book(start=at(DAY, 10), end=at(DAY, 12))
    services.cancel_meeting(first, by=clerk, reason="改期", now=NOW)

    second = book(start=at(DAY, 10), end=at(DAY, 12))

    assert list(Meeting.objects.active()) == [second]


def test_a_cancelled_meeting_cannot_be_changed(book, clerk):
    meeting = services.cancel_meeting(book(), by=clerk, reason="取消", now=NOW)
    attempts = [
        lambda: services.confirm_meeting(meeting, by=clerk, now=NOW),
        lambda: services.edit_meeting(meeting, by=clerk, title="复活", now=NOW),
        lambda: services.reschedule_meeting(
            meeting, by=clerk, start=at(DAY, 14), end=at(DAY, 15), now=NOW
        ),
        lambda: services.cancel_meeting(meeting, by=clerk, reason="再取消", now=NOW),
    ]

    for attempt in attempts:
        with nothing_saved(), pytest.raises(BookingError) as refused:
            attempt()
        assert refused.value.code == "invalid_state"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.title != "复活"
    assert meeting.version == 2


# --- signals inside the transaction -------------------------------------------------------


def test_a_failing_receiver_of_meeting_booked_rolls_the_booking_back(book):
    with (
        receiver_raising(signals.meeting_booked),
        nothing_saved(),
        pytest.raises(RuntimeError),
    ):
        book()


def test_a_failing_receiver_of_meeting_confirmed_rolls_the_confirmation_back(book, clerk):
    meeting = book()

    with (
        receiver_raising(signals.meeting_confirmed),
        nothing_saved(),
        pytest.raises(RuntimeError),
    ):
        services.confirm_meeting(meeting, by=clerk, now=NOW)

    meeting.refresh_from_db()
    assert (meeting.status, meeting.version) == (MeetingStatus.REQUESTED, 1)


def test_a_failing_receiver_of_meeting_changed_rolls_the_reschedule_back(book, clerk):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))

    with (
        receiver_raising(signals.meeting_changed),
        nothing_saved(),
        pytest.raises(RuntimeError),
    ):
        services.reschedule_meeting(meeting, by=clerk, start=at(DAY, 14), end=at(DAY, 15), now=NOW)

    meeting.refresh_from_db()
    assert (meeting.start, meeting.version) == (at(DAY, 10), 1)


def test_a_failing_receiver_of_meeting_cancelled_rolls_the_cancellation_back(book, clerk):
    meeting = book()

    with (
        receiver_raising(signals.meeting_cancelled),
        nothing_saved(),
        pytest.raises(RuntimeError),
    ):
        services.cancel_meeting(meeting, by=clerk, reason="取消", now=NOW)

    meeting.refresh_from_db()
    assert (meeting.status, meeting.cancel_reason) == (MeetingStatus.REQUESTED, "")


def test_receivers_get_the_saved_meeting_the_actor_and_the_old_time(book, clerk):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))
    heard = []

    def listen(sender, meeting, by, now, **extra):
        heard.append((meeting.pk, meeting.start, by, now, extra))

    signals.meeting_changed.connect(listen, dispatch_uid="test-listen")
    try:
        services.reschedule_meeting(meeting, by=clerk, start=at(DAY, 14), end=at(DAY, 15), now=NOW)
    finally:
        signals.meeting_changed.disconnect(dispatch_uid="test-listen")

    [(pk, start, by, now, extra)] = heard
    assert (pk, start, by, now) == (meeting.pk, at(DAY, 14), clerk, NOW)
    assert (extra["old_start"], extra["old_end"]) == (at(DAY, 10), at(DAY, 11))
    assert extra["old_room_id"] == meeting.room_id
