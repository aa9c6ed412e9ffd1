"""Read-only query functions other layers use to read meetings (pages, documents)."""

import datetime as dt

from bookings.models import Meeting, MeetingQuerySet
from core.timeutils import day_bounds


def meetings_of_day(day: dt.date) -> MeetingQuerySet:
    """Active meetings starting on one local day, in time order, with what lists show."""
    start, end = day_bounds(day)
    return (
        Meeting.objects.active()
        .filter(start__gte=start, start__lt=end)
        .select_related("room", "room__building", "hosting_unit")
        .order_by("start", "room__building__sort_order", "room__number")
    )
