"""The demo roster: exactly the plan's 60 people, leaders on every shift, logins linked."""

import datetime as dt
from collections import Counter

import pytest
import time_machine

from conference import demo
from conference.demo_staff import load_staff
from staffing.models import Absence, Position, Shift, ShiftKind, Skill, Staff
from staffing.roster import CERTIFICATE_VALID_DAYS, authorised_now
from tests.conftest import NOW

TODAY = NOW.date()


@pytest.fixture
def demo_staff(db, role_groups):
    with time_machine.travel(NOW, tick=False):
        users = demo._load_users()
        created = load_staff(users, NOW)
    return created


def test_the_demo_roster_has_exactly_the_plans_sixty_people(demo_staff):
    assert demo_staff == 60
    counts = Counter(Staff.objects.values_list("position", flat=True))
    assert counts == {
        Position.SUPERVISOR: 1,
        Position.LOBBY_MANAGER: 3,
        Position.CLERK: 6,
        Position.AUDIO_TECH: 4,
        Position.ATTENDANT: 46,
    }


def test_names_employee_numbers_and_mobiles_look_real(demo_staff):
    staff = list(Staff.objects.all())
    assert len({s.employee_no for s in staff}) == 60
    assert len({s.name for s in staff}) == 60
    assert all(2 <= len(s.name) <= 3 for s in staff)
    assert len({s.name[0] for s in staff}) >= 15  # varied surnames
    assert all(len(s.phone) == 11 and s.phone.startswith("1") for s in staff)


def test_every_building_has_a_group_leader_on_the_day_and_the_evening_shift(demo_staff):
    leaders = Staff.objects.filter(is_group_leader=True)
    assert leaders.count() >= 8
    assert set(leaders.values_list("position", flat=True)) == {Position.ATTENDANT}
    covered = set(
        Shift.objects.filter(staff__is_group_leader=True).values_list(
            "staff__home_building__code", "kind"
        )
    )
    for building in ("main", "east", "west", "conference"):
        for kind in (ShiftKind.DAY, ShiftKind.EVENING):
            assert (building, kind) in covered


def test_there_is_one_environment_supervisor_among_the_attendants(demo_staff):
    supervisor = Staff.objects.get(is_env_supervisor=True)
    assert supervisor.position == Position.ATTENDANT


def test_skills_follow_the_positions(demo_staff):
    for person in Staff.objects.filter(position=Position.ATTENDANT):
        assert {Skill.TEA, Skill.CLEANING} <= set(person.skills)
    for person in Staff.objects.filter(position=Position.AUDIO_TECH):
        assert person.has_skill(Skill.AUDIO)
    assert Staff.objects.filter(skills__icontains='"etiquette"', position="attendant").exists()


def test_the_demo_logins_are_linked_to_their_staff_records(demo_staff):
    linked = {
        s.user.username: s for s in Staff.objects.filter(user__isnull=False).select_related("user")
    }
    assert linked["supervisor"].position == Position.SUPERVISOR
    assert linked["supervisor"].home_building.code == "main"
    for login, code in (
        ("lobby-east", "east"),
        ("lobby-west", "west"),
        ("lobby-conference", "conference"),
    ):
        assert linked[login].position == Position.LOBBY_MANAGER
        assert linked[login].home_building.code == code
    assert linked["clerk"].position == Position.CLERK
    assert linked["hotline"].position == Position.CLERK
    assert linked["hotline"].shifts.filter(hotline=True).exists()
    assert linked["group-leader"].is_group_leader
    assert linked["env-supervisor"].is_env_supervisor
    assert linked["attendant"].position == Position.ATTENDANT
    assert authorised_now(linked["attendant"], TODAY)
    assert linked["audio-tech"].position == Position.AUDIO_TECH
    assert "bureau" not in linked


def test_clearance_has_the_cases_the_clearance_page_shows(demo_staff):
    staff = list(Staff.objects.all())
    unauthorised = [s for s in staff if not s.is_authorised_on(TODAY)]
    assert len(unauthorised) == 2
    assert all(s.no_criminal_record_on is None for s in unauthorised)
    soon = TODAY + dt.timedelta(days=30)
    assert sum(1 for s in staff if s.authorised_until and TODAY <= s.authorised_until <= soon) >= 2
    certificate_limit = soon - dt.timedelta(days=CERTIFICATE_VALID_DAYS)
    assert any(
        s.no_criminal_record_on and s.no_criminal_record_on <= certificate_limit for s in staff
    )


def test_a_working_day_has_attendants_on_every_shift_and_clerks_on_the_hotline(demo_staff):
    monday = TODAY + dt.timedelta(days=(7 - TODAY.weekday()) % 7 or 7)
    ten = dt.datetime.combine(monday, dt.time(10), tzinfo=NOW.tzinfo)
    seventeen = dt.datetime.combine(monday, dt.time(17), tzinfo=NOW.tzinfo)
    for moment, least in ((ten, 25), (seventeen, 12)):
        on = Shift.objects.filter(
            start__lte=moment, end__gt=moment, staff__position=Position.ATTENDANT
        )
        assert on.count() >= least
        assert Shift.objects.filter(start__lte=moment, end__gt=moment, hotline=True).exists()
    assert Shift.objects.filter(kind=ShiftKind.NIGHT).exists()
    assert Shift.objects.filter(kind=ShiftKind.ON_CALL).exists()
    assert set(Absence.objects.values_list("kind", flat=True)) == {"leave", "sick", "training"}


def test_loading_the_roster_again_adds_nobody(demo_staff):
    shifts = Shift.objects.count()
    assert load_staff(demo._load_users(), NOW) == 0
    assert Staff.objects.count() == 60
    assert Shift.objects.count() == shifts
