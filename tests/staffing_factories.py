"""Small factories for staffing tests (shared by the staffing engineers' test modules).

`make_staff(**overrides)` lays down an active Staff with a day shift 07:00-23:00 (local time) on
each of the given days (default: the conftest NOW's day and the next two), optionally authorised
for secret meetings. `day_shift(staff, day)` adds one more such shift.
"""

import datetime as dt
import itertools

from django.utils import timezone

from staffing.models import Position, Shift, ShiftKind, Staff

_counter = itertools.count(1)

# Matches tests/conftest.py NOW (a Friday in Shanghai); kept here so this module imports cleanly.
DEFAULT_DAY = dt.date(2026, 11, 27)


def day_shift(staff: Staff, day: dt.date, *, start_hour: int = 7, end_hour: int = 23) -> Shift:
    """A day shift from start_hour to end_hour local time on `day`."""
    tz = timezone.get_current_timezone()
    return Shift.objects.create(
        staff=staff,
        kind=ShiftKind.DAY,
        start=dt.datetime.combine(day, dt.time(start_hour), tzinfo=tz),
        end=dt.datetime.combine(day, dt.time(end_hour), tzinfo=tz),
    )


def make_staff(
    *,
    days=None,
    authorised: bool = False,
    skills=None,
    is_group_leader: bool = False,
    home_building=None,
    position: str = Position.ATTENDANT,
    user=None,
    **fields,
) -> Staff:
    """An active staff member on a day shift (07:00-23:00) on each of `days`.

    `days` defaults to DEFAULT_DAY and the two days after it. `authorised=True` fills in the
    clearance so the person is authorised until a year after DEFAULT_DAY; pass
    `authorised_until=` (with authorised=True) to choose the end date.
    """
    n = next(_counter)
    values = {
        "employee_no": f"T{n:05d}",
        "name": f"测试员{n}",
        "position": position,
        "skills": list(skills or []),
        "is_group_leader": is_group_leader,
        "home_building": home_building,
        "user": user,
    }
    if authorised:
        values.update(
            background_checked_on=DEFAULT_DAY - dt.timedelta(days=200),
            no_criminal_record_on=DEFAULT_DAY - dt.timedelta(days=200),
            confidentiality_trained_on=DEFAULT_DAY - dt.timedelta(days=100),
            authorised_until=DEFAULT_DAY + dt.timedelta(days=365),
        )
    values.update(fields)
    staff = Staff.objects.create(**values)
    if days is None:
        days = [DEFAULT_DAY + dt.timedelta(days=i) for i in range(3)]
    for day in days:
        day_shift(staff, day)
    return staff
