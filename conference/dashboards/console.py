"""The information-centre console (信息处理中心, issue 8 point 4): what the clerks must settle
before the 16:30 notice, read in a constant number of queries whatever the number of meetings.

`console_board(now, viewer)` returns plain data for the templates, in four sections:

- requests awaiting confirmation (status requested) for meetings in the next REQUESTS_HORIZON,
  tomorrow's first, then the oldest booking first; tomorrow's are called out while the 16:30
  notice for tomorrow has not gone out; later ones are counted, with a link to the meeting list;
- tomorrow's meetings that lack details (contact phone, attendees, layout, service orders),
  staff (open needs) or confirmation, with the time left until the 16:30 notice in words;
- open service orders due within two hours or overdue, of meetings not yet over, by department;
- the changes since this morning's 07:00 notice: the notice builder's own `collect()` run again
  for today under the notice's view, its row fingerprints compared with the 07:00 snapshot
  (new, changed, removed), or a note that there is no 07:00 notice.

Titles go through the visibility policy (`title_for`) for the viewer, never straight from the row.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.db.models import Count, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bookings.access import can_manage_bookings
from bookings.models import (
    Building,
    HostingUnit,
    Leader,
    Meeting,
    MeetingStatus,
    Room,
    ServiceOrder,
)
from bookings.models.orders import OPEN_STATUSES, Department, OrderStatus
from bookings.queries import meetings_of_day
from bookings.visibility import can_see_details, title_for
from conference.board_etag import Fingerprint, columns
from core.timeutils import at, day_bounds
from reports.builders import BuildRequest, daily_notice
from reports.models import Document, Kind, Status
from reports.viewers import viewer_for
from staffing.models import Duty, DutyRole, Staff, StaffingRule
from staffing.needs import filled_for_many, needs_for_many

ORDERS_HORIZON = dt.timedelta(hours=2)
# Requests for meetings further ahead are counted, not listed: bookings are made months ahead and
# confirmed nearer the day, so a list of all of them grows into thousands of rows (55,000 on
# the two-year benchmark data) while the clerk acts on the coming fortnight.
REQUESTS_HORIZON = dt.timedelta(days=14)


def _clock(setting: str, default: str) -> dt.time:
    # The same settings the document schedule reads (reports.services.due_slots).
    hour, minute = getattr(settings, setting, default).split(":")
    return dt.time(int(hour), int(minute))


def notice_times() -> tuple[dt.time, dt.time]:
    """(the same-day notice's time, the next-day notice's time): 07:00 and 16:30 by default."""
    return (
        _clock("DOCUMENT_NOTICE_SAME_DAY_AT", "07:00"),
        _clock("DOCUMENT_NOTICE_NEXT_DAY_AT", "16:30"),
    )


def countdown_text(now: dt.datetime, moment: dt.datetime) -> str:
    """ "2 hours 10 minutes until the 16:30 notice" in words, or that it has gone out."""
    at_text = f"{timezone.localtime(moment):%H:%M}"
    if now >= moment:
        return _(
            "The %(at)s notice for tomorrow has gone out; changes now reach the teams in "
            "tomorrow morning's notice."
        ) % {"at": at_text}
    minutes = int((moment - now).total_seconds() // 60)
    hours, minutes = divmod(minutes, 60)
    if hours:
        return _("%(hours)s h %(minutes)s min until the %(at)s notice") % {
            "hours": hours,
            "minutes": minutes,
            "at": at_text,
        }
    return ngettext(
        "%(minutes)s minute until the %(at)s notice",
        "%(minutes)s minutes until the %(at)s notice",
        minutes,
    ) % {"minutes": minutes, "at": at_text}


# --- (a) requests awaiting confirmation ---------------------------------------------------------


@dataclass
class RequestRow:
    meeting: Meeting
    title: str
    tomorrow: bool
    urgent: bool  # tomorrow's, and the 16:30 notice has not gone out yet
    may_confirm: bool


def requested_soon(now: dt.datetime):
    """Requested meetings not yet over that start within REQUESTS_HORIZON of `now`."""
    return Meeting.objects.filter(
        status=MeetingStatus.REQUESTED, end__gt=now, start__lt=now + REQUESTS_HORIZON
    )


def requested_later(now: dt.datetime):
    """One row, (how many requested meetings start after the horizon,): counted, not listed."""
    return (
        Meeting.objects.filter(status=MeetingStatus.REQUESTED, start__gte=now + REQUESTS_HORIZON)
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
        .values_list("count")
    )


def _requests(now, viewer, tomorrow: dt.date, before_notice: bool) -> list[RequestRow]:
    """One query: requested meetings not yet over, starting within the horizon. Tomorrow's come
    first (they must be settled for the 16:30 notice), then the oldest booking first."""
    meetings = (
        requested_soon(now)
        .select_related("room", "room__building", "hosting_unit")
        .order_by("booked_at", "pk")
    )
    may_book = can_manage_bookings(viewer)
    rows = []
    for meeting in meetings:
        is_tomorrow = timezone.localdate(meeting.start) == tomorrow
        rows.append(
            RequestRow(
                meeting=meeting,
                title=title_for(viewer, meeting),
                tomorrow=is_tomorrow,
                urgent=is_tomorrow and before_notice,
                may_confirm=may_book and can_see_details(viewer, meeting),
            )
        )
    rows.sort(key=lambda row: not row.tomorrow)  # stable: booking order kept within each group
    return rows


# --- (b) tomorrow's meetings lacking something ----------------------------------------------------


@dataclass
class TomorrowRow:
    meeting: Meeting
    title: str
    missing: list[str] = field(default_factory=list)
    short: list[str] = field(default_factory=list)  # "Attendant: 2 short"
    unconfirmed: bool = False

    @property
    def problems(self) -> int:
        return len(self.missing) + len(self.short) + int(self.unconfirmed)


def _missing(meeting: Meeting) -> list[str]:
    missing = []
    if not meeting.contact_phone.strip():
        missing.append(_("no contact phone"))
    if not meeting.attendees:
        missing.append(_("no number of attendees"))
    if not meeting.layout:
        missing.append(_("no room layout"))
    if not meeting.console_orders:
        missing.append(_("no service orders"))
    return missing


def _tomorrow(viewer, tomorrow: dt.date) -> list[TomorrowRow]:
    """Six queries: the meetings with their live orders, then needs (three) and duties (one)."""
    live = ServiceOrder.objects.exclude(status=OrderStatus.CANCELLED)
    meetings = list(
        meetings_of_day(tomorrow).prefetch_related(
            Prefetch("orders", queryset=live, to_attr="console_orders")
        )
    )
    needs = needs_for_many(meetings) if meetings else {}
    filled = filled_for_many([m.pk for m in meetings]) if meetings else {}
    labels = dict(DutyRole.choices)
    rows = []
    for meeting in meetings:
        have = filled.get(meeting.pk, {})
        short = [
            _("%(role)s: %(count)s short") % {"role": labels.get(role, role), "count": count - n}
            for role, count in needs.get(meeting.pk, {}).items()
            if count > (n := have.get(role, 0))
        ]
        row = TomorrowRow(
            meeting=meeting,
            title=title_for(viewer, meeting),
            missing=_missing(meeting),
            short=short,
            unconfirmed=meeting.status == MeetingStatus.REQUESTED,
        )
        if row.problems:
            rows.append(row)
    return rows


# --- (c) orders due soon -------------------------------------------------------------------------


@dataclass
class OrderRow:
    order: ServiceOrder
    title: str
    minutes: int  # until due; negative when overdue

    @property
    def overdue(self) -> bool:
        return self.minutes < 0

    @property
    def late_by(self) -> int:
        return -self.minutes


def _orders(now, viewer) -> list[tuple[str, list[OrderRow]]]:
    """One query: open orders due before now + 2 h of active meetings not yet over."""
    orders = (
        ServiceOrder.objects.filter(
            status__in=OPEN_STATUSES, due_at__lt=now + ORDERS_HORIZON, meeting__end__gt=now
        )
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting", "meeting__room", "meeting__room__building")
        .order_by("due_at", "pk")
    )
    grouped: dict[str, list[OrderRow]] = defaultdict(list)
    for order in orders:
        minutes = int((order.due_at - now).total_seconds() // 60)
        grouped[order.department].append(OrderRow(order, title_for(viewer, order.meeting), minutes))
    labels = dict(Department.choices)
    return [(str(labels[code]), grouped[code]) for code in Department.values if code in grouped]


# --- (d) changes since this morning's notice ----------------------------------------------------


@dataclass
class ChangeRow:
    kind: str  # new / changed / removed
    meeting_id: int
    meeting: Meeting | None
    title: str
    reason: str = ""  # why a removed row is gone: cancelled, moved, deleted

    @property
    def label(self) -> str:
        return str(CHANGE_LABELS[self.kind])


CHANGE_LABELS = {
    "new": gettext_lazy("New since the notice"),
    "changed": gettext_lazy("Changed since the notice"),
    "removed": gettext_lazy("No longer on today's list"),
}
_CHANGE_ORDER = {"new": 0, "changed": 1, "removed": 2}


def _morning_notices(today: dt.date):
    same_day, _next_day = notice_times()
    slot = f"daily_notice:{today}:{same_day:%H:%M}"
    return Document.objects.filter(kind=Kind.DAILY_NOTICE, slot=slot)


def _morning_notice(today: dt.date) -> Document | None:
    return _morning_notices(today).first()


def _changes(now, viewer, today: dt.date, document: Document) -> list[ChangeRow]:
    """Today's notice rows collected again under the 07:00 notice's own view (a secret row's
    print differs between views), compared with that notice's snapshot. collect() reads in a
    fixed number of queries; one more names the meetings for this viewer."""
    previous = {str(k): v for k, v in (document.snapshot or {}).get("rows", {}).items()}
    data = daily_notice.collect(
        BuildRequest(
            kind=Kind.DAILY_NOTICE,
            period_start=today,
            period_end=today,
            viewer=viewer_for(document.view),
            now=now,
        )
    )
    current = data["snapshot"]["rows"]
    kinds: dict[int, str] = {}
    for key, fingerprint in current.items():
        if key not in previous:
            kinds[int(key)] = "new"
        elif previous[key] != fingerprint:
            kinds[int(key)] = "changed"
    for key in set(previous) - set(current):
        kinds[int(key)] = "removed"
    if not kinds:
        return []
    meetings = Meeting.objects.select_related("room").in_bulk(list(kinds))
    rows = []
    for pk, kind in kinds.items():
        meeting = meetings.get(pk)
        title = title_for(viewer, meeting) if meeting else _("A deleted meeting")
        row = ChangeRow(kind, pk, meeting, title)
        if kind == "removed":
            row.reason = removed_reason(row, today)
        rows.append(row)
    rows.sort(
        key=lambda row: (
            _CHANGE_ORDER[row.kind],
            row.meeting.start if row.meeting else now,
            row.meeting_id,
        )
    )
    return rows


def removed_reason(row: ChangeRow, today: dt.date) -> str:
    meeting = row.meeting
    if meeting is None:
        return _("deleted")
    if meeting.status == MeetingStatus.CANCELLED:
        return _("cancelled")
    if timezone.localdate(meeting.start) != today:
        return _("moved to another day")
    return ""


# --- the board -----------------------------------------------------------------------------------


def console_board(now: dt.datetime, viewer) -> dict:
    """The clerks' console at `now`, in a constant number of queries."""
    today = timezone.localdate(now)
    tomorrow = today + dt.timedelta(days=1)
    same_day, next_day = notice_times()
    notice_at = at(today, next_day.hour, next_day.minute)
    before_notice = now < notice_at

    morning = _morning_notice(today)
    changes: list[ChangeRow] = []
    if morning is not None and morning.status == Status.DONE:
        changes = _changes(now, viewer, today, morning)

    requests = _requests(now, viewer, tomorrow, before_notice)
    later = list(requested_later(now))
    lacking = _tomorrow(viewer, tomorrow)
    orders = _orders(now, viewer)
    return {
        "now": now,
        "today": today,
        "tomorrow": tomorrow,
        "notice_at": notice_at,
        "before_notice": before_notice,
        "countdown": countdown_text(now, notice_at),
        "requests": requests,
        "urgent_requests": sum(1 for row in requests if row.urgent),
        "requests_later": later[0][0] if later else 0,
        "requests_horizon_days": REQUESTS_HORIZON.days,
        "requests_later_from": timezone.localdate(now + REQUESTS_HORIZON),
        "lacking": lacking,
        "orders_by_department": orders,
        "order_count": sum(len(rows) for _label, rows in orders),
        "overdue_count": sum(1 for _label, rows in orders for row in rows if row.overdue),
        "morning_notice": morning,
        "morning_at": f"{same_day:%H:%M}",
        "compared": morning is not None and morning.status == Status.DONE,
        "changes": changes,
    }


def board_fingerprint(fingerprint: Fingerprint, now: dt.datetime) -> None:
    """Feed `fingerprint` every row `console_board(now, ...)` reads, every column, as tuples (no
    objects) in a constant number of light queries, most of them hashed by the database in one
    statement (`Fingerprint.defer_rows`): this morning's notice (its status and
    snapshot), every meeting of today and tomorrow whatever its status (the notice's rows, the
    meetings lacking something, a removal by cancelling) with all their orders and duties, the
    requested meetings not yet over, the open orders due within two hours with their meetings,
    the meetings the morning snapshot names (moved away or deleted), and the small tables the
    board and the notice's rows name from. The viewer and the minute are the caller's."""
    today = timezone.localdate(now)
    start, _end = day_bounds(today)
    _start, end = day_bounds(today + dt.timedelta(days=1))
    notices = fingerprint.add_rows(
        "notice", _morning_notices(today).values_list(*columns(Document))
    )
    snapshot_at = columns(Document).index("snapshot")
    named = {
        int(key)
        for row in notices[:1]
        for key in ((row[snapshot_at] or {}).get("rows") or {})
        if str(key).isdigit()
    }
    # One query per condition, each on its index (one OR of them scanned whole tables).
    days = fingerprint.add_rows(
        "meetings of today and tomorrow",
        Meeting.objects.filter(start__gte=start, start__lt=end).values_list(*columns(Meeting)),
    )
    ids = [row[0] for row in days]
    fingerprint.defer_rows("requested", requested_soon(now).values_list(*columns(Meeting)))
    fingerprint.defer_rows("requested later", requested_later(now))
    for model in (ServiceOrder, Duty):
        fingerprint.defer_rows(
            f"{model._meta.label} of today and tomorrow",
            model.objects.filter(meeting_id__in=ids).values_list(*columns(model)),
        )
    orders = fingerprint.add_rows(
        "orders due soon",
        ServiceOrder.objects.filter(
            status__in=OPEN_STATUSES, due_at__lt=now + ORDERS_HORIZON, meeting__end__gt=now
        ).values_list(*columns(ServiceOrder)),
    )
    meeting_at = columns(ServiceOrder).index("meeting_id")
    named = (named | {row[meeting_at] for row in orders}) - set(ids)
    fingerprint.defer_rows(
        "meetings named", Meeting.objects.filter(pk__in=named).values_list(*columns(Meeting))
    )
    for model in (Staff, Room, Building, HostingUnit, Leader, StaffingRule):
        fingerprint.defer_rows(model._meta.label, model.objects.values_list(*columns(model)))
