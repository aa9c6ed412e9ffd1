"""The service hotline's board (服务热线, issue 8 point 3): what needs the hub now, all buildings.

`hotline_board(now, viewer)` reads everything in a fixed number of queries, whatever the number
of rows: the open checks (due soon, late, escalated) in one, incidents and requests in one each,
unacknowledged duties in one, the meetings starting within the hour with what their preparation
lacks in a handful, and the people to call (leads and lobby managers) in two. Titles go through
`bookings.visibility.title_for`; incident descriptions of meetings the viewer may not see are
left out.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from bookings import visibility
from bookings.models import Building, Meeting, MeetingStatus, OrderKind, Room, ServiceOrder
from bookings.models.orders import OPEN_STATUSES
from conference.board_etag import Fingerprint, columns
from inspections.models import Check, CheckLevel, CheckStatus, Incident, ServiceRequest
from inspections.states import STATES, state_of
from staffing.models import Duty, DutyRole, DutyStatus, Position, Staff, StaffingRule
from staffing.needs import filled_for_many, needs_for_many

DUE_SOON = timedelta(minutes=30)
# Unacknowledged duties are chased for meetings starting within this window: long enough to
# find someone else, short enough that the list is today's business.
DUTY_WINDOW = timedelta(hours=4)
STARTING_SOON = timedelta(hours=1)
OPEN_CHECK = (CheckStatus.PENDING, CheckStatus.NOTIFIED)


@dataclass
class Contact:
    name: str
    phone: str
    why: str


@dataclass
class Item:
    """One row of the board: what it is, where, its state in words and what to do."""

    kind: str
    obj: object
    title: str
    where: str
    state: str
    todo: str = ""
    minutes: int = 0
    meeting: Meeting | None = None
    contacts: list[Contact] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    hidden: bool = False


def _minutes(delta: timedelta) -> int:
    return int(delta.total_seconds() // 60)


def _where(room) -> str:
    if room is None:
        return ""
    return f"{room.building.name} {room.number}"


class _Contacts:
    """The people to call about a meeting or a building: two queries for the whole board."""

    def __init__(self, meeting_ids: set[int]):
        self.leads: dict[int, list[Staff]] = defaultdict(list)
        duties = (
            Duty.objects.active()
            .filter(meeting_id__in=meeting_ids, role=DutyRole.LEAD)
            .select_related("staff")
            .order_by("pk")
        )
        for duty in duties:
            self.leads[duty.meeting_id].append(duty.staff)
        self.managers: dict[int, list[Staff]] = defaultdict(list)
        managers = Staff.objects.filter(
            position__in=(Position.LOBBY_MANAGER, Position.SUPERVISOR),
            active=True,
            home_building__isnull=False,
        ).order_by("name", "pk")
        for person in managers:
            self.managers[person.home_building_id].append(person)

    def for_item(self, *, responsible=None, meeting=None, building_id=None) -> list[Contact]:
        people: list[Contact] = []
        seen: set[int] = set()

        def add(person, why):
            if person is not None and person.pk not in seen:
                seen.add(person.pk)
                people.append(Contact(person.name, person.phone, why))

        add(responsible, _("Responsible"))
        if meeting is not None:
            for lead in self.leads.get(meeting.pk, ()):
                add(lead, _("Lead"))
        for manager in self.managers.get(building_id, ()):
            add(manager, _("Lobby manager"))
        return people


def _open_check_ids(now: datetime) -> list[int]:
    late_limit = now - timedelta(minutes=settings.CHECK_ESCALATE_MINUTES)
    soon_or_late = Q(due_at__gte=now, due_at__lte=now + DUE_SOON) | Q(due_at__lte=late_limit)
    # Open checks due soon or late, or escalated. Each arm matches one partial index of Check,
    # so this reads a few index entries however many checks are stored (one OR over both
    # statuses scanned them all). Re-arming a check clears escalated_at, so an escalated open
    # check is a notified one. The ids come first, without the join: the planner cannot
    # know that pending checks lie in the future and, joined, chose to scan every meeting.
    ids = list(
        Check.objects.filter(
            Q(status=CheckStatus.PENDING) & soon_or_late
            | Q(status=CheckStatus.NOTIFIED, escalated_at__isnull=True) & soon_or_late
            | Q(status=CheckStatus.NOTIFIED, escalated_at__isnull=False)
        ).values_list("pk", flat=True)
    )
    return ids


def hotline_board(now: datetime, viewer) -> dict:
    """The board's sections as lists of Items, plus `counts` and the time it was read."""
    late_limit = now - timedelta(minutes=settings.CHECK_ESCALATE_MINUTES)

    ids = _open_check_ids(now)
    checks = list(
        Check.objects.filter(pk__in=ids, meeting__status__in=_live_statuses())
        .select_related("meeting__room__building", "responsible")
        .order_by("due_at", "level", "pk")
    )
    incidents = list(
        Incident.objects.filter(resolved_at__isnull=True)
        .select_related("meeting", "room__building")
        .order_by("reported_at", "pk")
    )
    requests = list(
        ServiceRequest.objects.filter(done_at__isnull=True)
        .select_related("room__building", "taken_by")
        .order_by("logged_at", "pk")
    )
    duties = list(
        Duty.objects.filter(
            status=DutyStatus.ASSIGNED,
            meeting__start__gte=now,
            meeting__start__lte=now + DUTY_WINDOW,
            meeting__status__in=_live_statuses(),
        )
        .select_related("staff", "meeting__room__building")
        .order_by("meeting__start", "pk")
    )
    soon = list(
        Meeting.objects.active()
        .filter(start__gte=now, start__lte=now + STARTING_SOON)
        .select_related("room__building")
        .order_by("start", "pk")
    )

    meeting_ids = {c.meeting_id for c in checks} | {d.meeting_id for d in duties}
    meeting_ids |= {i.meeting_id for i in incidents if i.meeting_id} | {m.pk for m in soon}
    contacts = _Contacts(meeting_ids)

    def title(meeting) -> str:
        return visibility.title_for(viewer, meeting) if meeting is not None else ""

    due_soon, late = [], []
    for check in checks:
        meeting = check.meeting
        state = state_of(check, now)
        person = check.responsible
        item = Item(
            kind="check",
            obj=check,
            meeting=meeting,
            title=title(meeting),
            where=_where(meeting.room),
            state=str(state.label),
            minutes=_minutes(check.due_at - now),
            hidden=not visibility.can_see_details(viewer, meeting),
            contacts=contacts.for_item(
                responsible=person, meeting=meeting, building_id=meeting.room.building_id
            ),
        )
        if check.escalated_at is not None or check.due_at <= late_limit:
            item.minutes = _minutes(now - check.due_at)
            # A check past its grace is late whether or not the sweeper has escalated it yet.
            item.state = str(_("Escalated")) if check.escalated_at else str(STATES["late"].label)
            item.todo = _("Call the responsible person; if unreachable, the lobby manager.")
            late.append(item)
        else:
            item.todo = (
                _("Make sure %(name)s is on the way to the check.") % {"name": person.name}
                if person
                else _("Nobody is responsible yet: find the person and tell them.")
            )
            due_soon.append(item)

    open_items = []
    for incident in incidents:
        hidden = incident.meeting is not None and not visibility.can_see_details(
            viewer, incident.meeting
        )
        building_id = incident.room.building_id if incident.room else None
        open_items.append(
            Item(
                kind="incident",
                obj=incident,
                meeting=incident.meeting,
                title=title(incident.meeting),
                where=_where(incident.room),
                state=str(pgettext("item state", "Open")),
                minutes=_minutes(now - incident.reported_at),
                hidden=hidden,
                todo=_("Send help and follow up; mark it resolved when done."),
                contacts=contacts.for_item(meeting=incident.meeting, building_id=building_id),
            )
        )
    for req in requests:
        building_id = req.room.building_id if req.room else None
        open_items.append(
            Item(
                kind="request",
                obj=req,
                title=req.what,
                where=_where(req.room) or req.where_text,
                state=(
                    str(pgettext("item state", "Taken"))
                    if req.taken_at
                    else str(pgettext("item state", "Open"))
                ),
                minutes=_minutes(now - req.logged_at),
                todo=_("Check with the person sent; mark it done.")
                if req.taken_at
                else _("Send someone."),
                contacts=contacts.for_item(responsible=req.taken_by, building_id=building_id),
            )
        )
    # Oldest first across both kinds: the longest waiting is the most urgent.
    open_items.sort(key=lambda item: -item.minutes)

    unacknowledged = [
        Item(
            kind="duty",
            obj=duty,
            meeting=duty.meeting,
            title=title(duty.meeting),
            where=_where(duty.meeting.room),
            state=str(_("Not acknowledged")),
            minutes=_minutes(duty.meeting.start - now),
            todo=_("Call %(name)s to confirm, or reassign the duty.") % {"name": duty.staff.name},
            contacts=contacts.for_item(
                responsible=duty.staff,
                meeting=duty.meeting,
                building_id=duty.meeting.room.building_id,
            ),
        )
        for duty in duties
    ]

    preparation = _incomplete_preparation(soon, now, title, contacts)
    return {
        "now": now,
        "due_soon": due_soon,
        "late": late,
        "open_items": open_items,
        "unacknowledged": unacknowledged,
        "preparation": preparation,
        "counts": {
            "due_soon": len(due_soon),
            "late": len(late),
            "open_items": len(open_items),
            "unacknowledged": len(unacknowledged),
            "preparation": len(preparation),
        },
    }


def _live_statuses():
    return (MeetingStatus.REQUESTED, MeetingStatus.CONFIRMED)


def _incomplete_preparation(soon: list[Meeting], now: datetime, title, contacts) -> list[Item]:
    """Meetings starting within the hour and what each still lacks, in words."""
    if not soon:
        return []
    ids = [m.pk for m in soon]
    needs = needs_for_many(soon)  # also lays down each meeting's open orders
    filled = filled_for_many(ids)
    open_orders: dict[int, list] = defaultdict(list)
    for order in ServiceOrder.objects.filter(meeting_id__in=ids, status__in=OPEN_STATUSES):
        open_orders[order.meeting_id].append(order)
    unacked = Counter(
        Duty.objects.filter(meeting_id__in=ids, status=DutyStatus.ASSIGNED).values_list(
            "meeting_id", flat=True
        )
    )
    checks_open: dict[int, list[int]] = defaultdict(list)
    for meeting_id, level in Check.objects.filter(
        meeting_id__in=ids, level__in=(CheckLevel.ONE, CheckLevel.TWO), status__in=OPEN_CHECK
    ).values_list("meeting_id", "level"):
        checks_open[meeting_id].append(level)

    roles = dict(DutyRole.choices)
    kinds = dict(OrderKind.choices)
    items = []
    for meeting in soon:
        problems = []
        have = filled.get(meeting.pk, Counter())
        for role, count in sorted(needs.get(meeting.pk, {}).items()):
            if count > have[role]:
                problems.append(
                    _("%(n)d more %(role)s needed")
                    % {"n": count - have[role], "role": str(roles.get(role, role))}
                )
        if unacked[meeting.pk]:
            problems.append(_("%(n)d duties not acknowledged") % {"n": unacked[meeting.pk]})
        for order in sorted(open_orders[meeting.pk], key=lambda o: o.kind):
            problems.append(
                _("%(kind)s not delivered (%(status)s)")
                % {
                    "kind": str(kinds.get(order.kind, order.kind)),
                    "status": order.get_status_display(),
                }
            )
        for level in sorted(checks_open[meeting.pk]):
            problems.append(_("Level-%(level)d check not done") % {"level": level})
        if not problems:
            continue
        items.append(
            Item(
                kind="meeting",
                obj=meeting,
                meeting=meeting,
                title=title(meeting),
                where=_where(meeting.room),
                state=str(_("Preparation incomplete")),
                minutes=_minutes(meeting.start - now),
                problems=problems,
                todo=_("Call the lead and the departments concerned before the start."),
                contacts=contacts.for_item(meeting=meeting, building_id=meeting.room.building_id),
            )
        )
    return items


def board_fingerprint(fingerprint: Fingerprint, now: datetime) -> None:
    """Feed `fingerprint` every row `hotline_board(now, ...)` reads, every column, as tuples (no
    objects) in a constant number of light queries, most of them hashed by the database in one
    statement (`Fingerprint.defer_rows`): the open checks it would list (the board's
    own index-backed id query), open incidents and requests, unacknowledged duties of the next
    hours, the meetings starting within the hour, every meeting any of these name with all its
    duties (leads to call, needs filled, who serves a secret meeting), the orders and checks of
    the meetings starting soon, and the small tables the board names from (staff, rooms,
    buildings, staffing rules). The viewer and the minute are the caller's."""
    checks = fingerprint.add_rows(
        "checks",
        Check.objects.filter(pk__in=_open_check_ids(now)).values_list(*columns(Check)),
    )
    incidents = fingerprint.add_rows(
        "incidents",
        Incident.objects.filter(resolved_at__isnull=True).values_list(*columns(Incident)),
    )
    fingerprint.defer_rows(
        "requests",
        ServiceRequest.objects.filter(done_at__isnull=True).values_list(*columns(ServiceRequest)),
    )
    duty_meetings = Duty.objects.filter(
        status=DutyStatus.ASSIGNED, meeting__start__gte=now, meeting__start__lte=now + DUTY_WINDOW
    ).values_list("meeting_id", flat=True)
    soon = Meeting.objects.active().filter(start__gte=now, start__lte=now + STARTING_SOON)
    soon_ids = list(soon.values_list("pk", flat=True))
    meeting_at = columns(Check).index("meeting_id")
    incident_meeting_at = columns(Incident).index("meeting_id")
    meeting_ids = {row[meeting_at] for row in checks} | set(duty_meetings) | set(soon_ids)
    meeting_ids |= {row[incident_meeting_at] for row in incidents if row[incident_meeting_at]}
    fingerprint.defer_rows(
        "meetings", Meeting.objects.filter(pk__in=meeting_ids).values_list(*columns(Meeting))
    )
    fingerprint.defer_rows(
        "duties", Duty.objects.filter(meeting_id__in=meeting_ids).values_list(*columns(Duty))
    )
    for model in (ServiceOrder, Check):
        fingerprint.defer_rows(
            f"soon {model._meta.label}",
            model.objects.filter(meeting_id__in=soon_ids).values_list(*columns(model)),
        )
    for model in (Staff, Room, Building, StaffingRule):
        fingerprint.defer_rows(model._meta.label, model.objects.values_list(*columns(model)))
