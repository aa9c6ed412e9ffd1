"""The weekly business briefing (每周业务简报, issue 7 points 2 and 5): one week, Monday to Sunday,
beside the week before, for the supervisor.

The document's fixed texts (title, headings, table headers, sentences) are written directly in
Chinese: they are the wording of a Chinese official document, not interface strings, and the
document reads the same whatever the requester's language. Model labels (service kinds, incident
categories) are read in Chinese through `translation.override("zh-hans")`.

The briefing shows counts only; it names no meeting, so no title is shown (were one ever added,
it must go through bookings.visibility.title_for with `request.viewer`).

What is counted, for the week [Monday 00:00, next Monday 00:00) local time, as at `request.now`:

- Meetings: active (not cancelled) meetings whose start is in the week, by building (of the
  room), by service level and by hosting unit (short name); attendees served = the sum of their
  attendees. Meetings per day: by the local date of the start.
- Room use, per building, meeting rooms only (Room.kind "meeting", in service): a room is
  available AVAILABLE_FROM-AVAILABLE_UNTIL (08:00-18:00; there is no setting for it) on each
  working day of the week (core.workdays.working_days_between, so holidays and 调休 count).
  Available hours = rooms x working days x 10. Booked hours = the sum over active meetings in
  those rooms of the part of [start, end) that falls inside those windows: setup and teardown
  are not counted, and nor is time outside the windows (evenings, weekends, holidays), which
  keeps the percentage within 0-100. Rooms are counted as they are now (in service or not).
- Services: orders of the week's active meetings, cancelled orders left out: ordered = those,
  delivered = those with status "delivered".
- Checks, per level, of the week's active meetings, cancelled checks left out; with
  grace = CHECK_ESCALATE_MINUTES:
    on time: done, and either never escalated or done by due_at + grace;
    late:    done after due_at + grace and escalated (the sweeper had raised it);
    missed:  not done, and the meeting has started by `now`;
    pending: not done, the meeting not yet started (only in a week still running).
  The on-time percentage is on_time / (on_time + late + missed).
- Incidents reported in the week, by category; hotline service requests logged in the week, by
  urgency. Resolved = resolved_at (incidents) / done_at (requests) set by `now`; open = the
  rest; the median time to resolve, in hours, over the resolved ones.
- Cancellations and reschedules: meetings starting in the week with status cancelled; the
  week's meetings that have a "rescheduled" audit row (and how many such rows), whenever the
  change was made.
- Office rounds: staffing.round_figures; quality inspections and corrective actions:
  quality.figures; feedback and complaints: feedback.figures (answers submitted in the week).
- Staff hours: active duties (meetings and office rounds) starting in the week, their full
  length (arrival to end), by team and for the ten people with most hours.

Queries: a constant number (about 20 per week, both weeks read the same way) however many
meetings: counts are aggregated in the database (values().annotate()). Two reads return rows
rather than sums, still one query each: the meeting times for room use (clipping to each
working day's window is date arithmetic SQLite cannot do portably) and the incident and request
times (a median has no portable SQL aggregate).
"""

import base64
import datetime as dt
import io
import statistics
from collections import defaultdict

from django.conf import settings
from django.db.models import (
    CharField,
    Count,
    DateTimeField,
    DurationField,
    ExpressionWrapper,
    F,
    Q,
    Sum,
)
from django.db.models.functions import Cast, TruncDate
from django.utils import timezone, translation
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from bookings.models import (
    MAX_MEETING,
    HostingUnit,
    Meeting,
    MeetingStatus,
    OrderKind,
    OrderStatus,
    Room,
    ServiceLevel,
    ServiceOrder,
)
from core.models import AuditEntry
from core.timeutils import format_date
from core.workdays import working_days_between
from feedback.figures import feedback_figures, service_averages
from feedback.models import service_label
from inspections.models import (
    Check,
    CheckStatus,
    Incident,
    IncidentCategory,
    ServiceRequest,
    Urgency,
)
from quality.figures import action_figures, inspection_figures
from reports import charts
from reports.builders import BuildRequest
from reports.layout import BODY_PT, add_table, add_title, official_document, to_bytes
from staffing.models import Duty
from staffing.round_figures import round_figures

TEMPLATE = "reports/weekly_briefing.html"
TITLE = "每周业务简报"
ISSUER = "物业服务中心信息处理中心"
AVAILABLE_FROM = dt.time(8, 0)
AVAILABLE_UNTIL = dt.time(18, 0)
BUSIEST = 10
LEVEL_LABELS = {
    ServiceLevel.A: "A级（重大）",
    ServiceLevel.B: "B级（中型）",
    ServiceLevel.C: "C级（小型）",
}
CHECK_LEVEL_LABELS = {1: "一级检查", 2: "二级检查", 3: "三级检查"}
WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")
NUMERALS = "一二三四五六七八九十"


# --- collect --------------------------------------------------------------------------------


def collect(request: BuildRequest) -> dict:
    with translation.override("zh-hans"):
        monday = request.period_start - dt.timedelta(days=request.period_start.weekday())
        this = _week(monday, request.now)
        last = _week(monday - dt.timedelta(days=7), request.now)
        data = {
            "title": TITLE,
            "issuer": ISSUER,
            "period_start": monday,
            "period_end": monday + dt.timedelta(days=6),
            "week_text": f"{format_date(monday)}至{format_date(monday + dt.timedelta(days=6))}",
            "this_week": this,
            "last_week": last,
            "comparison": _comparison(this["headline"], last["headline"]),
            "summary": this["headline"],
        }
        data["charts"] = _charts(this, last)
        data["sections"] = _sections(data)
    return data


def _week(monday: dt.date, now: dt.datetime) -> dict:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(monday, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=7)
    meetings = _meetings(start, end, monday)
    rooms = _room_use(start, end, monday)
    services = _services(start, end)
    checks = _checks(start, end, now)
    incidents = _resolution(
        Incident.objects.filter(reported_at__gte=start, reported_at__lt=end).values_list(
            "category", "reported_at", "resolved_at"
        ),
        IncidentCategory,
        now,
    )
    requests = _resolution(
        ServiceRequest.objects.filter(logged_at__gte=start, logged_at__lt=end).values_list(
            "urgency", "logged_at", "done_at"
        ),
        Urgency,
        now,
    )
    changes = _changes(start, end)
    rounds = _rows(round_figures(start, end, by="building", now=now))
    inspections = _rows(inspection_figures(start, end, by="building"))
    actions = _rows(action_figures(start, end, at=min(end, now), by="building"))
    feedback = _rows(feedback_figures(start, end, "building", now=now))
    ratings = [
        {"service": key, "label": service_label(key), "ratings": n, "average": average}
        for key, (n, average) in service_averages(start, end).items()
    ]
    teams, busiest = _staff_hours(start, end)

    check_total = _total(checks, ("on_time", "late", "missed", "pending"))
    round_total = _total(rounds, ("rounds", "on_time", "late", "missed"))
    inspected = sum(row["inspections"] for row in inspections)
    received = sum(row["received"] for row in feedback)
    headline = {
        "meetings": meetings["total"],
        "attendees": meetings["attendees"],
        "cancelled": meetings["cancelled"],
        "rescheduled": changes["rescheduled"],
        "room_use_percent": rooms["total"]["percent"],
        "booked_hours": rooms["total"]["booked_hours"],
        "available_hours": rooms["total"]["available_hours"],
        "orders": sum(row["ordered"] for row in services),
        "orders_delivered": sum(row["delivered"] for row in services),
        "checks_on_time": check_total["on_time"],
        "checks_late": check_total["late"],
        "checks_missed": check_total["missed"],
        "checks_on_time_percent": _percent(
            check_total["on_time"],
            check_total["on_time"] + check_total["late"] + check_total["missed"],
        ),
        "incidents": incidents["total"]["total"],
        "incidents_open": incidents["total"]["open"],
        "requests": requests["total"]["total"],
        "requests_open": requests["total"]["open"],
        "rounds": round_total["rounds"],
        "rounds_on_time_percent": _percent(
            round_total["on_time"],
            round_total["on_time"] + round_total["late"] + round_total["missed"],
        ),
        "inspections": inspected,
        "average_score": _weighted(
            (row["inspections"], row["average_score"]) for row in inspections
        ),
        "feedback": received,
        "average_rating": _weighted((row["received"], row["average_rating"]) for row in feedback),
        "complaints": sum(row["complaints"] for row in feedback),
        "staff_hours": round(sum(row["hours"] for row in teams), 1),
    }
    return {
        "start": start,
        "end": end,
        "meetings": meetings,
        "room_use": rooms,
        "services": services,
        "checks": checks,
        "check_total": check_total,
        "incidents": incidents,
        "requests": requests,
        "changes": changes,
        "rounds": rounds,
        "round_total": round_total,
        "inspections": inspections,
        "actions": actions,
        "feedback": feedback,
        "ratings": ratings,
        "teams": teams,
        "busiest": busiest,
        "headline": headline,
    }


def _meetings(start: dt.datetime, end: dt.datetime, monday: dt.date) -> dict:
    in_week = Meeting.objects.filter(start__gte=start, start__lt=end)
    grouped = (
        in_week.values(
            "status",
            "level",
            "room__building_id",
            "room__building__name",
            "room__building__sort_order",
            "hosting_unit_id",
        )
        .annotate(n=Count("pk"), people=Sum("attendees"))
        .order_by()
    )
    by_building: dict = {}
    by_level: dict = {level: [0, 0] for level in ServiceLevel.values}
    by_unit: dict = defaultdict(lambda: [0, 0])
    total = attendees = cancelled = 0
    for row in grouped:
        if row["status"] == MeetingStatus.CANCELLED:
            cancelled += row["n"]
            continue
        people = row["people"] or 0
        total += row["n"]
        attendees += people
        key = row["room__building_id"]
        entry = by_building.setdefault(
            key,
            {
                "building": key,
                "label": row["room__building__name"],
                "order": row["room__building__sort_order"],
                "meetings": 0,
                "attendees": 0,
            },
        )
        entry["meetings"] += row["n"]
        entry["attendees"] += people
        by_level[row["level"]][0] += row["n"]
        by_level[row["level"]][1] += people
        by_unit[row["hosting_unit_id"]][0] += row["n"]
        by_unit[row["hosting_unit_id"]][1] += people
    units = dict(HostingUnit.objects.filter(pk__in=list(by_unit)).values_list("pk", "short_name"))
    per_day = dict(
        in_week.active()
        .annotate(day=TruncDate("start", tzinfo=timezone.get_current_timezone()))
        .values("day")
        .annotate(n=Count("pk"))
        .order_by()
        .values_list("day", "n")
    )
    days = [monday + dt.timedelta(days=i) for i in range(7)]
    return {
        "total": total,
        "attendees": attendees,
        "cancelled": cancelled,
        "by_building": sorted(by_building.values(), key=lambda r: (r["order"], r["label"])),
        "by_level": [
            {
                "level": level,
                "label": LEVEL_LABELS[level],
                "meetings": n,
                "attendees": people,
            }
            for level, (n, people) in by_level.items()
        ],
        "by_unit": sorted(
            (
                {"unit": pk, "label": units.get(pk, ""), "meetings": n, "attendees": people}
                for pk, (n, people) in by_unit.items()
            ),
            key=lambda r: (-r["meetings"], r["label"]),
        ),
        "per_day": [
            {"day": day, "label": WEEKDAYS[day.weekday()], "meetings": per_day.get(day, 0)}
            for day in days
        ],
    }


def _room_use(start: dt.datetime, end: dt.datetime, monday: dt.date) -> dict:
    tz = timezone.get_current_timezone()
    working = working_days_between(monday, monday + dt.timedelta(days=6))
    windows = [
        (
            dt.datetime.combine(day, AVAILABLE_FROM, tzinfo=tz),
            dt.datetime.combine(day, AVAILABLE_UNTIL, tzinfo=tz),
        )
        for day in working
    ]
    window_hours = (
        dt.datetime.combine(monday, AVAILABLE_UNTIL) - dt.datetime.combine(monday, AVAILABLE_FROM)
    ).total_seconds() / 3600
    rooms = (
        Room.objects.filter(kind=Room.Kind.MEETING, in_service=True)
        .values("building_id", "building__name", "building__sort_order")
        .annotate(n=Count("pk"))
        .order_by()
    )
    booked: dict = defaultdict(float)
    # The lower bound on start keeps the read on the start index (a meeting lasts at most
    # MAX_MEETING, design.md).
    for building_id, m_start, m_end in (
        Meeting.objects.active()
        .filter(
            room__kind=Room.Kind.MEETING,
            start__lt=end,
            end__gt=start,
            start__gte=start - MAX_MEETING,
        )
        .values_list("room__building_id", "start", "end")
    ):
        for w_start, w_end in windows:
            overlap = (min(m_end, w_end) - max(m_start, w_start)).total_seconds()
            if overlap > 0:
                booked[building_id] += overlap / 3600
    rows = []
    for row in rooms:
        available = row["n"] * len(working) * window_hours
        hours = round(booked.get(row["building_id"], 0.0), 1)
        rows.append(
            {
                "building": row["building_id"],
                "label": row["building__name"],
                "order": row["building__sort_order"],
                "rooms": row["n"],
                "booked_hours": hours,
                "available_hours": round(available, 1),
                "percent": _percent(hours, available),
            }
        )
    rows.sort(key=lambda r: (r["order"], r["label"]))
    total_booked = round(sum(r["booked_hours"] for r in rows), 1)
    total_available = round(sum(r["available_hours"] for r in rows), 1)
    return {
        "rows": rows,
        "working_days": len(working),
        "total": {
            "rooms": sum(r["rooms"] for r in rows),
            "booked_hours": total_booked,
            "available_hours": total_available,
            "percent": _percent(total_booked, total_available),
        },
    }


def _services(start: dt.datetime, end: dt.datetime) -> list[dict]:
    found = (
        ServiceOrder.objects.filter(
            meeting__start__gte=start,
            meeting__start__lt=end,
        )
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .exclude(status=OrderStatus.CANCELLED)
        .values("kind")
        .annotate(
            ordered=Count("pk"), delivered=Count("pk", filter=Q(status=OrderStatus.DELIVERED))
        )
        .order_by()
    )
    counts = {row["kind"]: (row["ordered"], row["delivered"]) for row in found}
    return [
        {
            "kind": kind.value,
            "label": str(kind.label),
            "ordered": counts[kind][0],
            "delivered": counts[kind][1],
            "percent": _percent(counts[kind][1], counts[kind][0]),
        }
        for kind in OrderKind
        if kind in counts
    ]


def _checks(start: dt.datetime, end: dt.datetime, now: dt.datetime) -> list[dict]:
    grace = dt.timedelta(minutes=settings.CHECK_ESCALATE_MINUTES)
    limit = ExpressionWrapper(F("due_at") + grace, output_field=DateTimeField())
    done = Q(status=CheckStatus.DONE)
    on_time = done & (Q(escalated_at__isnull=True) | Q(done_at__lte=limit))
    late = done & Q(escalated_at__isnull=False) & Q(done_at__gt=limit)
    found = (
        Check.objects.filter(meeting__start__gte=start, meeting__start__lt=end)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .exclude(status=CheckStatus.CANCELLED)
        .values("level")
        .annotate(
            total=Count("pk"),
            on_time=Count("pk", filter=on_time),
            late=Count("pk", filter=late),
            missed=Count("pk", filter=~done & Q(meeting__start__lte=now)),
            pending=Count("pk", filter=~done & Q(meeting__start__gt=now)),
        )
        .order_by()
    )
    counts = {row["level"]: row for row in found}
    rows = []
    for level, label in CHECK_LEVEL_LABELS.items():
        row = counts.get(level, {})
        values = {k: row.get(k, 0) for k in ("total", "on_time", "late", "missed", "pending")}
        over = values["on_time"] + values["late"] + values["missed"]
        rows.append(
            {"level": level, "label": label, **values, "percent": _percent(values["on_time"], over)}
        )
    return rows


def _resolution(rows, choices, now: dt.datetime) -> dict:
    """Per kind: total, resolved (by `now`), open, median hours to resolve."""
    found: dict = defaultdict(list)
    for kind, opened, closed in rows:
        found[kind].append((opened, closed if closed is not None and closed <= now else None))

    def figures(items: list) -> dict:
        hours = [(c - o).total_seconds() / 3600 for o, c in items if c is not None]
        return {
            "total": len(items),
            "resolved": len(hours),
            "open": len(items) - len(hours),
            "median_hours": round(statistics.median(hours), 1) if hours else None,
        }

    result = [
        {"kind": choice.value, "label": str(choice.label), **figures(found[choice.value])}
        for choice in choices
        if choice.value in found
    ]
    everything = [item for items in found.values() for item in items]
    return {"rows": result, "total": figures(everything)}


def _changes(start: dt.datetime, end: dt.datetime) -> dict:
    week_ids = (
        Meeting.objects.filter(start__gte=start, start__lt=end)
        .annotate(key=Cast("pk", CharField()))
        .values("key")
    )
    found = (
        AuditEntry.objects.filter(
            content_type__app_label="bookings",
            content_type__model="meeting",
            action__in=("rescheduled", "cancelled"),
            object_id__in=week_ids,
        )
        .values("action")
        .annotate(meetings=Count("object_id", distinct=True), rows=Count("pk"))
        .order_by()
    )
    counts = {row["action"]: row for row in found}
    return {
        "rescheduled": counts.get("rescheduled", {}).get("meetings", 0),
        "reschedules": counts.get("rescheduled", {}).get("rows", 0),
        "cancellations_recorded": counts.get("cancelled", {}).get("meetings", 0),
    }


def _staff_hours(start: dt.datetime, end: dt.datetime) -> tuple[list[dict], list[dict]]:
    duties = Duty.objects.active().filter(start__gte=start, start__lt=end)
    length = Sum(ExpressionWrapper(F("end") - F("start"), output_field=DurationField()))
    teams = [
        {
            "team": row["staff__team_id"],
            "label": row["staff__team__name"] or "未分组",
            "people": row["people"],
            "duties": row["duties"],
            "hours": _hours(row["length"]),
        }
        for row in duties.values("staff__team_id", "staff__team__name")
        .annotate(length=length, duties=Count("pk"), people=Count("staff", distinct=True))
        .order_by()
    ]
    teams.sort(key=lambda r: (r["team"] is None, -r["hours"], r["label"]))
    busiest = [
        {
            "rank": rank,
            "staff": row["staff_id"],
            "name": row["staff__name"],
            "team": row["staff__team__name"] or "未分组",
            "duties": row["duties"],
            "hours": _hours(row["length"]),
        }
        for rank, row in enumerate(
            duties.values("staff_id", "staff__name", "staff__team__name")
            .annotate(length=length, duties=Count("pk"))
            .order_by("-length", "staff__name", "staff_id")[:BUSIEST],
            start=1,
        )
    ]
    return teams, busiest


def _hours(value) -> float:
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return round(value.total_seconds() / 3600, 1)
    return round(value / 3_600_000_000, 1)  # microseconds, should a backend return a number


def _rows(figure_rows) -> list[dict]:
    """Dataclass rows of the figure functions as plain dicts (the private working fields left
    out)."""
    result = []
    for row in figure_rows:
        values = {k: v for k, v in vars(row).items() if not k.startswith("_")}
        rate = getattr(row, "on_time_rate", None)
        if rate is not None or hasattr(type(row), "on_time_rate"):
            values["on_time_rate"] = rate
        result.append(values)
    return result


def _total(rows: list[dict], keys) -> dict:
    return {key: sum(row[key] for row in rows) for key in keys}


def _percent(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _weighted(pairs) -> float | None:
    pairs = [(n, value) for n, value in pairs if n and value is not None]
    count = sum(n for n, _value in pairs)
    return round(sum(n * value for n, value in pairs) / count, 2) if count else None


# --- comparison -----------------------------------------------------------------------------

COMPARED = (
    ("meetings", "会议场次", "场"),
    ("attendees", "参会人数", "人次"),
    ("cancelled", "取消会议", "场"),
    ("rescheduled", "调整时间或会场的会议", "场"),
    ("room_use_percent", "会议室使用率", "%"),
    ("orders_delivered", "完成会务服务项目", "项"),
    ("checks_on_time_percent", "三级检查按时率", "%"),
    ("checks_missed", "未检查次数", "次"),
    ("incidents", "突发事件", "起"),
    ("requests", "服务热线需求", "件"),
    ("rounds_on_time_percent", "办公室服务按时率", "%"),
    ("inspections", "质量检查", "次"),
    ("average_score", "质量检查平均分", "分"),
    ("feedback", "收到评价", "份"),
    ("average_rating", "总体满意度平均分", "分"),
    ("complaints", "投诉", "件"),
    ("staff_hours", "人员值勤工时", "小时"),
)


def _comparison(this: dict, last: dict) -> list[dict]:
    rows = []
    for key, label, unit in COMPARED:
        now_value, before = this[key], last[key]
        change = None
        if now_value is not None and before is not None:
            change = round(now_value - before, 2)
            change = int(change) if float(change).is_integer() else change
        rows.append(
            {
                "key": key,
                "label": label,
                "unit": unit,
                "this_week": now_value,
                "last_week": before,
                "change": change,
                "change_text": _change_text(change, unit),
            }
        )
    return rows


def _change_text(change, unit: str) -> str:
    if change is None:
        return "—"
    if change == 0:
        return "持平"
    suffix = "个百分点" if unit == "%" else unit
    return f"{'增加' if change > 0 else '减少'}{abs(change):g}{suffix}"


# --- charts ---------------------------------------------------------------------------------


def _charts(this: dict, last: dict) -> list[dict]:
    made = []
    buildings: dict = {}
    for week, key in ((this, "this"), (last, "last")):
        for row in week["meetings"]["by_building"]:
            entry = buildings.setdefault(row["building"], {"label": row["label"], "order": 0})
            entry["order"] = row["order"]
            entry[key] = row["meetings"]
    ordered = sorted(buildings.values(), key=lambda r: (r["order"], r["label"]))
    if ordered:
        made.append(
            (
                "meetings_by_building",
                "图1 各楼宇会议场次",
                charts.meetings_by_building(
                    [r["label"] for r in ordered],
                    [r.get("this", 0) for r in ordered],
                    [r.get("last", 0) for r in ordered],
                ),
            )
        )
    made.append(
        (
            "meetings_per_day",
            "图2 每日会议场次",
            charts.meetings_per_day(
                list(WEEKDAYS),
                [d["meetings"] for d in this["meetings"]["per_day"]],
                [d["meetings"] for d in last["meetings"]["per_day"]],
            ),
        )
    )
    levels = this["checks"]
    made.append(
        (
            "checks_by_level",
            "图3 三级检查完成情况",
            charts.checks_by_level(
                [r["label"] for r in levels],
                [r["on_time"] for r in levels],
                [r["late"] for r in levels],
                [r["missed"] for r in levels],
            ),
        )
    )
    if this["ratings"]:
        made.append(
            (
                "ratings_by_service",
                "图4 各项服务满意度",
                charts.ratings_by_service(
                    [r["label"] for r in this["ratings"]],
                    [r["average"] for r in this["ratings"]],
                ),
            )
        )
    return [
        {
            "key": key,
            "caption": caption,
            "png": png,
            "data_uri": "data:image/png;base64," + base64.b64encode(png).decode("ascii"),
        }
        for key, caption, png in made
    ]


# --- the document's sections, shared by Word and HTML ---------------------------------------


def _number(value, suffix: str = "") -> str:
    if value is None:
        return "—"
    if isinstance(value, float):
        value = f"{value:g}"
    return f"{value}{suffix}"


def _sections(data: dict) -> list[dict]:
    this, last = data["this_week"], data["last_week"]
    head = this["headline"]
    chart = {c["key"]: c for c in data["charts"]}
    sections: list[tuple[str, list]] = []

    def table(headers, rows):
        return {"type": "table", "headers": list(headers), "rows": [list(r) for r in rows]}

    def text(value):
        return {"type": "paragraph", "text": value}

    def figure(key):
        return [{"type": "chart", **chart[key]}] if key in chart else []

    sections.append(
        (
            "总体情况",
            [
                text(
                    f"本周共服务会议{head['meetings']}场（上周{last['headline']['meetings']}场），"
                    f"参会人员{head['attendees']}人次；会议室使用率"
                    f"{_number(head['room_use_percent'], '%')}；三级检查按时率"
                    f"{_number(head['checks_on_time_percent'], '%')}；"
                    f"突发事件{head['incidents']}起，服务热线需求{head['requests']}件。"
                ),
                table(
                    ("指标", "本周", "上周", "变化"),
                    (
                        (
                            row["label"],
                            _number(row["this_week"], "%" if row["unit"] == "%" else ""),
                            _number(row["last_week"], "%" if row["unit"] == "%" else ""),
                            row["change_text"],
                        )
                        for row in data["comparison"]
                    ),
                ),
                *figure("meetings_per_day"),
            ],
        )
    )
    meetings = this["meetings"]
    last_by_building = {r["building"]: r["meetings"] for r in last["meetings"]["by_building"]}
    sections.append(
        (
            "会议概况",
            [
                text("（一）按楼宇"),
                table(
                    ("楼宇", "会议场次", "参会人数", "上周场次"),
                    (
                        (
                            r["label"],
                            r["meetings"],
                            r["attendees"],
                            last_by_building.get(r["building"], 0),
                        )
                        for r in meetings["by_building"]
                    ),
                ),
                *figure("meetings_by_building"),
                text("（二）按服务等级"),
                table(
                    ("服务等级", "会议场次", "参会人数"),
                    ((r["label"], r["meetings"], r["attendees"]) for r in meetings["by_level"]),
                ),
                text("（三）按主办单位"),
                table(
                    ("主办单位", "会议场次", "参会人数"),
                    ((r["label"], r["meetings"], r["attendees"]) for r in meetings["by_unit"]),
                ),
            ],
        )
    )
    use = this["room_use"]
    sections.append(
        (
            "会议室使用情况",
            [
                text(
                    f"本周工作日{use['working_days']}天，会议室每个工作日可用"
                    f"{AVAILABLE_FROM:%H:%M}—{AVAILABLE_UNTIL:%H:%M}；使用时长按会议起止时间"
                    "计入可用时段，不含布场和撤场时间。"
                ),
                table(
                    ("楼宇", "会议室数", "已用时长（小时）", "可用时长（小时）", "使用率"),
                    [
                        *(
                            (
                                r["label"],
                                r["rooms"],
                                _number(r["booked_hours"]),
                                _number(r["available_hours"]),
                                _number(r["percent"], "%"),
                            )
                            for r in use["rows"]
                        ),
                        (
                            "合计",
                            use["total"]["rooms"],
                            _number(use["total"]["booked_hours"]),
                            _number(use["total"]["available_hours"]),
                            _number(use["total"]["percent"], "%"),
                        ),
                    ],
                ),
            ],
        )
    )
    sections.append(
        (
            "会务服务完成情况",
            [
                table(
                    ("服务项目", "预订", "已完成", "完成率"),
                    (
                        (r["label"], r["ordered"], r["delivered"], _number(r["percent"], "%"))
                        for r in this["services"]
                    ),
                )
            ],
        )
    )
    sections.append(
        (
            "三级检查落实情况",
            [
                table(
                    ("检查级别", "应检查", "按时", "超时", "未检查", "未到期", "按时率"),
                    (
                        (
                            r["label"],
                            r["total"],
                            r["on_time"],
                            r["late"],
                            r["missed"],
                            r["pending"],
                            _number(r["percent"], "%"),
                        )
                        for r in this["checks"]
                    ),
                ),
                *figure("checks_by_level"),
            ],
        )
    )

    def resolution_rows(found):
        return [
            (r["label"], r["total"], r["resolved"], r["open"], _number(r["median_hours"]))
            for r in [*found["rows"], {"label": "合计", **found["total"]}]
        ]

    sections.append(
        (
            "突发事件与服务热线",
            [
                text("（一）突发事件"),
                table(
                    ("类别", "发生", "已处置", "未处置", "处置用时中位数（小时）"),
                    resolution_rows(this["incidents"]),
                ),
                text("（二）服务热线需求"),
                table(
                    ("紧急程度", "受理", "已办结", "未办结", "办结用时中位数（小时）"),
                    resolution_rows(this["requests"]),
                ),
            ],
        )
    )
    changes = this["changes"]
    sections.append(
        (
            "会议取消与调整",
            [
                text(
                    f"本周会议取消{meetings['cancelled']}场（上周{last['meetings']['cancelled']}场）；"
                    f"调整时间或会场的会议{changes['rescheduled']}场，共调整{changes['reschedules']}次"
                    f"（上周{last['changes']['rescheduled']}场）。"
                )
            ],
        )
    )
    sections.append(
        (
            "办公室服务",
            [
                table(
                    ("楼宇", "服务次数", "按时", "超时", "未完成", "按时率"),
                    (
                        (
                            r["label"],
                            r["rounds"],
                            r["on_time"],
                            r["late"],
                            r["missed"],
                            _number(r["on_time_rate"], "%"),
                        )
                        for r in this["rounds"]
                    ),
                )
            ],
        )
    )
    sections.append(
        (
            "服务质量",
            [
                text("（一）质量检查"),
                table(
                    ("楼宇", "检查次数", "平均分"),
                    (
                        (r["label"], r["inspections"], _number(r["average_score"]))
                        for r in this["inspections"]
                    ),
                ),
                text("（二）整改事项"),
                table(
                    ("楼宇", "新增", "完成", "未完成", "逾期"),
                    (
                        (r["label"], r["raised"], r["closed"], r["open"], r["overdue"])
                        for r in this["actions"]
                    ),
                ),
                text("（三）服务评价与投诉"),
                table(
                    ("楼宇", "评价份数", "总体满意度", "投诉", "未办结投诉"),
                    (
                        (
                            r["label"],
                            r["received"],
                            _number(r["average_rating"]),
                            r["complaints"],
                            r["open_complaints"],
                        )
                        for r in this["feedback"]
                    ),
                ),
                *figure("ratings_by_service"),
            ],
        )
    )
    sections.append(
        (
            "人员值勤情况",
            [
                text("（一）按班组"),
                table(
                    ("班组", "人数", "值勤次数", "工时（小时）"),
                    (
                        (r["label"], r["people"], r["duties"], _number(r["hours"]))
                        for r in this["teams"]
                    ),
                ),
                text(f"（二）值勤工时前{BUSIEST}名"),
                table(
                    ("序号", "姓名", "班组", "值勤次数", "工时（小时）"),
                    (
                        (r["rank"], r["name"], r["team"], r["duties"], _number(r["hours"]))
                        for r in this["busiest"]
                    ),
                ),
            ],
        )
    )
    return [
        {"heading": f"{NUMERALS[i]}、{title}", "blocks": blocks}
        for i, (title, blocks) in enumerate(sections)
    ]


# --- Word -----------------------------------------------------------------------------------


def render_docx(data: dict) -> bytes:
    doc = official_document()
    add_title(doc, data["title"])
    subtitle = doc.add_paragraph(f"（{data['week_text']}）")
    subtitle.alignment = WD_ALIGN_PARAGRAPH.CENTER
    issuer = doc.add_paragraph(data["issuer"])
    issuer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for section in data["sections"]:
        doc.add_paragraph(section["heading"], style="Heading 1")
        for block in section["blocks"]:
            if block["type"] == "paragraph":
                paragraph = doc.add_paragraph(block["text"])
                paragraph.paragraph_format.first_line_indent = Pt(2 * BODY_PT)
            elif block["type"] == "table":
                if block["rows"]:
                    add_table(
                        doc,
                        block["headers"],
                        [[str(cell) for cell in row] for row in block["rows"]],
                    )
                else:
                    doc.add_paragraph("本周无。").paragraph_format.first_line_indent = Pt(
                        2 * BODY_PT
                    )
            else:
                doc.add_picture(io.BytesIO(block["png"]), width=Mm(150))
                doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
                caption = doc.add_paragraph(block["caption"])
                caption.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return to_bytes(doc)
