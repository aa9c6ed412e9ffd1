"""The lobby manager's building dashboard (issue 8 point 2): one building's day, read in a
constant number of queries whatever the number of meetings.

`building_board(building, now, viewer)` returns plain data for the templates: today's meetings
by room with their state from the clock, their three checks in words, staffing filled against
needs with acknowledgements and arrivals, undelivered service orders by department, open
incidents and room faults, the "next two hours" strip and the building's office rounds.
Titles go through the visibility policy (`title_for`), never straight from the row.
"""

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Building, Meeting, Room, ServiceOrder
from bookings.models.orders import OPEN_STATUSES, Department, OrderKind, OrderStatus
from bookings.queries import meetings_of_day
from bookings.visibility import title_for
from conference.board_etag import Fingerprint, columns
from core.timeutils import day_bounds
from inspections.models import Check, CheckStatus, Incident
from inspections.states import State, state_of
from offices.models import OfficeRound
from offices.states import STATES as ROUND_STATES
from offices.states import round_state
from staffing.models import Duty, DutyRole, DutyStatus, Staff, StaffingRule
from staffing.needs import filled_for_many, needs_for_many
from staffing.views.rounds import rounds_of_day

HORIZON = dt.timedelta(hours=2)

# A meeting's state from the clock (design.md: "in progress" and "finished" are never stored).
MEETING_STATES = {
    "upcoming": gettext_lazy("Upcoming"),
    "setting_up": gettext_lazy("Setting up"),
    "in_progress": gettext_lazy("In progress"),
    "finished": gettext_lazy("Finished"),
}

# Rounds needing attention come first on the board.
_ROUND_ORDER = {"missed": 0, "due": 1, "upcoming": 2, "done_late": 3, "done": 4, "cancelled": 5}


def meeting_state(meeting: Meeting, now: dt.datetime) -> str:
    """upcoming before start - setup, setting up until the start, in progress until the end."""
    if now < meeting.start - dt.timedelta(minutes=meeting.setup_minutes):
        return "upcoming"
    if now < meeting.start:
        return "setting_up"
    if now < meeting.end:
        return "in_progress"
    return "finished"


@dataclass
class CheckRow:
    check: Check
    state: State

    @property
    def code(self) -> str:
        return self.state.code


@dataclass
class StaffingRow:
    role: str
    label: str
    needed: int
    filled: int

    @property
    def short(self) -> int:
        return max(self.needed - self.filled, 0)


@dataclass
class MeetingRow:
    meeting: Meeting
    title: str
    state: str
    checks: list[CheckRow]
    staffing: list[StaffingRow]
    duties: list[Duty]
    open_orders: list[ServiceOrder]
    incidents: list[Incident]

    @property
    def state_label(self) -> str:
        return str(MEETING_STATES[self.state])

    @property
    def needed(self) -> int:
        return sum(row.needed for row in self.staffing)

    @property
    def filled(self) -> int:
        return sum(row.filled for row in self.staffing)

    @property
    def short(self) -> int:
        return sum(row.short for row in self.staffing)

    @property
    def acknowledged(self) -> int:
        return sum(1 for d in self.duties if d.status == DutyStatus.ACKNOWLEDGED)

    @property
    def unacknowledged(self) -> int:
        return sum(1 for d in self.duties if d.status == DutyStatus.ASSIGNED)

    @property
    def arrived(self) -> int:
        return sum(1 for d in self.duties if d.arrived_at is not None)

    @property
    def orders_by_department(self) -> list[tuple[str, list[ServiceOrder]]]:
        return _by_department(self.open_orders)


@dataclass
class RoomRow:
    room: object
    meetings: list[MeetingRow] = field(default_factory=list)


@dataclass
class Attention:
    """One line of the "next two hours" strip."""

    at: dt.datetime
    kind: str  # check / meeting / incident
    severity: str  # danger / warning / info
    text: str
    meeting_id: int | None = None


@dataclass
class RoundRow:
    office_round: OfficeRound
    state: str
    duties: list[Duty]

    @property
    def state_label(self) -> str:
        return str(ROUND_STATES[self.state])


def _by_department(orders) -> list[tuple[str, list[ServiceOrder]]]:
    grouped: dict[str, list[ServiceOrder]] = defaultdict(list)
    for order in orders:
        grouped[order.department].append(order)
    labels = dict(Department.choices)
    return [
        (str(labels.get(code, code)), grouped[code])
        for code in Department.values
        if code in grouped
    ]


def _meetings(building: Building, day: dt.date) -> list[Meeting]:
    """Four queries: the meetings, their checks, their active duties, their open orders."""
    duties = Duty.objects.active().select_related("staff").order_by("role", "start", "pk")
    orders = ServiceOrder.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")
    return list(
        meetings_of_day(day)
        .filter(room__building=building)
        .prefetch_related(
            Prefetch("checks", queryset=Check.objects.order_by("level"), to_attr="board_checks"),
            Prefetch("duties", queryset=duties, to_attr="board_duties"),
            Prefetch("orders", queryset=orders, to_attr="board_orders"),
        )
    )


def _label_orders(meetings: list[Meeting]) -> None:
    """Each open order's kind and status labels, translated once per board: the board lists
    every order twice, and get_FOO_display rebuilds its choices and translates on each call
    (with 60 meetings, some 600 calls, a sixth of the board's time)."""
    kinds = {code: str(label) for code, label in OrderKind.choices}
    statuses = {code: str(label) for code, label in OrderStatus.choices}
    for meeting in meetings:
        for order in meeting.board_orders:
            order.kind_label = kinds.get(order.kind, order.kind)
            order.status_label = statuses.get(order.status, order.status)


def _incidents(building: Building, meeting_ids: list[int]) -> list[Incident]:
    """Open incidents of the building's rooms or of today's meetings: one query."""
    return list(
        Incident.objects.filter(resolved_at__isnull=True)
        .filter(Q(room__building=building) | Q(meeting_id__in=meeting_ids))
        .select_related("room")
        .order_by("-reported_at", "-pk")
    )


def _staffing(needs: dict[str, int], filled: Counter) -> list[StaffingRow]:
    labels = dict(DutyRole.choices)
    roles = [r for r in DutyRole.values if needs.get(r) or filled.get(r)]
    return [StaffingRow(r, str(labels[r]), needs.get(r, 0), filled.get(r, 0)) for r in roles]


def _attention(rows: list[MeetingRow], incidents: list[Incident], now: dt.datetime):
    horizon = now + HORIZON
    items: list[Attention] = []
    for row in rows:
        if row.state == "finished":
            continue
        for check_row in row.checks:
            if check_row.code not in ("pending", "due", "late"):
                continue
            if check_row.check.due_at > horizon:
                continue
            severity = {"late": "danger", "due": "warning"}.get(check_row.code, "info")
            items.append(
                Attention(
                    check_row.check.due_at,
                    "check",
                    severity,
                    _("Level %(level)s check of %(title)s: %(state)s")
                    % {
                        "level": check_row.check.level,
                        "title": row.title,
                        "state": check_row.state.label,
                    },
                    row.meeting.pk,
                )
            )
        if now <= row.meeting.start <= horizon or row.state == "setting_up":
            problems = []
            if row.short:
                problems.append(_("%(count)s people short") % {"count": row.short})
            if row.unacknowledged:
                problems.append(_("%(count)s not acknowledged") % {"count": row.unacknowledged})
            if row.open_orders:
                problems.append(
                    _("%(count)s orders not delivered") % {"count": len(row.open_orders)}
                )
            if problems:
                items.append(
                    Attention(
                        row.meeting.start,
                        "meeting",
                        "warning",
                        _("%(title)s starts: %(problems)s")
                        % {"title": row.title, "problems": "；".join(problems)},
                        row.meeting.pk,
                    )
                )
    for incident in incidents:
        where = incident.room.number if incident.room else ""
        items.append(
            Attention(
                incident.reported_at,
                "incident",
                "danger",
                _("Open incident %(where)s: %(category)s")
                % {"where": where, "category": incident.get_category_display()},
                incident.meeting_id,
            )
        )
    order = {"danger": 0, "warning": 1, "info": 2}
    items.sort(key=lambda item: (order[item.severity], item.at))
    return items


def building_board(building: Building, now: dt.datetime, viewer) -> dict:
    """The building's day as the lobby sees it at `now`, in a constant number of queries."""
    day = timezone.localdate(now)
    meetings = _meetings(building, day)
    _label_orders(meetings)
    ids = [m.pk for m in meetings]
    needs = needs_for_many(meetings) if meetings else {}
    filled = filled_for_many(ids) if meetings else {}
    incidents = _incidents(building, ids)
    by_meeting: dict[int, list[Incident]] = defaultdict(list)
    for incident in incidents:
        if incident.meeting_id:
            by_meeting[incident.meeting_id].append(incident)

    rooms: dict[int, RoomRow] = {}
    rows: list[MeetingRow] = []
    for meeting in meetings:
        row = MeetingRow(
            meeting=meeting,
            title=title_for(viewer, meeting),
            state=meeting_state(meeting, now),
            checks=[
                CheckRow(c, state_of(c, now))
                for c in meeting.board_checks
                if c.status != CheckStatus.CANCELLED
            ],
            staffing=_staffing(needs.get(meeting.pk, {}), filled.get(meeting.pk, Counter())),
            duties=meeting.board_duties,
            open_orders=meeting.board_orders,
            incidents=by_meeting.get(meeting.pk, []),
        )
        rows.append(row)
        rooms.setdefault(meeting.room_id, RoomRow(meeting.room)).meetings.append(row)

    rounds = [
        RoundRow(r, round_state(r, now), r.active_duties) for r in rounds_of_day(day, building)
    ]
    rounds.sort(key=lambda r: (_ROUND_ORDER.get(r.state, 9), r.office_round.start))
    room_faults = [i for i in incidents if i.meeting_id is None]
    all_orders = [o for row in rows if row.state != "finished" for o in row.open_orders]
    return {
        "building": building,
        "now": now,
        "day": day,
        "meetings": rows,
        "rooms": sorted(rooms.values(), key=lambda r: (r.room.floor, r.room.number)),
        "state_counts": [
            (code, label, sum(1 for row in rows if row.state == code))
            for code, label in MEETING_STATES.items()
        ],
        "attention": _attention(rows, incidents, now),
        "incidents": incidents,
        "room_faults": room_faults,
        "orders_by_department": _by_department(all_orders),
        "rounds": rounds,
    }


def board_fingerprint(fingerprint: Fingerprint, building: Building, now: dt.datetime) -> None:
    """Feed `fingerprint` every row `building_board(building, now, ...)` reads, every column,
    as tuples (no objects) in three statements: today's meetings of the building and its office
    rounds (for their ids), then, hashed
    by the database (`Fingerprint.defer_rows`), all their checks, duties and orders (whatever
    their state, so a state change shows), the open incidents, the day's office rounds with
    their duties, and the small tables whose names or rules the board shows (rooms, staff,
    staffing rules). The viewer and the minute are the caller's (`Fingerprint.add_viewer`)."""
    day = timezone.localdate(now)
    meetings = meetings_of_day(day).filter(room__building=building)
    ids = [
        row[0] for row in fingerprint.add_rows("meetings", meetings.values_list(*columns(Meeting)))
    ]
    for model in (Check, Duty, ServiceOrder):
        fingerprint.defer_rows(
            model._meta.label, model.objects.filter(meeting_id__in=ids).values_list(*columns(model))
        )
    incidents = Incident.objects.filter(resolved_at__isnull=True).filter(
        Q(room__building=building) | Q(meeting_id__in=ids)
    )
    fingerprint.defer_rows("incidents", incidents.values_list(*columns(Incident)))
    start, end = day_bounds(day)
    rounds = OfficeRound.objects.filter(building=building, start__gte=start, start__lt=end)
    round_ids = [
        row[0] for row in fingerprint.add_rows("rounds", rounds.values_list(*columns(OfficeRound)))
    ]
    # By ids: joined to the rounds or as a subquery, PostgreSQL scanned every duty.
    fingerprint.defer_rows(
        "round duties",
        Duty.objects.filter(office_round_id__in=round_ids).values_list(*columns(Duty)),
    )
    fingerprint.add("building", *(getattr(building, name) for name in columns(Building)))
    fingerprint.defer_rows(
        "rooms", Room.objects.filter(building=building).values_list(*columns(Room))
    )
    fingerprint.defer_rows("staff", Staff.objects.values_list(*columns(Staff)))
    fingerprint.defer_rows("rules", StaffingRule.objects.values_list(*columns(StaffingRule)))
