"""Writing the audit trail. Every service that changes state calls `record` in its transaction."""

from datetime import datetime
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone

from core.models import AuditEntry
from core.names import display_name


def record(obj: models.Model, action: str, **fields: Any) -> AuditEntry:
    """Append one audit row for `obj` (the fields are `entry`'s). `by` is a user, or None for
    the system (sweepers)."""
    row = entry(obj, action, **fields)
    row.save(force_insert=True)
    return row


def entry(
    obj: models.Model,
    action: str,
    *,
    by: Any,
    from_state: str = "",
    to_state: str = "",
    changes: dict | None = None,
    note: str = "",
    now: datetime | None = None,
) -> AuditEntry:
    """The row `record` would append, unsaved: for `record_all`."""
    actor = by if getattr(by, "pk", None) else None
    return AuditEntry(
        at=now or timezone.now(),
        actor=actor,
        actor_name=_actor_name(actor),
        content_type=ContentType.objects.get_for_model(obj, for_concrete_model=False),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action=action,
        from_state=from_state,
        to_state=to_state,
        changes=_jsonable(changes or {}),
        note=note,
    )


def record_all(rows: list[AuditEntry]) -> list[AuditEntry]:
    """Append rows made by `entry` in one statement: a booking writes a row for each of its
    orders and checks, and one round trip instead of one each keeps booking fast."""
    return AuditEntry.objects.bulk_create(rows)


def _actor_name(actor: Any) -> str:
    if actor is None:
        return "system"
    return display_name(actor)


def _jsonable(changes: dict) -> dict:
    """Changes as {field: [old, new]} with values a JSON column can hold."""

    def plain(value: Any) -> Any:
        if isinstance(value, datetime):
            return timezone.localtime(value).isoformat()
        if isinstance(value, models.Model):
            return str(value)
        if value is None or isinstance(value, (str, int, float, bool)):
            return value
        return str(value)

    return {field: [plain(old), plain(new)] for field, (old, new) in changes.items()}
