"""Invariant 3 through staffing's hooks: secret details reach authorised staff on its duties and
permission holders who (when linked to staff) hold a valid authorisation today."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import visibility
from bookings.models import Confidentiality
from bookings.visibility import can_see_leader_notes, title_for
from core.roles import Role
from core.timeutils import at
from staffing import access, services
from staffing.models import DutyRole
from tests.conftest import NOW
from tests.staffing_factories import make_staff

DAY = dt.date(2026, 11, 28)
TITLE = "保密工作专题会"


@pytest.fixture(autouse=True)
def _staffing_hooks():
    """Staffing's own hooks, whatever another test module left registered."""
    saved = visibility._is_authorised, visibility._serves_meeting
    visibility.register_authorisation_check(access.is_authorised_now)
    visibility.register_duty_check(access.serves_meeting)
    yield
    visibility.register_authorisation_check(saved[0])
    visibility.register_duty_check(saved[1])


@pytest.fixture
def secret(book):
    return book(
        start=at(DAY, 10), end=at(DAY, 12), title=TITLE, confidentiality=Confidentiality.SECRET
    )


def fresh(user):
    """The user as the next request loads it (no per-request caches)."""
    return get_user_model().objects.get(pk=user.pk)


def test_an_authorised_attendant_on_the_secret_meetings_duty_sees_its_title(secret, attendant):
    staff = make_staff(user=attendant, authorised=True)
    services.assign_duty(secret, by=None, staff=staff, role=DutyRole.ATTENDANT, now=NOW)

    with time_machine.travel(at(DAY, 9), tick=False):
        assert title_for(fresh(attendant), secret) == TITLE


def test_an_attendant_without_a_duty_on_it_does_not_see_the_title(secret, attendant):
    make_staff(user=attendant, authorised=True)

    with time_machine.travel(at(DAY, 9), tick=False):
        assert title_for(fresh(attendant), secret) != TITLE


def test_an_attendant_whose_authorisation_ran_out_no_longer_sees_it_despite_the_duty(
    secret, attendant
):
    staff = make_staff(user=attendant, authorised=True, authorised_until=DAY)
    services.assign_duty(secret, by=None, staff=staff, role=DutyRole.ATTENDANT, now=NOW)

    with time_machine.travel(at(DAY + dt.timedelta(days=1), 9), tick=False):
        assert title_for(fresh(attendant), secret) != TITLE


def test_a_clerk_linked_to_staff_with_an_expired_authorisation_no_longer_sees_secret_details(
    secret, make_user
):
    clerk = make_user("clerk-expired", Role.CLERK)
    make_staff(
        user=clerk, authorised=True, authorised_until=DAY - dt.timedelta(days=1), position="clerk"
    )

    with time_machine.travel(at(DAY, 9), tick=False):
        assert title_for(fresh(clerk), secret) != TITLE


def test_a_clerk_linked_to_authorised_staff_and_an_unlinked_clerk_see_secret_details(
    secret, make_user
):
    linked = make_user("clerk-linked", Role.CLERK)
    make_staff(user=linked, authorised=True, position="clerk")
    unlinked = make_user("clerk-unlinked", Role.CLERK)

    with time_machine.travel(at(DAY, 9), tick=False):
        assert title_for(fresh(linked), secret) == TITLE
        assert title_for(fresh(unlinked), secret) == TITLE


def test_only_staff_serving_the_meeting_read_the_leaders_notes(book, leader, attendant, clerk):
    meeting = book(start=at(DAY, 10), end=at(DAY, 12), leader=leader)
    staff = make_staff(user=attendant, authorised=True)
    services.assign_duty(meeting, by=None, staff=staff, role=DutyRole.ATTENDANT, now=NOW)

    with time_machine.travel(at(DAY, 9), tick=False):
        assert can_see_leader_notes(fresh(attendant), meeting)
        assert not can_see_leader_notes(fresh(clerk), meeting)


def test_the_hooks_cost_one_query_each_per_request_however_many_meetings(
    book, create_room, attendant
):
    staff = make_staff(user=attendant, authorised=True)
    meetings = [
        book(
            start=at(DAY, 10),
            end=at(DAY, 12),
            room=create_room(),
            confidentiality=Confidentiality.SECRET,
        )
        for _ in range(4)
    ]
    services.assign_duty(meetings[0], by=None, staff=staff, role=DutyRole.ATTENDANT, now=NOW)
    user = fresh(attendant)
    user.has_perm("bookings.view_secret_meeting")  # warm Django's permission cache

    with (
        time_machine.travel(at(DAY, 9), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        titles = [title_for(user, m) for m in meetings]

    assert titles[0] == meetings[0].title
    assert all(t != m.title for t, m in zip(titles[1:], meetings[1:], strict=True))
    assert len(queries) == 2  # the linked staff, the meetings they serve


def test_a_user_loaded_with_its_staff_costs_no_lookup(secret, attendant):
    staff = make_staff(user=attendant, authorised=True)
    services.assign_duty(secret, by=None, staff=staff, role=DutyRole.ATTENDANT, now=NOW)
    user = get_user_model().objects.select_related("staff").get(pk=attendant.pk)
    user.has_perm("bookings.view_secret_meeting")

    with (
        time_machine.travel(at(DAY, 9), tick=False),
        CaptureQueriesContext(connection) as queries,
    ):
        assert title_for(user, secret) == TITLE

    assert len(queries) == 1  # the meetings they serve
