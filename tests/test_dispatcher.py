"""The dispatcher fills open needs through the shared validator and explains what it cannot."""

import datetime as dt

import pytest
from django.utils import translation

from bookings import orders
from bookings.models import Building, OrderKind
from staffing import services
from staffing.dispatcher import dispatch_day, dispatch_meeting
from staffing.models import Absence, AbsenceKind, Duty, DutyRole, DutyStatus, Skill
from staffing.needs import open_needs
from staffing.validation import DutyBook, Proposal
from tests.conftest import NOW
from tests.staffing_factories import make_staff

pytestmark = pytest.mark.django_db

TOMORROW = (NOW + dt.timedelta(days=1)).date()
FAST = 0.2


@pytest.fixture
def east(db):
    building, _created = Building.objects.get_or_create(code="east", defaults={"name": "东楼"})
    return building


def at(hour: int, day: int = 1) -> dt.datetime:
    return NOW.replace(hour=hour) + dt.timedelta(days=day)


def assert_every_duty_valid(duties):
    for duty in duties:
        book = DutyBook.load(
            duty.start - dt.timedelta(days=1),
            duty.end + dt.timedelta(days=1),
            exclude_duty_ids=[duty.pk],
        )
        proposal = Proposal.for_meeting(duty.staff_id, duty.meeting, duty.role)
        assert book.refusals(proposal) == [], duty


def test_a_small_day_is_staffed_completely_and_every_duty_passes_the_validator(
    book, supervisor, building
):
    make_staff(is_group_leader=True, home_building=building)
    for _i in range(4):
        make_staff(home_building=building)
    make_staff(home_building=building, skills=[Skill.AUDIO])
    first = book(start=at(9), attendees=12)
    second = book(start=at(14), attendees=30)
    result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    assert result.unfilled == []
    assert result.fill_rate == 1.0
    assert open_needs(first) == {} and open_needs(second) == {}
    assert result.filled == result.needed == len(result.duties) > 0
    assert_every_duty_valid(Duty.objects.active())


def test_the_meetings_building_is_preferred(book, supervisor, building, east):
    make_staff(is_group_leader=True, home_building=building)
    away = make_staff(home_building=east)
    home = make_staff(home_building=building)
    meeting = book(start=at(10), attendees=12)
    dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    attendant = meeting.duties.active().get(role=DutyRole.ATTENDANT)
    assert attendant.staff == home
    assert not away.duties.exists()


def test_acknowledged_duties_are_never_moved(book, supervisor, building, east):
    leader = make_staff(is_group_leader=True, home_building=building)
    away = make_staff(home_building=east)
    make_staff(home_building=building)
    meeting = book(start=at(10), attendees=30)
    # Level B's package orders an operator; this test is about attendants.
    orders.cancel_order(meeting.orders.get(kind=OrderKind.AUDIO_VISUAL), by=supervisor, now=NOW)
    duty = services.assign_duty(
        meeting, by=supervisor, staff=away, role=DutyRole.ATTENDANT, now=NOW
    )
    services.acknowledge_duty(duty, by=supervisor, now=NOW)
    result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    duty.refresh_from_db()
    assert (duty.staff, duty.status) == (away, DutyStatus.ACKNOWLEDGED)
    assert result.unfilled == []
    assert meeting.duties.active().count() == 3
    assert meeting.duties.get(role=DutyRole.LEAD).staff == leader


def test_an_unfilled_need_is_explained(book, clerk, supervisor, building):
    make_staff(is_group_leader=True, home_building=building)
    make_staff(home_building=building)
    technician = make_staff(home_building=building, skills=[Skill.AUDIO])
    Absence.objects.create(staff=technician, kind=AbsenceKind.SICK, start=at(0), end=at(0, day=2))
    meeting = book(start=at(14), attendees=12)
    orders.add_order(
        meeting,
        by=clerk,
        kind=OrderKind.AUDIO_VISUAL,
        quantity=1,
        details={"operator": True},
        now=NOW,
    )
    with translation.override("en"):
        result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    assert len(result.unfilled) == 1
    unfilled = result.unfilled[0]
    assert (unfilled.meeting, unfilled.role, unfilled.missing) == (meeting, DutyRole.AUDIO, 1)
    assert unfilled.reason == "no free audio operator in 会议大厦 13:30–16:10: 1 absent"
    assert result.filled == 2 and result.needed == 3


def test_a_busy_group_leader_is_explained(book, supervisor, building, east, create_room):
    make_staff(is_group_leader=True, home_building=building)
    make_staff(home_building=building)
    make_staff(home_building=east)
    book(start=at(14), attendees=12)
    book(start=at(14), attendees=12, room=create_room(building=east))
    with translation.override("en"):
        result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    (unfilled,) = result.unfilled
    assert unfilled.role == DutyRole.LEAD
    assert unfilled.reason.endswith(": 1 busy")


def test_dispatching_one_meeting_leaves_the_rest_of_the_day_alone(book, supervisor, building):
    make_staff(is_group_leader=True, home_building=building)
    for _i in range(3):
        make_staff(home_building=building)
    target = book(start=at(9), attendees=12)
    other = book(start=at(14), attendees=12)
    result = dispatch_meeting(target, by=supervisor, now=NOW, seconds=FAST)
    assert result.unfilled == [] and result.filled == 2
    assert {d.meeting_id for d in result.duties} == {target.pk}
    assert not other.duties.exists()


def test_dispatching_twice_adds_nothing(book, supervisor, building):
    make_staff(is_group_leader=True, home_building=building)
    make_staff(home_building=building)
    book(start=at(9), attendees=12)
    assert dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST).filled == 2
    again = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    assert (again.filled, again.needed, again.unfilled) == (0, 0, [])


def test_hours_are_balanced_across_the_week(book, supervisor, building):
    make_staff(is_group_leader=True, home_building=building, days=[TOMORROW, NOW.date()])
    worked = make_staff(home_building=building, days=[NOW.date(), TOMORROW])
    rested = make_staff(home_building=building, days=[NOW.date(), TOMORROW])
    earlier = book(start=NOW.replace(hour=14), attendees=12)
    services.assign_duty(earlier, by=supervisor, staff=worked, role=DutyRole.ATTENDANT, now=NOW)
    meeting = book(start=at(10), attendees=12)
    dispatch_meeting(meeting, by=supervisor, now=NOW, seconds=FAST)
    assert meeting.duties.get(role=DutyRole.ATTENDANT).staff == rested


def test_the_lead_limit_counts_meetings_led_at_the_same_moment(
    book, supervisor, building, create_room, settings
):
    """A long meeting beside three short ones that do not overlap each other is never more
    than two at once: one group leader leads all four."""
    settings.LEAD_MAX_CONCURRENT = 3
    leader = make_staff(is_group_leader=True, home_building=building)
    book(start=at(9), end=at(13), room=create_room())
    for start in (at(9), at(10) + dt.timedelta(minutes=30), at(12)):
        book(start=start, end=start + dt.timedelta(minutes=30), room=create_room())
    result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    leads = Duty.objects.active().filter(role=DutyRole.LEAD)
    assert leads.count() == 4 and {d.staff for d in leads} == {leader}
    assert [u.role for u in result.unfilled].count(DutyRole.LEAD) == 0
    assert_every_duty_valid(Duty.objects.active())


def test_a_fourth_lead_at_the_same_moment_is_left_unfilled_with_a_reason(
    book, supervisor, building, create_room, settings
):
    settings.LEAD_MAX_CONCURRENT = 3
    leader = make_staff(is_group_leader=True, home_building=building)
    for _index in range(4):
        book(start=at(9), end=at(10), room=create_room())
    result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    leads = Duty.objects.active().filter(role=DutyRole.LEAD)
    assert leads.count() == 3 and {d.staff for d in leads} == {leader}
    assert [u.role for u in result.unfilled].count(DutyRole.LEAD) == 1
    assert_every_duty_valid(Duty.objects.active())
