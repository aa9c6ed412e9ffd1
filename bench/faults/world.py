"""The fault run's small world, laid down through the application's own services.

One building's rooms, a supervisor, a lobby manager, a clerk, and service group leaders on
shift; then N meetings booked with `book_meeting`, whose level-1 checks (due 120 minutes before
the start) fall evenly inside the run's window. Each meeting is one minute long in a room of
its own for the window, so nothing overlaps; a share of them get a lead through `assign_duty`
(the lead is the check's responsible person), the rest fall to the supervisor as designed.

Who should hear of each check is written down here, independently of the sweeper's own
resolution, so the ledger can tell a missing or a wrongly addressed notification.
"""

import datetime as dt
import functools
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.utils import timezone
from rest_framework.authtoken.models import Token

from bookings import services as booking_services
from bookings.models import Building, HostingUnit, Room
from core.roles import Role, add_role, sync_role_groups
from inspections.models import LEVEL_LEAD_MINUTES, Check, CheckLevel
from staffing import services as staffing_services
from staffing.models import DutyRole, Position, Shift, ShiftKind, Staff

PASSWORD = "faults-run-only"  # noqa: S105 - a throw-away cluster
MEETING_LENGTH = dt.timedelta(minutes=1)
LEADERS = 20
MEETINGS_PER_LEADER = 3  # LEAD_MAX_CONCURRENT: concurrent leads in one building


@dataclass
class World:
    building: Building
    supervisor: object
    manager: object
    clerk: object
    token: str
    # check pk -> user pk expected to get its "check_due" notification
    due_recipient: dict[int, int] = field(default_factory=dict)


def _user(username: str, role: Role):
    user = get_user_model().objects.create_user(username, email=f"{username}@faults.invalid")
    # One hash for everybody: hashing each password costs a third of a second.
    user.password = _password_hash()
    user.save(update_fields=["password"])
    add_role(user, role)
    return user


@functools.cache
def _password_hash() -> str:
    return make_password(PASSWORD)


def _staff(number: int, position: str, building, user=None, *, leader=False) -> Staff:
    return Staff.objects.create(
        employee_no=f"F{number:03d}",
        name=f"故障演练{number:02d}",
        position=position,
        home_building=building,
        is_group_leader=leader,
        user=user,
    )


def build_people(*, now: dt.datetime) -> World:
    sync_role_groups()
    building = Building.objects.order_by("sort_order", "pk").first()
    supervisor = _user("faults-supervisor", Role.SUPERVISOR)
    manager = _user("faults-manager", Role.LOBBY_MANAGER)
    clerk = _user("faults-clerk", Role.CLERK)
    _staff(1, Position.SUPERVISOR, building, supervisor)
    _staff(2, Position.LOBBY_MANAGER, building, manager)
    _staff(3, Position.CLERK, building, clerk)
    for n in range(LEADERS):
        leader_user = _user(f"faults-leader-{n:02d}", Role.GROUP_LEADER)
        person = _staff(10 + n, Position.ATTENDANT, building, leader_user, leader=True)
        Shift.objects.create(
            staff=person,
            kind=ShiftKind.DAY,
            start=now - dt.timedelta(hours=1),
            end=now + dt.timedelta(hours=5),
        )
    token = Token.objects.create(user=supervisor).key
    return World(building, supervisor, manager, clerk, token)


def make_rooms(world: World, count: int, prefix: str = "F") -> list[Room]:
    return [
        Room.objects.create(
            building=world.building,
            number=f"{prefix}{n:03d}",
            name=f"{prefix}演练{n + 1}号会议室",
            floor=9,
            capacity=30,
            setup_minutes=0,
            teardown_minutes=0,
        )
        for n in range(count)
    ]


@dataclass(frozen=True)
class Plan:
    """Meeting i's level-1 check is due at first_due + window * i / count, in rooms[i % len]."""

    count: int
    first_due: dt.datetime
    window: dt.timedelta
    rooms: tuple[int, ...]  # room pks
    unit: int  # hosting unit pk
    title: str = "演练会议"
    with_leads: bool = True

    def __post_init__(self):
        # Meetings i and i + len(rooms) share a room; they must be a meeting length apart.
        if self.window / self.count * len(self.rooms) <= MEETING_LENGTH:
            raise ValueError("meetings in one room would overlap; give the plan more rooms")


def hosting_unit() -> int:
    return HostingUnit.objects.create(name="故障演练办公室", short_name="演练办").pk


def book_slice(world: World, plan: Plan, indices: range) -> dict[int, int]:
    """Book meetings `indices` of the plan; return {check pk: user pk owed its due notice}."""
    lead_every = max(1, plan.count // (LEADERS * MEETINGS_PER_LEADER))
    leaders = list(Staff.objects.filter(is_group_leader=True).order_by("employee_no"))
    lead_minutes = dt.timedelta(minutes=LEVEL_LEAD_MINUTES[CheckLevel.ONE])
    rooms = {room.pk: room for room in Room.objects.filter(pk__in=plan.rooms)}
    unit = HostingUnit.objects.get(pk=plan.unit)
    owed = {}
    for i in indices:
        due = (plan.first_due + plan.window * i / plan.count).replace(microsecond=0)
        start = due + lead_minutes
        meeting = booking_services.book_meeting(
            by=world.clerk,
            room=rooms[plan.rooms[i % len(plan.rooms)]],
            title=f"{plan.title}{i:04d}",
            hosting_unit=unit,
            start=start,
            end=start + MEETING_LENGTH,
            attendees=10,
            now=timezone.now(),
        )
        check = Check.objects.get(meeting=meeting, level=CheckLevel.ONE)
        recipient = world.supervisor.pk  # no lead: the check falls to the supervisor
        lead_number = i // lead_every
        if (
            plan.with_leads
            and i % lead_every == 0
            and lead_number < len(leaders) * MEETINGS_PER_LEADER
        ):
            # Leader k leads meetings 3k .. 3k+2 of the led ones: concurrent, one building.
            leader = leaders[lead_number // MEETINGS_PER_LEADER]
            staffing_services.assign_duty(
                meeting, by=world.clerk, staff=leader, role=DutyRole.LEAD, now=timezone.now()
            )
            recipient = leader.user_id
        owed[check.pk] = recipient
    return owed
