"""The office rounds page: a day's rounds by building, who is on each, and their state in
words (upcoming, due now, missed, done on time or late, cancelled). Lobby managers and the
supervisor dispatch the day's open rounds and cancel a round with a reason; the hotline and
the group leaders read it. Every change is one call into a service."""

import datetime as dt
from dataclasses import dataclass

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bookings.models import Building
from core.errors import DomainError
from core.roles import Role, has_role
from core.timeutils import day_bounds
from offices import services as office_services
from offices.models import OfficeRound, RoundStatus
from offices.states import STATES, round_state
from staffing.access import can_assign, linked_staff
from staffing.dispatcher import dispatch_rounds
from staffing.models import Duty

READ_ROLES = (
    Role.LOBBY_MANAGER,
    Role.SUPERVISOR,
    Role.HOTLINE,
    Role.GROUP_LEADER,
    Role.ENV_SUPERVISOR,
)


def can_view_rounds(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or has_role(user, *READ_ROLES)


class RoundsFilter(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    building = forms.ModelChoiceField(
        label=gettext_lazy("Building"),
        queryset=Building.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("All buildings"),
    )


@dataclass(frozen=True)
class RoundRow:
    office_round: OfficeRound
    state: str
    duties: list[Duty]

    @property
    def state_label(self) -> str:
        return str(STATES[self.state])

    @property
    def missing(self) -> int:
        """People still wanted: only a round still to be done lacks anyone (a cancelled
        round's duties are released, a done one needs nobody any more)."""
        if self.office_round.status != RoundStatus.SCHEDULED:
            return 0
        return max(self.office_round.staff_needed - len(self.duties), 0)


def _filters(request) -> tuple[RoundsFilter, dt.date, Building | None]:
    """Day (default today) and building (default the viewer's own building)."""
    data = request.GET.copy()
    data.setdefault("day", timezone.localdate().isoformat())
    if "building" not in data:
        staff = linked_staff(request.user)
        data["building"] = str(staff.home_building_id or "") if staff else ""
    form = RoundsFilter(data)
    if form.is_valid():
        return form, form.cleaned_data["day"], form.cleaned_data["building"]
    return form, timezone.localdate(), None


def rounds_of_day(day: dt.date, building: Building | None) -> list[OfficeRound]:
    """Every round of the day with room, building and active duties: two queries."""
    start, end = day_bounds(day)
    rounds = OfficeRound.objects.filter(start__gte=start, start__lt=end)
    if building is not None:
        rounds = rounds.filter(building=building)
    active = Duty.objects.active().select_related("staff").order_by("start", "pk")
    return list(
        rounds.select_related("room", "building")
        .prefetch_related(Prefetch("duties", queryset=active, to_attr="active_duties"))
        .order_by("building__sort_order", "start", "room__number", "pk")
    )


@login_required
def office_rounds(request):
    if not can_view_rounds(request.user):
        raise PermissionDenied
    form, day, building = _filters(request)
    now = timezone.now()
    rows = [RoundRow(r, round_state(r, now), r.active_duties) for r in rounds_of_day(day, building)]
    summary = [
        (code, label, sum(1 for row in rows if row.state == code)) for code, label in STATES.items()
    ]
    return render(
        request,
        "duties/office_rounds.html",
        {
            "form": form,
            "day": day,
            "building": building,
            "rows": rows,
            "summary": summary,
            "may_change": can_assign(request.user),
        },
    )


def _back(request):
    query = {k: request.POST.get(k, "") for k in ("day", "building")}
    return redirect(f"{reverse('office-rounds')}?{urlencode(query)}")


@login_required
@require_POST
def office_rounds_dispatch(request):
    """Fill the open places of the day's rounds (the same dispatcher as meetings)."""
    if not can_assign(request.user):
        raise PermissionDenied
    form = RoundsFilter(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose a valid day."))
        return _back(request)
    day, building = form.cleaned_data["day"], form.cleaned_data["building"]
    result = dispatch_rounds(office_services.day_rounds(day, building=building), by=request.user)
    messages.success(
        request,
        _("Dispatched: %(created)s duties assigned, %(unfilled)s needs left unfilled.")
        % {"created": len(result.duties), "unfilled": sum(u.missing for u in result.unfilled)},
    )
    for reason in sorted({str(u.reason) for u in result.unfilled})[:5]:
        messages.warning(request, reason)
    return _back(request)


@login_required
@require_POST
def office_round_cancel(request, pk: int):
    if not can_assign(request.user):
        raise PermissionDenied
    office_round = get_object_or_404(OfficeRound, pk=pk)
    try:
        office_services.cancel_round(
            office_round, by=request.user, reason=request.POST.get("reason", "")
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The round is cancelled; its people are told."))
    return _back(request)
