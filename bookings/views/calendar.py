"""The day timeline of a building (rooms x hours) and the week of one room (days x hours).

Both are HTML tables cut into 5-minute columns (the timeline) or rows (the week): a meeting,
its setup and its teardown are cells spanning their minutes, and the free time between them is
cut into half-hour cells that book the room at that time in one click. Tables need no inline
style (CSP), print as they are, and read row by row for a screen reader. Each page makes one
query for its meetings, bounded by the longest possible occupation, whatever their number.
"""

import datetime as dt
import math
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_date

from bookings import visibility
from bookings.access import can_manage_bookings
from bookings.models import MAX_OCCUPANCY, Building, Meeting, Room
from core import timeutils

# The grid runs from 07:00 to 22:00 in 5-minute units; free time is offered in half hours.
FIRST_HOUR, LAST_HOUR = 7, 22
UNIT = dt.timedelta(minutes=5)
UNITS = (LAST_HOUR - FIRST_HOUR) * 12
SLOT_UNITS = 6
# A slot books an hour from its start, less when the next meeting comes sooner; a gap that
# cannot hold half an hour between the neighbours' setup and teardown is not offered.
SLOT_BOOKING = dt.timedelta(hours=1)
SHORTEST_BOOKING = dt.timedelta(minutes=30)


@dataclass
class Cell:
    """One cell of a lane: `span` units of one kind (free, past, setup, meeting, teardown)."""

    kind: str
    first: int
    span: int
    start: dt.datetime
    end: dt.datetime
    meeting: Meeting | None = None
    title: str = ""
    book_url: str = ""
    book_start: dt.datetime | None = None
    book_end: dt.datetime | None = None

    @property
    def is_half_hour(self) -> bool:
        return self.first % SLOT_UNITS == 0


@dataclass
class Lane:
    """A room on a day: the timeline's row, the week's column."""

    room: Room
    day: dt.date
    cells: list[Cell] = field(default_factory=list)


@dataclass(frozen=True)
class _Occupation:
    meeting: Meeting
    title: str


def _grid_start(day: dt.date) -> dt.datetime:
    return timeutils.at(day, FIRST_HOUR)


def _unit_of(value: dt.datetime, day: dt.date, *, up: bool) -> int:
    """The unit index at `value`, rounded up or down to a unit edge and clamped to the grid."""
    units = (value - _grid_start(day)) / UNIT
    index = math.ceil(units) if up else math.floor(units)
    return max(0, min(UNITS, index))


def build_lane(
    room: Room,
    day: dt.date,
    meetings: list[Meeting],
    *,
    user,
    now: dt.datetime,
    bookable: bool,
) -> Lane:
    """Lay one room's day out in cells. `meetings` are the room's active meetings near the day,
    in order of occupation; titles pass through the visibility policy."""
    kinds: list[tuple[str, Meeting | None]] = [("free", None)] * UNITS
    for meeting in meetings:
        for kind, start, end in (
            ("setup", meeting.occupied_from, meeting.start),
            ("meeting", meeting.start, meeting.end),
            ("teardown", meeting.end, meeting.occupied_until),
        ):
            first = _unit_of(start, day, up=False)
            last = _unit_of(end, day, up=True)
            for index in range(first, last):
                # The meeting itself wins over a neighbour's setup or teardown sharing a unit.
                if kinds[index][0] != "meeting":
                    kinds[index] = (kind, meeting)
    lane = Lane(room=room, day=day)
    grid_start = _grid_start(day)
    index = 0
    titles = {}
    while index < UNITS:
        kind, meeting = kinds[index]
        end = index + 1
        while end < UNITS and kinds[end] == (kind, meeting):
            if kind == "free" and end % SLOT_UNITS == 0:
                break  # free time is cut into half hours, each its own slot
            end += 1
        cell = Cell(
            kind=kind,
            first=index,
            span=end - index,
            start=grid_start + index * UNIT,
            end=grid_start + end * UNIT,
            meeting=meeting,
        )
        if meeting is not None:
            if meeting.pk not in titles:
                titles[meeting.pk] = visibility.title_for(user, meeting)
            cell.title = titles[meeting.pk]
        elif cell.end <= now:
            cell.kind = "past"
        elif bookable:
            _offer(cell, room, meetings, now)
        lane.cells.append(cell)
        index = end
    return lane


def _offer(cell: Cell, room: Room, meetings: list[Meeting], now: dt.datetime) -> None:
    """Fill the booking a click on this free cell proposes, with the room's setup and teardown
    fitting between the neighbours; leave it empty when nothing fits."""
    before = [m.occupied_until for m in meetings if m.occupied_until <= cell.start]
    after = [m.occupied_from for m in meetings if m.occupied_from >= cell.end]
    start = cell.start
    if before:
        start = max(start, max(before) + dt.timedelta(minutes=room.setup_minutes))
    if start < now:
        start = _round_up(now)
    end = start + SLOT_BOOKING
    if after:
        end = min(end, min(after) - dt.timedelta(minutes=room.teardown_minutes))
    if start >= cell.end or end - start < SHORTEST_BOOKING:
        return
    cell.book_start, cell.book_end = start, end
    cell.book_url = booking_url(room, start, end)


def _round_up(value: dt.datetime) -> dt.datetime:
    local = timezone.localtime(value).replace(second=0, microsecond=0)
    return local + dt.timedelta(minutes=(5 - local.minute % 5) % 5 or 5)


def booking_url(room: Room, start: dt.datetime, end: dt.datetime) -> str:
    """The booking form with the room and the time filled in."""
    query = {
        "room": room.pk,
        "start": timezone.localtime(start).strftime("%Y-%m-%dT%H:%M"),
        "end": timezone.localtime(end).strftime("%Y-%m-%dT%H:%M"),
    }
    return f"{reverse('meeting-new')}?{urlencode(query)}"


def meetings_by_room(rooms, start: dt.datetime, end: dt.datetime) -> dict[int, list[Meeting]]:
    """Active meetings occupying any of `rooms` in [start, end), by room: one bounded query."""
    meetings = (
        Meeting.objects.active()
        .filter(
            room__in=rooms,
            occupied_from__lt=end,
            occupied_until__gt=start,
            occupied_from__gt=start - MAX_OCCUPANCY,
        )
        .order_by("occupied_from")
    )
    by_room: dict[int, list[Meeting]] = {}
    for meeting in meetings:
        by_room.setdefault(meeting.room_id, []).append(meeting)
    return by_room


def _day_from(query, default: dt.date) -> dt.date:
    return parse_date_safely(query.get("date", "")) or default


def parse_date_safely(value: str) -> dt.date | None:
    try:
        return parse_date(value or "")
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        return None


def _hours() -> list[int]:
    return list(range(FIRST_HOUR, LAST_HOUR))


# --- the day timeline of a building -------------------------------------------------------------


@login_required
def day_timeline(request):
    """Rooms of one building across one day. Everyone logged in sees it (titles through the
    visibility policy); the free slots book only for those who may book."""
    now = timezone.now()
    day = _day_from(request.GET, timezone.localdate(now))
    buildings = list(Building.objects.all())
    building = next((b for b in buildings if b.code == request.GET.get("building")), None)
    building = building or (buildings[0] if buildings else None)
    can_book = can_manage_bookings(request.user)
    lanes, outside = [], []
    if building is not None:
        rooms = list(
            Room.objects.filter(building=building, kind=Room.Kind.MEETING).order_by(
                "floor", "number"
            )
        )
        day_start, day_end = timeutils.day_bounds(day)
        busy = meetings_by_room([r.pk for r in rooms], day_start, day_end)
        for room in rooms:
            meetings = busy.get(room.pk, [])
            lanes.append(
                build_lane(
                    room,
                    day,
                    meetings,
                    user=request.user,
                    now=now,
                    bookable=can_book and room.in_service,
                )
            )
            outside += [
                (room, m, visibility.title_for(request.user, m))
                for m in meetings
                if m.end <= _grid_start(day) or m.start >= timeutils.at(day, LAST_HOUR)
            ]
    return render(
        request,
        "bookings/timeline.html",
        {
            "day": day,
            "today": timezone.localdate(now),
            "previous_day": day - dt.timedelta(days=1),
            "next_day": day + dt.timedelta(days=1),
            "buildings": buildings,
            "building": building,
            "lanes": lanes,
            "outside": outside,
            "hours": _hours(),
            "can_book": can_book,
        },
    )


# --- the week of a room --------------------------------------------------------------------------


@dataclass
class WeekRow:
    """One 5-minute row of the week table: the hour label where an hour begins, and the cells
    that begin in this row (the others are covered by a cell above spanning rows)."""

    unit: int
    hour: int | None
    cells: list[tuple[Lane, Cell]]


@login_required
def room_week(request, pk: int):
    """One room from Monday to Sunday (weeks start on Monday)."""
    room = get_object_or_404(Room.objects.select_related("building"), pk=pk)
    now = timezone.now()
    day = _day_from(request.GET, timezone.localdate(now))
    other = request.GET.get("room", "")
    if other.isdigit() and int(other) != room.pk:
        # The room switcher (a plain GET form): the same week in the chosen room.
        url = reverse("room-week", args=[int(other)])
        return redirect(f"{url}?{urlencode({'date': day.isoformat()})}")
    monday = day - dt.timedelta(days=day.weekday())
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    can_book = can_manage_bookings(request.user)
    start, _end = timeutils.day_bounds(monday)
    _start, end = timeutils.day_bounds(days[-1])
    meetings = meetings_by_room([room.pk], start, end).get(room.pk, [])
    lanes = []
    for each in days:
        day_start, day_end = timeutils.day_bounds(each)
        mine = [m for m in meetings if m.occupied_from < day_end and m.occupied_until > day_start]
        lanes.append(
            build_lane(
                room, each, mine, user=request.user, now=now, bookable=can_book and room.in_service
            )
        )
    rows = [WeekRow(unit=u, hour=None, cells=[]) for u in range(UNITS)]
    for u in range(0, UNITS, 12):
        rows[u].hour = FIRST_HOUR + u // 12
    for lane in lanes:
        for cell in lane.cells:
            rows[cell.first].cells.append((lane, cell))
    rooms = Room.objects.filter(kind=Room.Kind.MEETING).select_related("building")
    return render(
        request,
        "bookings/week.html",
        {
            "room": room,
            "rooms": rooms.order_by("building__sort_order", "floor", "number"),
            "days": days,
            "lanes": lanes,
            "rows": rows,
            "today": timezone.localdate(now),
            "previous_week": monday - dt.timedelta(days=7),
            "next_week": monday + dt.timedelta(days=7),
            "monday": monday,
            "sunday": days[-1],
            "can_book": can_book,
            "meetings": [
                (m, visibility.title_for(request.user, m))
                for m in meetings
                if m.start < end and m.end > start
            ],
        },
    )
