"""Staffing needs from the rule table (migration 0003's defaults, and an admin edit)."""

import datetime as dt

import pytest
from django.urls import reverse

from bookings import orders
from bookings.models import LeaderRank, OrderKind, ServiceLevel
from staffing import services
from staffing.models import DutyRole, StaffingRule
from staffing.needs import needs_for, needs_for_many, open_needs
from tests.conftest import NOW
from tests.staffing_factories import make_staff

pytestmark = pytest.mark.django_db


def _set_av(meeting, clerk, **flags):
    """Give the meeting an audio-visual order with exactly these flags (replacing any)."""
    details = {"operator": False, "recording": False, "video_conference": False}
    details["interpretation"] = False
    details.update(flags)
    existing = meeting.orders.filter(kind=OrderKind.AUDIO_VISUAL).first()
    if existing:
        orders.update_order(existing, by=clerk, quantity=1, details=details, now=NOW)
    else:
        orders.add_order(
            meeting, by=clerk, kind=OrderKind.AUDIO_VISUAL, quantity=1, details=details, now=NOW
        )


def test_a_small_meeting_needs_one_lead_and_attendants_by_headcount(book):
    meeting = book(attendees=12)
    assert meeting.level == ServiceLevel.C
    assert needs_for(meeting) == {DutyRole.LEAD: 1, DutyRole.ATTENDANT: 1}


def test_attendants_grow_with_every_started_twenty_attendees(book, create_room):
    meeting = book(attendees=41, room=create_room(capacity=100))
    assert needs_for(meeting)[DutyRole.ATTENDANT] == 3


def test_hostesses_are_the_quantity_ordered(book, clerk):
    meeting = book(attendees=12)
    orders.add_order(meeting, by=clerk, kind=OrderKind.HOSTESSES, quantity=3, now=NOW)
    assert needs_for(meeting)[DutyRole.HOSTESS] == 3


def test_a_cancelled_hostess_order_needs_no_hostess(book, clerk):
    meeting = book(attendees=12)
    order = orders.add_order(meeting, by=clerk, kind=OrderKind.HOSTESSES, quantity=3, now=NOW)
    orders.cancel_order(order, by=clerk, now=NOW)
    assert DutyRole.HOSTESS not in needs_for(meeting)


@pytest.mark.parametrize("flag", ["operator", "recording", "video_conference", "interpretation"])
def test_an_audio_operator_is_needed_when_av_service_asks_for_one(book, clerk, flag):
    meeting = book(attendees=12)
    _set_av(meeting, clerk, **{flag: True})
    assert needs_for(meeting)[DutyRole.AUDIO] == 1


def test_an_av_order_asking_for_nothing_needs_no_operator(book, clerk):
    meeting = book(attendees=12)
    _set_av(meeting, clerk)
    assert DutyRole.AUDIO not in needs_for(meeting)


def test_a_level_a_meeting_always_has_an_audio_operator(book, clerk, leader, create_room):
    meeting = book(attendees=60, leader=leader, room=create_room(capacity=100))
    assert meeting.level == ServiceLevel.A, meeting.level_reason
    _set_av(meeting, clerk)  # nothing asked of the operator: the level alone needs one
    assert needs_for(meeting)[DutyRole.AUDIO] == 1


def test_the_largest_matching_rule_wins(book):
    StaffingRule.objects.create(role=DutyRole.LEAD, levels="ABC", fixed=2)
    StaffingRule.objects.create(role=DutyRole.LEAD, levels="A", fixed=5)
    meeting = book(attendees=12, leader_rank=LeaderRank.NONE)
    assert needs_for(meeting)[DutyRole.LEAD] == 2


def test_needs_for_many_costs_the_same_queries_for_one_or_many_meetings(
    book, clerk, django_assert_num_queries
):
    meetings = [book(start=NOW + dt.timedelta(days=1, hours=h), attendees=25) for h in (0, 3, 6)]
    orders.add_order(meetings[1], by=clerk, kind=OrderKind.HOSTESSES, quantity=2, now=NOW)
    with django_assert_num_queries(3):
        needs = needs_for_many(meetings)
    assert needs[meetings[1].pk][DutyRole.HOSTESS] == 2
    assert needs[meetings[0].pk] == {DutyRole.LEAD: 1, DutyRole.ATTENDANT: 2}
    with django_assert_num_queries(3):
        needs_for_many(meetings[:1])


def test_open_needs_subtract_the_active_duties(book, supervisor):
    meeting = book(attendees=30)
    needed = needs_for(meeting)
    assert needed[DutyRole.ATTENDANT] == 2
    person = make_staff()
    services.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    assert open_needs(meeting) == {**needed, DutyRole.ATTENDANT: 1}


def test_editing_a_rule_in_the_admin_changes_the_next_meetings_needs(client, make_user, book):
    admin = make_user("root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    rule = StaffingRule.objects.get(role=DutyRole.ATTENDANT, attendees_per_person=20)
    url = reverse("admin:staffing_staffingrule_change", args=[rule.pk])
    page = client.get(url)
    assert page.status_code == 200
    response = client.post(
        url,
        {
            "role": DutyRole.ATTENDANT,
            "levels": "ABC",
            "fixed": 1,
            "attendees_per_person": 10,
            "count_from_order": "",
            "active": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    meeting = book(attendees=25)
    assert needs_for(meeting)[DutyRole.ATTENDANT] == 1 + 3
