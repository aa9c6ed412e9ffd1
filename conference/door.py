"""The door display (issue 8 point 6): a read-only lobby screen per building behind an
unguessable link, and the supervisor's services that issue and revoke those links.

One live link per building: `issue_link` revokes the building's previous live link in the same
transaction (a partial unique constraint guards it), so a leaked address is closed by issuing a
new one, and the management page never has to choose between two.

The screen reads meetings through `bookings.visibility.public_title` only, the policy's door
column: a normal meeting's title, "会议" for internal and secret ones, with time and room. The
board query loads no other meeting column, so no detail can reach the template by accident.
"""

import datetime as dt
import secrets
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from bookings.models import Building, Meeting, Room
from bookings.models.catalogue import MAX_MEETING
from bookings.visibility import public_title
from conference.models import DoorLink
from core.audit import record
from core.timeutils import day_bounds, format_time
from core.workdays import working_days_between

# What the screen shows per room: the meeting in progress and this many more today; on the next
# working day (shown when today has nothing left), its first few.
UPCOMING_PER_ROOM = 3
NEXT_DAY_PER_ROOM = 2
# How far ahead "the next working day" is looked for (the Spring Festival week is the longest).
NEXT_DAY_HORIZON = dt.timedelta(days=14)


def new_token() -> str:
    return secrets.token_urlsafe(24)


# --- links ------------------------------------------------------------------------------------


@transaction.atomic
def issue_link(building: Building, *, by, now: dt.datetime | None = None) -> DoorLink:
    """Issue a fresh link for `building`, revoking its live one first (audited both ways)."""
    now = now or timezone.now()
    for old in DoorLink.objects.select_for_update().live().filter(building=building):
        _revoke(old, by=by, now=now, note="replaced")
    link = DoorLink.objects.create(
        building=building, token=new_token(), created_at=now, created_by=by
    )
    record(link, "door_link_issued", by=by, to_state="live", now=now)
    return link


@transaction.atomic
def revoke_link(link: DoorLink, *, by, now: dt.datetime | None = None) -> DoorLink:
    """Revoke `link`; revoking one already revoked changes nothing and writes no row."""
    now = now or timezone.now()
    link = DoorLink.objects.select_for_update().get(pk=link.pk)
    if link.revoked_at is None:
        _revoke(link, by=by, now=now)
    return link


def _revoke(link: DoorLink, *, by, now: dt.datetime, note: str = "") -> None:
    link.revoked_at = now
    link.revoked_by = by
    link.save(update_fields=["revoked_at", "revoked_by"])
    record(
        link, "door_link_revoked", by=by, from_state="live", to_state="revoked", note=note, now=now
    )


def live_link(token: str) -> DoorLink | None:
    """The live link with this token and its building, or None (unknown and revoked alike)."""
    if not token:
        return None
    return DoorLink.objects.live().select_related("building").filter(token=token).first()


# --- the board --------------------------------------------------------------------------------


@dataclass(frozen=True)
class DoorEntry:
    """One meeting as the door may show it: nothing but the public title, time and room."""

    title: str
    start: dt.datetime
    end: dt.datetime
    in_progress: bool

    @property
    def times(self) -> str:
        return f"{format_time(self.start)}–{format_time(self.end)}"


@dataclass
class RoomRow:
    room: Room
    current: DoorEntry | None = None
    upcoming: list[DoorEntry] = field(default_factory=list)

    @property
    def is_free(self) -> bool:
        return self.current is None and not self.upcoming


@dataclass
class DoorBoard:
    building: Building
    now: dt.datetime
    today: dt.date
    rooms: list[RoomRow]
    # Shown only when nothing is left today in the whole building.
    next_day: dt.date | None = None
    next_rooms: list[RoomRow] = field(default_factory=list)

    @property
    def anything_left_today(self) -> bool:
        return any(not row.is_free for row in self.rooms)


def _entry(meeting: Meeting, now: dt.datetime) -> DoorEntry:
    return DoorEntry(
        title=public_title(meeting),
        start=meeting.start,
        end=meeting.end,
        in_progress=meeting.start <= now < meeting.end,
    )


def door_board(building: Building, *, now: dt.datetime | None = None) -> DoorBoard:
    """Today's board of `building`'s meeting rooms in service, in three queries whatever the
    number of rooms and meetings: the rooms, the working days ahead, the meetings."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    _today_start, today_end = day_bounds(today)
    rooms = list(
        Room.objects.filter(building=building, in_service=True, kind=Room.Kind.MEETING).order_by(
            "floor", "number"
        )
    )
    working = working_days_between(today + dt.timedelta(days=1), today + NEXT_DAY_HORIZON)
    next_day = working[0] if working else None
    until = day_bounds(next_day)[1] if next_day else today_end
    meetings = (
        Meeting.objects.active()
        .filter(
            room__in=[room.pk for room in rooms],
            end__gt=now,
            start__lt=until,
            # Bounded below by the longest meeting, so the query stays on the start index.
            start__gt=now - MAX_MEETING,
        )
        # Only what the door column may show; no unit, leader, attendees or notes are loaded.
        .only("id", "room_id", "title", "confidentiality", "start", "end", "status")
        .order_by("start", "room_id")
    )
    rows = {room.pk: RoomRow(room) for room in rooms}
    next_rows = {room.pk: RoomRow(room) for room in rooms}
    for meeting in meetings:
        entry = _entry(meeting, now)
        if meeting.start < today_end:
            row = rows[meeting.room_id]
            if entry.in_progress and row.current is None:
                row.current = entry
            elif not entry.in_progress and len(row.upcoming) < UPCOMING_PER_ROOM:
                row.upcoming.append(entry)
        elif next_day and timezone.localdate(meeting.start) == next_day:
            row = next_rows[meeting.room_id]
            if len(row.upcoming) < NEXT_DAY_PER_ROOM:
                row.upcoming.append(entry)
    board = DoorBoard(building=building, now=now, today=today, rooms=list(rows.values()))
    if not board.anything_left_today and next_day:
        board.next_day = next_day
        board.next_rooms = [row for row in next_rows.values() if not row.is_free]
    return board
