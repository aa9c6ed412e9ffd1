"""Every state change of quality inspections: recording an inspection (scores, findings with an
optional photo, corrective actions), adding an action to a finding, and closing one.

Each service takes the acting user as `by=`, an optional `now=`, owns its transaction, writes an
audit row per state change and notifies the assignee (when they have a login) in that same
transaction. Refusals raise QualityError with a translated message and, where the refusal
concerns particular inputs, one message per field (keys as in `field_key`).
"""

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from django.core.files.storage import default_storage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Meeting, MeetingStatus, Room
from core import audit
from core.notifications import notify
from quality import photos
from quality.access import can_inspect_building
from quality.errors import ActionClosedError, QualityError
from quality.models import (
    MAX_ITEM_SCORE,
    MIN_ITEM_SCORE,
    ActionStatus,
    CorrectiveAction,
    Finding,
    Inspection,
    InspectionTemplate,
    ItemScore,
)
from staffing.models import Duty, Staff

OFFICE_KINDS = (Room.Kind.OFFICE, Room.Kind.LEADER_OFFICE)
MAX_FINDINGS = 20


def field_key(kind: str, index: int | None = None, name: str = "") -> str:
    """The key of a field in QualityError.fields: "score-<item id>", "finding-<n>-text",
    "finding-<n>-photo", "finding-<n>-assignee", "finding-<n>-due_on", or a plain name."""
    if kind == "score":
        return f"score-{index}"
    if kind == "finding":
        return f"finding-{index}-{name}"
    return kind


def weighted_score(rows: Iterable[tuple[int, int]]) -> int:
    """The inspection's score out of 100 from (weight, item score 1-5) pairs: 1 everywhere is 0,
    5 everywhere is 100, in between linear and weighted, rounded half up to a whole number."""
    rows = list(rows)
    total_weight = sum(weight for weight, _score in rows)
    if not total_weight:
        return 0
    points = sum(weight * (score - MIN_ITEM_SCORE) for weight, score in rows)
    scale = total_weight * (MAX_ITEM_SCORE - MIN_ITEM_SCORE)
    # round(100 * points / scale) with halves rounded up, in integers.
    return (200 * points + scale) // (2 * scale)


def default_staff(meeting: Meeting | None) -> list[Staff]:
    """The people on duty on the meeting (active duties): whom the inspection is about."""
    if meeting is None:
        return []
    ids = Duty.objects.active().filter(meeting=meeting).values_list("staff_id", flat=True)
    return list(Staff.objects.filter(pk__in=ids))


def _item_scores(template: InspectionTemplate, scores: Mapping, errors: dict) -> list[dict]:
    rows = []
    for item in template.items.all():
        raw = scores.get(item.pk, scores.get(str(item.pk)))
        try:
            value = int(raw)
        except (TypeError, ValueError):
            value = None
        if value is None or not MIN_ITEM_SCORE <= value <= MAX_ITEM_SCORE:
            errors[field_key("score", item.pk)] = _("Score this item from %(low)s to %(high)s.") % {
                "low": MIN_ITEM_SCORE,
                "high": MAX_ITEM_SCORE,
            }
            continue
        rows.append(
            {"position": item.position, "text": item.text, "weight": item.weight, "score": value}
        )
    return rows


def _check_action(assignee, due_on, today: dt.date, key, errors: dict) -> None:
    if assignee is None:
        errors[key("assignee")] = _("Choose who will put it right.")
    elif not assignee.active:
        errors[key("assignee")] = _("%(name)s is no longer on the roster.") % {
            "name": assignee.name
        }
    if due_on is None:
        errors[key("due_on")] = _("Give a due date.")
    elif due_on < today:
        errors[key("due_on")] = _("The due date is in the past.")


def _clean_findings(findings: Sequence[Mapping], today: dt.date, errors: dict) -> list[dict]:
    cleaned = []
    for index, raw in enumerate(findings[: MAX_FINDINGS + 1]):
        if index == MAX_FINDINGS:
            errors["findings"] = _("At most %(n)s findings per inspection.") % {"n": MAX_FINDINGS}
            break

        def key(name: str, index=index) -> str:
            return field_key("finding", index, name)

        text = (raw.get("text") or "").strip()
        photo = raw.get("photo") or None
        assignee = raw.get("assignee")
        due_on = raw.get("due_on")
        action_text = (raw.get("action") or "").strip()
        wants_action = assignee is not None or due_on is not None or bool(action_text)
        if not text:
            if photo is not None or wants_action:
                errors[key("text")] = _("Describe what was found.")
            continue  # an empty row of the form
        clean_photo = None
        if photo is not None:
            try:
                clean_photo = photos.clean(photo)
            except QualityError as exc:
                errors[key("photo")] = exc.message
        if wants_action:
            _check_action(assignee, due_on, today, key, errors)
        cleaned.append(
            {
                "text": text,
                "photo": clean_photo,
                "action": {"assignee": assignee, "due_on": due_on, "text": action_text[:300]}
                if wants_action
                else None,
            }
        )
    return cleaned


def record_inspection(
    *,
    by,
    template: InspectionTemplate,
    scores: Mapping,
    meeting: Meeting | None = None,
    room: Room | None = None,
    note: str = "",
    findings: Sequence[Mapping] = (),
    staff: Iterable[Staff] | None = None,
    now: datetime | None = None,
) -> Inspection:
    """Record an inspection of a meeting (its room) or of an office room, all or nothing.

    `scores` maps each of the template's item ids to a score from 1 to 5; the inspection's score
    (0-100) is computed from them with the items' weights (`weighted_score`). `findings` is a
    list of mappings with "text", and optionally "photo" (an uploaded JPEG/PNG/WebP of at most
    5 MB), and a corrective action as "assignee" (Staff), "due_on" (a date) and "action" (what to
    do, optional text). `staff` (the people inspected) defaults to those on duty on the meeting.
    The assignee of each action is notified.

    Raises QualityError, naming the fields at fault, for anything wrong (nothing is saved then).
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, str] = {}
    if meeting is not None:
        room = meeting.room
        if meeting.status == MeetingStatus.CANCELLED:
            errors["meeting"] = _("This meeting is cancelled.")
    elif room is None:
        errors["meeting"] = _("Choose a meeting or an office.")
    elif room.kind not in OFFICE_KINDS:
        errors["room"] = _("Choose an office here; a meeting room is inspected with its meeting.")
    if room is not None and not can_inspect_building(by, room.building_id):
        raise QualityError(_("You do not inspect this building."), code="forbidden")
    if template is None or not template.active:
        errors["template"] = _("Choose an active checklist.")
        rows = []
    else:
        if not template.fits(meeting=meeting is not None):
            errors["template"] = (
                _("This checklist is not for meetings.")
                if meeting is not None
                else _("This checklist is not for offices.")
            )
        rows = _item_scores(template, scores or {}, errors)
        if not rows and not errors:
            errors["template"] = _("This checklist has no items.")
    cleaned = _clean_findings(list(findings or ()), today, errors)
    if errors:
        raise QualityError(_("Please correct the marked fields."), fields=errors)

    people = default_staff(meeting) if staff is None else list(staff)
    stored: list[str] = []
    try:
        with transaction.atomic():
            inspection = Inspection.objects.create(
                template=template,
                meeting=meeting,
                room=room,
                building_id=room.building_id,
                inspector=by,
                inspected_at=now,
                score=weighted_score((row["weight"], row["score"]) for row in rows),
                note=(note or "").strip(),
            )
            ItemScore.objects.bulk_create([ItemScore(inspection=inspection, **row) for row in rows])
            if people:
                inspection.staff.set(people)
            audit.record(
                inspection,
                "inspection_recorded",
                by=by,
                to_state="recorded",
                changes={"score": (None, inspection.score)},
                now=now,
            )
            for position, item in enumerate(cleaned):
                finding = Finding(inspection=inspection, position=position, text=item["text"])
                if item["photo"] is not None:
                    finding.photo.save(
                        f"{uuid.uuid4().hex}.{item['photo'].extension}",
                        item["photo"].content,
                        save=False,
                    )
                    stored.append(finding.photo.name)
                finding.save()
                if item["action"] is not None:
                    _create_action(finding, by=by, now=now, **item["action"])
    except BaseException:
        # The rows rolled back; the files written for them must go too.
        for name in stored:
            default_storage.delete(name)
        raise
    return inspection


def _create_action(
    finding: Finding, *, by, assignee: Staff, due_on: dt.date, text: str, now: datetime
) -> CorrectiveAction:
    action = CorrectiveAction.objects.create(
        finding=finding,
        text=text,
        assignee=assignee,
        due_on=due_on,
        created_by=by,
        created_at=now,
    )
    audit.record(
        action,
        "action_assigned",
        by=by,
        to_state=ActionStatus.OPEN,
        changes={"assignee": (None, assignee.name), "due_on": (None, due_on.isoformat())},
        now=now,
    )
    if assignee.user_id is not None:
        notify(
            [assignee.user],
            kind="quality_action",
            # The finding's text stays on the page: the notice names the place and the date.
            title=_("Corrective action for you at %(room)s, due %(due)s")
            % {"room": finding.inspection.room, "due": due_on.isoformat()},
            body=text or finding.text,
            url=reverse("quality-action-list"),
            dedupe_key=f"quality-action:{action.pk}",
            now=now,
        )
    return action


def add_action(
    finding: Finding,
    *,
    by,
    assignee: Staff | None,
    due_on: dt.date | None,
    text: str = "",
    now: datetime | None = None,
) -> CorrectiveAction:
    """Assign a corrective action for a finding to a person, due on a date; notify them.

    Raises QualityError (fields "assignee", "due_on") for a missing or inactive assignee or a
    due date in the past, or when the user does not inspect the finding's building.
    """
    now = now or timezone.now()
    if not can_inspect_building(by, finding.inspection.building_id):
        raise QualityError(_("You do not inspect this building."), code="forbidden")
    errors: dict[str, str] = {}
    _check_action(assignee, due_on, timezone.localdate(now), lambda name: name, errors)
    if errors:
        raise QualityError(_("Please correct the marked fields."), fields=errors)
    with transaction.atomic():
        return _create_action(
            finding,
            by=by,
            assignee=assignee,
            due_on=due_on,
            text=(text or "").strip()[:300],
            now=now,
        )


def close_action(
    action: CorrectiveAction, *, by, note: str, now: datetime | None = None
) -> CorrectiveAction:
    """Close an open corrective action with what was done.

    Claimed with a compare-and-set, so of two people closing at once one wins; the other (and any
    later close) gets ActionClosedError. Raises QualityError (field "note") without a note.
    """
    now = now or timezone.now()
    note = (note or "").strip()
    if not note:
        message = _("Please say what was done.")
        raise QualityError(message, fields={"note": message})
    with transaction.atomic():
        won = CorrectiveAction.objects.filter(pk=action.pk, status=ActionStatus.OPEN).update(
            status=ActionStatus.DONE, closed_at=now, closed_by=by, closing_note=note
        )
        if not won:
            raise ActionClosedError(_("This corrective action is already closed."))
        action.refresh_from_db()
        audit.record(
            action,
            "action_closed",
            by=by,
            from_state=ActionStatus.OPEN,
            to_state=ActionStatus.DONE,
            note=note,
            now=now,
        )
        if action.created_by_id != getattr(by, "pk", None):
            notify(
                [action.created_by],
                kind="quality_action_done",
                title=_("Corrective action closed: %(name)s, %(room)s")
                % {"name": action.assignee.name, "room": action.finding.inspection.room},
                body=note,
                url=reverse("quality-inspection-detail", args=[action.finding.inspection_id]),
                dedupe_key=f"quality-action-done:{action.pk}",
                now=now,
            )
    return action
