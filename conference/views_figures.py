"""The supervisor's quality figures (issue 6 part 4): for a week or a month, by building, team
or person: inspections done and their average score, corrective actions open and overdue,
feedback received and its average rating, complaints and the time to reply, and office rounds
done on time. Each block is read through its app's own figure function (a constant number of
queries), beside the same figures of the period before.
"""

import datetime as dt

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.roles import Role, has_role
from feedback.figures import feedback_figures
from quality.figures import action_figures, inspection_figures, period_bounds
from staffing.round_figures import round_figures

PERIODS = (("week", pgettext_lazy("period", "Week")), ("month", pgettext_lazy("period", "Month")))
GROUPINGS = (("building", _("By building")), ("team", _("By team")), ("person", _("By person")))


def can_view_figures(user) -> bool:
    """The supervisor plans and inspects quality; lobby managers see the same figures."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or has_role(user, Role.SUPERVISOR, Role.LOBBY_MANAGER)


class FiguresForm(forms.Form):
    period = forms.ChoiceField(label=_("Period"), choices=PERIODS, initial="week")
    day = forms.DateField(
        label=_("Any day in it"), widget=forms.DateInput(attrs={"type": "date"}), required=False
    )
    by = forms.ChoiceField(label=_("Grouped"), choices=GROUPINGS, initial="building")


def _previous(day: dt.date, period: str) -> dt.date:
    if period == "week":
        return day - dt.timedelta(days=7)
    return day.replace(day=1) - dt.timedelta(days=1)


def _figures(day: dt.date, period: str, by: str, now: dt.datetime) -> dict:
    start, end = period_bounds(day, period)
    at = min(end, now)
    return {
        "start": start,
        "last_day": (end - dt.timedelta(days=1)).date(),
        "inspections": inspection_figures(start, end, by=by),
        "actions": action_figures(start, end, at=at, by=by),
        "feedback": feedback_figures(start, end, by, now=now),
        "rounds": round_figures(start, end, by=by, now=now),
    }


def _totals(figures: dict) -> dict:
    """Whole-period totals for the comparison line (sums of the building rows)."""
    inspections = figures["inspections"]
    done = sum(row.inspections for row in inspections)
    scored = [(row.inspections, row.average_score) for row in inspections if row.average_score]
    feedback = figures["feedback"]
    received = sum(row.received for row in feedback)
    rated = [(row.received, row.average_rating) for row in feedback if row.average_rating]
    rounds = figures["rounds"]
    over = sum(row.on_time + row.late + row.missed for row in rounds)
    return {
        "inspections": done,
        "average_score": _weighted(scored),
        "open_actions": sum(row.open for row in figures["actions"]),
        "overdue_actions": sum(row.overdue for row in figures["actions"]),
        "feedback": received,
        "average_rating": _weighted(rated),
        "complaints": sum(row.complaints for row in feedback),
        "rounds_on_time": sum(row.on_time for row in rounds),
        "rounds_over": over,
    }


def _weighted(pairs: list[tuple[int, float]]) -> float | None:
    count = sum(n for n, _value in pairs)
    return round(sum(n * value for n, value in pairs) / count, 1) if count else None


@login_required
def quality_figures(request):
    if not can_view_figures(request.user):
        raise PermissionDenied
    form = FiguresForm(request.GET or None)
    today = timezone.localdate()
    period, day, by = "week", today, "building"
    if form.is_valid():
        period = form.cleaned_data["period"]
        day = form.cleaned_data["day"] or today
        by = form.cleaned_data["by"]
    now = timezone.now()
    current = _figures(day, period, by, now)
    # The totals compare by building, where every inspection, answer and round counts once.
    this_totals = _totals(current if by == "building" else _figures(day, period, "building", now))
    before = _figures(_previous(day, period), period, "building", now)
    return render(
        request,
        "conference/figures.html",
        {
            "form": form,
            "period": period,
            "day": day,
            "by": by,
            "by_label": dict(GROUPINGS)[by],
            "figures": current,
            "totals": this_totals,
            "before": _totals(before),
            "before_figures": before,
        },
    )
