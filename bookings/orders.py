"""Service orders: proposed from the level's package, edited by the clerk, moved through
requested -> acknowledged -> prepared -> delivered by the department that fulfils them.

Every function here is a service: it takes the acting user, writes one audit row per change,
and raises BookingError with a translated message. The meeting services call the `_with_meeting`
helpers inside their own transaction, so orders follow a reschedule or a cancellation
atomically.
"""

import hashlib
import json
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import seating
from bookings.errors import BookingConflict, BookingError
from bookings.models import (
    KIND_DEPARTMENT,
    KIND_LEAD_MINUTES,
    NEXT_STATUS,
    OPEN_STATUSES,
    LeaderRank,
    Meeting,
    MeetingStatus,
    OrderKind,
    OrderStatus,
    PackageItem,
    ServiceOrder,
)
from core import audit, timeutils
from core.names import display_name


def due_for(kind: str, start: datetime) -> datetime:
    return start - timedelta(minutes=KIND_LEAD_MINUTES[OrderKind(kind)])


def default_details(kind: str, meeting: Meeting, template: dict) -> dict:
    """A package item's details filled from the meeting where the meeting knows better."""
    details = dict(template)
    if kind == OrderKind.BANNER and not details.get("text"):
        details["text"] = meeting.title
    if kind == OrderKind.NAME_PLATES and not details.get("plates") and meeting.leader_id:
        leader = meeting.leader
        details["plates"] = seating.arrange(
            [{"name": leader.name, "title": leader.title, "rank": leader.rank}]
        )
    return details


# --- called by the meeting services, inside their transaction -------------------------------


def propose_package(meeting: Meeting, *, by, now: datetime, only_missing: bool = False) -> list:
    """Create the orders of the meeting's level package (the clerk edits them afterwards).

    With only_missing, kinds the meeting already has (in any state) are left alone: used when
    a change raises the level, so the clerk's edits survive.
    """
    existing = set(meeting.orders.values_list("kind", flat=True)) if only_missing else set()
    orders = [
        _new_order(meeting, item.kind, item.quantity, item.details, by=by, now=now)
        for item in PackageItem.objects.filter(level=meeting.level).order_by("kind")
        if item.kind not in existing
    ]
    if not orders:
        return []
    # Two statements for the whole package, not two per order: this runs in every booking.
    created = ServiceOrder.objects.bulk_create(orders)
    audit.record_all(
        [
            audit.entry(order, "order_requested", by=by, to_state=order.status, now=now)
            for order in created
        ]
    )
    return created


def move_with_meeting(meeting: Meeting, *, by, now: datetime) -> int:
    """Open orders keep their lead time before the (new) start."""
    moved = 0
    for order in meeting.orders.filter(status__in=OPEN_STATUSES):
        due = due_for(order.kind, meeting.start)
        if order.due_at != due:
            old = order.due_at
            order.due_at, order.updated_at, order.updated_by = due, now, _user(by)
            order.save(update_fields=["due_at", "updated_at", "updated_by"])
            audit.record(order, "order_moved", by=by, changes={"due_at": (old, due)}, now=now)
            moved += 1
    return moved


def cancel_with_meeting(meeting: Meeting, *, by, now: datetime) -> int:
    """A cancelled meeting cancels its open orders (delivered ones stay as history)."""
    cancelled = 0
    for order in meeting.orders.filter(status__in=OPEN_STATUSES):
        before = order.status
        order.status, order.updated_at, order.updated_by = OrderStatus.CANCELLED, now, _user(by)
        order.save(update_fields=["status", "updated_at", "updated_by"])
        audit.record(
            order, "order_cancelled", by=by, from_state=before, to_state=order.status, now=now
        )
        cancelled += 1
    return cancelled


# --- the clerk's edits ----------------------------------------------------------------------


def add_order(
    meeting: Meeting,
    *,
    by,
    kind: str,
    quantity: int = 0,
    details: dict | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ServiceOrder:
    now = now or timezone.now()
    if kind not in OrderKind.values:
        raise BookingError(_("Unknown service."), code="invalid", fields={"kind": _("Unknown.")})
    with transaction.atomic():
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if meeting.status == MeetingStatus.CANCELLED:
            raise BookingError(_("The meeting is cancelled."), code="invalid_state")
        existing = meeting.orders.filter(kind=kind).first()
        if existing and existing.status != OrderStatus.CANCELLED:
            raise BookingError(
                _("The meeting already has a %(service)s order; edit that one.")
                % {"service": OrderKind(kind).label},
                code="duplicate",
                fields={"kind": _("Already ordered.")},
            )
        _refuse_negative(quantity)
        if existing:
            # A cancelled order of this kind is ordered again: the same row is reopened, so its
            # audit trail stays whole (one order per kind per meeting).
            return _reopen(existing, quantity, details or {}, note=note, by=by, now=now)
        return _create(meeting, kind, quantity, details or {}, note=note, by=by, now=now)


def update_order(
    order: ServiceOrder,
    *,
    by,
    quantity: int | None = None,
    details: dict | None = None,
    note: str | None = None,
    due_at: datetime | None = None,
    expected_token: str | None = None,
    now: datetime | None = None,
) -> ServiceOrder:
    """Change what an open order asks for. Name plates are re-seated by the rostrum rule and
    their quantity is the number of plates.

    With `expected_token` (the order's `state_token` when the form was read), an order changed
    meanwhile (by a clerk or by its department) is refused with who changed it and when,
    instead of being overwritten. Raises BookingError / BookingConflict; nothing is saved.
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().select_related("meeting").get(pk=order.pk)
        _refuse_if_closed(order)
        if expected_token is not None and expected_token != state_token(order):
            raise BookingConflict(
                _(
                    "%(who)s changed this order at %(when)s while you were editing it. Your "
                    "changes were not saved: check the order and apply them again."
                )
                % {
                    "who": display_name(order.updated_by) if order.updated_by else _("System"),
                    "when": timeutils.format_time(order.updated_at),
                },
                code="stale",
            )
        changes = {}
        if quantity is not None:
            _refuse_negative(quantity)
            changes["quantity"] = (order.quantity, quantity)
        if details is not None:
            details = clean_details(order.kind, details)
            if order.kind == OrderKind.NAME_PLATES:
                changes["quantity"] = (order.quantity, len(details["plates"]))
            changes["details"] = (order.details, details)
        if note is not None:
            changes["note"] = (order.note, note.strip()[:300])
        if due_at is not None:
            if due_at > order.meeting.start:
                raise BookingError(
                    _("A service must be due before the meeting starts."),
                    code="invalid",
                    fields={"due_at": _("After the start.")},
                )
            changes["due_at"] = (order.due_at, due_at)
        changes = {field: pair for field, pair in changes.items() if pair[0] != pair[1]}
        if not changes:
            return order
        for field, (_old, new) in changes.items():
            setattr(order, field, new)
        order.updated_at, order.updated_by = now, _user(by)
        order.save(update_fields=[*changes, "updated_at", "updated_by"])
        audit.record(order, "order_edited", by=by, changes=_readable(changes), now=now)
    return order


def state_token(order: ServiceOrder) -> str:
    """A fingerprint of what an order asks for and where it stands; any change alters it.

    Forms carry it so that a save made from an older reading is refused (ServiceOrder has no
    version column; its updated_at alone can repeat when changes share a clock reading).
    """
    state = [
        order.status,
        order.quantity,
        order.details,
        order.note,
        order.due_at.isoformat(),
        order.updated_at.isoformat(),
    ]
    encoded = json.dumps(state, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(encoded.encode()).hexdigest()[:32]


def cancel_order(order: ServiceOrder, *, by, now: datetime | None = None) -> ServiceOrder:
    """The clerk drops a service from the meeting."""
    now = now or timezone.now()
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        _refuse_if_closed(order)
        before = order.status
        order.status, order.updated_at, order.updated_by = OrderStatus.CANCELLED, now, _user(by)
        order.save(update_fields=["status", "updated_at", "updated_by"])
        audit.record(
            order, "order_cancelled", by=by, from_state=before, to_state=order.status, now=now
        )
    return order


# --- the departments ------------------------------------------------------------------------


def advance_order(
    order: ServiceOrder, *, by, to_status: str, now: datetime | None = None
) -> ServiceOrder:
    """Move an order one step: requested -> acknowledged -> prepared -> delivered.

    Refused when it is not the next step (someone else moved it first, or a skip).
    """
    now = now or timezone.now()
    with transaction.atomic():
        order = ServiceOrder.objects.select_for_update().get(pk=order.pk)
        expected = NEXT_STATUS.get(OrderStatus(order.status))
        if expected is None or expected != to_status:
            raise BookingError(
                _("This order is %(status)s; it cannot become %(target)s now.")
                % {
                    "status": order.get_status_display(),
                    "target": OrderStatus(to_status).label
                    if to_status in OrderStatus.values
                    else to_status,
                },
                code="invalid_state",
            )
        before = order.status
        order.status, order.updated_at, order.updated_by = to_status, now, _user(by)
        order.save(update_fields=["status", "updated_at", "updated_by"])
        audit.record(
            order, "order_" + to_status, by=by, from_state=before, to_state=to_status, now=now
        )
    return order


def open_orders_of(department: str):
    """A department's queue: open orders of active meetings, soonest due first."""
    return (
        ServiceOrder.objects.filter(department=department, status__in=OPEN_STATUSES)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .select_related("meeting", "meeting__room", "meeting__room__building")
        .order_by("due_at", "id")
    )


# --- helpers --------------------------------------------------------------------------------


def _create(meeting, kind, quantity, details, *, by, now, note="") -> ServiceOrder:
    order = _new_order(meeting, kind, quantity, details, by=by, now=now, note=note)
    order.save(force_insert=True)
    audit.record(order, "order_requested", by=by, to_state=order.status, now=now)
    return order


def _new_order(meeting, kind, quantity, details, *, by, now, note="") -> ServiceOrder:
    """The order `_create` saves, unsaved (propose_package saves a package in one statement)."""
    details = clean_details(kind, default_details(kind, meeting, details))
    if kind == OrderKind.NAME_PLATES:
        quantity = len(details["plates"])
    return ServiceOrder(
        meeting=meeting,
        kind=kind,
        department=KIND_DEPARTMENT[OrderKind(kind)],
        status=OrderStatus.REQUESTED,
        due_at=due_for(kind, meeting.start),
        quantity=quantity,
        details=details,
        note=(note or "").strip()[:300],
        created_at=now,
        updated_at=now,
        updated_by=_user(by),
    )


def _reopen(order, quantity, details, *, by, now, note="") -> ServiceOrder:
    meeting = order.meeting
    details = clean_details(order.kind, default_details(order.kind, meeting, details))
    if order.kind == OrderKind.NAME_PLATES:
        quantity = len(details["plates"])
    before = order.status
    order.status = OrderStatus.REQUESTED
    order.due_at = due_for(order.kind, meeting.start)
    order.quantity, order.details, order.note = quantity, details, (note or "").strip()[:300]
    order.updated_at, order.updated_by = now, _user(by)
    order.save()
    audit.record(order, "order_requested", by=by, from_state=before, to_state=order.status, now=now)
    return order


# The details each kind keeps, with their type; other keys a caller sends are dropped.
_FLAGS = {
    OrderKind.TEA: ("tea", "water", "fruit", "towels"),
    OrderKind.AUDIO_VISUAL: ("operator", "recording", "video_conference", "interpretation"),
}


def clean_details(kind: str, details: dict) -> dict:
    """An order's details in their stored shape; refuses what cannot be stored."""
    if not isinstance(details, dict):
        raise BookingError(_("The service's details are not readable."), code="invalid")
    details = dict(details)
    if kind == OrderKind.NAME_PLATES:
        details["plates"] = seating.arrange(_clean_plates(details))
    elif kind == OrderKind.BANNER:
        details["text"] = str(details.get("text") or "").strip()[:100]
    elif kind in _FLAGS:
        for flag in _FLAGS[OrderKind(kind)]:
            details[flag] = bool(details.get(flag))
    elif kind == OrderKind.PARKING_ACCESS:
        vehicles = details.get("vehicles") or 0
        if not isinstance(vehicles, int) or isinstance(vehicles, bool) or vehicles < 0:
            raise BookingError(
                _("The number of vehicles must be 0 or more."),
                code="invalid",
                fields={"vehicles": _("Enter 0 or more.")},
            )
        details["vehicles"] = vehicles
        details["guests"] = str(details.get("guests") or "").strip()[:2000]
    return details


def _clean_plates(details: dict) -> list[dict]:
    plates = []
    for plate in details.get("plates") or []:
        name = str(plate.get("name", "")).strip()
        if not name:
            continue
        rank = plate.get("rank") or LeaderRank.NONE
        if rank not in LeaderRank.values:
            raise BookingError(
                _("Unknown rank for %(name)s.") % {"name": name},
                code="invalid",
                fields={"plates": _("Unknown rank.")},
            )
        precedence = plate.get("precedence")
        if isinstance(precedence, str) and precedence.strip().isdigit():
            precedence = int(precedence)
        plates.append(
            {
                "name": name[:20],
                "title": str(plate.get("title", "")).strip()[:40],
                "rank": rank,
                "precedence": precedence if isinstance(precedence, int) else None,
            }
        )
    return plates


def _readable(changes: dict) -> dict:
    """Audit changes with the details spread out per item ("details.text": [old, new]), so
    the history reads as what changed rather than as two dictionaries."""
    readable = {}
    for field, (old, new) in changes.items():
        if field != "details":
            readable[field] = (old, new)
            continue
        old, new = old or {}, new or {}
        for key in sorted(set(old) | set(new)):
            if old.get(key) == new.get(key):
                continue
            if key == "plates":
                readable["details.plates"] = (
                    _plates_text(old.get(key)),
                    _plates_text(new.get(key)),
                )
            else:
                readable[f"details.{key}"] = (old.get(key), new.get(key))
    return readable


def _plates_text(plates) -> str:
    return "、".join(
        f"{plate.get('precedence') or '?'} {plate.get('name', '')}" for plate in plates or []
    )


def _refuse_negative(quantity: int) -> None:
    if quantity is None or quantity < 0:
        raise BookingError(
            _("A quantity cannot be negative."),
            code="invalid",
            fields={"quantity": _("Enter 0 or more.")},
        )


def _refuse_if_closed(order: ServiceOrder) -> None:
    if not order.is_open:
        raise BookingError(
            _("This order is %(status)s and can no longer be changed.")
            % {"status": order.get_status_display()},
            code="invalid_state",
        )


def _user(by):
    return by if getattr(by, "pk", None) else None
