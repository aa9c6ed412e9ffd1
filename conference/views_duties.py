"""My duties (我的任务): the phone page of an attendant, technician or group leader.

Today's and tomorrow's active duties of the Staff linked to the login, each with what to
prepare and the small-meeting routine as a reminder, and the two things the person does from
the phone: acknowledge a duty and check in on arrival. Both are one call into
staffing.services; refusals come back as messages. Office rounds (cleaning, tea for visitors)
are duties too: their card carries the round's short checklist, ticked off in one go
(offices.services.complete_round).
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Prefetch, Q
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import visibility
from bookings.models import OPEN_STATUSES, MeetingStatus, ServiceOrder
from core.errors import DomainError
from core.timeutils import day_bounds
from inspections.routine import ROUTINE_ITEMS
from offices import checklists
from offices import services as office_services
from offices.models import RoundStatus
from staffing import services
from staffing.access import linked_staff
from staffing.models import Duty, DutyStatus, Staff

# The small-meeting routine (domain.md, 小型会议): what every attendant does before the start.
ROUTINE = tuple(label for _code, label in ROUTINE_ITEMS)


@dataclass(frozen=True)
class DutyCard:
    """One duty as the phone shows it, already passed through the visibility policy."""

    duty: Duty
    title: str
    details: bool
    day: dt.date
    order_kinds: list[str]

    @property
    def can_acknowledge(self) -> bool:
        return self.duty.status == DutyStatus.ASSIGNED and not self._round_closed

    @property
    def can_arrive(self) -> bool:
        return self.duty.arrived_at is None and not self._round_closed

    @property
    def _round_closed(self) -> bool:
        """A round already ticked off (or cancelled) asks nothing more of the person."""
        office_round = self.duty.office_round
        return office_round is not None and office_round.status != RoundStatus.SCHEDULED

    @property
    def late_minutes(self) -> int:
        """Whole minutes the arrival came after the duty's start; 0 if on time or not yet."""
        arrived = self.duty.arrived_at
        if arrived is None or arrived <= self.duty.start:
            return 0
        return int((arrived - self.duty.start).total_seconds() // 60)

    @property
    def office_round(self):
        return self.duty.office_round

    @property
    def round_items(self) -> list[tuple[str, str, bool | None]]:
        """The round's checklist as (code, label, ticked or None while not done)."""
        office_round = self.duty.office_round
        results = {row["item"]: row["ok"] for row in office_round.item_results or ()}
        done = office_round.status == RoundStatus.DONE
        return [
            (code, label, results.get(code, False) if done else None)
            for code, label in checklists.items_for(office_round.kind)
        ]

    @property
    def round_open(self) -> bool:
        return self.duty.office_round.status == RoundStatus.SCHEDULED

    @property
    def routine(self) -> list[tuple[str, str, dt.datetime | None]]:
        """The routine steps as (code, label, ticked at or None), from the prefetched ticks."""
        ticked = {tick.item: tick.ticked_at for tick in self.duty.routine_ticks.all()}
        return [(code, label, ticked.get(code)) for code, label in ROUTINE_ITEMS]


def upcoming_duties(staff: Staff, first_day: dt.date, days: int = 2):
    """The person's active duties on meetings and office rounds starting on
    [first_day, first_day + days): a fixed number of queries however many duties there are."""
    start, _end = day_bounds(first_day)
    _start, end = day_bounds(first_day + dt.timedelta(days=days - 1))
    open_orders = ServiceOrder.objects.filter(status__in=OPEN_STATUSES).order_by("due_at", "pk")
    on_meetings = Q(meeting__start__gte=start, meeting__start__lt=end) & ~Q(
        meeting__status=MeetingStatus.CANCELLED
    )
    on_rounds = Q(office_round__start__gte=start, office_round__start__lt=end) & ~Q(
        office_round__status=RoundStatus.CANCELLED
    )
    return (
        Duty.objects.active()
        .filter(on_meetings | on_rounds, staff=staff)
        .select_related("meeting__room__building", "office_round__room__building")
        .prefetch_related(Prefetch("meeting__orders", queryset=open_orders), "routine_ticks")
        .order_by("start", "pk")
    )


@login_required
def my_duties(request):
    staff = linked_staff(request.user)
    today = timezone.localdate()
    days = [today, today + dt.timedelta(days=1)]
    cards: dict[dt.date, list[DutyCard]] = {day: [] for day in days}
    if staff is not None:
        for duty in upcoming_duties(staff, today):
            if duty.office_round_id is not None:
                day = timezone.localtime(duty.office_round.start).date()
                cards.setdefault(day, []).append(
                    DutyCard(
                        duty=duty,
                        title=services.round_title(duty.office_round),
                        details=True,
                        day=day,
                        order_kinds=[],
                    )
                )
                continue
            meeting = duty.meeting
            day = timezone.localtime(meeting.start).date()
            details = visibility.can_see_details(request.user, meeting)
            kinds = [order.get_kind_display() for order in meeting.orders.all()]
            cards.setdefault(day, []).append(
                DutyCard(
                    duty=duty,
                    title=visibility.title_for(request.user, meeting),
                    details=details,
                    day=day,
                    # What to prepare is a detail of the meeting: hidden with the rest of them.
                    order_kinds=kinds if details else [],
                )
            )
    return render(
        request,
        "duties/my_duties.html",
        {
            "staff": staff,
            "today": today,
            "groups": [(day, cards[day]) for day in days],
            "routine": ROUTINE,
        },
    )


def _own_duty(user, pk: int) -> Duty:
    """A duty of the person linked to this login; anyone else's is a 404, not a 403, so the
    page does not tell which duty numbers exist."""
    duty = (
        Duty.objects.select_related(
            "meeting__room__building", "office_round__room__building", "staff"
        )
        .filter(pk=pk, staff__user=user)
        .first()
    )
    if duty is None:
        raise Http404
    return duty


@login_required
@require_POST
def my_duty_acknowledge(request, pk: int):
    duty = _own_duty(request.user, pk)
    try:
        services.acknowledge_duty(duty, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Duty acknowledged. Thank you."))
    return redirect("my-duties")


@login_required
@require_POST
def my_duty_arrived(request, pk: int):
    duty = _own_duty(request.user, pk)
    try:
        services.record_arrival(duty, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Arrival recorded."))
    return redirect("my-duties")


@login_required
@require_POST
def my_duty_round_done(request, pk: int):
    """The person on an office round ticks it off with its checklist."""
    duty = _own_duty(request.user, pk)
    if duty.office_round_id is None or duty.status == DutyStatus.RELEASED:
        raise Http404
    try:
        office_services.complete_round(
            duty.office_round,
            by=request.user,
            items=request.POST.getlist("items"),
            note=request.POST.get("note", ""),
        )
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Round done. Thank you."))
    return redirect(f"{reverse('my-duties')}#duty-{duty.pk}")
