"""The quality figures for the supervisor's figures page and the weekly briefing: pure queries,
each a constant number of queries (one) whatever the number of rows, nothing written.

Periods are half-open [start, end) of aware datetimes; `period_bounds` gives the week (Monday
to Monday, the place's convention) or the calendar month around a day. Groupings (`by`):

- "building": the inspection's building (for actions: the building of the inspection that
  found it);
- "team": the team of each person inspected (for actions: the assignee's team); an inspection
  of people from two teams counts once for each team; people without a team make the row with
  key None ("No team");
- "person": each staff member inspected (for actions: the assignee).

By team and by person, an inspection with nobody recorded (an empty office, say) is not counted.
Rows are sorted by label, the None row last; `key` is the building / team / staff id.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from quality.models import CorrectiveAction, Inspection

GROUPINGS = ("building", "team", "person")


@dataclass(frozen=True)
class InspectionRow:
    key: int | None
    label: str
    inspections: int
    # Mean of the inspections' scores (0-100), one decimal; None when there were none.
    average_score: float | None


@dataclass(frozen=True)
class ActionRow:
    key: int | None
    label: str
    raised: int  # created in [start, end)
    closed: int  # closed in [start, end)
    open: int  # created before `at` and not closed by `at`
    overdue: int  # open at `at` with the due date before `at`'s local day


def period_bounds(day: dt.date, period: str) -> tuple[datetime, datetime]:
    """[start, end) in local time of the week ("week", Monday first) or the month ("month")
    containing `day`."""
    if period == "week":
        first = day - dt.timedelta(days=day.weekday())
        after = first + dt.timedelta(days=7)
    elif period == "month":
        first = day.replace(day=1)
        after = (first + dt.timedelta(days=32)).replace(day=1)
    else:
        raise ValueError(f"unknown period {period!r}")
    tz = timezone.get_current_timezone()
    return (
        datetime.combine(first, dt.time.min, tzinfo=tz),
        datetime.combine(after, dt.time.min, tzinfo=tz),
    )


def _check_by(by: str) -> None:
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")


def _no_team() -> str:
    return _("No team")


def _rounded(value) -> float | None:
    return None if value is None else round(float(value), 1)


def inspection_figures(
    start: datetime, end: datetime, *, by: str = "building"
) -> list[InspectionRow]:
    """Inspections done in [start, end) and their average score, per building, team or person.

    One query. Example: `inspection_figures(*period_bounds(day, "week"), by="team")`.
    """
    _check_by(by)
    in_period = Inspection.objects.filter(inspected_at__gte=start, inspected_at__lt=end)
    if by == "building":
        found = (
            in_period.values("building_id", "building__name")
            .annotate(n=Count("pk"), avg=Avg("score"))
            .order_by()
        )
        rows = [
            InspectionRow(r["building_id"], r["building__name"], r["n"], _rounded(r["avg"]))
            for r in found
        ]
    elif by == "person":
        through = Inspection.staff.through.objects.filter(
            inspection__inspected_at__gte=start, inspection__inspected_at__lt=end
        )
        found = (
            through.values("staff_id", "staff__name")
            .annotate(n=Count("inspection_id"), avg=Avg("inspection__score"))
            .order_by()
        )
        rows = [
            InspectionRow(r["staff_id"], r["staff__name"], r["n"], _rounded(r["avg"]))
            for r in found
        ]
    else:
        # Two people of one team on one inspection must count it once: distinct pairs of
        # (inspection, team), summed here.
        pairs = (
            Inspection.staff.through.objects.filter(
                inspection__inspected_at__gte=start, inspection__inspected_at__lt=end
            )
            .values_list(
                "inspection_id", "inspection__score", "staff__team_id", "staff__team__name"
            )
            .distinct()
            .order_by()
        )
        sums: dict = defaultdict(lambda: [0, 0, ""])
        for _inspection, score, team_id, team_name in pairs:
            entry = sums[team_id]
            entry[0] += 1
            entry[1] += score
            entry[2] = team_name or _no_team()
        rows = [
            InspectionRow(key, label, n, _rounded(total / n))
            for key, (n, total, label) in sums.items()
        ]
    return sorted(rows, key=lambda row: (row.key is None, row.label))


def action_figures(
    start: datetime, end: datetime, *, at: datetime | None = None, by: str = "building"
) -> list[ActionRow]:
    """Corrective actions raised and closed in [start, end), and open and overdue at `at`
    (default: `end`, i.e. as the period closes), per building, team or person (the assignee).

    The state at `at` is read from the created and closed times, so a past week's figures stay
    what they were. One query. Rows where all four counts are zero are left out.
    """
    _check_by(by)
    at = at or end
    at_day = timezone.localdate(at)
    raised = Q(created_at__gte=start, created_at__lt=end)
    closed = Q(closed_at__gte=start, closed_at__lt=end)
    open_at = Q(created_at__lt=at) & (Q(closed_at__isnull=True) | Q(closed_at__gte=at))
    overdue = open_at & Q(due_on__lt=at_day)
    if by == "building":
        group = ("finding__inspection__building_id", "finding__inspection__building__name")
    elif by == "team":
        group = ("assignee__team_id", "assignee__team__name")
    else:
        group = ("assignee_id", "assignee__name")
    found = (
        CorrectiveAction.objects.filter(raised | closed | open_at)
        .values(*group)
        .annotate(
            raised=Count("pk", filter=raised),
            closed=Count("pk", filter=closed),
            open=Count("pk", filter=open_at),
            overdue=Count("pk", filter=overdue),
        )
        .order_by()
    )
    rows = [
        ActionRow(
            r[group[0]],
            r[group[1]] or _no_team(),
            r["raised"],
            r["closed"],
            r["open"],
            r["overdue"],
        )
        for r in found
    ]
    return sorted(rows, key=lambda row: (row.key is None, row.label))


def open_and_overdue(at: datetime | None = None) -> tuple[int, int]:
    """All corrective actions open now (or at `at`) and how many of them are overdue: one query,
    for a headline number."""
    at = at or timezone.now()
    open_at = Q(created_at__lt=at) & (Q(closed_at__isnull=True) | Q(closed_at__gte=at))
    counts = CorrectiveAction.objects.filter(open_at).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate(at)))
    )
    return counts["open"], counts["overdue"]
