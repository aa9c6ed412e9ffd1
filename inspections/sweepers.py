"""The check sweepers, run by Celery beat every CHECK_SWEEP_SECONDS (design.md, "The scheduler").

Both are idempotent and safe in several workers at once: each row is claimed with a
compare-and-set (an UPDATE that changes one row or none) inside its own transaction, with
`select_for_update(skip_locked=True)` on backends that have it, and the notification is written
in that same transaction. One bad row is logged and skipped; the loop goes on.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import MeetingStatus
from bookings.visibility import title_for
from core import timeutils
from core.notifications import notify
from core.roles import Role, users_with_role
from core.sweeps import claim_each
from inspections import services
from inspections.models import Check, CheckLevel, CheckStatus
from staffing.models import Duty, DutyRole, Position, Staff

log = logging.getLogger(__name__)


def notify_due_checks(*, now: datetime | None = None, batch: int = 500) -> int:
    """Claim each due pending check, resolve and store its responsible person and notify them
    (kind "check_due"); returns how many checks this call claimed."""
    now = now or timezone.now()
    candidates = list(
        Check.objects.filter(status=CheckStatus.PENDING, due_at__lte=now)
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return claim_each(candidates, lambda pk: _claim(pk, now), log=log, what="notify_due_checks")


def escalate_late_checks(*, now: datetime | None = None, batch: int = 500) -> int:
    """Claim each notified check still open CHECK_ESCALATE_MINUTES past due and tell the lobby
    managers of its building and the supervisor (kind "check_late"); returns how many."""
    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.CHECK_ESCALATE_MINUTES)
    candidates = list(
        Check.objects.filter(
            status=CheckStatus.NOTIFIED, escalated_at__isnull=True, due_at__lte=limit
        )
        .order_by("due_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return claim_each(
        candidates, lambda pk: _escalate(pk, now, limit), log=log, what="escalate_late_checks"
    )


def _locked(queryset):
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset


def _claim(pk: int, now: datetime) -> bool:
    if not _locked(Check.objects.filter(pk=pk, status=CheckStatus.PENDING)).values_list("pk"):
        return False  # taken by another worker, or no longer pending
    won = Check.objects.filter(pk=pk, status=CheckStatus.PENDING, due_at__lte=now).update(
        status=CheckStatus.NOTIFIED, notified_at=now
    )
    if won != 1:
        return False
    # The building too: the notification names the room as "building number name".
    check = Check.objects.select_related("meeting__room__building").get(pk=pk)
    responsible, note = resolve_responsible(check)
    check.responsible, check.responsible_note = responsible, note[:200]
    check.save(update_fields=["responsible", "responsible_note"])
    meeting = check.meeting
    round_ = services.notification_round(check)
    url = reverse("meeting-detail", args=[meeting.pk])
    recipients = _users_of([responsible]) or list(users_with_role(Role.SUPERVISOR))
    when = timeutils.format_span(meeting.start, meeting.end)
    for user in recipients:
        notify(
            [user],
            kind="check_due",
            title=_("%(level)s due: %(meeting)s")
            % {"level": check.get_level_display(), "meeting": title_for(user, meeting)},
            body="\n".join(part for part in (str(meeting.room), when, note) if part),
            url=url,
            dedupe_key=services.due_key(check, round_),
            now=now,
        )
    if check.level == CheckLevel.ONE and meeting.status == MeetingStatus.REQUESTED:
        for user in users_with_role(Role.CLERK):
            notify(
                [user],
                kind="check_unconfirmed",
                title=_("Not yet confirmed, level-1 check due: %(meeting)s")
                % {"meeting": title_for(user, meeting)},
                body="\n".join((str(meeting.room), when)),
                url=url,
                dedupe_key=f"check:{check.pk}:unconfirmed" + (f":r{round_}" if round_ else ""),
                now=now,
            )
    return True


def resolve_responsible(check: Check) -> tuple[Staff | None, str]:
    """Who answers for the check at its due time, and how they were found.

    Level 1: the meeting's lead; level 2: an environment supervisor on shift (the meeting's
    building first); level 3: a clerk on a hotline shift. Nobody: the customer-service
    supervisor, and the note says so."""
    at = check.due_at
    meeting = check.meeting
    if check.level == CheckLevel.ONE:
        duty = (
            Duty.objects.active()
            .filter(meeting=meeting, role=DutyRole.LEAD, staff__active=True)
            .select_related("staff")
            .order_by("id")
            .first()
        )
        if duty:
            return duty.staff, _("The meeting's lead.")
        missing = _("The meeting has no lead; sent to the supervisor.")
    else:
        on_shift = Staff.objects.filter(
            active=True, shifts__start__lte=at, shifts__end__gt=at
        ).distinct()
        if check.level == CheckLevel.TWO:
            people = on_shift.filter(is_env_supervisor=True)
            found = _("Environment supervisor on shift.")
        else:
            people = on_shift.filter(
                position=Position.CLERK,
                shifts__hotline=True,
                shifts__start__lte=at,
                shifts__end__gt=at,
            )
            found = _("Clerk on the hotline shift.")
        building_id = meeting.room.building_id
        local = [s for s in people.order_by("employee_no") if s.home_building_id == building_id]
        person = local[0] if local else people.order_by("employee_no").first()
        if person:
            return person, found
        missing = _("Nobody was on shift; sent to the supervisor.")
    supervisor = (
        Staff.objects.filter(active=True, position=Position.SUPERVISOR)
        .order_by("employee_no")
        .first()
    )
    return supervisor, missing


def _escalate(pk: int, now: datetime, limit: datetime) -> bool:
    if not _locked(
        Check.objects.filter(pk=pk, status=CheckStatus.NOTIFIED, escalated_at__isnull=True)
    ).values_list("pk"):
        return False
    won = Check.objects.filter(
        pk=pk, status=CheckStatus.NOTIFIED, escalated_at__isnull=True, due_at__lte=limit
    ).update(escalated_at=now)
    if won != 1:
        return False
    check = Check.objects.select_related("meeting__room__building", "responsible").get(pk=pk)
    meeting = check.meeting
    managers = Staff.objects.filter(
        active=True,
        position=Position.LOBBY_MANAGER,
        home_building_id=meeting.room.building_id,
    )
    supervisors = Staff.objects.filter(active=True, position=Position.SUPERVISOR)
    recipients = _users_of([*managers, *supervisors])
    if not recipients:
        recipients = list(users_with_role(Role.LOBBY_MANAGER)) + list(
            users_with_role(Role.SUPERVISOR)
        )
    who = check.responsible.name if check.responsible else _("nobody")
    key = services.late_key(check)
    for user in {u.pk: u for u in recipients}.values():
        notify(
            [user],
            kind="check_late",
            title=_("%(level)s is late: %(meeting)s")
            % {"level": check.get_level_display(), "meeting": title_for(user, meeting)},
            body=_("Due at %(due)s, asked: %(who)s. %(room)s")
            % {
                "due": timezone.localtime(check.due_at).strftime("%H:%M"),
                "who": who,
                "room": meeting.room,
            },
            url=reverse("meeting-detail", args=[meeting.pk]),
            dedupe_key=key,
            now=now,
        )
    return True


def _users_of(staff) -> list:
    return [s.user for s in staff if s is not None and s.user_id and s.user.is_active]
