"""Which rooms are free and fit a meeting: the search page's question, reusable by the API.

`free_rooms()` answers in a constant number of queries whatever the number of rooms and
meetings: the rooms (with their equipment) and one query for every active meeting that could
overlap the window in any of those rooms, bounded like MeetingQuerySet.occupying by the longest
possible occupation so that it stays on the room/time index. Setup and teardown are counted with
each room's defaults, as a booking made from the result would count them.
"""

import datetime as dt
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
    those that would fit but are taken first, at most three for each reason.

    A conflicting meeting is named as `user` may see it (bookings.visibility); without a user,
    as the door display names it. Raises BookingError for an impossible window or unknown
    equipment. Three or four queries, whatever the number of rooms and meetings.
    """
    _check_window(start, end, attendees)
    wanted = _wanted_equipment(equipment)
    rooms = Room.objects.filter(kind=Room.Kind.MEETING, in_service=True)
    if building is not None:
        rooms = rooms.filter(building=building)
    rooms = list(
        rooms.select_related("building")
        .prefetch_related("equipment")
        .order_by("capacity", "building__sort_order", "floor", "number")
    )
    if not rooms:
        return Availability(fitting=[], near_misses=[])

    busy = _meetings_near(rooms, start, end)
    wanted_codes = {item.code for item in wanted}
    candidates = []
    for room in rooms:
        occupied_from = start - dt.timedelta(minutes=room.setup_minutes)
        occupied_until = end + dt.timedelta(minutes=room.teardown_minutes)
        has = {item.code for item in room.equipment.all()}
        candidate = Candidate(
            room=room,
            occupied_from=occupied_from,
            occupied_until=occupied_until,
            shortfall=max(attendees - room.capacity, 0),
            missing=[item for item in wanted if item.code not in has],
            conflicts=[
                meeting
                for meeting in busy.get(room.pk, ())
                if meeting.occupied_from < occupied_until and meeting.occupied_until > occupied_from
            ],
            extra_equipment=len(has - wanted_codes),
            attendees=attendees,
        )
        candidates.append(candidate)

    fitting = sorted(
        (c for c in candidates if c.fits),
        key=lambda c: (c.room.capacity, c.extra_equipment, c.room.building.sort_order, c.room.pk),
    )
    near = [
        c
        for c in candidates
        if len(_why(c)) == 1
        and attendees * NEAR_MISS_MIN_SEAT_SHARE
        <= c.room.capacity
        <= max(attendees * NEAR_MISS_MAX_SEAT_FACTOR, 10)
    ]
    near.sort(key=_near_miss_order)
    if near_miss_limit:
        _ask_policy_once(candidates, user)
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


def _ask_policy_once(candidates: list[Candidate], user) -> None:
    """Name one secret conflicting meeting, if any: the policy's look-ups for the viewer are then
    made (and cached on the user), so the query count does not depend on which near misses
    happen to be shown."""
    if user is None:
        return
    secret = next(
        (
            meeting
            for candidate in candidates
            for meeting in candidate.conflicts
            if meeting.confidentiality == Confidentiality.SECRET
        ),
        None,
    )
    if secret is not None:
        visibility.conflict_label(user, secret)


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
    """Active meetings that may overlap any room's window, by room id: one bounded query.

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
    )
    by_room = defaultdict(list)
    for meeting in meetings:
        by_room[meeting.room_id].append(meeting)
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
