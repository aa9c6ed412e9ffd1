"""Property: whatever the day looks like, every duty the dispatcher leaves passes the validator.

Random small days: staff with random shifts, absences, skills, leader role and clearance in two
buildings; random meetings (headcount, secrecy, an AV operator or not). After dispatch every
active duty is re-validated against a fresh DutyBook that excludes it, and must draw no refusal.
"""

import datetime as dt
import itertools

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings import orders, services
from bookings.models import Building, Confidentiality, OrderKind, Room
from staffing.dispatcher import dispatch_day
from staffing.models import Absence, AbsenceKind, Duty, DutyRole, Skill
from staffing.needs import needs_for
from staffing.validation import DutyBook, Proposal
from tests.conftest import NOW
from tests.staffing_factories import make_staff

_rooms = itertools.count(1)
TOMORROW = (NOW + dt.timedelta(days=1)).date()


def at(hour: int) -> dt.datetime:
    return NOW.replace(hour=0) + dt.timedelta(days=1, hours=hour)


shifts = st.tuples(st.integers(6, 10), st.integers(15, 23))
people = st.lists(
    st.fixed_dictionaries(
        {
            "building": st.integers(0, 1),
            "leader": st.booleans(),
            "audio": st.booleans(),
            "authorised": st.booleans(),
            # Mostly on a shift, sometimes not (three branches to one).
            "shift": st.one_of(*[shifts] * 3, st.none()),
            "absence": st.one_of(st.none(), st.tuples(st.integers(6, 20), st.integers(1, 6))),
        }
    ),
    min_size=2,
    max_size=10,
)
meetings = st.lists(
    st.fixed_dictionaries(
        {
            "building": st.integers(0, 1),
            "start": st.integers(8, 18),
            "hours": st.integers(1, 3),
            "attendees": st.integers(5, 60),
            "secret": st.booleans(),
            "av": st.booleans(),
        }
    ),
    min_size=1,
    max_size=6,
)


def _lay_down(staff_specs, meeting_specs, buildings, clerk, hosting_unit):
    for spec in staff_specs:
        person = make_staff(
            days=[],
            home_building=buildings[spec["building"]],
            is_group_leader=spec["leader"],
            skills=[Skill.AUDIO] if spec["audio"] else [],
            authorised=spec["authorised"],
        )
        if spec["shift"]:
            start, end = spec["shift"]
            person.shifts.create(kind="day", start=at(start), end=at(end))
        if spec["absence"]:
            start, hours = spec["absence"]
            Absence.objects.create(
                staff=person, kind=AbsenceKind.LEAVE, start=at(start), end=at(start + hours)
            )
    for spec in meeting_specs:
        number = f"P{next(_rooms)}"
        room = Room.objects.create(
            building=buildings[spec["building"]],
            number=number,
            name=number,
            floor=1,
            capacity=100,
            setup_minutes=15,
            teardown_minutes=10,
            layouts=["boardroom"],
        )
        meeting = services.book_meeting(
            by=clerk,
            room=room,
            title="会议",
            hosting_unit=hosting_unit,
            start=at(spec["start"]),
            end=at(spec["start"] + spec["hours"]),
            attendees=spec["attendees"],
            confidentiality=Confidentiality.SECRET if spec["secret"] else Confidentiality.NORMAL,
            now=NOW,
        )
        av = meeting.orders.filter(kind=OrderKind.AUDIO_VISUAL).first()
        if spec["av"] and av is None:
            orders.add_order(
                meeting,
                by=clerk,
                kind=OrderKind.AUDIO_VISUAL,
                quantity=1,
                details={"operator": True},
                now=NOW,
            )


@pytest.mark.django_db
@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(staff_specs=people, meeting_specs=meetings)
def test_every_duty_after_dispatch_passes_the_validator(
    staff_specs, meeting_specs, clerk, supervisor, hosting_unit
):
    with transaction.atomic():
        buildings = [
            Building.objects.get_or_create(code=code, defaults={"name": name})[0]
            for code, name in (("conference", "会议大厦"), ("east", "东楼"))
        ]
        _lay_down(staff_specs, meeting_specs, buildings, clerk, hosting_unit)
        result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=0.05)

        duties = list(Duty.objects.active().select_related("meeting", "meeting__room"))
        assert len(duties) == result.filled
        for duty in duties:
            book = DutyBook.load(
                duty.start - dt.timedelta(days=1),
                duty.end + dt.timedelta(days=1),
                exclude_duty_ids=[duty.pk],
            )
            proposal = Proposal.for_meeting(duty.staff_id, duty.meeting, duty.role)
            assert book.refusals(proposal) == [], duty
        for meeting in {duty.meeting for duty in duties}:
            needs = needs_for(meeting)
            held = meeting.duties.active()
            for role in DutyRole.values:
                assert held.filter(role=role).count() <= needs.get(role, 0)
        missing = sum(unfilled.missing for unfilled in result.unfilled)
        assert result.filled + missing == result.needed
        assert all(unfilled.reason for unfilled in result.unfilled)
        transaction.set_rollback(True)
