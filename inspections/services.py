"""The checks' services: laying them down with a meeting, moving them with it, completing them.

Every function takes the acting user (`by`, None for the system) and `now`, writes one audit row
per change and raises CheckError with a translated message.

Dedupe keys (one scheme, used by the sweepers and the invariants): a check's notifications are
sent in "rounds". Round 0 uses `check:<pk>:due` and `check:<pk>:late`; every time a check is
re-armed (a notified check moved to a future due time) or re-opened (a done check whose meeting
changed) a new round starts, and round n > 0 uses `check:<pk>:due:r<n>` / `check:<pk>:late:r<n>`.
`core.notifications.notify` appends `:<user pk>` to each key. The round is the number of the
check's "check_rearmed" and "check_reopened" audit rows.
"""

from datetime import datetime, timedelta

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Meeting, MeetingStatus
from core import audit
from core.models import AuditEntry
from inspections import checklists
from inspections.errors import CheckError
from inspections.models import (
    LEVEL_LEAD_MINUTES,
    Check,
    CheckLevel,
    CheckResult,
    CheckStatus,
    Incident,
    IncidentCategory,
    Severity,
)

OPEN_CHECK_STATUSES = (CheckStatus.PENDING, CheckStatus.NOTIFIED)
ROUND_ACTIONS = ("check_rearmed", "check_reopened")


def due_at_for(level: int, start: datetime) -> datetime:
    return start - timedelta(minutes=LEVEL_LEAD_MINUTES[CheckLevel(level)])


def notification_round(check: Check) -> int:
    return AuditEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(Check),
        object_id=str(check.pk),
        action__in=ROUND_ACTIONS,
    ).count()


def due_key(check: Check, round_: int | None = None) -> str:
    round_ = notification_round(check) if round_ is None else round_
    return f"check:{check.pk}:due" + (f":r{round_}" if round_ else "")


def late_key(check: Check, round_: int | None = None) -> str:
    round_ = notification_round(check) if round_ is None else round_
    return f"check:{check.pk}:late" + (f":r{round_}" if round_ else "")


def ensure_checks(meeting: Meeting, *, now: datetime, by=None) -> list[Check]:
    """Promise: an active meeting has its three checks, due 120, 60 and 30 minutes before the
    start. A meeting booked less than two hours ahead gets them already past due (never skipped):
    the sweeper notifies them on its next pass. Missing ones are created (audited)."""
    if meeting.status == MeetingStatus.CANCELLED:
        return []
    existing = {c.level: c for c in meeting.checks.all()}
    missing = [
        Check(meeting=meeting, level=level, due_at=due_at_for(level, meeting.start))
        for level in CheckLevel
        if level.value not in existing
    ]
    if missing:
        # One statement for the checks and one for their audit rows: every booking runs this.
        for check in Check.objects.bulk_create(missing):
            existing[check.level] = check
        audit.record_all(
            [
                audit.entry(
                    check,
                    "check_created",
                    by=by,
                    to_state=check.status,
                    now=now,
                    changes={"due_at": (None, check.due_at)},
                )
                for check in missing
            ]
        )
    return [existing[level.value] for level in CheckLevel]


def move_checks(
    meeting: Meeting, *, by, now: datetime, time_or_room_changed: bool, details_changed: bool
) -> list[Check]:
    """Promise: after a change of the meeting, each check not done is due at its level's time
    before the (new) start; a notified one whose new due time is still ahead goes back to
    pending (a new notification round), one already past due stays notified. Done checks are
    re-opened when the change touches what they confirmed: time or room -> every level; the
    attendees or the leader -> level 1. Returns the checks that were notified before and moved
    or re-opened (their people should hear of it)."""
    touched = []
    for check in Check.objects.select_for_update().filter(meeting=meeting).order_by("level"):
        new_due = due_at_for(check.level, meeting.start)
        before = check.status
        if check.status == CheckStatus.CANCELLED:
            continue
        if check.status == CheckStatus.DONE:
            reopen = time_or_room_changed or (details_changed and check.level == CheckLevel.ONE)
            if not reopen:
                continue
            _reopen(check, new_due, by=by, now=now)
            touched.append(check)
            continue
        if check.due_at == new_due:
            continue
        old_due = check.due_at
        check.due_at = new_due
        fields = ["due_at"]
        if check.status == CheckStatus.NOTIFIED and new_due > now:
            check.status = CheckStatus.PENDING
            check.notified_at = None
            check.escalated_at = None
            fields += ["status", "notified_at", "escalated_at"]
            action = "check_rearmed"
            touched.append(check)
        elif check.status == CheckStatus.NOTIFIED:
            action = "check_moved"
            touched.append(check)
        else:
            action = "check_moved"
        check.save(update_fields=fields)
        audit.record(
            check,
            action,
            by=by,
            from_state=before,
            to_state=check.status,
            now=now,
            changes={"due_at": (old_due, new_due)},
        )
    return touched


def _reopen(check: Check, new_due: datetime, *, by, now: datetime) -> None:
    old = {"due_at": check.due_at, "result": check.result}
    line = _("Re-opened on %(when)s: the meeting changed after this check was done.") % {
        "when": timezone.localtime(now).strftime("%Y-%m-%d %H:%M")
    }
    check.status = CheckStatus.PENDING
    check.due_at = new_due
    check.result = ""
    check.notified_at = check.escalated_at = check.done_at = None
    check.done_by = None
    check.note = f"{check.note}\n{line}".strip()
    check.save(
        update_fields=[
            "status",
            "due_at",
            "result",
            "notified_at",
            "escalated_at",
            "done_at",
            "done_by",
            "note",
        ]
    )
    audit.record(
        check,
        "check_reopened",
        by=by,
        from_state=CheckStatus.DONE,
        to_state=check.status,
        now=now,
        note=line,
        changes={"due_at": (old["due_at"], new_due), "result": (old["result"], "")},
    )


def cancel_checks(meeting: Meeting, *, by, now: datetime, reason: str = "") -> int:
    """Promise: every open check of a cancelled meeting is cancelled (audited); done ones stay."""
    cancelled = 0
    for check in Check.objects.select_for_update().filter(
        meeting=meeting, status__in=OPEN_CHECK_STATUSES
    ):
        before = check.status
        check.status = CheckStatus.CANCELLED
        check.save(update_fields=["status"])
        audit.record(
            check,
            "check_cancelled",
            by=by,
            from_state=before,
            to_state=check.status,
            note=reason,
            now=now,
        )
        cancelled += 1
    return cancelled


def complete_check(
    check: Check,
    *,
    by,
    items: list[dict],
    result: str | None = None,
    note: str = "",
    now: datetime | None = None,
) -> Check:
    """Record a check as done with its checklist.

    Every item must be ticked (`ok`) or carry a `note`; a level-3 order line whose order is not
    yet prepared needs a note even when ticked. Level 2 waits for level 1, level 3 for both. A
    result of "problem" (or any unticked item with a note) opens an incident against the room.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    if result not in (None, "", CheckResult.OK, CheckResult.PROBLEM):
        raise CheckError(
            _("Unknown result."), code="invalid", fields={"result": _("Choose ok or problem.")}
        )
    with transaction.atomic():
        check = Check.objects.select_for_update().select_related("meeting__room").get(pk=check.pk)
        if check.status not in OPEN_CHECK_STATUSES:
            raise CheckError(
                _("This check is %(status)s and cannot be completed.")
                % {"status": check.get_status_display()},
                code="invalid_state",
            )
        _refuse_out_of_order(check)
        given = _parse_items(items)
        expected = checklists.items_for(check)
        known = {item["text"] for item in expected}
        unknown = [text for text in given if text not in known]
        if unknown:
            raise CheckError(
                _("Unknown checklist items: %(items)s") % {"items": "; ".join(unknown)},
                code="invalid",
                fields={"items": _("These are not on this check's list.")},
            )
        recorded, missing, not_ready = [], [], []
        for item in expected:
            answer = given.get(item["text"], {"ok": False, "note": ""})
            if not answer["ok"] and not answer["note"]:
                missing.append(item["text"])
            if "order_id" in item and not item["ready"] and not answer["note"]:
                not_ready.append(item["text"])
            line = {"text": item["text"], "ok": answer["ok"], "note": answer["note"]}
            if "order_id" in item:
                line.update(order_id=item["order_id"], order_status=item["status"])
            recorded.append(line)
        if missing:
            raise CheckError(
                _("Tick every item or add a note to it: %(items)s") % {"items": "; ".join(missing)},
                code="incomplete",
                fields={"items": _("Every item needs a tick or a note.")},
            )
        if not_ready:
            raise CheckError(
                _("These services are not prepared yet; add a note to pass anyway: %(items)s")
                % {"items": "; ".join(not_ready)},
                code="orders_not_ready",
                fields={"items": _("A service not yet prepared needs a note.")},
            )
        flagged = [line for line in recorded if not line["ok"]]
        if not result:
            result = CheckResult.PROBLEM if flagged else CheckResult.OK
        if result == CheckResult.PROBLEM and not (flagged or note):
            raise CheckError(
                _("Describe the problem in a note."),
                code="invalid",
                fields={"note": _("Required when a problem was found.")},
            )
        before = check.status
        actor = by if getattr(by, "pk", None) else None
        check.status, check.result = CheckStatus.DONE, result
        check.done_at, check.done_by = now, actor
        check.item_results = recorded
        check.note = "\n".join(part for part in (check.note, note) if part)
        check.save(update_fields=["status", "result", "done_at", "done_by", "item_results", "note"])
        audit.record(
            check,
            "check_done",
            by=by,
            from_state=before,
            to_state=check.status,
            now=now,
            changes={"result": ("", result)},
            note=note,
        )
        if result == CheckResult.PROBLEM or flagged:
            _open_incident(check, flagged, note=note, by=actor, now=now)
    return check


def _refuse_out_of_order(check: Check) -> None:
    if check.level == CheckLevel.ONE:
        return
    earlier = list(range(1, check.level))
    done = set(
        Check.objects.filter(
            meeting_id=check.meeting_id, level__in=earlier, status=CheckStatus.DONE
        ).values_list("level", flat=True)
    )
    waiting = [level for level in earlier if level not in done]
    if waiting:
        raise CheckError(
            _("Level %(level)s cannot pass before level %(earlier)s is done.")
            % {"level": check.level, "earlier": _(" and ").join(str(n) for n in waiting)},
            code="out_of_order",
        )


def _parse_items(items) -> dict[str, dict]:
    parsed: dict[str, dict] = {}
    for raw in items or []:
        if not isinstance(raw, dict) or not str(raw.get("text") or "").strip():
            raise CheckError(
                _("Each checklist item needs its text."),
                code="invalid",
                fields={"items": _("Each item needs text, ok and note.")},
            )
        text = str(raw["text"]).strip()
        parsed[text] = {"ok": bool(raw.get("ok")), "note": str(raw.get("note") or "").strip()}
    return parsed


def _open_incident(check: Check, flagged: list[dict], *, note: str, by, now: datetime) -> Incident:
    """A problem found by a check is an incident like any other: the lobby manager and the
    hotline hear of it at once."""
    from inspections.incidents import report_incident

    lines = [note] if note else []
    lines += [f"{line['text']}: {line['note']}" for line in flagged]
    incident = report_incident(
        by=by,
        category=IncidentCategory.OTHER,
        severity=Severity.MEDIUM,
        description="\n".join(lines) or _("A check found a problem."),
        meeting=check.meeting,
        now=now,
    )
    incident.found_by_check = check
    incident.save(update_fields=["found_by_check"])
    return incident


def close_past_checks(*, before: datetime, now: datetime) -> int:
    """Mark every open check due before `before` as done by the system, every item ticked (a
    note on order lines not yet prepared). For the demo loader, so the first sweep does not
    notify a week of old checks."""
    closed = 0
    for check in (
        Check.objects.filter(status__in=OPEN_CHECK_STATUSES, due_at__lt=before)
        .select_related("meeting")
        .order_by("meeting_id", "level")
    ):
        items = [
            {
                "text": item["text"],
                "ok": True,
                "note": "" if item.get("ready", True) else _("Recorded when the demo was loaded."),
            }
            for item in checklists.items_for(check)
        ]
        complete_check(
            check,
            by=None,
            items=items,
            result=CheckResult.OK,
            now=min(check.due_at + timedelta(minutes=5), now),
        )
        closed += 1
    return closed
