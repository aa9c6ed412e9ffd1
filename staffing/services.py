"""Every change to duties. Pages, the API, the dispatcher and the meeting receivers call these.

Each service owns its transaction, takes the acting user as `by`, validates through
staffing.validation.DutyBook (the same rules the dispatcher uses), writes an audit row per
state change and notifies the person on commit-safe rows (core.notifications.notify).
Refusals raise DispatchError with every reason.

Who may call which service (lobby managers assign, the person acknowledges) is decided by
staffing.access; the services trust their caller, because the receivers and the dispatcher
act for the system.
"""

import datetime as dt
from datetime import datetime

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings import visibility
from bookings.models import Meeting, MeetingStatus
from core import audit, timeutils
from core.notifications import notify
from offices.models import OfficeRound, RoundStatus
from staffing.errors import DispatchConflict, DispatchError
from staffing.models import Duty, DutyRole, DutyStatus, Staff
from staffing.validation import DutyBook, Proposal

# The database guards behind the validator (migration 0002 and Duty.Meta).
OVERLAP_CONSTRAINT = "duty_staff_no_overlap"
ONE_DUTY_CONSTRAINTS = (
    "one_active_duty_per_person_and_meeting",
    "one_active_duty_per_person_and_round",
)
# A book is loaded this much wider than the duty, so neighbouring duties are seen.
BOOK_MARGIN = dt.timedelta(days=1)


def assign_duty(
    meeting: Meeting, *, by, staff: Staff, role: str, now: datetime | None = None
) -> Duty:
    """Put `staff` on `meeting` with `role` (window: arrival 30 min before start -> end +
    teardown). Raises DispatchError listing every broken rule; the PostgreSQL exclusion
    constraint backs the overlap rule against races (mapped to DispatchError too)."""
    now = now or timezone.now()
    with transaction.atomic():
        meeting = _lock_meeting(meeting)
        staff = _lock_staff(staff)
        _refuse_unstaffable(meeting, now=now)
        duty = _assign(meeting, staff=staff, role=role, by=by, now=now)
    return duty


def assign_round_duty(
    office_round: OfficeRound, *, by, staff: Staff, now: datetime | None = None
) -> Duty:
    """Put `staff` on an office round (window: the round's), with the same validation as a
    meeting duty: no overlap with any other duty, on shift, not absent, authorised for a
    leader's office. Raises DispatchError listing every broken rule."""
    now = now or timezone.now()
    with transaction.atomic():
        office_round = _lock_round(office_round)
        staff = _lock_staff(staff)
        _refuse_unstaffable_round(office_round, now=now)
        duty = _assign(office_round, staff=staff, role=DutyRole.OFFICE, by=by, now=now)
    return duty


def acknowledge_duty(duty: Duty, *, by, now: datetime | None = None) -> Duty:
    """The person (or their lobby manager) acknowledges an assigned duty. Acknowledging an
    acknowledged duty is a no-op; a released one is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        duty = _lock_duty(duty)
        _refuse_released(duty)
        if duty.status == DutyStatus.ACKNOWLEDGED:
            return duty
        duty.status = DutyStatus.ACKNOWLEDGED
        duty.acknowledged_at = now
        duty.save(update_fields=["status", "acknowledged_at"])
        audit.record(
            duty,
            "duty_acknowledged",
            by=by,
            from_state=DutyStatus.ASSIGNED,
            to_state=DutyStatus.ACKNOWLEDGED,
            now=now,
        )
    return duty


def record_arrival(duty: Duty, *, by, now: datetime | None = None) -> Duty:
    """The person checks in on arrival (late arrival visible by arrived_at > start). The first
    check-in counts; a repeat changes nothing."""
    now = now or timezone.now()
    with transaction.atomic():
        duty = _lock_duty(duty)
        _refuse_released(duty)
        if duty.arrived_at is not None:
            return duty
        duty.arrived_at = now
        duty.save(update_fields=["arrived_at"])
        audit.record(duty, "duty_arrived", by=by, changes={"arrived_at": (None, now)}, now=now)
    return duty


def release_duty(duty: Duty, *, by, reason: str, now: datetime | None = None) -> Duty:
    """Take a person off a duty; they are notified. A reason is required."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise DispatchError(
            _("Please give a reason for releasing the duty."),
            code="reason_required",
            fields={"reason": _("This field is required.")},
        )
    with transaction.atomic():
        duty = _lock_duty(duty)
        _refuse_released(duty)
        release(duty, by=by, reason=reason, now=now)
    return duty


def reassign_duty(duty: Duty, *, by, staff: Staff, now: datetime | None = None) -> Duty:
    """Hand a duty to another person with the same validation; both are notified. Returns the
    new duty (status assigned: an acknowledgement is the old person's, not carried over).
    Nothing changes when the new person is refused."""
    now = now or timezone.now()
    with transaction.atomic():
        duty = _lock_duty(duty)
        _refuse_released(duty)
        if duty.staff_id == staff.pk:
            raise DispatchError(
                _("%(name)s already holds this duty.") % {"name": staff.name},
                code="invalid",
                fields={"staff": _("Choose someone else.")},
            )
        if duty.office_round_id is not None:
            target = _lock_round(duty.office_round)
            staff = _lock_staff(staff)
            _refuse_unstaffable_round(target, now=now)
        else:
            target = _lock_meeting(duty.meeting)
            staff = _lock_staff(staff)
            _refuse_unstaffable(target, now=now)
        release(
            duty,
            by=by,
            reason=_("Reassigned to %(name)s") % {"name": staff.name},
            now=now,
        )
        new = _assign(target, staff=staff, role=duty.role, by=by, now=now)
    return new


# --- shared with staffing.receivers ---------------------------------------------------------


def release(duty: Duty, *, by, reason: str, now: datetime, notify_person: bool = True) -> None:
    """Release an active duty inside the caller's transaction: save, audit, notify."""
    before = duty.status
    duty.status = DutyStatus.RELEASED
    duty.released_at = now
    duty.release_reason = reason[:200]
    duty.save(update_fields=["status", "released_at", "release_reason"])
    audit.record(
        duty,
        "duty_released",
        by=by,
        from_state=before,
        to_state=DutyStatus.RELEASED,
        note=reason,
        now=now,
    )
    if notify_person:
        tell_person(
            duty,
            kind="duty_released",
            title=_("Duty released: %(meeting)s") % {"meeting": _meeting_title(duty)},
            body=reason,
            now=now,
        )


def tell_person(duty: Duty, *, kind: str, title: str, body: str = "", now: datetime) -> None:
    """Notify the person holding `duty`, when they have a login."""
    user = duty.staff.user
    if user is None:
        return
    if duty.meeting_id is not None:
        url = reverse("meeting-detail", args=[duty.meeting_id])
    else:
        url = reverse("my-duties")
    notify([user], kind=kind, title=title, body=body, url=url, now=now)


def meeting_title_for(user, meeting: Meeting) -> str:
    """The meeting's title as `user` may see it (the visibility policy)."""
    return visibility.title_for(user, meeting)


def round_title(office_round: OfficeRound) -> str:
    """A round as people read it: "Cleaning round · East 301 Director's office"."""
    return f"{office_round.get_kind_display()} · {office_round.room}"


def _meeting_title(duty: Duty) -> str:
    if duty.office_round_id is not None:
        return round_title(duty.office_round)
    if duty.staff.user is None:
        return str(duty.meeting_id)
    return meeting_title_for(duty.staff.user, duty.meeting)


# --- helpers --------------------------------------------------------------------------------


def _assign(target: Meeting | OfficeRound, *, staff: Staff, role: str, by, now: datetime) -> Duty:
    """Validate and create one duty on a meeting or an office round inside the caller's
    transaction (locks already held)."""
    if role not in DutyRole.values:
        raise DispatchError(
            _("Unknown duty."), code="invalid", fields={"role": _("Choose a duty.")}
        )
    on_round = isinstance(target, OfficeRound)
    if on_round:
        proposal = Proposal.for_round(staff.pk, target)
    else:
        proposal = Proposal.for_meeting(staff.pk, target, role)
    book = DutyBook.load(
        proposal.start - BOOK_MARGIN, proposal.end + BOOK_MARGIN, staff_ids=[staff.pk]
    )
    reasons = book.refusals(proposal)
    if (
        not on_round
        and role == DutyRole.LEAD
        and target.duties.active().filter(role=DutyRole.LEAD).exists()
    ):
        reasons.append(_("This meeting already has a lead."))
    if reasons:
        message = " ".join(reasons)
        raise DispatchError(message, code="invalid", fields={"staff": message})
    try:
        with transaction.atomic():  # a savepoint, so the caller's transaction survives
            duty = Duty.objects.create(
                staff=staff,
                meeting=None if on_round else target,
                office_round=target if on_round else None,
                role=role,
                building_id=proposal.building_id,
                start=proposal.start,
                end=proposal.end,
                assigned_by=by if getattr(by, "pk", None) else None,
                assigned_at=now,
            )
    except IntegrityError as exc:
        text = str(exc)
        if OVERLAP_CONSTRAINT in text or any(name in text for name in ONE_DUTY_CONSTRAINTS):
            message = _("%(name)s was given another duty at this time a moment ago.") % {
                "name": staff.name
            }
            raise DispatchError(message, code="invalid", fields={"staff": message}) from exc
        if "UNIQUE" in text.upper():  # SQLite names no constraint
            message = _("%(name)s already has a duty on this meeting.") % {"name": staff.name}
            raise DispatchError(message, code="invalid", fields={"staff": message}) from exc
        raise
    audit.record(
        duty,
        "duty_assigned",
        by=by,
        to_state=DutyStatus.ASSIGNED,
        changes={"staff": (None, staff.name), "role": (None, role)},
        now=now,
    )
    if staff.user is not None:
        duty.staff = staff
        if on_round:
            duty.office_round = target
            what = round_title(target)
        else:
            duty.meeting = target
            what = meeting_title_for(staff.user, target)
        tell_person(
            duty,
            kind="duty_assigned",
            title=_("New duty: %(meeting)s") % {"meeting": what},
            body=_("%(role)s, %(room)s, arrive %(span)s")
            % {
                "role": duty.get_role_display(),
                "room": target.room,
                "span": timeutils.format_span(duty.start, duty.end),
            },
            now=now,
        )
    return duty


def _lock_meeting(meeting: Meeting) -> Meeting:
    """The meeting row, locked: assignments to one meeting queue (one lead per meeting)."""
    return (
        Meeting.objects.select_for_update()
        .select_related("room", "room__building")
        .get(pk=meeting.pk)
    )


def _lock_round(office_round: OfficeRound) -> OfficeRound:
    """The round's row, locked: assignments to one round queue."""
    return (
        OfficeRound.objects.select_for_update()
        .select_related("room", "room__building")
        .get(pk=office_round.pk)
    )


def _lock_staff(staff: Staff) -> Staff:
    """The person's row, locked: assignments to one person queue, so the lead limits (which the
    exclusion constraint does not cover) hold under concurrency too."""
    return Staff.objects.select_for_update(of=("self",)).select_related("user").get(pk=staff.pk)


def _lock_duty(duty: Duty) -> Duty:
    return (
        Duty.objects.select_for_update(of=("self",))
        .select_related(
            "staff", "staff__user", "meeting", "meeting__room", "office_round__room__building"
        )
        .get(pk=duty.pk)
    )


def _refuse_unstaffable(meeting: Meeting, *, now: datetime) -> None:
    if meeting.status == MeetingStatus.CANCELLED:
        raise DispatchError(_("This meeting is cancelled."), code="cancelled")
    if meeting.end <= now:
        raise DispatchError(_("This meeting is over."), code="past")


def _refuse_unstaffable_round(office_round: OfficeRound, *, now: datetime) -> None:
    if office_round.status != RoundStatus.SCHEDULED:
        raise DispatchError(_("This round is already done or cancelled."), code="closed")
    if office_round.end <= now:
        raise DispatchError(_("This round is over."), code="past")


def _refuse_released(duty: Duty) -> None:
    if duty.status == DutyStatus.RELEASED:
        raise DispatchConflict(_("This duty has been released."), code="released")
