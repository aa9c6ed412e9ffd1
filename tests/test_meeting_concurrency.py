"""Invariant 1 under load: simultaneous bookings of one slot store exactly one meeting.

On SQLite the guard is the Python overlap check inside an IMMEDIATE transaction; on PostgreSQL
the exclusion constraint `meeting_room_no_overlap` catches the race between check and insert.
Each thread uses its own database connection, so these tests commit for real
(`transaction=True`) and use the file test database on SQLite.
"""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, OperationalError, connection, transaction

from bookings import services
from bookings.errors import BookingConflict
from bookings.models import Building, HostingUnit, Meeting, MeetingStatus, Room
from core.timeutils import at
from tests.conftest import NOW, on_postgres

DAY = dt.date(2026, 11, 30)
ATTEMPTS = 16


@pytest.fixture
def building(db):
    # A transactional test starts from whatever the last flush left: the buildings laid down by
    # the data migration may be gone, so make sure the one the factories use exists.
    found, _created = Building.objects.get_or_create(
        code="conference", defaults={"name": "会议大厦", "name_en": "Conference building"}
    )
    return found


def book_in_threads(*, clerk, room, hosting_unit, attempts: int = ATTEMPTS):
    """`attempts` threads book the same slot at the same moment; returns their outcomes."""
    barrier = threading.Barrier(attempts, timeout=30)
    outcomes: list[object] = [None] * attempts

    def attempt(index: int) -> None:
        try:
            # Read on this thread's own connection before the race, as a request would.
            by = get_user_model().objects.get(pk=clerk.pk)
            where = Room.objects.select_related("building").get(pk=room.pk)
            unit = HostingUnit.objects.get(pk=hosting_unit.pk)
            barrier.wait()
            outcomes[index] = services.book_meeting(
                by=by,
                room=where,
                title=f"并发预订{index}",
                hosting_unit=unit,
                start=at(DAY, 10),
                end=at(DAY, 12),
                attendees=10,
                now=NOW,
            )
        except Exception as exc:  # every outcome is asserted on below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(attempts)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_sixteen_simultaneous_bookings_of_one_slot_store_exactly_one(clerk, room, hosting_unit):
    outcomes = book_in_threads(clerk=clerk, room=room, hosting_unit=hosting_unit)

    booked = [o for o in outcomes if isinstance(o, Meeting)]
    refused = [o for o in outcomes if isinstance(o, BookingConflict)]
    others = [o for o in outcomes if not isinstance(o, Meeting | BookingConflict)]
    assert others == []  # no "database is locked", no raw IntegrityError
    assert (len(booked), len(refused)) == (1, ATTEMPTS - 1)
    assert all(o.code == "conflict" for o in refused)
    assert list(Meeting.objects.active().values_list("pk", flat=True)) == [booked[0].pk]
    # The refusals name the winner, which they could only read once it had committed.
    assert all(booked[0].title in o.message for o in refused)


requires_postgres = pytest.mark.skipif(
    not on_postgres(),
    reason="the exclusion constraint exists only on PostgreSQL; on SQLite the Python check "
    "inside an IMMEDIATE transaction is the guard (tested above)",
)


@pytest.mark.postgres
@requires_postgres
def test_the_exclusion_constraint_refuses_an_overlap_that_bypasses_the_services(book, room):
    taken = book(start=at(DAY, 10), end=at(DAY, 12))
    intruder = Meeting(
        room=room,
        title="绕过服务的会议",
        hosting_unit=taken.hosting_unit,
        start=at(DAY, 11),
        end=at(DAY, 13),
        attendees=5,
        setup_minutes=0,
        teardown_minutes=0,
        occupied_from=at(DAY, 11),
        occupied_until=at(DAY, 13),
        booked_at=NOW,
    )

    with pytest.raises(IntegrityError, match=services.OVERLAP_CONSTRAINT), transaction.atomic():
        Meeting.objects.bulk_create([intruder])

    assert Meeting.objects.count() == 1


@pytest.mark.postgres
@requires_postgres
def test_the_exclusion_constraint_lets_a_cancelled_meeting_share_the_slot(book, room):
    taken = book(start=at(DAY, 10), end=at(DAY, 12))
    ghost = Meeting(
        room=room,
        title="已取消的会议",
        hosting_unit=taken.hosting_unit,
        start=at(DAY, 10),
        end=at(DAY, 12),
        attendees=5,
        setup_minutes=0,
        teardown_minutes=0,
        occupied_from=at(DAY, 10),
        occupied_until=at(DAY, 12),
        booked_at=NOW,
        status=MeetingStatus.CANCELLED,
    )

    Meeting.objects.bulk_create([ghost])

    assert Meeting.objects.count() == 2


@pytest.mark.postgres
@requires_postgres
def test_a_race_past_the_python_check_is_refused_as_a_booking_conflict(book, monkeypatch):
    taken = book(title="先到的会议", start=at(DAY, 10), end=at(DAY, 12))
    real_check = services._refuse_if_occupied
    calls = []

    def lose_the_race_once(meeting, *, by):
        # The first check runs "before the other booking committed": it sees a free room.
        calls.append(meeting.pk)
        if len(calls) > 1:
            real_check(meeting, by=by)

    monkeypatch.setattr(services, "_refuse_if_occupied", lose_the_race_once)

    with pytest.raises(BookingConflict) as refused:
        book(start=at(DAY, 11), end=at(DAY, 13))

    assert len(calls) == 2
    assert refused.value.code == "conflict"
    assert "先到的会议" in refused.value.message
    assert list(Meeting.objects.values_list("pk", flat=True)) == [taken.pk]


@pytest.mark.postgres
@requires_postgres
def test_a_race_the_python_check_never_sees_is_still_a_booking_conflict(book, monkeypatch):
    book(start=at(DAY, 10), end=at(DAY, 12))
    monkeypatch.setattr(services, "_refuse_if_occupied", lambda meeting, *, by: None)

    with pytest.raises(BookingConflict) as refused:
        book(start=at(DAY, 11), end=at(DAY, 13))

    assert refused.value.code == "conflict"
    assert Meeting.objects.count() == 1


class _PostgresDeadlock(Exception):
    """What psycopg raises under Django's OperationalError when PostgreSQL breaks a deadlock."""

    sqlstate = "40P01"


def test_a_save_aborted_as_a_deadlock_is_saved_again(book, monkeypatch):
    # Two overlapping windows saved at one moment wait for each other's exclusion check and
    # PostgreSQL aborts one (seen with 32 processes, bench/concurrency_bench.py). Saving again
    # waits for the other booking, so the clerk gets a booking or a clean conflict, not a 500.
    real_save = Meeting.save
    aborted = []

    def deadlock_once(self, *args, **kwargs):
        if not aborted:
            aborted.append(self.title)
            raise OperationalError("deadlock detected") from _PostgresDeadlock()
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(Meeting, "save", deadlock_once)

    meeting = book(title="重试的会议", start=at(DAY, 10), end=at(DAY, 12))

    assert aborted == ["重试的会议"]
    assert list(Meeting.objects.values_list("pk", flat=True)) == [meeting.pk]


def test_another_database_error_on_save_is_not_retried(book, monkeypatch):
    calls = []

    def fail(self, *args, **kwargs):
        calls.append(self.title)
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(Meeting, "save", fail)

    with pytest.raises(OperationalError, match="server closed"):
        book(start=at(DAY, 10), end=at(DAY, 12))

    assert len(calls) == 1
