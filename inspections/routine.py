"""Ticking off the small-meeting routine (issue 5 point 5) from the phone page "my duties".

Only the person on the duty ticks its steps; each step is ticked once, audited.
"""

from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import audit
from inspections.errors import CheckError
from inspections.models import RoutineTick
from staffing.models import Duty

# The small-meeting routine (domain.md, 小型会议), as codes with their labels.
ROUTINE_ITEMS = (
    ("uniform", gettext_lazy("Arrive 30 minutes early, in uniform and wearing your badge.")),
    (
        "equipment",
        gettext_lazy(
            "Check the lights, air conditioning and audio-visual equipment; report faults."
        ),
    ),
    ("tables", gettext_lazy("Clean the tables and chairs.")),
    ("cups_tea", gettext_lazy("Set out disinfected cups, tea and boiled water.")),
    ("at_door", gettext_lazy("Stand at the door from 15 minutes before the start.")),
)
ROUTINE_CODES = tuple(code for code, _label in ROUTINE_ITEMS)


def tick_routine(duty: Duty, *, by, item: str, now: datetime | None = None) -> RoutineTick:
    """Tick one routine step of `duty`. Raises CheckError for someone else's duty, an unknown
    step or a step already ticked."""
    now = now or timezone.now()
    staff = getattr(by, "staff", None) if getattr(by, "pk", None) else None
    if staff is None or staff.pk != duty.staff_id:
        raise CheckError(_("Only the person on this duty can tick its routine."), code="forbidden")
    if item not in ROUTINE_CODES:
        message = _("Unknown routine step.")
        raise CheckError(message, fields={"item": message})
    try:
        with transaction.atomic():
            tick = RoutineTick.objects.create(duty=duty, item=item, ticked_at=now)
            audit.record(duty, "routine_ticked", by=by, note=item, now=now)
    except IntegrityError:
        raise CheckError(_("This step is already ticked."), code="ticked") from None
    return tick
