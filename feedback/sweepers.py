"""The after-meeting sweeper, run by Celery beat (CELERY_BEAT_SCHEDULE "invite-finished-meetings").

Idempotent and safe in several workers at once: `services.invite` is settled by the one-per-
meeting constraint, and `services.follow_up` claims each invitation with a compare-and-set on
`swept_at`, in the transaction that queues its e-mail. One bad meeting is logged and skipped.
"""

import logging
from datetime import datetime, timedelta

from django.db.models import Q
from django.utils import timezone

from bookings.models import MAX_MEETING, Meeting, MeetingStatus
from feedback import services

log = logging.getLogger(__name__)

# How far back the sweeper looks for finished meetings. A sweeper that was down longer than
# this misses only the e-mail: the printed card's link still works for its seven days.
LOOK_BACK = timedelta(days=2)


def invite_finished_meetings(*, now: datetime | None = None, batch: int = 500) -> int:
    """Invite the contact of each confirmed meeting that ended in the last LOOK_BACK and has not
    been followed up yet; returns how many this call claimed.

    Cancelled (and never confirmed) meetings are never invited.
    """
    now = now or timezone.now()
    since = now - LOOK_BACK
    candidates = list(
        Meeting.objects.filter(
            status=MeetingStatus.CONFIRMED,
            end__gt=since,
            end__lte=now,
            # Bounded by the longest meeting, so the query stays on the start index.
            start__gt=since - MAX_MEETING,
            start__lte=now,
        )
        .filter(Q(feedback_invitation__isnull=True) | Q(feedback_invitation__swept_at__isnull=True))
        .order_by("end", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    claimed = 0
    for pk in candidates:
        try:
            meeting = Meeting.objects.get(pk=pk)
            invitation = services.invite(meeting, now=now)
            if services.follow_up(invitation, now=now):
                claimed += 1
        except Exception:  # one bad row never stops the loop
            log.exception("invite_finished_meetings: meeting %s skipped", pk)
    return claimed
