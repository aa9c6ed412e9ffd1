"""Every change to a meeting. Views, the API, admin actions, commands and tasks call these.

Each service owns its transaction, takes the acting user as `by`, writes one audit row per
state change, sends its signal from bookings/signals.py inside the transaction, and raises
BookingError (bad input, nothing saved) or BookingConflict (taken slot, stale edit).
"""

from datetime import datetime, timedelta

from django.db import IntegrityError, OperationalError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import orders, signals, sizing, visibility
from bookings.errors import BookingConflict, BookingError
from bookings.models import (
    MAX_MEETING,
    MAX_SETUP_MINUTES,
    Confidentiality,
    HostingUnit,
    Layout,
    Leader,
    LeaderRank,
    Meeting,
    MeetingStatus,
    Room,
    ServiceLevel,
)
from core import audit, timeutils
from core.models import AuditEntry
from core.notifications import notify
from core.roles import Role, users_with_role

# The name of the PostgreSQL exclusion constraint (migration 0002).
OVERLAP_CONSTRAINT = "meeting_room_no_overlap"
# PostgreSQL's SQLSTATE for "deadlock detected", and how often a save aborted by one is retried.
DEADLOCK = "40P01"
DEADLOCK_RETRIES = 3
# The first key of the advisory lock that serialises saves per room (the second is the room id);
# an arbitrary constant that no other lock in the project uses.
ROOM_LOCK_SPACE = 7301

# The inputs of sizing: changing one re-sizes the meeting.
SIZING_INPUTS = {"hosting_unit", "attendees", "leader", "leader_rank"}
_LEVEL_ORDER = {ServiceLevel.C: 0, ServiceLevel.B: 1, ServiceLevel.A: 2}

# Fields a plain edit may change; time and room go through reschedule_meeting.
EDITABLE_FIELDS = (
    "title",
    "hosting_unit",
    "contact_name",
    "contact_phone",
    "attendees",
    "leader",
    "leader_rank",
    "confidentiality",
    "layout",
    "notes",
)


def book_meeting(
    *,
    by,
    room: Room,
    title: str,
    hosting_unit: HostingUnit,
    start: datetime,
    end: datetime,
    attendees: int,
    contact_name: str = "",
    contact_phone: str = "",
    leader: Leader | None = None,
    leader_rank: str = LeaderRank.NONE,
    confidentiality: str = Confidentiality.NORMAL,
    layout: str = "",
    setup_minutes: int | None = None,
    teardown_minutes: int | None = None,
    notes: str = "",
    series=None,
    now: datetime | None = None,
) -> Meeting:
    """Book a room for a meeting in state `requested`, sized, with its level's service package.

    Contact and phone default from the hosting unit, setup and teardown from the room, the rank
    from the chosen leader. Raises BookingError for bad input and BookingConflict when the
    room is occupied (setup and teardown counted); nothing is saved in either case.
    """
    now = now or timezone.now()
    meeting = Meeting(
        room=room,
        title=(title or "").strip(),
        hosting_unit=hosting_unit,
        contact_name=contact_name or hosting_unit.contact_name,
        contact_phone=contact_phone or hosting_unit.contact_phone,
        start=start,
        end=end,
        attendees=attendees,
        leader=leader,
        leader_rank=leader.rank if leader else (leader_rank or LeaderRank.NONE),
        confidentiality=confidentiality,
        layout=layout,
        setup_minutes=room.setup_minutes if setup_minutes is None else setup_minutes,
        teardown_minutes=room.teardown_minutes if teardown_minutes is None else teardown_minutes,
        notes=notes,
        status=MeetingStatus.REQUESTED,
        booked_by=by if getattr(by, "pk", None) else None,
        booked_at=now,
        series=series,
    )
    _validate(meeting, now=now, timing_changed=True)
    with transaction.atomic():
        sizing.size_meeting(meeting)
        _save_in_free_room(meeting, by=by)
        audit.record(meeting, "booked", by=by, to_state=meeting.status, now=now)
        orders.propose_package(meeting, by=by, now=now)
        _tell_the_bureau(meeting, by=by, now=now, what="booked")
        signals.meeting_booked.send(sender=Meeting, meeting=meeting, by=by, now=now)
    return meeting


def confirm_meeting(meeting: Meeting, *, by, now: datetime | None = None) -> Meeting:
    """Confirm a requested meeting (advance confirmation, 提前确认)."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock(meeting)
        if meeting.status != MeetingStatus.REQUESTED:
            raise BookingError(
                _("Only a requested meeting can be confirmed; this one is %(status)s.")
                % {"status": meeting.get_status_display()},
                code="invalid_state",
            )
        meeting.status = MeetingStatus.CONFIRMED
        meeting.version += 1
        meeting.save(update_fields=["status", "version"])
        audit.record(
            meeting,
            "confirmed",
            by=by,
            from_state=MeetingStatus.REQUESTED,
            to_state=meeting.status,
            now=now,
        )
        signals.meeting_confirmed.send(sender=Meeting, meeting=meeting, by=by, now=now)
    return meeting


def edit_meeting(
    meeting: Meeting,
    *,
    by,
    expected_version: int | None = None,
    now: datetime | None = None,
    **changes,
) -> Meeting:
    """Change a meeting's details (not its time or room: see reschedule_meeting).

    With `expected_version`, a meeting changed by someone else since it was read is refused
    with what they changed, instead of being silently overwritten.
    """
    now = now or timezone.now()
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise BookingError(
            _("These fields cannot be edited here: %(fields)s. Use reschedule for time and room.")
            % {"fields": ", ".join(sorted(unknown))},
            code="not_editable",
            fields={name: _("Use reschedule to change this.") for name in unknown},
        )
    with transaction.atomic():
        meeting = _lock(meeting)
        _check_version(meeting, expected_version)
        _refuse_if_cancelled(meeting)
        if "leader" in changes and changes["leader"] is not None:
            changes["leader_rank"] = changes["leader"].rank
        if "title" in changes:
            changes["title"] = (changes["title"] or "").strip()
        diff = {
            field: (getattr(meeting, field), value)
            for field, value in changes.items()
            if getattr(meeting, field) != value
        }
        if not diff:
            return meeting
        for field, (_old, new) in diff.items():
            setattr(meeting, field, new)
        _validate(meeting, now=now, timing_changed=False)
        old_level, old_reason = meeting.level, meeting.level_reason
        if set(diff) & SIZING_INPUTS and sizing.size_meeting(meeting):
            # Changing an input re-sizes the meeting; the audit row says so.
            diff["level"] = (old_level, meeting.level)
            diff["level_reason"] = (old_reason, meeting.level_reason)
        meeting.version += 1
        meeting.save(update_fields=[*diff, "version"])
        audit.record(meeting, "edited", by=by, changes=diff, now=now)
        if _more_service(old_level, meeting.level):
            # A higher level adds the services its package has and the meeting lacks; the
            # clerk's own edits and the departments' progress stay as they are.
            orders.propose_package(meeting, by=by, now=now, only_missing=True)
        _tell_the_bureau(meeting, by=by, now=now, what="changed", was_rank=diff.get("leader_rank"))
        signals.meeting_changed.send(
            sender=Meeting,
            meeting=meeting,
            by=by,
            now=now,
            old_start=meeting.start,
            old_end=meeting.end,
            old_room_id=meeting.room_id,
            changes=diff,
        )
    return meeting


def reschedule_meeting(
    meeting: Meeting,
    *,
    by,
    start: datetime,
    end: datetime,
    room: Room | None = None,
    setup_minutes: int | None = None,
    teardown_minutes: int | None = None,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Move a meeting to a new time and optionally another room; succeeds whenever it is free."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock(meeting)
        _check_version(meeting, expected_version)
        _refuse_if_cancelled(meeting)
        old = {
            "start": meeting.start,
            "end": meeting.end,
            "room": meeting.room,
            "setup_minutes": meeting.setup_minutes,
            "teardown_minutes": meeting.teardown_minutes,
        }
        meeting.start, meeting.end = start, end
        if room is not None and room.pk != meeting.room_id:
            meeting.room = room
            # A new room brings its own defaults unless the clerk set them.
            meeting.setup_minutes = room.setup_minutes
            meeting.teardown_minutes = room.teardown_minutes
        if setup_minutes is not None:
            meeting.setup_minutes = setup_minutes
        if teardown_minutes is not None:
            meeting.teardown_minutes = teardown_minutes
        diff = {
            field: (before, getattr(meeting, field))
            for field, before in old.items()
            if getattr(meeting, field) != before
        }
        if not diff:
            return meeting
        _validate(meeting, now=now, timing_changed=True)
        meeting.version += 1
        _save_in_free_room(meeting, by=by)
        audit.record(meeting, "rescheduled", by=by, changes=diff, now=now)
        orders.move_with_meeting(meeting, by=by, now=now)
        _tell_the_bureau(meeting, by=by, now=now, what="changed")
        signals.meeting_changed.send(
            sender=Meeting,
            meeting=meeting,
            by=by,
            now=now,
            old_start=old["start"],
            old_end=old["end"],
            old_room_id=old["room"].pk,
            changes=diff,
        )
    return meeting


def cancel_meeting(meeting: Meeting, *, by, reason: str, now: datetime | None = None) -> Meeting:
    """Cancel a meeting; its room is free at once. A reason is required."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise BookingError(
            _("Please give a reason for cancelling."),
            code="reason_required",
            fields={"reason": _("This field is required.")},
        )
    with transaction.atomic():
        meeting = _lock(meeting)
        _refuse_if_cancelled(meeting)
        before = meeting.status
        meeting.status = MeetingStatus.CANCELLED
        meeting.cancel_reason = reason[:200]
        meeting.version += 1
        meeting.save(update_fields=["status", "cancel_reason", "version"])
        audit.record(
            meeting,
            "cancelled",
            by=by,
            from_state=before,
            to_state=meeting.status,
            note=reason,
            now=now,
        )
        orders.cancel_with_meeting(meeting, by=by, now=now)
        _tell_the_bureau(meeting, by=by, now=now, what="cancelled")
        signals.meeting_cancelled.send(
            sender=Meeting, meeting=meeting, by=by, now=now, reason=reason
        )
    return meeting


# --- helpers --------------------------------------------------------------------------------


def _more_service(old_level: str, new_level: str) -> bool:
    return _LEVEL_ORDER[ServiceLevel(new_level)] > _LEVEL_ORDER[ServiceLevel(old_level)]


def _tell_the_bureau(meeting: Meeting, *, by, now: datetime, what: str, was_rank=None) -> None:
    """A meeting convened by a district leader (区级) is reported to the bureau's viewers at
    once (及时通报) when booked, changed or cancelled, including a change away from 区级."""
    ranks = {meeting.leader_rank, *(was_rank or ())}
    if LeaderRank.DISTRICT not in ranks:
        return
    labels = {
        "booked": _("District-level meeting booked"),
        "changed": _("District-level meeting changed"),
        "cancelled": _("District-level meeting cancelled"),
    }
    for viewer in users_with_role(Role.BUREAU):
        notify(
            [viewer],
            kind="district_meeting",
            title=f"{labels[what]}：{visibility.title_for(viewer, meeting)}",
            body=f"{meeting.room} {timeutils.format_span(meeting.start, meeting.end)}",
            url=reverse("meeting-detail", args=[meeting.pk]),
            now=now,
        )


def _lock(meeting: Meeting) -> Meeting:
    """The current row, locked for this transaction (PostgreSQL; SQLite holds the db lock).

    Only the meeting's row (`of`): locking the joined room too would block every booking that
    inserts into that room (its foreign-key check takes a share lock on the room row), and a
    booking waiting on this meeting's new window would then deadlock with it.
    """
    return (
        Meeting.objects.select_for_update(of=("self",))
        .select_related("room", "room__building")
        .get(pk=meeting.pk)
    )


def _refuse_if_cancelled(meeting: Meeting) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise BookingError(
            _("This meeting has been cancelled and can no longer be changed."),
            code="invalid_state",
        )


def _check_version(meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is None or expected_version == meeting.version:
        return
    last = AuditEntry.objects.for_object(meeting).first()
    changed = ", ".join(_field_label(name) for name in (last.changes if last else {}))
    who = last.actor_name if last else "?"
    when = timeutils.format_time(last.at) if last else "?"
    raise BookingConflict(
        _(
            "%(who)s changed this meeting at %(when)s while you were editing it "
            "(%(what)s). Your changes were not saved: reload the meeting and apply them again."
        )
        % {"who": who, "when": when, "what": changed or _("its state")},
        code="stale",
    )


def _field_label(name: str) -> str:
    try:
        return str(Meeting._meta.get_field(name).verbose_name)
    except Exception:  # a name that is not a field (kept in old audit rows)
        return name


def _validate(meeting: Meeting, *, now: datetime, timing_changed: bool) -> None:
    """Refuse bad input with a message per field; runs before anything is written."""
    errors: dict[str, str] = {}
    room = meeting.room
    if not meeting.title:
        errors["title"] = _("Please enter the meeting's title.")
    if meeting.attendees is None or meeting.attendees < 1:
        errors["attendees"] = _("At least one attendee is expected.")
    if meeting.end <= meeting.start:
        errors["end"] = _("The end must be after the start.")
    elif meeting.end - meeting.start > MAX_MEETING:
        errors["end"] = _(
            "A meeting lasts at most 12 hours; book a longer event as a series of days."
        )
    if timing_changed and meeting.start < now:
        errors["start"] = _("The start %(start)s is in the past.") % {
            "start": timeutils.format_span(meeting.start, meeting.end)
        }
    for field in ("setup_minutes", "teardown_minutes"):
        value = getattr(meeting, field)
        if value is None or value < 0 or value > MAX_SETUP_MINUTES:
            errors[field] = _("Setup and teardown take 0 to %(max)s minutes.") % {
                "max": MAX_SETUP_MINUTES
            }
    if meeting.layout and meeting.layout not in Layout.values:
        errors["layout"] = _("Unknown layout.")
    if meeting.confidentiality not in Confidentiality.values:
        errors["confidentiality"] = _("Unknown confidentiality.")
    if meeting.leader_rank not in LeaderRank.values:
        errors["leader_rank"] = _("Unknown rank.")
    if not room.in_service:
        errors["room"] = _("%(room)s is out of service.") % {"room": room}
    elif room.kind != Room.Kind.MEETING:
        errors["room"] = _("%(room)s is not a meeting room.") % {"room": room}
    elif meeting.attendees and meeting.attendees > room.capacity:
        errors["attendees"] = _over_capacity_message(meeting)
    if errors:
        raise BookingError(" ".join(errors.values()), code="invalid", fields=errors)
    meeting.occupied_from = meeting.start - timedelta(minutes=meeting.setup_minutes)
    meeting.occupied_until = meeting.end + timedelta(minutes=meeting.teardown_minutes)


def _over_capacity_message(meeting: Meeting) -> str:
    room = meeting.room
    fitting = [
        str(other)
        for other in Room.objects.filter(
            kind=Room.Kind.MEETING, in_service=True, capacity__gte=meeting.attendees
        )
        .select_related("building")
        .order_by("capacity")[:3]
    ]
    message = _("%(room)s seats %(capacity)s, not %(attendees)s.") % {
        "room": room,
        "capacity": room.capacity,
        "attendees": meeting.attendees,
    }
    if fitting:
        message += " " + _("Rooms that seat them: %(rooms)s.") % {"rooms": "、".join(fitting)}
    return message


def _save_in_free_room(meeting: Meeting, *, by) -> None:
    """Save if the room is free for the occupied window, else raise BookingConflict.

    The Python check is the guard on SQLite (the IMMEDIATE transaction serialises writers);
    on PostgreSQL the exclusion constraint also catches the race between check and insert.
    """
    _one_writer_per_room(meeting.room_id)
    _refuse_if_occupied(meeting, by=by)
    for attempt in range(DEADLOCK_RETRIES + 1):
        try:
            with transaction.atomic():  # a savepoint, so the caller's transaction survives
                meeting.save()
            return
        except IntegrityError as exc:
            if OVERLAP_CONSTRAINT not in str(exc):
                raise
            _refuse_if_occupied(meeting, by=by)
            raise BookingConflict(
                _("The room was just taken by another booking."), code="conflict"
            ) from exc
        except OperationalError as exc:
            # Two overlapping windows saved at the same moment each wait for the other's
            # exclusion check; PostgreSQL aborts one as a deadlock. Its savepoint is rolled
            # back, so saving again waits for the other booking: the room is taken (conflict
            # above) if that commits, free if it rolls back.
            if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK or attempt == DEADLOCK_RETRIES:
                raise


def _one_writer_per_room(room_id: int) -> None:
    """On PostgreSQL, wait until no other transaction is saving a window in this room (held to
    commit). Then the check above sees every earlier booking and names it, and two overlapping
    saves never wait for each other's exclusion check, which PostgreSQL breaks as a deadlock
    (32 processes, bench/concurrency_bench.py). SQLite's IMMEDIATE transaction already
    serialises every writer."""
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [ROOM_LOCK_SPACE, room_id])


def _refuse_if_occupied(meeting: Meeting, *, by) -> None:
    other = (
        Meeting.objects.occupying(meeting.room_id, meeting.occupied_from, meeting.occupied_until)
        .exclude(pk=meeting.pk)
        .order_by("occupied_from")
        .first()
    )
    if other is None:
        return
    raise BookingConflict(
        _("%(room)s is taken by %(other)s, occupying it %(window)s (setup and teardown included).")
        % {
            "room": meeting.room,
            "other": visibility.conflict_label(by, other),
            "window": timeutils.format_span(other.occupied_from, other.occupied_until),
        },
        code="conflict",
        fields={"start": _("The room is taken at this time.")},
    )
