"""The office service's rounds, laid out ahead and dispatched like meetings.

`plan_office_rounds` runs from Celery beat (and the demo loader): it makes the rounds of every
active plan for the coming week and dispatches each one that still lacks people through the
dispatcher, so the validator that guards meeting duties guards rounds too. Running it twice
changes nothing: rounds are unique per (plan, start) and a filled round yields no slot.
"""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from offices.models import OfficeRound, RoundStatus
from offices.services import generate_rounds
from staffing.dispatcher import DispatchResult, dispatch_rounds

# How far ahead rounds are made and dispatched: this week and the start of the next.
DAYS_AHEAD = 7


@dataclass
class RoundPlanning:
    created: int
    dispatch: DispatchResult


def plan_office_rounds(*, by=None, now=None, days: int = DAYS_AHEAD) -> RoundPlanning:
    """Make the rounds of [today, today + days) and fill the open places of those not over."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last = today + dt.timedelta(days=days - 1)
    created = generate_rounds(today, last, now=now)
    end = timezone.make_aware(dt.datetime.combine(last + dt.timedelta(days=1), dt.time.min))
    open_rounds = list(
        OfficeRound.objects.filter(status=RoundStatus.SCHEDULED, end__gt=now, start__lt=end)
        .select_related("room", "room__building")
        .order_by("start", "pk")
    )
    result = dispatch_rounds(open_rounds, by=by, now=now, seconds=0)
    return RoundPlanning(created=len(created), dispatch=result)
