"""Invariants of the booking layer, run by `manage.py check_invariants`."""

from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType
from django.db.models import F, Q

from bookings.models import (
    KIND_DEPARTMENT,
    OPEN_STATUSES,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    ServiceOrder,
)
from core.invariants import register
from core.models import AuditEntry


@register("bookings: no two active meetings overlap in one room")
def no_overlapping_meetings() -> Iterator[str]:
    rows = (
        Meeting.objects.active()
        .order_by("room_id", "occupied_from")
        .values_list("pk", "room_id", "occupied_from", "occupied_until")
        .iterator(chunk_size=5000)
    )
    last_room, last_pk, last_until = None, None, None
    for pk, room_id, occupied_from, occupied_until in rows:
        if room_id == last_room and occupied_from < last_until:
            yield f"meetings {last_pk} and {pk} overlap in room {room_id}"
        if room_id != last_room or occupied_until > last_until:
            last_room, last_pk, last_until = room_id, pk, occupied_until


# The audit action each stored state must have left behind.
_REQUIRED_ACTIONS = {
    MeetingStatus.REQUESTED: {"booked"},
    MeetingStatus.CONFIRMED: {"booked", "confirmed"},
    MeetingStatus.CANCELLED: {"booked", "cancelled"},
}


@register("bookings: every meeting's state changes are audited")
def meetings_are_audited() -> Iterator[str]:
    content_type = ContentType.objects.get_for_model(Meeting)
    actions: dict[str, set[str]] = {}
    for object_id, action in (
        AuditEntry.objects.filter(content_type=content_type)
        .values_list("object_id", "action")
        .iterator(chunk_size=5000)
    ):
        actions.setdefault(object_id, set()).add(action)
    for pk, status in Meeting.objects.values_list("pk", "status").iterator(chunk_size=5000):
        missing = _REQUIRED_ACTIONS[status] - actions.get(str(pk), set())
        if missing:
            yield f"meeting {pk} ({status}) has no audit row for: {', '.join(sorted(missing))}"


# --- service orders and series ----------------------------------------------------------------


@register("bookings: open service orders are due before their meeting starts")
def orders_due_before_start() -> Iterator[str]:
    late = (
        ServiceOrder.objects.filter(status__in=OPEN_STATUSES, due_at__gt=F("meeting__start"))
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .values_list("pk", "meeting_id", "kind")
        .iterator(chunk_size=5000)
    )
    for pk, meeting_id, kind in late:
        yield f"order {pk} ({kind}) of meeting {meeting_id} is due after the meeting starts"


@register("bookings: a cancelled meeting has no open service orders")
def no_open_orders_of_cancelled_meetings() -> Iterator[str]:
    rows = (
        ServiceOrder.objects.filter(
            status__in=OPEN_STATUSES, meeting__status=MeetingStatus.CANCELLED
        )
        .values_list("pk", "meeting_id", "status")
        .iterator(chunk_size=5000)
    )
    for pk, meeting_id, status in rows:
        yield f"order {pk} is still {status} although meeting {meeting_id} is cancelled"


@register("bookings: each service order goes to the department of its kind")
def orders_routed_to_their_department() -> Iterator[str]:
    wrong = Q()
    for kind, department in KIND_DEPARTMENT.items():
        wrong |= Q(kind=kind) & ~Q(department=department)
    unknown = ~Q(kind__in=[str(kind) for kind in KIND_DEPARTMENT])
    for pk, kind, department in (
        ServiceOrder.objects.filter(wrong | unknown)
        .values_list("pk", "kind", "department")
        .iterator(chunk_size=5000)
    ):
        expected = KIND_DEPARTMENT.get(kind, "?")
        yield f"order {pk} ({kind}) is routed to {department}, not {expected}"


@register("bookings: every meeting series has at least one occurrence")
def series_have_occurrences() -> Iterator[str]:
    for pk in (
        MeetingSeries.objects.filter(occurrences__isnull=True)
        .values_list("pk", flat=True)
        .iterator(chunk_size=5000)
    ):
        yield f"series {pk} has no occurrence"
