"""The checks' invariants (design.md, invariant 4), registered with `manage.py check_invariants`."""

from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from bookings.models import Meeting, MeetingStatus
from core.invariants import register
from core.models import AuditEntry, Notification
from inspections.models import Check, CheckLevel, CheckStatus
from inspections.services import OPEN_CHECK_STATUSES, ROUND_ACTIONS, due_at_for

_LEVELS = {level.value for level in CheckLevel}


@register("inspections: every active meeting has its three checks at the right times")
def three_checks_per_meeting() -> Iterator[str]:
    checks = defaultdict(dict)
    for meeting_id, level, due_at in Check.objects.filter(
        meeting__status__in=[MeetingStatus.REQUESTED, MeetingStatus.CONFIRMED]
    ).values_list("meeting_id", "level", "due_at"):
        checks[meeting_id][level] = due_at
    for meeting_id, start in (
        Meeting.objects.active().values_list("pk", "start").iterator(chunk_size=5000)
    ):
        mine = checks.get(meeting_id, {})
        if set(mine) != _LEVELS:
            yield f"meeting {meeting_id} has checks of levels {sorted(mine)}, not 1, 2 and 3"
            continue
        for level, due_at in sorted(mine.items()):
            if due_at != due_at_for(level, start):
                yield f"meeting {meeting_id}: level-{level} check due {due_at}, not by its start"


@register("inspections: no open check on a cancelled meeting")
def no_open_check_on_cancelled_meeting() -> Iterator[str]:
    for pk, meeting_id in Check.objects.filter(
        meeting__status=MeetingStatus.CANCELLED, status__in=OPEN_CHECK_STATUSES
    ).values_list("pk", "meeting_id"):
        yield f"check {pk} of cancelled meeting {meeting_id} is still open"


@register("inspections: each check is notified once per due time")
def notified_once() -> Iterator[str]:
    """A check's "check_due" notifications, per recipient, are at most one per round (the first
    notification plus one for each re-arm or re-open)."""
    per_check = Counter()
    for key, recipient_id in Notification.objects.filter(
        kind="check_due", dedupe_key__startswith="check:"
    ).values_list("dedupe_key", "recipient_id"):
        check_id = key.split(":")[1]
        per_check[(check_id, recipient_id)] += 1
    repeated = {check_id for (check_id, _r), n in per_check.items() if n > 1}
    if not repeated:
        return
    rounds = Counter(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Check),
            object_id__in=repeated,
            action__in=ROUND_ACTIONS,
        ).values_list("object_id", flat=True)
    )
    for (check_id, recipient_id), n in sorted(per_check.items()):
        if n > rounds[check_id] + 1:
            yield f"check {check_id} was notified {n} times to user {recipient_id}"


@register("inspections: every check left undone past its grace is escalated")
def late_checks_escalated() -> Iterator[str]:
    grace = timedelta(
        minutes=settings.CHECK_ESCALATE_MINUTES, seconds=2 * settings.CHECK_SWEEP_SECONDS
    )
    for pk, due_at in Check.objects.filter(
        status=CheckStatus.NOTIFIED,
        escalated_at__isnull=True,
        due_at__lte=timezone.now() - grace,
    ).values_list("pk", "due_at"):
        yield f"check {pk} due {due_at} is neither done nor escalated"
