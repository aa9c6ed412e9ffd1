"""Missed office rounds are escalated like late checks (issue 6): the sweeper claims each
scheduled round still not done CHECK_ESCALATE_MINUTES after its window closed, with a
compare-and-set on escalated_at, and tells the building's lobby managers, the supervisor and
the people on the round in the same transaction. Safe in several workers at once."""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from core.notifications import notify
from core.roles import Role, users_with_role
from core.sweeps import claim_each
from inspections.sweepers import _locked, _users_of
from offices.models import OfficeRound, RoundStatus
from staffing.models import Position, Staff

log = logging.getLogger(__name__)


def escalate_missed_rounds(*, now: datetime | None = None, batch: int = 500) -> int:
    """Escalate each round left undone past its window plus the grace; returns how many."""
    now = now or timezone.now()
    limit = now - timedelta(minutes=settings.CHECK_ESCALATE_MINUTES)
    candidates = list(
        OfficeRound.objects.filter(
            status=RoundStatus.SCHEDULED, escalated_at__isnull=True, end__lte=limit
        )
        .order_by("end", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return claim_each(
        candidates, lambda pk: _escalate(pk, now, limit), log=log, what="escalate_missed_rounds"
    )


def late_key(office_round: OfficeRound) -> str:
    return f"round:{office_round.pk}:missed"


def _escalate(pk: int, now: datetime, limit: datetime) -> bool:
    pending = OfficeRound.objects.filter(
        pk=pk, status=RoundStatus.SCHEDULED, escalated_at__isnull=True
    )
    if not _locked(pending).values_list("pk"):
        return False
    if pending.filter(end__lte=limit).update(escalated_at=now) != 1:
        return False
    office_round = OfficeRound.objects.select_related("room", "building").get(pk=pk)
    on_round = [duty.staff for duty in office_round.duties.active().select_related("staff__user")]
    managers = Staff.objects.filter(
        active=True, position=Position.LOBBY_MANAGER, home_building_id=office_round.building_id
    ).select_related("user")
    supervisors = Staff.objects.filter(active=True, position=Position.SUPERVISOR).select_related(
        "user"
    )
    recipients = _users_of([*managers, *supervisors, *on_round])
    if not recipients:
        recipients = list(users_with_role(Role.SUPERVISOR))
    who = "、".join(person.name for person in on_round) or _("nobody")
    for user in {u.pk: u for u in recipients}.values():
        notify(
            [user],
            kind="round_missed",
            title=_("Office round not done: %(kind)s · %(room)s")
            % {"kind": office_round.get_kind_display(), "room": office_round.room},
            body=_("Due by %(end)s, on the round: %(who)s.")
            % {"end": timezone.localtime(office_round.end).strftime("%H:%M"), "who": who},
            url=reverse("office-rounds"),
            dedupe_key=late_key(office_round),
            now=now,
        )
    return True
