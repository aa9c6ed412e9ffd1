"""Duties follow their meeting: connected in StaffingConfig.ready() to bookings.signals.

Each receiver runs inside the meeting service's transaction (design.md): an unexpected error
rolls the meeting change back, so the receivers never raise for a duty that merely no longer
fits; they release it instead.
"""

import datetime as dt

from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from core import audit, timeutils
from core.notifications import notify
from core.roles import Role, users_with_role
from staffing import services
from staffing.models import Duty
from staffing.validation import DutyBook, Proposal

# The meeting fields a duty's window, building or validity depends on.
_DUTY_INPUTS = {"start", "end", "room", "teardown_minutes", "confidentiality"}


def move_duties_with_meeting(sender, *, meeting, by, now, changes=None, **kwargs) -> None:
    """Promise: after a reschedule (or a change that makes a meeting secret), every active duty
    that still passes the validator at the new time is moved with the meeting (audit
    "duty_moved"); every other one is released ("no longer fits after the reschedule"), each in
    its own savepoint. The people affected are notified, and the lobby managers of the
    meeting's building are told which duties were released. Never refuses the reschedule."""
    if not _DUTY_INPUTS & set(changes or {}):
        return
    duties = list(
        Duty.objects.active()
        .filter(meeting=meeting)
        .select_related("staff", "staff__user")
        .order_by("role", "id")
    )
    if not duties:
        return
    proposals = {d.pk: Proposal.for_meeting(d.staff_id, meeting, d.role) for d in duties}
    first = min(p.start for p in proposals.values())
    last = max(p.end for p in proposals.values())
    book = DutyBook.load(
        first - services.BOOK_MARGIN,
        last + services.BOOK_MARGIN,
        staff_ids={d.staff_id for d in duties},
        exclude_duty_ids=[d.pk for d in duties],
    )
    released: list[tuple[Duty, list[str]]] = []
    for duty in duties:
        proposal = proposals[duty.pk]
        reasons = book.refusals(proposal)
        if not reasons and _move(duty, proposal, by=by, now=now):
            book.hold(proposal)
            continue
        reason = _("no longer fits after the reschedule")
        with transaction.atomic():
            services.release(duty, by=by, reason=reason, now=now, notify_person=False)
        released.append((duty, reasons))
    for duty, reasons in released:
        services.tell_person(
            duty,
            kind="duty_released",
            title=_("Duty released: %(meeting)s")
            % {"meeting": services.meeting_title_for(duty.staff.user, meeting)},
            body=" ".join([_("The meeting was rescheduled."), *reasons]),
            now=now,
        )
    if released:
        _tell_lobby_managers(meeting, released, now=now)


def release_duties_of_cancelled_meeting(sender, *, meeting, by, now, **kwargs) -> None:
    """Promise: when a meeting is cancelled every active duty on it is released ("meeting
    cancelled", audited) and each person with a login is notified."""
    for duty in Duty.objects.active().filter(meeting=meeting).select_related("staff__user"):
        with transaction.atomic():
            services.release(duty, by=by, reason=_("meeting cancelled"), now=now)


def release_duties_of_cancelled_round(sender, *, office_round, by, now, reason="", **kwargs):
    """Promise: every active duty on a cancelled office round is released, and its holder told,
    in the cancelling transaction."""
    duties = office_round.duties.active().select_related("staff__user", "office_round__room")
    for duty in duties:
        services.release(duty, by=by, reason=reason or _("office round cancelled"), now=now)


def _move(duty: Duty, proposal: Proposal, *, by, now: dt.datetime) -> bool:
    """Move one duty to the proposal's window in a savepoint; False if the database refuses
    (a concurrent assignment took the time), in which case nothing of it was saved."""
    changes = {
        field: (getattr(duty, field), value)
        for field, value in (
            ("start", proposal.start),
            ("end", proposal.end),
            ("building_id", proposal.building_id),
        )
        if getattr(duty, field) != value
    }
    if not changes:
        return True
    try:
        with transaction.atomic():
            duty.start, duty.end, duty.building_id = (
                proposal.start,
                proposal.end,
                proposal.building_id,
            )
            duty.save(update_fields=["start", "end", "building"])
            audit.record(duty, "duty_moved", by=by, changes=changes, now=now)
    except IntegrityError:
        duty.refresh_from_db()
        return False
    services.tell_person(
        duty,
        kind="duty_moved",
        title=_("Duty moved: %(meeting)s")
        % {"meeting": services.meeting_title_for(duty.staff.user, duty.meeting)},
        body=timeutils.format_span(duty.start, duty.end),
        now=now,
    )
    return True


def _tell_lobby_managers(meeting, released, *, now: dt.datetime) -> None:
    """The lobby managers whose home building is the meeting's; all of them if none is."""
    managers = users_with_role(Role.LOBBY_MANAGER)
    local = list(managers.filter(staff__home_building_id=meeting.room.building_id))
    recipients = local or list(managers)
    lines = [
        _("%(name)s (%(role)s): %(why)s")
        % {
            "name": duty.staff.name,
            "role": duty.get_role_display(),
            "why": " ".join(reasons) or _("no longer fits after the reschedule"),
        }
        for duty, reasons in released
    ]
    for manager in recipients:
        notify(
            [manager],
            kind="duties_released",
            title=_("Duties released after a reschedule: %(meeting)s")
            % {"meeting": services.meeting_title_for(manager, meeting)},
            body="\n".join(lines),
            url=reverse("meeting-detail", args=[meeting.pk]),
            now=now,
        )
