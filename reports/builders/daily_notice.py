"""每日服务通知: the day's active meetings by building, for every service team.

The document is a Chinese official document (GB/T 9704), so its fixed texts are written here
in Chinese and not translated: the interface language does not change an official document.
Choice labels are mapped here too (short forms that fit a table cell), and the visibility
policy is asked under zh-hans so a hidden title reads 涉密会议 whoever asked.

Each row's fingerprint is a hash of exactly the cells it prints (without the ★), so the next
version of the same day marks the rows whose print changed, and only those. Snapshot keys are
meeting ids as strings (the snapshot is stored as JSON, whose keys are strings).
"""

import hashlib
import json
from collections import Counter

from django.db.models import Prefetch
from django.utils import translation
from docx.enum.text import WD_ALIGN_PARAGRAPH

from bookings.models import Meeting, OrderStatus, ServiceOrder
from bookings.visibility import can_see_details, title_for
from core.timeutils import day_bounds, format_date, format_time, local
from reports import layout
from reports.builders import BuildRequest
from staffing.models import Duty
from staffing.validation import ARRIVAL_BEFORE

TEMPLATE = "reports/daily_notice.html"
TITLE = "每日服务通知"
ISSUER = "信息处理中心"
MARK = "★"
LEGEND = "注：标有“★”并加底纹的行，为上一版印发后有变动的会议。"
HIDDEN = "—"

HEADERS = (
    "时间",
    "会场",
    "会议名称\n主办单位",
    "人数\n召集领导",
    "级别\n布置",
    "服务事项",
    "服务人员",
)
WIDTHS_MM = (24, 20, 36, 22, 14, 22, 18)  # 156 mm, the GB/T 9704 type width

RANKS = {"section": "科级", "division": "处级", "bureau": "局级", "district": "区级"}
LAYOUTS = {
    "theatre": "剧院式",
    "classroom": "课桌式",
    "u_shape": "U形",
    "boardroom": "会议桌式",
    "round_table": "圆桌式",
}
LEVELS = ("A", "B", "C")
# Departments in the order the teams read them, with the short names a cell has room for.
DEPARTMENTS = {
    "meeting_service": "会务",
    "audio_control": "音控",
    "environment": "环境",
    "engineering": "工程",
    "security": "安保",
}
ORDER_KINDS = {
    "banner": "会标",
    "name_plates": "名牌",
    "layout": "会场布置",
    "hostesses": "礼仪",
    "tea": "茶水",
    "flowers": "鲜花",
    "audio_visual": "音视频",
    "lighting_ac": "灯光空调",
    "parking_access": "停车",
}
# Kinds whose quantity means something on paper (名牌12, 礼仪4, 鲜花2); the others are one service.
COUNTED_KINDS = ("name_plates", "hostesses", "flowers")
_KIND_ORDER = {kind: index for index, kind in enumerate(ORDER_KINDS)}
# Duty roles as the notice writes them after a name; an attendant needs no label.
DUTY_ROLES = {"lead": "组长", "hostess": "礼仪", "audio": "音控", "reception": "接待"}
DUTY_ORDER = {"lead": 0, "attendant": 1, "hostess": 2, "reception": 3, "audio": 4}


def collect(request: BuildRequest) -> dict:
    """The day's rows by building, their fingerprints and the headline figures.

    Queries: meetings (with room, building, unit, leader), their open orders, their active
    duties with staff; plus what the viewer's permissions and duties cost once.
    """
    day = request.period_start
    viewer = request.viewer
    previous = _previous_rows(request.previous_snapshot)
    with translation.override("zh-hans"):
        meetings = _meetings(day)
        buildings: dict[int, dict] = {}
        fingerprints: dict[str, str] = {}
        for meeting in meetings:
            row = _row(meeting, viewer)
            key = str(meeting.pk)
            fingerprints[key] = row["fingerprint"]
            row["changed"] = previous is not None and previous.get(key) != row["fingerprint"]
            if row["changed"]:
                row["cells"][0] = MARK + row["cells"][0]
            building = meeting.room.building
            group = buildings.setdefault(
                building.pk, {"name": building.name, "code": building.code, "rows": []}
            )
            group["rows"].append(row)
        date_text = format_date(day)
        issued_text = f"{format_date(request.now)} {format_time(request.now)}"
    groups = list(buildings.values())
    for group in groups:
        group["summary"] = _building_summary(group["rows"])
        group["summary_text"] = _summary_text(group["summary"])
    rows = [row for group in groups for row in group["rows"]]
    changed = sum(1 for row in rows if row["changed"])
    removed = len(set(previous) - set(fingerprints)) if previous is not None else 0
    return {
        "kind": "daily_notice",
        "title": TITLE,
        "issuer": ISSUER,
        "day": day.isoformat(),
        "date_text": date_text,
        "issued_text": issued_text,
        "headers": list(HEADERS),
        "buildings": groups,
        "compared": previous is not None,
        "legend": LEGEND if previous is not None else "",
        "removed": removed,
        "removed_text": _removed_text(removed),
        "snapshot": {"rows": fingerprints},
        "summary": {
            "meetings": len(rows),
            "attendees": sum(group["summary"]["attendees"] for group in groups),
            "changed": changed,
            "removed": removed,
            "hidden": sum(group["summary"]["hidden"] for group in groups),
            "by_building": {group["name"]: group["summary"] for group in groups},
        },
    }


def render_docx(data: dict) -> bytes:
    doc = layout.official_document()
    layout.add_title(doc, data["title"])
    centred(doc, data["date_text"])
    centred(doc, data["issuer"])
    if not data["buildings"]:
        doc.add_paragraph("本日无会议安排。")
    for number, group in enumerate(data["buildings"], start=1):
        doc.add_paragraph(f"{_ordinal(number)}、{group['name']}", style="Heading 1")
        table = layout.add_table(
            doc, HEADERS, (row["cells"] for row in group["rows"]), widths_mm=WIDTHS_MM
        )
        table_rows = list(table.rows)
        for row, table_row in zip(group["rows"], table_rows[1:], strict=True):
            if row["changed"]:
                layout.shade_row(table_row)
        doc.add_paragraph(group["summary_text"])
    if data["legend"]:
        doc.add_paragraph(data["legend"])
    if data["removed_text"]:
        doc.add_paragraph(data["removed_text"])
    return layout.to_bytes(doc)


# --- the rows -----------------------------------------------------------------------------------


def _meetings(day) -> list[Meeting]:
    start, end = day_bounds(day)
    orders = ServiceOrder.objects.exclude(status=OrderStatus.CANCELLED).order_by("kind")
    duties = Duty.objects.active().select_related("staff").order_by("start", "id")
    return list(
        Meeting.objects.active()
        .filter(start__gte=start, start__lt=end)
        .select_related("room__building", "hosting_unit", "leader")
        .prefetch_related(Prefetch("orders", queryset=orders), Prefetch("duties", queryset=duties))
        .order_by("room__building__sort_order", "room__building__name", "start", "room__number")
    )


def _row(meeting: Meeting, viewer) -> dict:
    visible = can_see_details(viewer, meeting)
    start, end = local(meeting.start), local(meeting.end)
    arrival = local(meeting.start - ARRIVAL_BEFORE)
    room = meeting.room
    staff = _staff_text(meeting)
    if visible:
        unit = meeting.hosting_unit.short_name or meeting.hosting_unit.name
        attendees = meeting.attendees
        leader = leader_text(meeting)
        level = meeting.level
        layout_text = LAYOUTS.get(meeting.layout, "")
        services = _orders_text(meeting)
        notes = _notes_text(meeting)
    else:
        unit = leader = level = layout_text = services = notes = ""
        attendees = None
    title = title_for(viewer, meeting)
    people = f"{attendees}人" if attendees is not None else HIDDEN
    cells = [
        f"{format_time(start)}–{format_time(end)}\n到岗 {format_time(arrival)}",
        f"{room.number}\n{room.name}",
        lines(title, f"主办：{unit}" if unit else ""),
        lines(people, leader),
        lines(f"{level}级" if level else HIDDEN, layout_text),
        lines(services or HIDDEN, f"备注：{notes}" if notes else ""),
        staff or "待派",
    ]
    return {
        "id": meeting.pk,
        "time": f"{format_time(start)}–{format_time(end)}",
        "arrival": format_time(arrival),
        "room": f"{room.number} {room.name}",
        "building": room.building.name,
        "unit": unit,
        "title": title,
        "attendees": attendees,
        "leader": leader,
        "level": level,
        "layout": layout_text,
        "services": services,
        "staff": staff,
        "staff_ids": sorted({duty.staff_id for duty in meeting.duties.all()}),
        "notes": notes,
        "hidden": not visible,
        "fingerprint": _fingerprint(cells),
        "cells": cells,
    }


def leader_text(meeting: Meeting) -> str:
    rank = RANKS.get(meeting.leader_rank, "")
    if meeting.leader is None:
        return f"{rank}领导" if rank else ""
    name = meeting.leader.name
    if meeting.leader.title:
        name = f"{name} {meeting.leader.title}"
    return f"{name}（{rank}）" if rank else name


def _orders_text(meeting: Meeting) -> str:
    """会务：名牌12、茶水；环境：鲜花2: by department, counted kinds with their quantity."""
    by_department: dict[str, list[str]] = {}
    for order in sorted(meeting.orders.all(), key=lambda order: _KIND_ORDER.get(order.kind, 99)):
        label = ORDER_KINDS.get(order.kind, order.kind)
        if order.quantity and order.kind in COUNTED_KINDS:
            label = f"{label}{order.quantity}"
        by_department.setdefault(order.department, []).append(label)
    parts = [
        f"{short}：{'、'.join(by_department[code])}"
        for code, short in DEPARTMENTS.items()
        if code in by_department
    ]
    return "；".join(parts)


def _staff_text(meeting: Meeting) -> str:
    """赵敏（组长）、周婷: the lead first, then by duty and name."""
    duties = sorted(
        (duty for duty in meeting.duties.all() if duty.meeting_id is not None),
        key=lambda duty: (DUTY_ORDER.get(duty.role, 9), duty.staff.name),
    )
    names = []
    for duty in duties:
        role = DUTY_ROLES.get(duty.role)
        names.append(f"{duty.staff.name}（{role}）" if role else duty.staff.name)
    return "、".join(names)


def _notes_text(meeting: Meeting) -> str:
    """The meeting's own notes. The convening leader's service notes (tea, seating, habits)
    are never printed: the policy shows them only on the meeting's page to the staff serving
    it (bookings.visibility.can_see_leader_notes), and a printed notice is passed around."""
    return " ".join(meeting.notes.split())


def _previous_rows(snapshot: dict | None) -> dict[str, str] | None:
    """The previous version's fingerprints by meeting id (as a string), or None for a first
    version (nothing is marked then)."""
    if not snapshot or "rows" not in snapshot:
        return None
    return {str(key): value for key, value in snapshot["rows"].items()}


def _fingerprint(cells: list[str]) -> str:
    printed = json.dumps(cells, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(printed.encode()).hexdigest()[:16]


def lines(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


# --- the figures ---------------------------------------------------------------------------------


def _building_summary(rows: list[dict]) -> dict:
    """Figures for one building. A meeting hidden from the viewer counts as a meeting, but its
    attendees and level are not added (they would reveal what the policy hides)."""
    levels = Counter(row["level"] for row in rows if not row["hidden"])
    staff = {staff_id for row in rows for staff_id in row["staff_ids"]}
    return {
        "meetings": len(rows),
        "attendees": sum(row["attendees"] or 0 for row in rows),
        "levels": {level: levels.get(level, 0) for level in LEVELS},
        "staff": len(staff),
        "hidden": sum(1 for row in rows if row["hidden"]),
        "changed": sum(1 for row in rows if row["changed"]),
    }


def _summary_text(summary: dict) -> str:
    levels = "、".join(f"{level}级{summary['levels'][level]}场" for level in LEVELS)
    text = (
        f"小计：会议{summary['meetings']}场，参会{summary['attendees']}人，{levels}，"
        f"在岗服务人员{summary['staff']}人。"
    )
    if summary["hidden"]:
        text += f"（含涉密会议{summary['hidden']}场，其人数、级别未计入。）"
    return text


def _removed_text(removed: int) -> str:
    if not removed:
        return ""
    return f"上一版所列会议中有{removed}场已取消或调整至他日，本版不再列出。"


def centred(doc, text: str) -> None:
    doc.add_paragraph(text).alignment = WD_ALIGN_PARAGRAPH.CENTER


_NUMERALS = "一二三四五六七八九十"


def _ordinal(number: int) -> str:
    if number <= 10:
        return _NUMERALS[number - 1]
    tens, ones = divmod(number, 10)
    return (_NUMERALS[tens - 1] if tens > 1 else "") + "十" + (_NUMERALS[ones - 1] if ones else "")
