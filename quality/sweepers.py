"""The overdue sweeper, run by Celery beat (CELERY_BEAT_SCHEDULE "notify-overdue-actions").

Each open action past its due date is claimed with a compare-and-set on `overdue_notified_at`
inside its own transaction, and its reminder is written in that same transaction with a
dedupe key, so the assignee and the inspector who raised it hear of it once, however many
workers run. One bad row is logged and skipped; the loop goes on.
"""

import logging
from datetime import datetime

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core import audit
from core.notifications import notify
from core.sweeps import claim_each
from quality.models import ActionStatus, CorrectiveAction

log = logging.getLogger(__name__)


def notify_overdue_actions(*, now: datetime | None = None, batch: int = 500) -> int:
    """Remind the assignee (when they have a login) and the creator of each open action whose
    due date has passed (kind "quality_action_overdue"), once per action; returns how many this
    call claimed."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    candidates = list(
        CorrectiveAction.objects.filter(
            status=ActionStatus.OPEN, due_on__lt=today, overdue_notified_at__isnull=True
        )
        .order_by("due_on", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return claim_each(
        candidates, lambda pk: _claim(pk, now), log=log, what="notify_overdue_actions"
    )


def _claim(pk: int, now: datetime) -> bool:
    won = CorrectiveAction.objects.filter(
        pk=pk, status=ActionStatus.OPEN, overdue_notified_at__isnull=True
    ).update(overdue_notified_at=now)
    if not won:
        return False
    action = CorrectiveAction.objects.select_related(
        "assignee__user", "created_by", "finding__inspection__room__building"
    ).get(pk=pk)
    notify(
        [action.assignee.user, action.created_by],
        kind="quality_action_overdue",
        title=_("Corrective action overdue: %(name)s, %(room)s, due %(due)s")
        % {
            "name": action.assignee.name,
            "room": action.finding.inspection.room,
            "due": action.due_on.isoformat(),
        },
        body=action.text or action.finding.text,
        url=reverse("quality-action-list"),
        dedupe_key=f"quality-action-overdue:{pk}",
        now=now,
    )
    audit.record(
        action, "action_overdue_notified", by=None, note=action.due_on.isoformat(), now=now
    )
    return True
