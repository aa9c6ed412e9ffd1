"""The feedback figures (issue 6 part 4): per period, by building, team or person.

Pure query functions for the figures page and the weekly briefing to build on: they read, never
write, take aware datetimes and run a constant number of queries (three) however many answers
the period holds. Rows come back sorted by label; `label` is the building's, team's or person's
name, `key` their primary key (None for "no team" and the total).

What counts, for a period [start, end):
- received: answers submitted in the period;
- average_rating: the mean of their "overall service" ratings (1-5), None without answers;
- average_all_ratings: the mean of every service rating in them;
- complaints: complaints opened in the period (a complaint opens with its answer, so these are
  the received answers that are complaints), open_complaints those still open now;
- replied, average_reply_hours, max_reply_hours: of those complaints, the ones replied (at any
  time up to now) and how long the reply took, in hours (wall-clock, not working hours);
- overdue: complaints replied after their deadline, or still open past it at `now`.

By building: the meeting's room's building. By team / by person: the staff who held an active
(not released) duty on the meeting; an answer counts once for each person on it and once for
each of their teams, so those rows do not add up to the total. Staff without a team are
grouped under "no team" (key None).
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Avg, Count
from django.utils import timezone
from django.utils.translation import gettext as _

from feedback.models import Answer, ComplaintStatus, Rating
from staffing.models import Duty

GROUPINGS = ("building", "team", "person", "all")


@dataclass
class FigureRow:
    key: int | None
    label: str
    received: int = 0
    average_rating: float | None = None
    average_all_ratings: float | None = None
    complaints: int = 0
    open_complaints: int = 0
    replied: int = 0
    overdue: int = 0
    average_reply_hours: float | None = None
    max_reply_hours: float | None = None
    # Working values, not part of the figures.
    _overall: list = field(default_factory=list, repr=False)
    _all: list = field(default_factory=list, repr=False)
    _reply_hours: list = field(default_factory=list, repr=False)


def week_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware [Monday 00:00, next Monday 00:00) of `day`'s week (weeks start on Monday)."""
    monday = day - dt.timedelta(days=day.weekday())
    return _midnight(monday), _midnight(monday + dt.timedelta(days=7))


def month_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware [1st 00:00, next month's 1st 00:00) of `day`'s month."""
    first = day.replace(day=1)
    following = (first + dt.timedelta(days=32)).replace(day=1)
    return _midnight(first), _midnight(following)


def _midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def feedback_figures(
    start: dt.datetime,
    end: dt.datetime,
    by: str = "building",
    *,
    now: dt.datetime | None = None,
) -> list[FigureRow]:
    """The figures of answers submitted in [start, end), one row per building, team or person
    (by="building" | "team" | "person"), or a single total row (by="all"). Three queries.

    Raises ValueError for an unknown `by`.
    """
    if by not in GROUPINGS:
        raise ValueError(f"by must be one of {GROUPINGS}, not {by!r}")
    now = now or timezone.now()
    answers = list(
        Answer.objects.filter(submitted_at__gte=start, submitted_at__lt=end).select_related(
            "meeting__room__building", "complaint_item"
        )
    )
    # Every service rating of the period's answers, in one query.
    every = defaultdict(list)
    for answer_id, score in Rating.objects.filter(
        answer__submitted_at__gte=start, answer__submitted_at__lt=end
    ).values_list("answer_id", "score"):
        every[answer_id].append(score)
    groups_of = _groups(answers, by)
    rows: dict = {}
    for answer in answers:
        for key, label in groups_of(answer):
            row = rows.get(key)
            if row is None:
                row = rows[key] = FigureRow(key=key, label=label)
            _add(row, answer, every.get(answer.pk, []), now)
    finished = [_finish(row) for row in rows.values()]
    return sorted(finished, key=lambda row: (row.key is None, row.label))


def service_averages(start: dt.datetime, end: dt.datetime) -> dict[str, tuple[int, float]]:
    """{service key: (ratings, average)} over answers submitted in [start, end); one query.
    Keys are OrderKind values and "overall"; label them with feedback.models.service_label."""
    return {
        row["service"]: (row["n"], round(row["avg"], 2))
        for row in Rating.objects.filter(
            answer__submitted_at__gte=start, answer__submitted_at__lt=end
        )
        .values("service")
        .annotate(avg=Avg("score"), n=Count("id"))
        .order_by("service")
    }


def _groups(answers: list, by: str):
    if by == "all":
        total = (None, str(_("All")))
        return lambda answer: [total]
    if by == "building":

        def building(answer):
            b = answer.meeting.room.building
            return [(b.pk, b.name)]

        return building
    people = defaultdict(dict)  # meeting id -> {key: label}
    duties = Duty.objects.active().filter(meeting_id__in={a.meeting_id for a in answers})
    if by == "person":
        for meeting_id, pk, name in duties.values_list("meeting_id", "staff_id", "staff__name"):
            people[meeting_id][pk] = name
    else:
        no_team = str(_("No team"))
        for meeting_id, pk, name in duties.values_list(
            "meeting_id", "staff__team_id", "staff__team__name"
        ):
            people[meeting_id][pk] = name if pk is not None else no_team
    return lambda answer: list(people.get(answer.meeting_id, {}).items())


def _add(row: FigureRow, answer: Answer, scores: list[int], now: dt.datetime) -> None:
    row.received += 1
    row._overall.append(answer.overall)
    row._all.extend(scores)
    complaint = getattr(answer, "complaint_item", None)
    if complaint is None:
        return
    row.complaints += 1
    if complaint.status == ComplaintStatus.OPEN:
        row.open_complaints += 1
    if complaint.is_overdue(now):
        row.overdue += 1
    if complaint.replied_at is not None:
        row.replied += 1
        row._reply_hours.append((complaint.replied_at - complaint.opened_at).total_seconds() / 3600)


def _finish(row: FigureRow) -> FigureRow:
    if row._overall:
        row.average_rating = round(sum(row._overall) / len(row._overall), 2)
    if row._all:
        row.average_all_ratings = round(sum(row._all) / len(row._all), 2)
    if row._reply_hours:
        row.average_reply_hours = round(sum(row._reply_hours) / len(row._reply_hours), 1)
        row.max_reply_hours = round(max(row._reply_hours), 1)
    return row


__all__ = [
    "GROUPINGS",
    "FigureRow",
    "feedback_figures",
    "month_bounds",
    "service_averages",
    "week_bounds",
]
