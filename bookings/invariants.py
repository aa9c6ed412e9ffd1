"""Invariants of the booking layer, run by `manage.py check_invariants`."""

from collections.abc import Iterator

from django.contrib.contenttypes.models import ContentType

from bookings.models import Meeting, MeetingStatus
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
