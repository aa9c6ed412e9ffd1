"""Dispatcher benchmark: a 60-person roster, a 40-meeting day and an 80-meeting day.

Run from the project root:  .venv/bin/python bench/dispatch_bench.py
Not part of `make test`. It builds its own SQLite database under a temporary VAR_DIR (migrate,
then data through the booking services), plans each day with the default time limit and with
20x that limit (nothing saved), then dispatches the day for real and re-validates every duty.
The 40-meeting day must be staffed completely; the script exits 1 if it is not.
"""

import atexit
import datetime as dt
import os
import platform
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.pop("DATABASE_URL", None)
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="dispatch-bench-")
atexit.register(shutil.rmtree, os.environ["VAR_DIR"], ignore_errors=True)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

import django  # noqa: E402

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402

from bookings import services as booking_services  # noqa: E402
from bookings.models import Building, HostingUnit, Room  # noqa: E402
from staffing import dispatcher  # noqa: E402
from staffing.models import Duty, Position, Shift, ShiftKind, Skill, Staff  # noqa: E402
from staffing.validation import DutyBook, Proposal  # noqa: E402

TZ = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 23, 9, 0, tzinfo=TZ)  # a Monday
DAY_40 = dt.date(2026, 11, 24)
DAY_80 = dt.date(2026, 11, 25)
ROOMS_PER_BUILDING = 5
LEADERS_PER_BUILDING = 3


def at(day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=TZ) + dt.timedelta(hours=hour)


def roster(buildings: list[Building]) -> None:
    """1 supervisor, 3 lobby managers, 6 clerks, 4 audio technicians, 46 attendants (three
    group leaders per building among them), day shifts 07:00-22:00 all week."""
    rng = random.Random(1)
    plan = (
        [(Position.SUPERVISOR, [])]
        + [(Position.LOBBY_MANAGER, [])] * 3
        + [(Position.CLERK, [Skill.RECEPTION])] * 6
        + [(Position.AUDIO_TECH, [Skill.AUDIO])] * 4
        + [(Position.ATTENDANT, None)] * 46
    )
    attendants = 0
    for n, (position, skills) in enumerate(plan, start=1):
        building = buildings[n % len(buildings)]
        leader = False
        if position == Position.ATTENDANT:
            attendants += 1
            leader = attendants <= LEADERS_PER_BUILDING * len(buildings)
            building = buildings[(attendants - 1) % len(buildings)]
            skills = rng.sample([Skill.ETIQUETTE, Skill.TEA, Skill.CLEANING, Skill.RECEPTION], k=2)
            if attendants in (13, 14, 15, 16):
                skills.append(Skill.AUDIO)
        person = Staff.objects.create(
            employee_no=f"B{n:03d}",
            name=f"职员{n:02d}",
            position=position,
            home_building=building,
            skills=skills,
            is_group_leader=leader,
            background_checked_on=dt.date(2026, 1, 5),
            no_criminal_record_on=dt.date(2026, 1, 5),
            confidentiality_trained_on=dt.date(2026, 3, 1),
            authorised_until=dt.date(2027, 12, 31),
        )
        for offset in range(7):
            day = NOW.date() + dt.timedelta(days=offset)
            Shift.objects.create(
                staff=person, kind=ShiftKind.DAY, start=at(day, 7), end=at(day, 22)
            )


def meetings(day: dt.date, count: int, rooms: list[Room], unit, clerk) -> None:
    """`count` meetings spread evenly over the rooms, back to back from 08:30 with a gap."""
    rng = random.Random(count)
    per_room = count // len(rooms)
    for index, room in enumerate(rooms):
        hour = 8.5 + (index % 3) * 0.5
        for _n in range(per_room):
            length = rng.choice([1.0, 1.5, 2.0])
            attendees = rng.choice([8, 12, 15, 18, 20, 25, 28, 35, 45])
            booking_services.book_meeting(
                by=clerk,
                room=room,
                title=f"会议{index}-{_n}",
                hosting_unit=unit,
                start=at(day, hour),
                end=at(day, hour + length),
                attendees=attendees,
                now=NOW,
            )
            hour += length + 0.75


def setup() -> None:
    call_command("migrate", verbosity=0)
    user = get_user_model().objects.create_user("bench", password="bench-only")  # noqa: S106
    buildings = list(Building.objects.order_by("sort_order", "pk"))
    rooms = []
    for building in buildings:
        for n in range(ROOMS_PER_BUILDING):
            rooms.append(
                Room.objects.create(
                    building=building,
                    number=f"{building.code}-{n}",
                    name=f"{building.name}{n + 1}号会议室",
                    floor=2,
                    capacity=60,
                    setup_minutes=15,
                    teardown_minutes=10,
                    layouts=["boardroom"],
                )
            )
    unit = HostingUnit.objects.create(name="区政府办公室", short_name="区府办")
    roster(buildings)
    meetings(DAY_40, 40, rooms, unit, user)
    meetings(DAY_80, 80, rooms, unit, user)
    return user


def check_every_duty() -> int:
    bad = 0
    for duty in Duty.objects.active().select_related("meeting", "meeting__room"):
        book = DutyBook.load(
            duty.start - dt.timedelta(days=1),
            duty.end + dt.timedelta(days=1),
            exclude_duty_ids=[duty.pk],
        )
        reasons = book.refusals(Proposal.for_meeting(duty.staff_id, duty.meeting, duty.role))
        if reasons:
            bad += 1
            if bad <= 5:
                print(f"  refused on re-validation: {duty.role} {duty.meeting}: {reasons}")
    return bad


def run_day(day: dt.date, label: str, user) -> bool:
    limit = dispatcher.dispatch_seconds()
    day_meetings = dispatcher.day_meetings(day)
    rows = []
    for seconds in (limit, 20 * limit):
        started = time.perf_counter()
        plan = dispatcher.plan(day_meetings, now=NOW, seconds=seconds, patience=None)
        wall = time.perf_counter() - started
        filled = len(plan.assignments)
        rows.append((seconds, plan.needed, filled, plan.objective, plan.runs, wall))
    started = time.perf_counter()
    result = dispatcher.dispatch_day(day, by=user, now=NOW)
    saved_wall = time.perf_counter() - started
    print(f"\n{label} ({len(day_meetings)} meetings, {day})")
    print("  limit s | needed | filled | fill rate | objective | runs | wall s")
    for seconds, needed, filled, objective, runs, wall in rows:
        rate = filled / needed if needed else 1.0
        print(
            f"  {seconds:7.1f} | {needed:6d} | {filled:6d} | {rate:9.1%} | {objective:9d}"
            f" | {runs:4d} | {wall:6.2f}"
        )
    print(
        f"  dispatched and saved: {result.filled}/{result.needed} ({result.fill_rate:.1%}),"
        f" objective {result.objective}, {saved_wall:.2f} s including saving"
    )
    for unfilled in result.unfilled[:5]:
        print(f"    unfilled {unfilled.role} x{unfilled.missing}: {unfilled.reason}")
    if len(result.unfilled) > 5:
        print(f"    ... and {len(result.unfilled) - 5} more")
    return result.fill_rate == 1.0


def main() -> int:
    from django.utils import translation

    translation.activate("en")
    print(f"python {platform.python_version()}, nproc {os.cpu_count()}, {platform.machine()}")
    print(f"DISPATCH_SECONDS = {dispatcher.dispatch_seconds()}")
    started = time.perf_counter()
    user = setup()
    print(f"set-up (migrate, 60 staff, 120 meetings): {time.perf_counter() - started:.1f} s")
    complete = run_day(DAY_40, "40-meeting day", user)
    run_day(DAY_80, "80-meeting day", user)
    bad = check_every_duty()
    print(f"\nduties re-validated: {Duty.objects.active().count()}, refused: {bad}")
    if not complete:
        print("FAIL: the 40-meeting day was not staffed completely")
    return 0 if complete and bad == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
