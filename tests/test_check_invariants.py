"""`manage.py check_invariants`: silent on a sound database, naming each breach otherwise."""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bookings import services
from bookings.models import Meeting, MeetingStatus
from core.timeutils import at
from tests.conftest import NOW, on_postgres

DAY = dt.date(2026, 11, 30)


def check_invariants() -> str:
    out = StringIO()
    call_command("check_invariants", stdout=out)
    return out.getvalue()


def failing_check_invariants() -> str:
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("check_invariants", stdout=out)
    return out.getvalue()


def meeting_behind_the_services_back(model_meeting: Meeting, *, start, end, **fields) -> Meeting:
    """A row written without the services: no overlap check, no audit row, no signal."""
    [meeting] = Meeting.objects.bulk_create(
        [
            Meeting(
                room=model_meeting.room,
                title=fields.pop("title", "绕过服务的会议"),
                hosting_unit=model_meeting.hosting_unit,
                start=start,
                end=end,
                attendees=5,
                setup_minutes=0,
                teardown_minutes=0,
                occupied_from=start,
                occupied_until=end,
                booked_at=NOW,
                **fields,
            )
        ]
    )
    if meeting.pk is None:  # backends that cannot return ids from bulk_create
        meeting = Meeting.objects.get(title=meeting.title, start=start)
    return meeting


def test_a_database_built_through_the_services_passes(book, clerk):
    book(start=at(DAY, 9), end=at(DAY, 10))
    confirmed = services.confirm_meeting(book(start=at(DAY, 14), end=at(DAY, 15)), by=clerk)
    services.cancel_meeting(confirmed, by=clerk, reason="改期")
    book(start=at(DAY, 14), end=at(DAY, 15))

    output = check_invariants()

    assert "FAIL" not in output
    assert "ok   bookings: no two active meetings overlap in one room" in output
    assert "ok   bookings: every meeting's state changes are audited" in output


def test_an_empty_database_passes(db):
    assert "FAIL" not in check_invariants()


def test_an_overlap_written_behind_the_services_back_is_named(book):
    if on_postgres():
        pytest.skip("PostgreSQL's exclusion constraint refuses the overlapping row itself")
    taken = book(start=at(DAY, 10), end=at(DAY, 12))
    intruder = meeting_behind_the_services_back(taken, start=at(DAY, 11), end=at(DAY, 13))

    output = failing_check_invariants()

    assert "FAIL bookings: no two active meetings overlap in one room" in output
    assert f"meetings {taken.pk} and {intruder.pk} overlap in room {taken.room_id}" in output


def test_a_cancelled_meeting_in_the_same_slot_is_no_overlap(book, clerk):
    taken = book(start=at(DAY, 10), end=at(DAY, 12))
    services.cancel_meeting(taken, by=clerk, reason="改期", now=NOW)
    book(start=at(DAY, 10), end=at(DAY, 12))

    assert "FAIL" not in check_invariants()


def test_a_meeting_without_its_audit_row_is_named(book):
    booked = book(start=at(DAY, 10), end=at(DAY, 12))
    # A free time, so that PostgreSQL's constraint lets the row in: only the audit is missing.
    silent = meeting_behind_the_services_back(booked, start=at(DAY, 15), end=at(DAY, 16))

    output = failing_check_invariants()

    assert "FAIL bookings: every meeting's state changes are audited" in output
    assert f"meeting {silent.pk} (requested) has no audit row for: booked" in output
    assert f"meeting {booked.pk} " not in output


def test_a_confirmed_meeting_whose_confirmation_was_not_audited_is_named(book):
    booked = book(start=at(DAY, 10), end=at(DAY, 12))
    # Confirmed behind the services' back: the "booked" row exists, the "confirmed" row not.
    Meeting.objects.filter(pk=booked.pk).update(status=MeetingStatus.CONFIRMED)

    output = failing_check_invariants()

    assert f"meeting {booked.pk} (confirmed) has no audit row for: confirmed" in output
