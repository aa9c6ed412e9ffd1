"""A meeting's audit trail as people read it: translated actions, states, field names, values.

The audit rows keep machine words (`rescheduled`, `confirmed`, `{"start": [old, new]}`) so that
they stay stable across languages and releases; this module turns them into what the detail
page shows, in the reader's language at the time of reading.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Meeting, MeetingStatus
from core import timeutils
from core.models import AuditEntry

ACTION_LABELS = {
    "booked": gettext_lazy("Booked"),
    "confirmed": gettext_lazy("Confirmed"),
    "edited": gettext_lazy("Edited"),
    "rescheduled": gettext_lazy("Rescheduled"),
    "cancelled": gettext_lazy("Cancelled"),
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


def history_of(meeting: Meeting) -> list[HistoryLine]:
    """The meeting's audit trail, oldest first, ready to show. One query."""
    entries = AuditEntry.objects.for_object(meeting).order_by("at", "id")
    return [describe(entry) for entry in entries]


def describe(entry: AuditEntry) -> HistoryLine:
    return HistoryLine(
        at=entry.at,
        actor=_actor(entry),
        action=entry.action,
        action_label=action_label(entry.action),
        from_state=state_label(entry.from_state),
        to_state=state_label(entry.to_state),
        note=entry.note,
        changes=[
            _change(name, pair) for name, pair in (entry.changes or {}).items() if _is_pair(pair)
        ],
    )


def action_label(action: str) -> str:
    label = ACTION_LABELS.get(action)
    return str(label) if label is not None else action


def state_label(state: str) -> str:
    if not state:
        return ""
    if state in MeetingStatus.values:
        return str(MeetingStatus(state).label)
    return state


def field_label(name: str) -> str:
    model_field = _field(name)
    return capfirst(str(model_field.verbose_name)) if model_field is not None else name


def _actor(entry: AuditEntry) -> str:
    # core.audit writes "system" for changes made by sweepers and commands.
    if entry.actor_id is None and entry.actor_name == "system":
        return _("System")
    return entry.actor_name or _("System")


def _is_pair(value) -> bool:
    return isinstance(value, (list, tuple)) and len(value) == 2


def _field(name: str) -> models.Field | None:
    try:
        return Meeting._meta.get_field(name)
    except FieldDoesNotExist:  # a name kept in old audit rows
        return None


def _change(name: str, pair) -> Change:
    old, new = pair
    label = field_label(name)
    before, after = _moment(name, old), _moment(name, new)
    if before and after and timeutils.local_date(before) == timeutils.local_date(after):
        # Moved within one day: the date once, then 14:00 → 15:00.
        return Change(name, label, _value(name, old), timeutils.format_time(after))
    return Change(name, label, _value(name, old), _value(name, new))


def _moment(name: str, value) -> dt.datetime | None:
    """The aware time an audit row stored for a DateTimeField (ISO text), else None."""
    if not isinstance(_field(name), models.DateTimeField) or not isinstance(value, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _value(name: str, value) -> str:
    """A stored value as the reader expects it: labels for choices, 2026年11月27日 14:30."""
    if value is None or value == "":
        return EMPTY
    moment = _moment(name, value)
    if moment is not None:
        return f"{timeutils.format_date(moment)} {timeutils.format_time(moment)}"
    model_field = _field(name)
    if model_field is not None and model_field.choices:
        choices = {str(key): label for key, label in model_field.flatchoices}
        return str(choices.get(str(value), value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)
