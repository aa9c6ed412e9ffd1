"""Booking series: the dates of a repeat rule, booking them, and changing "this and all later".

Each occurrence is a Meeting of its own with a link to its MeetingSeries, booked, moved and
cancelled through bookings.services, so it gets the same validation, audit row, signal, sizing
and service package as a single meeting. This module adds only the rule and the bulk actions;
like the services, each action owns its transaction, takes the acting user as `by`, an optional
`now`, and raises BookingError (bad input) or SeriesConflict (taken dates), saving nothing.
"""

import bisect
import datetime as dt
import itertools
import operator
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import reduce
from typing import NamedTuple

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import services
from bookings.errors import BookingConflict, BookingError
from bookings.models import (
    MAX_MEETING,
    MAX_OCCUPANCY,
    MAX_SETUP_MINUTES,
    Confidentiality,
    Frequency,
    HostingUnit,
    Leader,
    LeaderRank,
    Meeting,
    MeetingSeries,
    Room,
)
from core import audit, timeutils
from core.workdays import working_days_between

# Enough for a working-day series over a whole year; longer ones are booked in parts.
MAX_OCCURRENCES = 366
# How far a series may reach: "until" at most this far after the first date, and the window in
# which a series "for N occurrences" must find its N dates.
MAX_SPAN = dt.timedelta(days=5 * 366)
MAX_INTERVAL = 52


@dataclass(frozen=True)
class Occurrence:
    """One date of a planned series: its times, the room's occupied window, what is in the way."""

    date: dt.date
    start: dt.datetime
    end: dt.datetime
    occupied_from: dt.datetime
    occupied_until: dt.datetime
    # The active meeting occupying the room in this window (the earliest), or None when free.
    conflict: Meeting | None = None

    @property
    def is_free(self) -> bool:
        return self.conflict is None


class SeriesBooking(NamedTuple):
    series: MeetingSeries
    booked: list[Meeting]
    skipped: list[Occurrence]


class SeriesConflict(BookingConflict):
    """Some dates of a series are taken. `occurrences` and `dates` list every one of them;
    `fields["dates"]` carries them as ISO dates for the API."""

    def __init__(self, message: str, *, occurrences: Iterable[Occurrence]):
        self.occurrences = sorted(occurrences, key=operator.attrgetter("date"))
        self.dates = [occurrence.date for occurrence in self.occurrences]
        super().__init__(
            message, code="conflict", fields={"dates": [day.isoformat() for day in self.dates]}
        )


# --- the rule -------------------------------------------------------------------------------


def series_dates(
    *,
    frequency: str,
    first_date: dt.date,
    weekdays: Iterable[int] = (),
    interval: int = 1,
    until: dt.date | None = None,
    count: int | None = None,
    working_days_only: bool = False,
) -> list[dt.date]:
    """The dates a repeat rule gives, from first_date on.

    Daily: every `interval` days. Weekly: the chosen ISO weekdays (1 = Monday; none chosen means
    the first date's weekday) of every `interval`-th week. Monthly: the first date's day of the
    month every `interval` months, skipping months without that day. Until a date or for `count`
    dates (exactly one). `working_days_only` keeps only working days by the holiday calendar
    table: holidays and weekends go, adjusted working days (调休) stay, and dates left out do
    not count towards `count`. One query, for the calendar, only when working_days_only.
    """
    errors = _rule_errors(
        frequency=frequency,
        interval=interval,
        weekdays=weekdays,
        first_date=first_date,
        until=until,
        count=count,
    )
    if errors:
        raise BookingError(" ".join(errors.values()), code="invalid", fields=errors)
    last = until or first_date + MAX_SPAN
    dates: Iterator[dt.date] = _candidates(
        frequency, first_date, _weekdays(frequency, weekdays, first_date), interval, last
    )
    if working_days_only:
        working = set(working_days_between(first_date, last))
        dates = (day for day in dates if day in working)
    wanted = count if count is not None else MAX_OCCURRENCES + 1
    result = list(itertools.islice(dates, wanted))
    if not result:
        raise BookingError(
            _("The repeat rule gives no dates; check the first date, the weekdays and the end."),
            code="invalid",
            fields={"first_date": _("No date matches the rule.")},
        )
    if count is None and len(result) > MAX_OCCURRENCES:
        message = _(
            "This rule gives more than %(max)s occurrences; choose an earlier end date or book "
            "the series in parts."
        ) % {"max": MAX_OCCURRENCES}
        raise BookingError(message, code="invalid", fields={"until": message})
    if count is not None and len(result) < count:
        message = _(
            "Only %(found)s dates match the rule in the five years from the first date, "
            "not %(count)s."
        ) % {"found": len(result), "count": count}
        raise BookingError(message, code="invalid", fields={"count": message})
    return result


def _rule_errors(*, frequency, interval, weekdays, first_date, until, count) -> dict[str, str]:
    errors: dict[str, str] = {}
    if frequency not in Frequency.values:
        errors["frequency"] = _("Choose how often the meeting repeats.")
    if not isinstance(interval, int) or not 1 <= interval <= MAX_INTERVAL:
        errors["interval"] = _("Repeat every 1 to %(max)s days, weeks or months.") % {
            "max": MAX_INTERVAL
        }
    if frequency == Frequency.WEEKLY and any(
        not isinstance(day, int) or not 1 <= day <= 7 for day in weekdays
    ):
        errors["weekdays"] = _("Unknown weekday.")
    if (until is None) == (count is None):
        message = _("Give either an end date or a number of occurrences, not both.")
        errors["until"] = errors["count"] = message
    elif count is not None and not 1 <= count <= MAX_OCCURRENCES:
        errors["count"] = _("A series has 1 to %(max)s occurrences.") % {"max": MAX_OCCURRENCES}
    elif until is not None and until < first_date:
        errors["until"] = _("The end date is before the first date.")
    elif until is not None and until - first_date > MAX_SPAN:
        errors["until"] = _("A series runs at most five years from its first date.")
    return errors


def _weekdays(frequency: str, weekdays: Iterable[int], first_date: dt.date) -> list[int]:
    if frequency != Frequency.WEEKLY:
        return []
    return sorted(set(weekdays)) or [first_date.isoweekday()]


def _candidates(
    frequency: str, first: dt.date, weekdays: list[int], interval: int, last: dt.date
) -> Iterator[dt.date]:
    """The rule's dates from first to last, before the working-day filter."""
    if frequency == Frequency.DAILY:
        day = first
        while day <= last:
            yield day
            day += dt.timedelta(days=interval)
    elif frequency == Frequency.WEEKLY:
        monday = first - dt.timedelta(days=first.weekday())
        while monday <= last:
            for weekday in weekdays:
                day = monday + dt.timedelta(days=weekday - 1)
                if first <= day <= last:
                    yield day
            monday += dt.timedelta(weeks=interval)
    else:
        months = first.year * 12 + first.month - 1
        while True:
            year, month = divmod(months, 12)
            if dt.date(year, month + 1, 1) > last:
                return
            try:
                day = dt.date(year, month + 1, first.day)
            except ValueError:  # no 31 February: that month has no meeting
                pass
            else:
                if day <= last:
                    yield day
            months += interval


# --- planning -------------------------------------------------------------------------------


def plan_series(
    *,
    room: Room,
    start_time: dt.time,
    end_time: dt.time,
    first_date: dt.date,
    frequency: str,
    weekdays: Iterable[int] = (),
    interval: int = 1,
    until: dt.date | None = None,
    count: int | None = None,
    working_days_only: bool = False,
    setup_minutes: int | None = None,
    teardown_minutes: int | None = None,
    now: dt.datetime | None = None,
) -> list[Occurrence]:
    """Every date of the series with its times and whatever occupies the room then.

    Writes nothing; two queries (the holiday calendar when working_days_only, and the room's
    meetings over the whole range, matched with the same predicate as Meeting.objects.occupying).
    Raises BookingError for a bad rule or times, or a first occurrence in the past.
    """
    now = now or timezone.now()
    setup = room.setup_minutes if setup_minutes is None else setup_minutes
    teardown = room.teardown_minutes if teardown_minutes is None else teardown_minutes
    errors = _time_errors(start_time, end_time)
    for field, value in (("setup_minutes", setup), ("teardown_minutes", teardown)):
        if value < 0 or value > MAX_SETUP_MINUTES:
            errors[field] = _("Setup and teardown take 0 to %(max)s minutes.") % {
                "max": MAX_SETUP_MINUTES
            }
    if errors:
        raise BookingError(" ".join(errors.values()), code="invalid", fields=errors)
    dates = series_dates(
        frequency=frequency,
        first_date=first_date,
        weekdays=weekdays,
        interval=interval,
        until=until,
        count=count,
        working_days_only=working_days_only,
    )
    plan = [_occurrence(day, start_time, end_time, setup=setup, teardown=teardown) for day in dates]
    if plan[0].start < now:
        message = _("The first occurrence, %(start)s, is in the past.") % {
            "start": timeutils.format_span(plan[0].start, plan[0].end)
        }
        raise BookingError(message, code="invalid", fields={"first_date": message})
    windows = [(room.pk, o.occupied_from, o.occupied_until) for o in plan]
    return [
        replace(occurrence, conflict=other)
        for occurrence, other in zip(plan, first_overlaps(windows), strict=True)
    ]


def _time_errors(start_time: dt.time | None, end_time: dt.time | None) -> dict[str, str]:
    if start_time is None or end_time is None:
        return {"start_time": _("Please give the start and end times.")}
    if end_time <= start_time:
        return {"end_time": _("The end must be after the start.")}
    day = dt.date(2000, 1, 3)
    if dt.datetime.combine(day, end_time) - dt.datetime.combine(day, start_time) > MAX_MEETING:
        return {"end_time": _("A meeting lasts at most 12 hours.")}
    return {}


def _occurrence(
    day: dt.date, start_time: dt.time, end_time: dt.time, *, setup: int, teardown: int
) -> Occurrence:
    start = timeutils.at(day, start_time.hour, start_time.minute)
    end = timeutils.at(day, end_time.hour, end_time.minute)
    return Occurrence(
        date=day,
        start=start,
        end=end,
        occupied_from=start - dt.timedelta(minutes=setup),
        occupied_until=end + dt.timedelta(minutes=teardown),
    )


def first_overlaps(
    windows: Sequence[tuple[int, dt.datetime, dt.datetime]], *, exclude: Iterable[int] = ()
) -> list[Meeting | None]:
    """For each (room id, occupied from, occupied until), the earliest active meeting in the way.

    One query: Meeting.objects.occupying over each room's whole range (OR-ed across rooms), then
    each window is matched in Python with the same predicate, bounded by MAX_OCCUPANCY as the
    query is, so the answer is the one `occupying` would give window by window.
    """
    if not windows:
        return []
    spans: dict[int, tuple[dt.datetime, dt.datetime]] = {}
    for room_id, lo, hi in windows:
        first, last = spans.get(room_id, (lo, hi))
        spans[room_id] = (min(first, lo), max(last, hi))
    query = reduce(
        operator.or_,
        (Meeting.objects.occupying(room_id, lo, hi) for room_id, (lo, hi) in spans.items()),
    )
    by_room: dict[int, list[Meeting]] = defaultdict(list)
    for other in query.exclude(pk__in=list(exclude)).order_by("occupied_from", "pk"):
        by_room[other.room_id].append(other)
    starts = {room_id: [m.occupied_from for m in others] for room_id, others in by_room.items()}
    found: list[Meeting | None] = []
    for room_id, lo, hi in windows:
        others = by_room.get(room_id, [])
        begin = bisect.bisect_right(starts.get(room_id, []), lo - MAX_OCCUPANCY)
        end = bisect.bisect_left(starts.get(room_id, []), hi)
        found.append(next((m for m in others[begin:end] if m.occupied_until > lo), None))
    return found


# --- booking --------------------------------------------------------------------------------


def book_series(
    *,
    by,
    room: Room,
    title: str,
    hosting_unit: HostingUnit,
    attendees: int,
    start_time: dt.time,
    end_time: dt.time,
    first_date: dt.date,
    frequency: str,
    weekdays: Iterable[int] = (),
    interval: int = 1,
    until: dt.date | None = None,
    count: int | None = None,
    working_days_only: bool = False,
    skip_conflicts: bool = False,
    contact_name: str = "",
    contact_phone: str = "",
    leader: Leader | None = None,
    leader_rank: str = LeaderRank.NONE,
    confidentiality: str = Confidentiality.NORMAL,
    layout: str = "",
    setup_minutes: int | None = None,
    teardown_minutes: int | None = None,
    notes: str = "",
    now: dt.datetime | None = None,
) -> SeriesBooking:
    """Book every date of the rule as a meeting linked to a new series, in one transaction.

    When dates are taken: with skip_conflicts, only the free ones are booked and the taken ones
    are returned as `skipped`; without it, SeriesConflict lists every taken date and nothing is
    saved. Each occurrence is booked through services.book_meeting (its validation, audit row,
    signal, sizing and service package) in a savepoint, so a date taken between planning and
    booking is treated the same way. A BookingError (bad input) saves nothing. The series gets a
    "series_booked" audit row.
    """
    now = now or timezone.now()
    weekdays = list(weekdays)
    with transaction.atomic():
        plan = plan_series(
            room=room,
            start_time=start_time,
            end_time=end_time,
            first_date=first_date,
            frequency=frequency,
            weekdays=weekdays,
            interval=interval,
            until=until,
            count=count,
            working_days_only=working_days_only,
            setup_minutes=setup_minutes,
            teardown_minutes=teardown_minutes,
            now=now,
        )
        taken = [occurrence for occurrence in plan if not occurrence.is_free]
        if taken and not skip_conflicts:
            raise _series_conflict(room, taken)
        series = MeetingSeries.objects.create(
            title=(title or "").strip(),
            frequency=frequency,
            weekdays=_weekdays(frequency, weekdays, first_date),
            interval=interval,
            first_date=first_date,
            until=until,
            count=count,
            working_days_only=working_days_only,
            created_by=by if getattr(by, "pk", None) else None,
            created_at=now,
        )
        booked: list[Meeting] = []
        raced: list[Occurrence] = []
        for occurrence in plan:
            if not occurrence.is_free:
                continue
            try:
                with transaction.atomic():  # a savepoint per occurrence
                    meeting = services.book_meeting(
                        by=by,
                        room=room,
                        title=title,
                        hosting_unit=hosting_unit,
                        start=occurrence.start,
                        end=occurrence.end,
                        attendees=attendees,
                        contact_name=contact_name,
                        contact_phone=contact_phone,
                        leader=leader,
                        leader_rank=leader_rank,
                        confidentiality=confidentiality,
                        layout=layout,
                        setup_minutes=setup_minutes,
                        teardown_minutes=teardown_minutes,
                        notes=notes,
                        series=series,
                        now=now,
                    )
            except BookingConflict:
                raced.append(occurrence)
            else:
                booked.append(meeting)
        if raced:
            # Taken since the plan was made: name what is in the way now.
            raced = _with_conflicts(room.pk, raced)
            if not skip_conflicts:
                raise _series_conflict(room, raced)
        skipped = sorted(taken + raced, key=operator.attrgetter("date"))
        if not booked:
            raise _series_conflict(room, skipped)
        audit.record(
            series,
            "series_booked",
            by=by,
            changes={"occurrences": (None, len(booked)), "skipped": (None, len(skipped))},
            note=", ".join(occurrence.date.isoformat() for occurrence in skipped),
            now=now,
        )
    return SeriesBooking(series, booked, skipped)


def _with_conflicts(room_id: int, occurrences: list[Occurrence]) -> list[Occurrence]:
    windows = [(room_id, o.occupied_from, o.occupied_until) for o in occurrences]
    return [
        replace(occurrence, conflict=other)
        for occurrence, other in zip(occurrences, first_overlaps(windows), strict=True)
    ]


def _series_conflict(room: Room, taken: list[Occurrence]) -> SeriesConflict:
    return SeriesConflict(
        _(
            "%(room)s is taken on these dates of the series: %(dates)s. Nothing was booked: "
            "book only the free dates, or choose another time or room."
        )
        % {"room": room, "dates": _dates(taken)},
        occurrences=taken,
    )


def _dates(occurrences: Iterable[Occurrence]) -> str:
    return "、".join(timeutils.format_date(occurrence.date) for occurrence in occurrences)


# --- this and all later ---------------------------------------------------------------------


def this_and_later(meeting: Meeting) -> list[Meeting]:
    """The active occurrences of the meeting's series from this one on, in order."""
    if meeting.series_id is None:
        return []
    return list(
        Meeting.objects.active()
        .filter(series_id=meeting.series_id)
        .filter(Q(start__gt=meeting.start) | Q(pk=meeting.pk))
        .select_related("room", "room__building")
        .order_by("start", "pk")
    )


def cancel_series_from(
    meeting: Meeting, *, by, reason: str, now: dt.datetime | None = None
) -> list[Meeting]:
    """Cancel this occurrence and every later active one of its series, all or nothing.

    Each goes through services.cancel_meeting (its audit row and signal); the series gets one
    "cancelled_from" row. Raises BookingError without a reason, for a meeting outside a series,
    or when nothing from this one on is active.
    """
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise BookingError(
            _("Please give a reason for cancelling."),
            code="reason_required",
            fields={"reason": _("This field is required.")},
        )
    with transaction.atomic():
        current = _current_occurrence(meeting)
        targets = this_and_later(current)
        if not targets:
            raise BookingError(
                _("No active meeting of this series is left from this date on."),
                code="invalid_state",
            )
        cancelled = [
            services.cancel_meeting(target, by=by, reason=reason, now=now) for target in targets
        ]
        audit.record(
            current.series,
            "cancelled_from",
            by=by,
            changes={"from": (None, targets[0].start), "occurrences": (None, len(cancelled))},
            note=reason,
            now=now,
        )
    return cancelled


def reschedule_series_from(
    meeting: Meeting,
    *,
    by,
    start_time: dt.time,
    end_time: dt.time,
    room: Room | None = None,
    now: dt.datetime | None = None,
) -> list[Meeting]:
    """Move this occurrence and every later active one to new times of day on the same dates,
    and to `room` when given (each keeps its own room otherwise), all or nothing.

    Each goes through services.reschedule_meeting (validation, audit row, signal); the series
    gets one "rescheduled_from" row. When any of them would clash with another meeting,
    SeriesConflict lists every such date and nothing changes.
    """
    now = now or timezone.now()
    errors = _time_errors(start_time, end_time)
    if errors:
        raise BookingError(" ".join(errors.values()), code="invalid", fields=errors)
    with transaction.atomic():
        current = _current_occurrence(meeting)
        targets = this_and_later(current)
        if not targets:
            raise BookingError(
                _("No active meeting of this series is left from this date on."),
                code="invalid_state",
            )
        moves = []
        for target in targets:
            new_room = room if room is not None else target.room
            same_room = new_room.pk == target.room_id
            occurrence = _occurrence(
                timeutils.local_date(target.start),
                start_time,
                end_time,
                setup=target.setup_minutes if same_room else new_room.setup_minutes,
                teardown=target.teardown_minutes if same_room else new_room.teardown_minutes,
            )
            moves.append((target, new_room, occurrence))
        # The occurrences being moved free their old windows, so they are not in the way.
        clashes = first_overlaps(
            [(r.pk, o.occupied_from, o.occupied_until) for _m, r, o in moves],
            exclude=[target.pk for target in targets],
        )
        taken = [
            replace(o, conflict=other)
            for (_m, _r, o), other in zip(moves, clashes, strict=True)
            if other is not None
        ]
        if taken:
            raise _reschedule_conflict(taken)
        moved, raced = [], []
        for target, new_room, occurrence in moves:
            try:
                moved.append(
                    services.reschedule_meeting(
                        target,
                        by=by,
                        start=occurrence.start,
                        end=occurrence.end,
                        room=new_room,
                        now=now,
                    )
                )
            except BookingConflict:
                raced.append(occurrence)
        if raced:
            raise _reschedule_conflict(raced)
        audit.record(
            current.series,
            "rescheduled_from",
            by=by,
            changes={
                "from": (None, targets[0].start),
                "time": (
                    f"{timeutils.format_time(targets[0].start)}–"
                    f"{timeutils.format_time(targets[0].end)}",
                    f"{start_time:%H:%M}–{end_time:%H:%M}",
                ),
                "room": (targets[0].room, room or targets[0].room),
                "occurrences": (None, len(moved)),
            },
            now=now,
        )
    return moved


def _current_occurrence(meeting: Meeting) -> Meeting:
    """The meeting as stored now (its start may have moved since the caller read it)."""
    current = Meeting.objects.select_related("series").get(pk=meeting.pk)
    if current.series is None:
        raise BookingError(_("This meeting is not part of a series."), code="not_in_series")
    return current


def _reschedule_conflict(taken: list[Occurrence]) -> SeriesConflict:
    return SeriesConflict(
        _("The new times clash with other meetings on these dates: %(dates)s. Nothing was changed.")
        % {"dates": _dates(taken)},
        occurrences=taken,
    )
