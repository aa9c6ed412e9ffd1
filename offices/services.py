"""Every change to office service plans' rounds. Pages, the hotline, the sweepers and the demo
loader call these; each owns its transaction, takes the acting user as `by` (None: the system)
and writes an audit row per state change.

Who may complete or cancel a round is decided by the caller (staffing.access, the views); the
services trust their caller, as staffing's do.
"""

import datetime as dt
from collections.abc import Iterable
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Room
from core import audit
from core.timeutils import at, day_bounds
from core.workdays import working_days_between
from offices import checklists, signals
from offices.errors import OfficeError, RoundConflict
from offices.models import (
    OFFICE_KINDS,
    OfficeRound,
    Recurrence,
    RoundStatus,
    ServiceKind,
    ServicePlan,
)

# A request from an office ("visitors at 15:00, tea for four"): the attendant comes this long
# before the visitors and stays this long in all: sets out the tea, serves on arrival, clears.
# 45 minutes keeps "visitors at 15:00" (14:45-15:30) inside the day shift that ends at 15:30:
# one person must be on shift for the whole round.
REQUEST_LEAD = dt.timedelta(minutes=15)
REQUEST_LENGTH = dt.timedelta(minutes=45)


def plan_days(plan: ServicePlan, first: dt.date, last: dt.date) -> list[dt.date]:
    """The days in [first, last] on which `plan` has a round: every day for a daily plan,
    else the working days (holidays and adjusted working days from core.workdays)."""
    if plan.recurrence == Recurrence.DAILY:
        return [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    days = working_days_between(first, last)
    if plan.recurrence == Recurrence.WEEKDAYS:
        wanted = {int(d) for d in plan.weekdays or ()}
        days = [d for d in days if d.weekday() in wanted]
    return days


def generate_rounds(
    first: dt.date, last: dt.date, *, now: datetime | None = None, plans=None
) -> list[OfficeRound]:
    """Create the rounds of every active plan (or of `plans`) on the days [first, last] that do
    not exist yet; return the new ones. Idempotent: a (plan, start) pair is made once."""
    now = now or timezone.now()
    plans = (
        list(plans)
        if plans is not None
        else list(ServicePlan.objects.filter(active=True).select_related("room"))
    )
    plans = [p for p in plans if p.active and p.room.in_service]
    if not plans:
        return []
    wanted: list[OfficeRound] = []
    for plan in plans:
        for day in plan_days(plan, first, last):
            start = at(day, plan.start_time.hour, plan.start_time.minute)
            wanted.append(_round_for(plan, start, now))
    existing = set(
        OfficeRound.objects.filter(plan__in=plans, start__in={r.start for r in wanted}).values_list(
            "plan_id", "start"
        )
    )
    new = [r for r in wanted if (r.plan_id, r.start) not in existing]
    created = []
    for office_round in new:
        try:
            with transaction.atomic():
                office_round.save()
                audit.record(
                    office_round,
                    "round_planned",
                    by=None,
                    to_state=RoundStatus.SCHEDULED,
                    now=now,
                )
        except IntegrityError:
            continue  # made by a concurrent run a moment ago
        created.append(office_round)
    return created


def _round_for(plan: ServicePlan, start: datetime, now: datetime) -> OfficeRound:
    return OfficeRound(
        plan=plan,
        room=plan.room,
        building_id=plan.room.building_id,
        kind=plan.kind,
        start=start,
        end=start + dt.timedelta(minutes=plan.minutes),
        staff_needed=plan.staff_needed,
        needs_authorisation=plan.room.kind == Room.Kind.LEADER_OFFICE,
        what=plan.note,
        created_at=now,
    )


def request_round(
    *,
    by,
    room: Room,
    what: str,
    when: datetime,
    people: int = 1,
    now: datetime | None = None,
) -> OfficeRound:
    """A request from an office (visitors at `when`, tea for four) as a round without a plan:
    from 15 minutes before `when` to 30 minutes after it. Raises OfficeError on bad input."""
    now = now or timezone.now()
    what = (what or "").strip()
    errors = {}
    if room is None or room.kind not in OFFICE_KINDS:
        errors["room"] = _("Please choose an office.")
    if not what:
        errors["what"] = _("Please say what is needed.")
    if when is None:
        errors["when"] = _("Please give the time.")
    elif when + REQUEST_LENGTH - REQUEST_LEAD <= now:
        errors["when"] = _("This time has already passed.")
    if not 1 <= int(people or 0) <= 6:
        errors["people"] = _("Between one and six people.")
    if errors:
        raise OfficeError(" ".join(errors.values()), fields=errors)
    start = max(when - REQUEST_LEAD, now)
    with transaction.atomic():
        office_round = OfficeRound.objects.create(
            room=room,
            building_id=room.building_id,
            kind=ServiceKind.TEA,
            start=start,
            end=when - REQUEST_LEAD + REQUEST_LENGTH,
            staff_needed=people,
            needs_authorisation=room.kind == Room.Kind.LEADER_OFFICE,
            what=what[:200],
            created_at=now,
            created_by=by if getattr(by, "pk", None) else None,
        )
        audit.record(
            office_round,
            "round_requested",
            by=by,
            to_state=RoundStatus.SCHEDULED,
            note=what,
            now=now,
        )
    return office_round


def complete_round(
    office_round: OfficeRound,
    *,
    by,
    items: Iterable[str],
    note: str = "",
    now: datetime | None = None,
) -> OfficeRound:
    """Tick the round off with its checklist. An item left unticked needs a note saying why.
    Raises OfficeError on bad input, RoundConflict if it is already done or cancelled."""
    now = now or timezone.now()
    note = (note or "").strip()
    codes = checklists.codes_for(office_round.kind)
    ticked = [code for code in codes if code in set(items or ())]
    unknown = set(items or ()) - set(codes)
    if unknown:
        message = _("Unknown checklist item.")
        raise OfficeError(message, fields={"items": message})
    if len(ticked) < len(codes) and not note:
        message = _("Please note why an item is not ticked.")
        raise OfficeError(message, fields={"note": message})
    if office_round.start > now + dt.timedelta(hours=1):
        message = _("This round has not started yet.")
        raise OfficeError(message, code="too_early")
    with transaction.atomic():
        won = OfficeRound.objects.filter(pk=office_round.pk, status=RoundStatus.SCHEDULED).update(
            status=RoundStatus.DONE,
            done_at=now,
            done_by=by if getattr(by, "pk", None) else None,
            item_results=[{"item": code, "ok": code in ticked} for code in codes],
            note=note[:300],
        )
        if not won:
            raise RoundConflict(_("This round is already done or cancelled."), code="closed")
        office_round.refresh_from_db()
        late = "" if office_round.done_on_time else "late"
        audit.record(
            office_round,
            "round_done",
            by=by,
            from_state=RoundStatus.SCHEDULED,
            to_state=RoundStatus.DONE,
            note=" ".join(part for part in (late, note) if part),
            now=now,
        )
    return office_round


def cancel_round(
    office_round: OfficeRound, *, by, reason: str, now: datetime | None = None
) -> OfficeRound:
    """Cancel a scheduled round (the leader is away, the request was withdrawn); its duties are
    released in the same transaction (staffing's receiver). A reason is required."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        message = _("Please give a reason.")
        raise OfficeError(message, fields={"reason": message})
    with transaction.atomic():
        won = OfficeRound.objects.filter(pk=office_round.pk, status=RoundStatus.SCHEDULED).update(
            status=RoundStatus.CANCELLED
        )
        if not won:
            raise RoundConflict(_("This round is already done or cancelled."), code="closed")
        office_round.refresh_from_db()
        audit.record(
            office_round,
            "round_cancelled",
            by=by,
            from_state=RoundStatus.SCHEDULED,
            to_state=RoundStatus.CANCELLED,
            note=reason,
            now=now,
        )
        signals.round_cancelled.send(
            sender=OfficeRound, office_round=office_round, by=by, now=now, reason=reason
        )
    return office_round


def day_rounds(day: dt.date, *, building=None) -> list[OfficeRound]:
    """The scheduled rounds starting on `day` (local), with room and building: one query."""
    start, end = day_bounds(day)
    rounds = OfficeRound.objects.filter(
        status=RoundStatus.SCHEDULED, start__gte=start, start__lt=end
    )
    if building is not None:
        rounds = rounds.filter(building=building)
    return list(rounds.select_related("room", "building").order_by("start", "pk"))
