"""The supervisor's overview (issue 8 point 5): this week against last, with small charts;
clearances running out; corrective actions overdue; the latest weekly briefing to print.

`supervisor_overview(now, viewer)` returns plain data for the template, read in a constant
number of queries whatever the number of meetings, actions or staff:

- the week's figures come from the weekly briefing's own per-week reader
  (`reports.builders.weekly_briefing._week`, about 20 aggregate queries a week), so the page and
  the printed briefing never disagree about what "checks on time" or "room use" mean;
- the charts are the briefing's charts (`reports.charts`), embedded as data: URIs (the CSP
  allows images from data:, not inline script or style);
- expiring clearances, overdue actions and the briefing are one query each (plus one for a
  briefing of last week still being generated, and one for the action counts).
"""

import base64
import datetime as dt
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from quality.access import visible_actions
from quality.figures import open_and_overdue
from quality.models import ActionStatus, CorrectiveAction
from reports import charts
from reports.access import visible_documents
from reports.builders import weekly_briefing
from reports.models import Kind, Status
from staffing.models import Staff
from staffing.roster import EXPIRY_WARNING_DAYS

# The overdue list is a pointer to the actions page, not a copy of it.
ACTIONS_SHOWN = 10

# (headline key, label, how the value reads). "percent" changes read in percentage points.
METRICS = (
    ("meetings", pgettext_lazy("overview figure", "Meetings"), "count"),
    ("attendees", gettext_lazy("Attendees"), "count"),
    ("room_use_percent", gettext_lazy("Meeting-room use"), "percent"),
    ("checks_on_time_percent", gettext_lazy("Checks on time"), "percent"),
    ("incidents", gettext_lazy("Incidents"), "count"),
    ("feedback", gettext_lazy("Feedback received"), "count"),
    ("average_rating", gettext_lazy("Average rating (of 5)"), "score"),
    ("inspections", gettext_lazy("Quality inspections"), "count"),
    ("average_score", gettext_lazy("Average quality score (of 100)"), "score"),
    ("staff_hours", gettext_lazy("Staff hours on duty"), "hours"),
)


@dataclass
class MetricRow:
    key: str
    label: str
    kind: str
    this_week: float | None
    last_week: float | None

    @property
    def change(self) -> float | None:
        if self.this_week is None or self.last_week is None:
            return None
        return round(self.this_week - self.last_week, 2)

    @property
    def direction(self) -> str:
        """up / down / same, or none when a week has no figure (no inspections, say)."""
        change = self.change
        if change is None:
            return "none"
        return "up" if change > 0 else "down" if change < 0 else "same"

    @property
    def this_text(self) -> str:
        return _value(self.this_week, self.kind)

    @property
    def last_text(self) -> str:
        return _value(self.last_week, self.kind)

    @property
    def change_text(self) -> str:
        """The change in words (增加 / 减少 / 持平 once translated), never by colour alone."""
        direction = self.direction
        if direction == "none":
            return _("No comparison")
        if direction == "same":
            return _("Unchanged")
        amount = _amount(abs(self.change), self.kind)
        if direction == "up":
            return _("Up %(amount)s") % {"amount": amount}
        return _("Down %(amount)s") % {"amount": amount}


def _number(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _value(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "percent":
        return f"{_number(value)}%"
    if kind == "hours":
        return _("%(hours)s h") % {"hours": _number(value)}
    return _number(value)


def _amount(value, kind: str) -> str:
    if kind == "percent":
        return _("%(points)s percentage points") % {"points": _number(value)}
    return _value(value, kind)


@dataclass
class Chart:
    key: str
    caption: str
    alt: str
    data_uri: str


def _data_uri(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


def _pairs(labels, values) -> str:
    return "，".join(
        f"{label} {_number(value)}" for label, value in zip(labels, values, strict=True)
    )


def _charts(this: dict, last: dict) -> list[Chart]:
    """Three small charts; each alt text states the numbers the chart draws."""
    made = []
    days = list(weekly_briefing.WEEKDAYS)
    this_days = [d["meetings"] for d in this["meetings"]["per_day"]]
    last_days = [d["meetings"] for d in last["meetings"]["per_day"]]
    made.append(
        Chart(
            "meetings_per_day",
            _("Meetings per day"),
            _("Meetings per day. This week: %(this)s. Last week: %(last)s.")
            % {"this": _pairs(days, this_days), "last": _pairs(days, last_days)},
            _data_uri(charts.meetings_per_day(days, this_days, last_days)),
        )
    )
    levels = this["checks"]
    labels = [row["label"] for row in levels]
    on_time = [row["on_time"] for row in levels]
    late = [row["late"] for row in levels]
    missed = [row["missed"] for row in levels]
    # No check has come due this week (a Monday morning): an empty chart says nothing.
    if any(on_time) or any(late) or any(missed):
        made.append(
            Chart(
                "checks_by_level",
                _("This week's checks by level"),
                _(
                    "Checks this week by level. On time: %(on_time)s. Late: %(late)s. "
                    "Missed: %(missed)s."
                )
                % {
                    "on_time": _pairs(labels, on_time),
                    "late": _pairs(labels, late),
                    "missed": _pairs(labels, missed),
                },
                _data_uri(charts.checks_by_level(labels, on_time, late, missed)),
            )
        )
    buildings: dict = {}
    for week, key in ((this, "this"), (last, "last")):
        for row in week["meetings"]["by_building"]:
            entry = buildings.setdefault(row["building"], {"label": row["label"]})
            entry["order"] = row["order"]
            entry[key] = row["meetings"]
    ordered = sorted(buildings.values(), key=lambda r: (r["order"], r["label"]))
    if ordered:
        names = [r["label"] for r in ordered]
        this_b = [r.get("this", 0) for r in ordered]
        last_b = [r.get("last", 0) for r in ordered]
        made.append(
            Chart(
                "meetings_by_building",
                _("Meetings by building"),
                _("Meetings by building. This week: %(this)s. Last week: %(last)s.")
                % {"this": _pairs(names, this_b), "last": _pairs(names, last_b)},
                _data_uri(charts.meetings_by_building(names, this_b, last_b)),
            )
        )
    return made


@dataclass
class ClearanceRow:
    staff: Staff
    until: dt.date
    days_left: int

    @property
    def expired(self) -> bool:
        return self.days_left < 0

    @property
    def days_ago(self) -> int:
        return -self.days_left


def _expiring_clearances(today: dt.date) -> list[ClearanceRow]:
    """Active staff whose authorisation runs out within the warning days or has run out: one
    query (the roster is sixty people, so all of them are listed)."""
    horizon = today + dt.timedelta(days=EXPIRY_WARNING_DAYS)
    staff = (
        Staff.objects.filter(active=True, authorised_until__lte=horizon)
        .select_related("team", "home_building")
        .order_by("authorised_until", "employee_no")
    )
    return [ClearanceRow(s, s.authorised_until, (s.authorised_until - today).days) for s in staff]


@dataclass
class ActionRow:
    action: CorrectiveAction
    days_overdue: int


def _overdue_actions(viewer, today: dt.date) -> list[ActionRow]:
    found = (
        visible_actions(viewer)
        .filter(status=ActionStatus.OPEN, due_on__lt=today)
        .select_related("assignee", "finding__inspection__building", "finding__inspection__room")
        .order_by("due_on", "pk")[:ACTIONS_SHOWN]
    )
    return [ActionRow(a, (today - a.due_on).days) for a in found]


def _briefing(viewer, last_monday: dt.date) -> dict:
    """The latest finished weekly briefing the viewer may download, and whether one of last
    week is being generated (so the page does not offer to generate it twice)."""
    briefings = visible_documents(viewer).filter(kind=Kind.WEEKLY_BRIEFING)
    latest = (
        briefings.filter(status=Status.DONE).order_by("-period_start", "-version", "-pk").first()
    )
    in_progress = briefings.filter(
        status__in=(Status.PENDING, Status.RUNNING), period_start=last_monday
    ).exists()
    return {"latest": latest, "in_progress": in_progress}


def supervisor_overview(now: dt.datetime, viewer) -> dict:
    """The supervisor's overview as at `now`, in a constant number of queries."""
    today = timezone.localdate(now)
    monday = today - dt.timedelta(days=today.weekday())
    last_monday = monday - dt.timedelta(days=7)
    this = weekly_briefing._week(monday, now)
    last = weekly_briefing._week(last_monday, now)
    metrics = [
        MetricRow(key, str(label), kind, this["headline"][key], last["headline"][key])
        for key, label, kind in METRICS
    ]
    open_actions, overdue_count = open_and_overdue(now)
    return {
        "now": now,
        "today": today,
        "monday": monday,
        "sunday": monday + dt.timedelta(days=6),
        "last_monday": last_monday,
        "last_sunday": monday - dt.timedelta(days=1),
        "metrics": metrics,
        "charts": _charts(this, last),
        "clearances": _expiring_clearances(today),
        "warning_days": EXPIRY_WARNING_DAYS,
        "overdue_actions": _overdue_actions(viewer, today),
        "open_actions": open_actions,
        "overdue_count": overdue_count,
        "briefing": _briefing(viewer, last_monday),
    }
