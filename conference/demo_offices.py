"""The demo's office service: plans for every office, this week's rounds dispatched through
the dispatcher (the past ones done as they would have been, one left undone for the sweeper to
escalate), the `attendant` login on a cleaning round today and tomorrow, and a leader's office
asking the hotline for tea this afternoon. Everything goes through the services."""

import datetime as dt

from django.utils import timezone

from bookings.models import Room
from core import timeutils
from core.workdays import is_working_day
from inspections.requests import log_request
from offices import services as office_services
from offices.checklists import codes_for
from offices.models import OfficeRound, Recurrence, RoundStatus, ServiceKind, ServicePlan
from staffing import services as staffing_services
from staffing.dispatcher import dispatch_rounds
from staffing.errors import DispatchError
from staffing.models import Shift, ShiftKind

# Leaders' offices: every working morning, done before 08:30 (the plan's "before work").
LEADER_CLEANING = (dt.time(7, 40), 40)
# Ordinary offices: Monday, Wednesday and Friday mornings.
OFFICE_CLEANING = (dt.time(7, 30), 30, [0, 2, 4])
# The customer-service centre (the hotline) works round the clock: cleaned every day.
ROUND_THE_CLOCK_OFFICE = ("conference", "605")
ROUND_THE_CLOCK_CLEANING = (dt.time(8, 30), 30)


def load_office_service(users: dict, now: dt.datetime) -> int:
    """Lay down the plans and this week's rounds; return the number of round duties."""
    supervisor = users["supervisor"]
    _make_plans()
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    office_services.generate_rounds(monday, monday + dt.timedelta(days=6), now=now)
    duties = _put_attendant_on_rounds(users["attendant"], today, by=supervisor, now=now)
    duties += _dispatch_week(monday, by=supervisor, now=now)
    _complete_past_rounds(now)
    _tea_request(users, now)
    return duties


def _make_plans() -> None:
    for room in Room.objects.filter(kind__in=(Room.Kind.LEADER_OFFICE, Room.Kind.OFFICE)):
        if room.kind == Room.Kind.LEADER_OFFICE:
            start, minutes = LEADER_CLEANING
            plan = {"recurrence": Recurrence.WORKING_DAYS, "start_time": start, "minutes": minutes}
        elif (room.building.code, room.number) == ROUND_THE_CLOCK_OFFICE:
            start, minutes = ROUND_THE_CLOCK_CLEANING
            plan = {"recurrence": Recurrence.DAILY, "start_time": start, "minutes": minutes}
        else:
            start, minutes, weekdays = OFFICE_CLEANING
            plan = {
                "recurrence": Recurrence.WEEKDAYS,
                "weekdays": weekdays,
                "start_time": start,
                "minutes": minutes,
            }
        ServicePlan.objects.get_or_create(room=room, kind=ServiceKind.CLEANING, defaults=plan)


def _put_attendant_on_rounds(attendant, today: dt.date, *, by, now: dt.datetime) -> int:
    """The `attendant` login cleans the customer-service centre today and tomorrow (on the
    weekend rota when tomorrow is a rest day), so the phone page shows office rounds."""
    staff = getattr(attendant, "staff", None)
    if staff is None:
        return 0
    building, number = ROUND_THE_CLOCK_OFFICE
    made = 0
    for day in (today, today + dt.timedelta(days=1)):
        if not is_working_day(day):
            _on_call(staff, day)
        start, end = timeutils.day_bounds(day)
        office_round = OfficeRound.objects.filter(
            room__building__code=building, room__number=number, start__gte=start, start__lt=end
        ).first()
        if office_round is None:
            continue
        try:
            staffing_services.assign_round_duty(
                office_round, by=by, staff=staff, now=min(now, office_round.start)
            )
            made += 1
        except DispatchError:
            continue
    return made


def _on_call(staff, day: dt.date) -> None:
    if not staff.shifts.filter(start__date=day).exists():
        start = timeutils.at(day, 8)
        Shift.objects.create(
            staff=staff, kind=ShiftKind.ON_CALL, start=start, end=start + dt.timedelta(hours=10)
        )


def _dispatch_week(monday: dt.date, *, by, now: dt.datetime) -> int:
    """Each day's rounds dispatched as the hourly job would have, early that morning."""
    made = 0
    for n in range(7):
        day = monday + dt.timedelta(days=n)
        # Early that morning (or now, if earlier): today's rounds already over get people too.
        when = min(now, timeutils.at(day, 6))
        rounds = office_services.day_rounds(day)
        made += len(dispatch_rounds(rounds, by=by, now=when, seconds=0).duties)
    return made


def _complete_past_rounds(now: dt.datetime) -> None:
    """The rounds already over were ticked off by their people (one in ten a little late),
    except the last one of yesterday, left undone so the sweeper escalates it."""
    past = list(
        OfficeRound.objects.filter(status=RoundStatus.SCHEDULED, end__lte=now)
        .prefetch_related("duties__staff__user")
        .order_by("start", "pk")
    )
    yesterday = timezone.localdate(now) - dt.timedelta(days=1)
    undone = [r for r in past if timezone.localtime(r.start).date() == yesterday][-1:]
    for n, office_round in enumerate(past):
        if office_round in undone:
            continue
        duty = next(iter(office_round.duties.all()), None)
        by = duty.staff.user if duty is not None and duty.staff.user_id else None
        late = n % 10 == 9
        done_at = office_round.end + dt.timedelta(minutes=5 if late else -5)
        office_services.complete_round(
            office_round, by=by, items=codes_for(office_round.kind), now=done_at
        )


def _tea_request(users: dict, now: dt.datetime) -> None:
    """The district head's office phones the hotline: visitors at 15:00, tea for four (in the
    evening shift instead when the demo is loaded later)."""
    today = timezone.localdate(now)
    candidates = [timeutils.at(today, 15), timeutils.at(today, 17), timeutils.at(today, 19)]
    visitors = next((t for t in candidates if t - dt.timedelta(minutes=30) > now), None)
    if visitors is None:
        return
    room = (
        Room.objects.filter(kind=Room.Kind.LEADER_OFFICE)
        .order_by("building__sort_order", "number")
        .first()
    )
    if room is None:
        return
    log_request(
        by=users["hotline"],
        what=f"{visitors:%H:%M} 来访客人，备茶四位",
        room=room,
        caller="区长办公室 秘书",
        wanted_at=visitors,
        people=1,
        now=now,
    )
