"""Which rooms are free and fit a meeting: the search page's question, reusable by the API.

`free_rooms()` answers in a constant number of queries whatever the number of rooms and
meetings: the rooms with their equipment (one joined query) and one query for every active
meeting that could overlap the window in any of those rooms, bounded like
MeetingQuerySet.occupying by the longest possible occupation so that it stays on the room/time
index. Setup and teardown are counted with each room's defaults, as a booking made from the
result would count them.

It is on the hot path of every search (page and API), so it does the least per room: rooms
too small to fit or to be a near miss are left out in SQL, the busy meetings are read as plain
intervals, and a Meeting object is made only for a conflict that a near miss may name.
"""

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from bookings import visibility
from bookings.errors import BookingError
from bookings.models import (
    MAX_MEETING,
    MAX_OCCUPANCY,
    Building,
    Confidentiality,
    Equipment,
    Meeting,
    Room,
)
from core import timeutils

# A room that fails for one reason is shown as a near miss, unless it is far from the request
# in size: seating fewer than half the attendees, or more than three times as many (a hall for
# a small meeting is no answer even when it has the equipment).
NEAR_MISS_MIN_SEAT_SHARE = 0.5
NEAR_MISS_MAX_SEAT_FACTOR = 3
NEAR_MISS_LIMIT = 8
# So that one kind of miss (every room without the equipment) does not crowd out the others.
NEAR_MISS_PER_REASON = 3


class Why:
    """The machine-readable reason codes of a near miss (the API can pass them on)."""

    SEATS = "seats"
    EQUIPMENT = "equipment"
    TAKEN = "taken"


@dataclass(frozen=True)
class Reason:
    code: str
    message: str


@dataclass
class Candidate:
    """One room weighed against the request."""

    room: Room
    # The room's equipment, by name (the page shows it; the API gives the codes).
    equipment: list[Equipment]
    # The window the room would be occupied, with the room's own setup and teardown.
    occupied_from: dt.datetime
    occupied_until: dt.datetime
    shortfall: int = 0
    missing: list[Equipment] = field(default_factory=list)
    conflicts: list[Meeting] = field(default_factory=list)
    extra_equipment: int = 0
    attendees: int = 0
    reasons: list[Reason] = field(default_factory=list)

    @property
    def fits(self) -> bool:
        return not (self.shortfall or self.missing or self.conflicts)

    @property
    def spare_seats(self) -> int:
        return max(self.room.capacity - self.attendees, 0)


@dataclass
class Availability:
    fitting: list[Candidate]
    near_misses: list[Candidate]


def free_rooms(
    start: dt.datetime,
    end: dt.datetime,
    attendees: int,
    equipment: Iterable[str | Equipment] = (),
    building: Building | int | None = None,
    *,
    user=None,
    near_miss_limit: int = NEAR_MISS_LIMIT,
) -> Availability:
    """In-service meeting rooms free for [start, end) that seat `attendees` and have every piece
    of `equipment` (codes or Equipment rows), best fit first: the smallest sufficient capacity,
    then the fewest pieces of equipment beyond those asked for. Also the near misses: rooms that
    fail for exactly one reason ("12 seats short", "no video conferencing", "taken by ..."),
    those that would fit but are taken first, at most three for each reason (none with
    near_miss_limit=0, as the API asks).

    A conflicting meeting is named as `user` may see it (bookings.visibility); without a user,
    as the door display names it. Raises BookingError for an impossible window or unknown
    equipment. Two or three queries, whatever the number of rooms and meetings.
    """
    _check_window(start, end, attendees)
    wanted = _wanted_equipment(equipment)
    # A room seating fewer than half the attendees is neither an answer nor a near miss; without
    # near misses, only rooms seating everyone count.
    share = NEAR_MISS_MIN_SEAT_SHARE if near_miss_limit else 1
    rooms = _rooms_with_equipment(math.ceil(attendees * share), building)
    wanted_codes = {item.code for item in wanted}
    if not near_miss_limit:
        # Only a fitting room can be an answer: the others need no meetings looked up.
        rooms = [
            (room, kit)
            for room, kit in rooms
            if room.capacity >= attendees and wanted_codes <= {item.code for item in kit}
        ]
    if not rooms:
        return Availability(fitting=[], near_misses=[])

    busy = _meetings_near([room for room, _kit in rooms], start, end)
    biggest = max(attendees * NEAR_MISS_MAX_SEAT_FACTOR, 10)
    fitting, near, secret = [], [], None
    for room, kit in rooms:
        occupied_from = start - dt.timedelta(minutes=room.setup_minutes)
        occupied_until = end + dt.timedelta(minutes=room.teardown_minutes)
        conflicts = [
            row
            for row in busy.get(room.pk, ())
            if row[_FROM] < occupied_until and row[_UNTIL] > occupied_from
        ]
        shortfall = max(attendees - room.capacity, 0)
        has = {item.code for item in kit}
        missing = [item for item in wanted if item.code not in has]
        failures = bool(shortfall) + bool(missing) + bool(conflicts)
        if secret is None:
            secret = next((row for row in conflicts if row[_SECRECY] == _SECRET), None)
        if failures == 0:
            into = fitting
        elif failures == 1 and room.capacity <= biggest:
            into = near
        else:
            continue
        into.append(
            Candidate(
                room=room,
                equipment=kit,
                occupied_from=occupied_from,
                occupied_until=occupied_until,
                shortfall=shortfall,
                missing=missing,
                conflicts=[_meeting(row) for row in conflicts],
                extra_equipment=len(has - wanted_codes),
                attendees=attendees,
            )
        )

    fitting.sort(
        key=lambda c: (c.room.capacity, c.extra_equipment, c.room.building.sort_order, c.room.pk),
    )
    near.sort(key=_near_miss_order)
    if near_miss_limit and user is not None and secret is not None:
        # Naming one secret conflicting meeting makes the policy's look-ups for the viewer (and
        # caches them on the user), so the query count does not depend on which near misses
        # happen to be shown.
        visibility.conflict_label(user, _meeting(secret))
    shown, per_reason = [], defaultdict(int)
    for candidate in near:
        code = _why(candidate)[0]
        if per_reason[code] < NEAR_MISS_PER_REASON and len(shown) < near_miss_limit:
            per_reason[code] += 1
            # The messages only for the rooms shown: naming each conflicting meeting asks the
            # visibility policy, which on a busy day was a quarter of the search's time.
            candidate.reasons = _reasons(candidate, user)
            shown.append(candidate)
    return Availability(fitting=fitting, near_misses=shown)


def _rooms_with_equipment(min_capacity: int, building) -> list[tuple[Room, list[Equipment]]]:
    """In-service meeting rooms seating at least `min_capacity`, each with its building and its
    equipment by name: one query, the rooms joined to their equipment (a room without any comes
    once, with nulls), where select_related plus prefetch_related took two and built a related
    manager per room."""
    rooms = Room.objects.filter(kind=Room.Kind.MEETING, in_service=True, capacity__gte=min_capacity)
    if building is not None:
        rooms = rooms.filter(building=building)
    rows = rooms.order_by("pk", "equipment__name", "equipment__pk").values_list(
        *_ROOM_COLUMNS, *_BUILDING_COLUMNS, *_EQUIPMENT_COLUMNS
    )
    db = rooms.db
    result, buildings, kits = [], {}, {}
    room_end, building_end = len(_ROOM_COLUMNS), len(_ROOM_COLUMNS) + len(_BUILDING_COLUMNS)
    for row in rows:
        room_id = row[0]
        if not result or result[-1][0].pk != room_id:
            room = Room.from_db(db, _ROOM_FIELDS, row[:room_end])
            building_id = row[building_end - len(_BUILDING_COLUMNS)]
            if building_id not in buildings:
                buildings[building_id] = Building.from_db(
                    db, _BUILDING_FIELDS, row[room_end:building_end]
                )
            room.building = buildings[building_id]
            result.append((room, []))
        equipment_id = row[building_end]
        if equipment_id is not None:
            if equipment_id not in kits:
                kits[equipment_id] = Equipment.from_db(db, _EQUIPMENT_FIELDS, row[building_end:])
            result[-1][1].append(kits[equipment_id])
    return result


# The columns of the joined query, in each model's field order (Model.from_db expects it).
_ROOM_FIELDS = [field.attname for field in Room._meta.concrete_fields]
_ROOM_COLUMNS = _ROOM_FIELDS
_BUILDING_FIELDS = [field.attname for field in Building._meta.concrete_fields]
_BUILDING_COLUMNS = [f"building__{name}" for name in _BUILDING_FIELDS]
_EQUIPMENT_FIELDS = [field.attname for field in Equipment._meta.concrete_fields]
_EQUIPMENT_COLUMNS = [f"equipment__{name}" for name in _EQUIPMENT_FIELDS]

# A busy meeting is read as a row of these columns (in Meeting's field order, for from_db):
# the interval is all a room's answer needs; the rest names it in a near miss.
_MEETING_FIELDS = [
    field.attname
    for field in Meeting._meta.concrete_fields
    if field.attname
    in {"id", "room_id", "title", "occupied_from", "occupied_until", "confidentiality"}
]
_FROM = _MEETING_FIELDS.index("occupied_from")
_UNTIL = _MEETING_FIELDS.index("occupied_until")
_SECRECY = _MEETING_FIELDS.index("confidentiality")
_SECRET = Confidentiality.SECRET.value


def _meeting(row: tuple) -> Meeting:
    # The other fields are deferred: read from the database if ever asked for.
    return Meeting.from_db(Meeting.objects.db, _MEETING_FIELDS, row)


def _why(candidate: Candidate) -> list[str]:
    """The reason codes of a candidate that does not fit, in the order _reasons gives them."""
    return [
        code
        for code, fails in (
            (Why.SEATS, candidate.shortfall),
            (Why.EQUIPMENT, candidate.missing),
            (Why.TAKEN, candidate.conflicts),
        )
        if fails
    ]


def _check_window(start: dt.datetime, end: dt.datetime, attendees: int) -> None:
    errors = {}
    if end <= start:
        errors["end"] = _("The end must be after the start.")
    elif end - start > MAX_MEETING:
        errors["end"] = _(
            "A meeting lasts at most 12 hours; book a longer event as a series of days."
        )
    if attendees is None or attendees < 1:
        errors["attendees"] = _("At least one attendee is expected.")
    if errors:
        raise BookingError(" ".join(errors.values()), code="invalid", fields=errors)


def _wanted_equipment(equipment: Iterable[str | Equipment]) -> list[Equipment]:
    given = [item for item in equipment if item]
    objects = [item for item in given if isinstance(item, Equipment)]
    codes = {item for item in given if not isinstance(item, Equipment)}
    if codes:
        found = list(Equipment.objects.filter(code__in=codes))
        unknown = codes - {item.code for item in found}
        if unknown:
            raise BookingError(
                _("Unknown equipment: %(codes)s.") % {"codes": ", ".join(sorted(unknown))},
                code="invalid",
                fields={"equipment": _("Unknown equipment.")},
            )
        objects += found
    unique = {item.code: item for item in objects}
    return sorted(unique.values(), key=lambda item: item.name)


def _meetings_near(rooms: list[Room], start: dt.datetime, end: dt.datetime) -> dict:
    """Active meetings that may overlap any room's window, as rows of _MEETING_FIELDS by room
    id: one bounded query.

    The widest window over these rooms is [start - longest setup, end + longest teardown); a
    meeting occupies its room for at most MAX_OCCUPANCY, so one that began occupying before
    window start - MAX_OCCUPANCY has ended: that lower bound keeps the query on the index.
    """
    window_from = start - dt.timedelta(minutes=max(room.setup_minutes for room in rooms))
    window_until = end + dt.timedelta(minutes=max(room.teardown_minutes for room in rooms))
    meetings = (
        Meeting.objects.active()
        .filter(
            room_id__in=[room.pk for room in rooms],
            occupied_from__lt=window_until,
            occupied_until__gt=window_from,
            occupied_from__gt=window_from - MAX_OCCUPANCY,
        )
        .order_by("occupied_from")
        .values_list(*_MEETING_FIELDS)
    )
    by_room = defaultdict(list)
    room_at = _MEETING_FIELDS.index("room_id")
    for row in meetings:
        by_room[row[room_at]].append(row)
    return by_room


def _reasons(candidate: Candidate, user) -> list[Reason]:
    reasons = []
    if candidate.shortfall:
        reasons.append(
            Reason(
                Why.SEATS,
                ngettext(
                    "%(count)d seat short (seats %(capacity)d)",
                    "%(count)d seats short (seats %(capacity)d)",
                    candidate.shortfall,
                )
                % {"count": candidate.shortfall, "capacity": candidate.room.capacity},
            )
        )
    if candidate.missing:
        reasons.append(
            Reason(
                Why.EQUIPMENT,
                _("no %(equipment)s") % {"equipment": "、".join(e.name for e in candidate.missing)},
            )
        )
    if candidate.conflicts:
        reasons.append(
            Reason(
                Why.TAKEN,
                "; ".join(
                    _("taken by %(meeting)s %(window)s")
                    % {
                        "meeting": _name(user, meeting),
                        "window": _window(meeting.occupied_from, meeting.occupied_until),
                    }
                    for meeting in candidate.conflicts
                ),
            )
        )
    return reasons


def _name(user, meeting: Meeting) -> str:
    if user is None:
        return f"“{visibility.public_title(meeting)}”"
    return visibility.conflict_label(user, meeting)


def _window(start: dt.datetime, end: dt.datetime) -> str:
    if timeutils.local_date(start) == timeutils.local_date(end):
        return f"{timeutils.format_time(start)}–{timeutils.format_time(end)}"
    return timeutils.format_span(start, end)


_WHY_ORDER = {Why.TAKEN: 0, Why.EQUIPMENT: 1, Why.SEATS: 2}


def _near_miss_order(candidate: Candidate):
    # A room that would fit but is taken is the likeliest to help (another time, or a word with
    # the other organiser); then a room lacking equipment that can be brought; then the closest
    # in size.
    return (
        _WHY_ORDER[_why(candidate)[0]],
        candidate.shortfall,
        candidate.room.capacity,
        candidate.room.pk,
    )
