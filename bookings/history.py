"""A meeting's audit trail as people read it: translated actions, states, field names, values.

The audit rows keep machine words (`rescheduled`, `confirmed`, `{"start": [old, new]}`) so that
they stay stable across languages and releases; this module turns them into what the detail
page shows, in the reader's language at the time of reading.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Meeting, MeetingStatus, OrderStatus, ServiceOrder
from core import timeutils
from core.models import AuditEntry

ACTION_LABELS = {
    "booked": gettext_lazy("Booked"),
    "confirmed": gettext_lazy("Confirmed"),
    "edited": gettext_lazy("Edited"),
    "rescheduled": gettext_lazy("Rescheduled"),
    "cancelled": gettext_lazy("Cancelled"),
    # Service orders (bookings.orders).
    "order_requested": gettext_lazy("Ordered"),
    "order_edited": gettext_lazy("Order changed"),
    "order_moved": gettext_lazy("Due time moved with the meeting"),
    "order_cancelled": gettext_lazy("Order cancelled"),
    "order_acknowledged": gettext_lazy("Acknowledged by the department"),
    "order_prepared": gettext_lazy("Prepared"),
    "order_delivered": gettext_lazy("Delivered"),
}

# The items of an order's details, as bookings.orders records their changes ("details.text").
DETAIL_LABELS = {
    "details.text": gettext_lazy("Banner text"),
    "details.plates": gettext_lazy("Name plates"),
    "details.tea": gettext_lazy("Tea"),
    "details.water": gettext_lazy("Water"),
    "details.fruit": gettext_lazy("Fruit"),
    "details.towels": gettext_lazy("Paper towels"),
    "details.operator": gettext_lazy("Operator on site"),
    "details.recording": gettext_lazy("Recording"),
    "details.video_conference": gettext_lazy("Video conference"),
    "details.interpretation": gettext_lazy("Interpretation"),
    "details.vehicles": gettext_lazy("Vehicles"),
    "details.guests": gettext_lazy("Guest list"),
}

EMPTY = "—"


@dataclass(frozen=True)
class Change:
    field: str
    label: str
    old: str
    new: str


@dataclass(frozen=True)
class HistoryLine:
    at: dt.datetime
    actor: str
    action: str
    action_label: str
    from_state: str = ""
    to_state: str = ""
    note: str = ""
    changes: list[Change] = field(default_factory=list)
    # What the line is about when it is not the meeting itself (a service order's kind).
    subject: str = ""


def history_of(meeting: Meeting) -> list[HistoryLine]:
    """The meeting's audit trail, oldest first, ready to show. One query."""
    entries = AuditEntry.objects.for_object(meeting).order_by("at", "id")
    return [describe(entry) for entry in entries]


def order_history_of(orders) -> list[HistoryLine]:
    """The audit trail of a meeting's service orders, newest first, each line naming its
    service. One query, whatever the number of orders."""
    by_id = {str(order.pk): order for order in orders}
    if not by_id:
        return []
    entries = AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(ServiceOrder, for_concrete_model=False),
        object_id__in=list(by_id),
    ).order_by("-at", "-id")
    return [
        describe(entry, model=ServiceOrder, subject=by_id[entry.object_id].get_kind_display())
        for entry in entries
    ]


def describe(entry: AuditEntry, *, model=Meeting, subject: str = "") -> HistoryLine:
    return HistoryLine(
        at=entry.at,
        actor=_actor(entry),
        action=entry.action,
        action_label=action_label(entry.action),
        from_state=state_label(entry.from_state),
        to_state=state_label(entry.to_state),
        note=entry.note,
        changes=[
            _change(name, pair, model)
            for name, pair in (entry.changes or {}).items()
            if _is_pair(pair)
        ],
        subject=subject,
    )


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def state_label(state: str) -> str:
    if not state:
        return ""
    if state in MeetingStatus.values:
        return str(MeetingStatus(state).label)
    if state in OrderStatus.values:
        return str(OrderStatus(state).label)
    return state


def field_label(name: str, model=Meeting) -> str:
    if name in DETAIL_LABELS:
        return str(DETAIL_LABELS[name])
    model_field = _field(name, model)
    return capfirst(str(model_field.verbose_name)) if model_field is not None else name


def _actor(entry: AuditEntry) -> str:
    # core.audit writes "system" for changes made by sweepers and commands.
    if entry.actor_id is None and entry.actor_name == "system":
        return _("System")
    return entry.actor_name or _("System")


def _is_pair(value) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 2


def _field(name: str, model=Meeting) -> models.Field | None:
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a name kept in old audit rows, or a detail ("details.text")
        return None


def _change(name: str, pair, model=Meeting) -> Change:
    old, new = pair
    label = field_label(name, model)
    before, after = _moment(name, old, model), _moment(name, new, model)
    if before and after and timeutils.local_date(before) == timeutils.local_date(after):
        # Moved within one day: the date once, then 14:00 → 15:00.
        return Change(name, label, _value(name, old, model), timeutils.format_time(after))
    return Change(name, label, _value(name, old, model), _value(name, new, model))


def _moment(name: str, value, model=Meeting) -> dt.datetime | None:
    """The aware time an audit row stored for a DateTimeField (ISO text), else None."""
    if not isinstance(_field(name, model), models.DateTimeField) or not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _value(name: str, value, model=Meeting) -> str:
    """A stored value as the reader expects it: labels for choices, 2026年11月27日 14:30."""
    if value is None or value == "":
        return EMPTY
    moment = _moment(name, value, model)
    if moment is not None:
        return f"{timeutils.format_date(moment)} {timeutils.format_time(moment)}"
    model_field = _field(name, model)
    if model_field is not None and model_field.choices:
        choices = {str(key): label for key, label in model_field.flatchoices}
        return str(choices.get(str(value), value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)
