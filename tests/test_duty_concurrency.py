"""Invariant 2 under load (PostgreSQL): simultaneous assignments of one person to overlapping
meetings keep exactly one; the exclusion constraint `duty_staff_no_overlap` refuses an overlap
that bypasses the services.

Each thread uses its own connection, so the race test commits for real (`transaction=True`).
"""

import datetime as dt
import threading

import pytest
from django.contrib.auth import get_user_model
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from bookings.models import Meeting
from core.timeutils import at
from staffing import services
from staffing.errors import DispatchError
from staffing.models import Duty, DutyRole, DutyStatus, Staff
from tests.conftest import NOW, on_postgres
from tests.staffing_factories import make_staff

DAY = dt.date(2026, 11, 28)
ATTEMPTS = 8

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.skipif(
        not on_postgres(),
        reason="the exclusion constraint and row locks are PostgreSQL's; on SQLite the "
        "IMMEDIATE transaction serialises writers and the validator is the guard "
        "(tests/test_duties.py)",
    ),
]


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


@pytest.mark.django_db(transaction=True)
def test_eight_simultaneous_overlapping_assignments_of_one_person_keep_exactly_one(
    book, create_room, lobby_manager
):
    person = make_staff()
    meetings = [
        book(start=at(DAY, 10, 5 * i), end=at(DAY, 12), room=create_room()) for i in range(ATTEMPTS)
    ]
    barrier = threading.Barrier(ATTEMPTS, timeout=30)
    outcomes: list[object] = [None] * ATTEMPTS

    def attempt(index: int) -> None:
        try:
            by = get_user_model().objects.get(pk=lobby_manager.pk)
            meeting = Meeting.objects.select_related("room").get(pk=meetings[index].pk)
            staff = Staff.objects.get(pk=person.pk)
            barrier.wait()
            outcomes[index] = services.assign_duty(
                meeting, by=by, staff=staff, role=DutyRole.ATTENDANT, now=NOW
            )
        except Exception as exc:  # every outcome is asserted on below
            outcomes[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(i,)) for i in range(ATTEMPTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not any(thread.is_alive() for thread in threads)

    assigned = [o for o in outcomes if isinstance(o, Duty)]
    refused = [o for o in outcomes if isinstance(o, DispatchError)]
    others = [o for o in outcomes if not isinstance(o, Duty | DispatchError)]
    assert others == []
    assert (len(assigned), len(refused)) == (1, ATTEMPTS - 1)
    assert list(Duty.objects.active().values_list("pk", flat=True)) == [assigned[0].pk]


@pytest.mark.django_db
def test_the_exclusion_constraint_refuses_an_overlapping_duty_that_bypasses_the_services(
    book, create_room
):
    person = make_staff()
    first = book(start=at(DAY, 10), end=at(DAY, 12))
    second = book(start=at(DAY, 11), end=at(DAY, 13), room=create_room())
    services.assign_duty(first, by=None, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    intruder = Duty(
        staff=person,
        meeting=second,
        role=DutyRole.ATTENDANT,
        building_id=second.room.building_id,
        start=at(DAY, 10, 30),
        end=at(DAY, 13, 10),
        assigned_at=NOW,
    )

    with pytest.raises(IntegrityError, match=services.OVERLAP_CONSTRAINT), transaction.atomic():
        Duty.objects.bulk_create([intruder])

    assert Duty.objects.count() == 1


@pytest.mark.django_db
def test_the_exclusion_constraint_lets_released_duties_and_concurrent_leads_overlap(
    book, create_room
):
    person = make_staff(is_group_leader=True)
    first = book(start=at(DAY, 10), end=at(DAY, 12))
    second = book(start=at(DAY, 10), end=at(DAY, 12), room=create_room())
    window = {"start": at(DAY, 9, 30), "end": at(DAY, 12, 10), "assigned_at": NOW}
    building = first.room.building_id

    Duty.objects.bulk_create(
        [
            Duty(staff=person, meeting=first, role=DutyRole.LEAD, building_id=building, **window),
            Duty(staff=person, meeting=second, role=DutyRole.LEAD, building_id=building, **window),
            Duty(
                staff=person,
                meeting=second,
                role=DutyRole.ATTENDANT,
                building_id=building,
                status=DutyStatus.RELEASED,
                **window,
            ),
        ]
    )

    assert Duty.objects.count() == 3


@pytest.mark.django_db
def test_an_overlap_the_validator_missed_is_still_refused_with_a_dispatch_error(
    book, create_room, monkeypatch
):
    person = make_staff()
    first = book(start=at(DAY, 10), end=at(DAY, 12))
    second = book(start=at(DAY, 11), end=at(DAY, 13), room=create_room())
    services.assign_duty(first, by=None, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    # As if a concurrent transaction had committed the first duty after our book was loaded.
    monkeypatch.setattr(services.DutyBook, "refusals", lambda self, proposal: [])

    with pytest.raises(DispatchError, match="a moment ago"):
        services.assign_duty(second, by=None, staff=person, role=DutyRole.ATTENDANT, now=NOW)

    assert Duty.objects.count() == 1
