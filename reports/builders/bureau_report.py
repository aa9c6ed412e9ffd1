"""会务安排情况: the meetings of a period, for the administration bureau's office.

The document is a Chinese official document (GB/T 9704), so its fixed texts are written here
in Chinese and not translated: the interface language does not change an official document.
Every title and detail goes through the visibility policy for the document's viewer (asked
under zh-hans, so a hidden title reads 涉密会议); the bureau's own role does not see secret
meetings' details, and their attendees and levels are then left out of the totals too.

Cancelled meetings are listed with their status (the bureau was told of them) but not counted
in the totals, which are of the meetings that take place.
"""

import datetime as dt
from collections import Counter

from django.utils import translation

from bookings.models import Meeting, MeetingStatus
from bookings.visibility import can_see_details, title_for
from core.timeutils import day_bounds, format_date, format_time, local
from reports import layout
from reports.builders import BuildRequest
from reports.builders.daily_notice import HIDDEN, ISSUER, LEVELS, centred, leader_text, lines

TEMPLATE = "reports/bureau_report.html"
TITLE = "会务安排情况"

HEADERS = ("日期", "时间", "会场", "主办单位", "会议名称", "人数\n召集领导", "级别\n状态")
WIDTHS_MM = (20, 22, 26, 20, 34, 20, 14)  # 156 mm, the GB/T 9704 type width
TOTAL_HEADERS = ("楼宇", "会议（场）", "参会人数", "A级", "B级", "C级")
TOTAL_WIDTHS_MM = (36, 24, 24, 24, 24, 24)
STATUSES = {
    MeetingStatus.REQUESTED: "待确认",
    MeetingStatus.CONFIRMED: "已确认",
    MeetingStatus.CANCELLED: "已取消",
}
_WEEKDAYS = "一二三四五六日"


def collect(request: BuildRequest) -> dict:
    """The period's meetings by day then time, and the totals. One query for the meetings
    (room, building, unit and leader joined), plus what the viewer's permissions cost once."""
    first, last = request.period_start, request.period_end
    viewer = request.viewer
    with translation.override("zh-hans"):
        rows = [_row(meeting, viewer) for meeting in _meetings(first, last)]
        period_text = (
            format_date(first) if first == last else f"{format_date(first)}至{format_date(last)}"
        )
    totals = _totals(rows)
    return {
        "kind": "bureau_report",
        "title": TITLE,
        "issuer": ISSUER,
        "period_start": first.isoformat(),
        "period_end": last.isoformat(),
        "period_text": period_text,
        "headers": list(HEADERS),
        "rows": rows,
        "total_headers": list(TOTAL_HEADERS),
        "totals": totals,
        "total_rows": _total_rows(totals),
        "totals_text": _totals_text(totals),
        "summary": {
            "meetings": totals["meetings"],
            "attendees": totals["attendees"],
            "cancelled": totals["cancelled"],
            "hidden": totals["hidden"],
            "levels": totals["levels"],
            "by_building": totals["by_building"],
        },
    }


def render_docx(data: dict) -> bytes:
    doc = layout.official_document()
    layout.add_title(doc, data["title"])
    centred(doc, f"（{data['period_text']}）")
    centred(doc, data["issuer"])
    if data["rows"]:
        layout.add_table(doc, HEADERS, (row["cells"] for row in data["rows"]), widths_mm=WIDTHS_MM)
    else:
        doc.add_paragraph("本期无会议安排。")
    doc.add_paragraph("合计", style="Heading 1")
    doc.add_paragraph(data["totals_text"])
    if data["total_rows"]:
        layout.add_table(doc, TOTAL_HEADERS, data["total_rows"], widths_mm=TOTAL_WIDTHS_MM)
    return layout.to_bytes(doc)


def _meetings(first: dt.date, last: dt.date) -> list[Meeting]:
    start, _end = day_bounds(first)
    _start, end = day_bounds(last)
    return list(
        Meeting.objects.filter(start__gte=start, start__lt=end)
        .select_related("room__building", "hosting_unit", "leader")
        .order_by("start", "room__building__sort_order", "room__number", "pk")
    )


def _row(meeting: Meeting, viewer) -> dict:
    visible = can_see_details(viewer, meeting)
    start, end = local(meeting.start), local(meeting.end)
    room, building = meeting.room, meeting.room.building
    if visible:
        unit = meeting.hosting_unit.short_name or meeting.hosting_unit.name
        attendees = meeting.attendees
        leader = leader_text(meeting)
        level = meeting.level
    else:
        unit = leader = level = ""
        attendees = None
    title = title_for(viewer, meeting)
    status = STATUSES.get(meeting.status, meeting.status)
    date_text = f"{start.month}月{start.day}日\n星期{_WEEKDAYS[start.weekday()]}"
    cells = [
        date_text,
        f"{format_time(start)}–{format_time(end)}",
        f"{building.name}\n{room.number} {room.name}",
        unit or HIDDEN,
        title,
        lines(f"{attendees}人" if attendees is not None else HIDDEN, leader),
        lines(f"{level}级" if level else HIDDEN, status),
    ]
    return {
        "id": meeting.pk,
        "date": start.date().isoformat(),
        "date_text": date_text.replace("\n", " "),
        "time": f"{format_time(start)}–{format_time(end)}",
        "building": building.name,
        "building_order": (building.sort_order, building.name),
        "room": f"{room.number} {room.name}",
        "unit": unit,
        "title": title,
        "attendees": attendees,
        "leader": leader,
        "level": level,
        "status": status,
        "cancelled": meeting.status == MeetingStatus.CANCELLED,
        "hidden": not visible,
        "cells": cells,
    }


def _totals(rows: list[dict]) -> dict:
    """Totals of the meetings that take place; a hidden meeting counts as a meeting only."""
    active = [row for row in rows if not row["cancelled"]]
    by_building: dict[str, dict] = {}
    for row in sorted(active, key=lambda row: row["building_order"]):
        figures = by_building.setdefault(
            row["building"],
            {"meetings": 0, "attendees": 0, "levels": dict.fromkeys(LEVELS, 0), "hidden": 0},
        )
        figures["meetings"] += 1
        figures["attendees"] += row["attendees"] or 0
        if row["hidden"]:
            figures["hidden"] += 1
        elif row["level"] in figures["levels"]:
            figures["levels"][row["level"]] += 1
    levels = Counter(row["level"] for row in active if not row["hidden"])
    return {
        "meetings": len(active),
        "attendees": sum(row["attendees"] or 0 for row in active),
        "levels": {level: levels.get(level, 0) for level in LEVELS},
        "cancelled": len(rows) - len(active),
        "hidden": sum(1 for row in active if row["hidden"]),
        "by_building": by_building,
    }


def _total_rows(totals: dict) -> list[list[str]]:
    rows = [
        [
            name,
            str(figures["meetings"]),
            str(figures["attendees"]),
            *(str(figures["levels"][level]) for level in LEVELS),
        ]
        for name, figures in totals["by_building"].items()
    ]
    if rows:
        rows.append(
            [
                "合计",
                str(totals["meetings"]),
                str(totals["attendees"]),
                *(str(totals["levels"][level]) for level in LEVELS),
            ]
        )
    return rows


def _totals_text(totals: dict) -> str:
    levels = "、".join(f"{level}级{totals['levels'][level]}场" for level in LEVELS)
    text = f"本期共安排会议{totals['meetings']}场，参会{totals['attendees']}人；其中{levels}"
    if totals["by_building"]:
        buildings = "、".join(
            f"{name}{figures['meetings']}场" for name, figures in totals["by_building"].items()
        )
        text += f"；按楼宇：{buildings}"
    text += "。"
    if totals["cancelled"]:
        text += f"另有{totals['cancelled']}场会议已取消，未计入。"
    if totals["hidden"]:
        text += f"含涉密会议{totals['hidden']}场，其人数、级别未计入。"
    return text
