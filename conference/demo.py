"""The demo data: the place's rooms, units, leaders and logins as plain data, and a loader.

`load()` lays everything down in one transaction. Meetings go only through `bookings.services`
(with `now=` set to a plausible moment, so the past can be laid down and every change is
audited as a clerk would have made it), so the demo satisfies every invariant the real data
must. The meeting plan comes from a seeded random generator: the same run date gives the same
demo. The Chinese content below is data, not user-interface text.
"""

import datetime as dt
import random
from dataclasses import dataclass
from typing import NamedTuple

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from bookings import services
from bookings.errors import BookingConflict
from bookings.models import (
    Building,
    Confidentiality,
    Equipment,
    HostingUnit,
    Layout,
    Leader,
    LeaderRank,
    Meeting,
    Room,
)
from conference.demo_offices import load_office_service
from conference.demo_staff import load_staff
from core import timeutils
from core.roles import Role, add_role, sync_role_groups
from core.workdays import seed_calendar_year, working_days_between
from feedback import demo as feedback_demo
from inspections import services as check_services
from quality import demo as quality_demo
from reports.models import Kind
from reports.services import request_document

SEED = 2026
DAYS_BACK = 7
DAYS_AHEAD = 14
DAY_FIRST_START = dt.time(8, 30)
DAY_LAST_END = dt.time(18, 0)
# When the loader runs after office hours, today's meetings still to come are evening ones.
EVENING_LAST_END = dt.time(22, 30)
SLOT = dt.timedelta(minutes=30)
# Meetings still to come today, so the home pages have something ahead of them.
LATER_TODAY = 4

# --- Rooms ----------------------------------------------------------------------------------

# (building code, room number, name, floor, seats, equipment codes)
MEETING_ROOMS = [
    ("main", "108", "贵宾接待室", 1, 12, ("led_screen",)),
    ("main", "201", "第一会议室", 2, 30, ("projector", "microphones")),
    ("main", "202", "第二会议室", 2, 20, ("projector",)),
    ("main", "203", "第三会议室", 2, 12, ()),
    ("main", "301", "常务会议室", 3, 40, ("microphones", "recording", "led_screen")),
    ("main", "302", "视频会议室", 3, 50, ("video_conference", "led_screen", "microphones")),
    ("main", "401", "第四会议室", 4, 24, ("projector", "microphones")),
    ("main", "402", "第五会议室", 4, 16, ("projector",)),
    ("main", "501", "党组会议室", 5, 20, ("microphones", "recording")),
    ("main", "502", "第六会议室", 5, 10, ()),
    ("main", "605", "小会议室", 6, 8, ()),
    ("east", "101", "报告厅", 1, 150, ("projector", "led_screen", "microphones", "recording")),
    ("east", "201", "第一会议室", 2, 30, ("projector", "microphones")),
    ("east", "202", "第二会议室", 2, 20, ("projector",)),
    ("east", "203", "第三会议室", 2, 12, ()),
    ("east", "301", "培训室", 3, 60, ("projector", "microphones")),
    ("east", "302", "洽谈室", 3, 8, ()),
    ("east", "401", "视频会议室", 4, 40, ("video_conference", "led_screen", "microphones")),
    ("east", "402", "第四会议室", 4, 16, ("projector",)),
    ("east", "501", "研讨室", 5, 24, ("projector",)),
    ("west", "101", "多功能厅", 1, 120, ("projector", "led_screen", "microphones")),
    ("west", "201", "第一会议室", 2, 36, ("projector", "microphones")),
    ("west", "202", "第二会议室", 2, 20, ("projector",)),
    ("west", "205", "第三会议室", 2, 14, ()),
    ("west", "301", "视频会议室", 3, 30, ("video_conference", "led_screen", "microphones")),
    ("west", "302", "研讨室", 3, 10, ()),
    ("west", "401", "第四会议室", 4, 24, ("projector", "microphones")),
    ("west", "402", "贵宾接待室", 4, 8, ()),
    ("west", "501", "培训教室", 5, 80, ("projector", "microphones")),
    ("conference", "101", "大礼堂", 1, 400, ("led_screen", "microphones", "recording")),
    ("conference", "201", "报告厅", 2, 260, ("projector", "led_screen", "microphones")),
    ("conference", "202", "多功能厅", 2, 180, ("projector", "led_screen", "microphones")),
    ("conference", "302", "第一会议室", 3, 60, ("projector", "microphones")),
    ("conference", "303", "第二会议室", 3, 48, ("projector", "microphones")),
    ("conference", "305", "第三会议室", 3, 36, ("projector",)),
    ("conference", "306", "国际会议厅", 3, 100, ("interpretation", "microphones", "recording")),
    ("conference", "401", "视频会议中心", 4, 80, ("video_conference", "led_screen", "recording")),
    ("conference", "402", "贵宾接待室", 4, 16, ("led_screen",)),
    ("conference", "403", "第四会议室", 4, 24, ("projector",)),
    ("conference", "405", "第五会议室", 4, 20, ("projector",)),
    ("conference", "501", "第六会议室", 5, 30, ("projector", "microphones")),
    ("conference", "502", "小会议室", 5, 12, ()),
]
# Under renovation: shows how the desk treats a room that cannot be booked.
OUT_OF_SERVICE = {("west", "302")}

# Not bookable; the same staff clean and serve them (later issues plan that work).
# (building code, room number, name, floor, kind, seats)
OFFICES = [
    ("main", "801", "区长办公室", 8, Room.Kind.LEADER_OFFICE, 4),
    ("main", "802", "常务副区长办公室", 8, Room.Kind.LEADER_OFFICE, 4),
    ("main", "701", "综合科", 7, Room.Kind.OFFICE, 6),
    ("main", "702", "文秘科", 7, Room.Kind.OFFICE, 6),
    ("main", "703", "档案室", 7, Room.Kind.OFFICE, 4),
    ("east", "601", "主任办公室", 6, Room.Kind.LEADER_OFFICE, 4),
    ("east", "602", "副主任办公室", 6, Room.Kind.LEADER_OFFICE, 4),
    ("east", "603", "综合办公室", 6, Room.Kind.OFFICE, 8),
    ("east", "604", "财务科", 6, Room.Kind.OFFICE, 6),
    ("west", "601", "局长办公室", 6, Room.Kind.LEADER_OFFICE, 4),
    ("west", "602", "副局长办公室", 6, Room.Kind.LEADER_OFFICE, 4),
    ("west", "603", "政策法规科", 6, Room.Kind.OFFICE, 6),
    ("west", "604", "行政审批科", 6, Room.Kind.OFFICE, 6),
    ("conference", "601", "领导办公室（一）", 6, Room.Kind.LEADER_OFFICE, 4),
    ("conference", "602", "领导办公室（二）", 6, Room.Kind.LEADER_OFFICE, 4),
    ("conference", "603", "信息处理中心", 6, Room.Kind.OFFICE, 8),
    ("conference", "604", "音控室", 6, Room.Kind.OFFICE, 4),
    ("conference", "605", "客户服务中心", 6, Room.Kind.OFFICE, 8),
]


def room_setup_teardown(seats: int) -> tuple[int, int]:
    """Minutes of setup and teardown: small rooms are quick, large halls need a crew's hour."""
    if seats <= 30:
        return 15, 10
    if seats <= 100:
        return 20, 15
    if seats <= 200:
        return 30, 20
    if seats <= 300:
        return 45, 30
    return 60, 30


def room_layouts(name: str, seats: int) -> list[str]:
    """The layouts a room can be set in, most usual first."""
    if "接待室" in name:
        return [Layout.ROUND_TABLE]
    if "多功能厅" in name:
        return [Layout.THEATRE, Layout.CLASSROOM, Layout.ROUND_TABLE]
    if seats <= 16:
        return [Layout.BOARDROOM, Layout.ROUND_TABLE]
    if seats <= 40:
        return [Layout.BOARDROOM, Layout.U_SHAPE]
    if seats <= 100:
        return [Layout.U_SHAPE, Layout.CLASSROOM, Layout.THEATRE]
    return [Layout.THEATRE, Layout.CLASSROOM]


class RoomSpec(NamedTuple):
    key: tuple[str, str]
    seats: int
    equipment: tuple[str, ...]
    layouts: list[str]
    setup: int
    teardown: int
    in_service: bool


ROOM_SPECS = [
    RoomSpec(
        key=(building, number),
        seats=seats,
        equipment=equipment,
        layouts=room_layouts(name, seats),
        setup=room_setup_teardown(seats)[0],
        teardown=room_setup_teardown(seats)[1],
        in_service=(building, number) not in OUT_OF_SERVICE,
    )
    for building, number, name, _floor, seats, equipment in MEETING_ROOMS
]

# --- Units, leaders, logins -----------------------------------------------------------------

# (full name, short name, contact, mobile, e-mail)
HOSTING_UNITS = [
    ("区委办公室", "区委办", "张伟", "13901234567", "qwb@example.gov.cn"),
    ("区政府办公室", "区府办", "李娜", "13912345678", "qfb@example.gov.cn"),
    ("区发展和改革委员会", "区发改委", "王强", "13823456789", "fgw@example.gov.cn"),
    ("区财政局", "区财政局", "刘芳", "13734567890", "czj@example.gov.cn"),
    ("区教育局", "区教育局", "陈杰", "13645678901", ""),
    ("区卫生健康委员会", "区卫健委", "杨丽", "15056789012", "wjw@example.gov.cn"),
    ("区住房和城乡建设局", "区住建局", "赵勇", "15167890123", ""),
    ("区公安分局", "区公安分局", "黄军", "15278901234", ""),
    ("区人力资源和社会保障局", "区人社局", "周敏", "15389012345", "rsj@example.gov.cn"),
    ("区生态环境局", "区生态环境局", "吴涛", "15890123456", ""),
    ("区应急管理局", "区应急局", "徐刚", "15901234568", "yjj@example.gov.cn"),
    ("区市场监督管理局", "区市场监管局", "孙燕", "18612345679", ""),
    ("区机关事务管理局", "区机关事务局", "马超", "18723456780", "jgswj@example.gov.cn"),
    ("区委组织部", "区委组织部", "朱红", "18834567891", ""),
    ("区委宣传部", "区委宣传部", "胡斌", "18945678902", "xcb@example.gov.cn"),
    ("区商务局", "区商务局", "郭静", "17756789013", ""),
]
# Its presence means the demo is loaded: the whole load is one transaction.
MARKER_UNIT = HOSTING_UNITS[0][0]

# (name, post, rank, unit's short name, service notes)
LEADERS = [
    ("刘建华", "区长", LeaderRank.DISTRICT, "区府办", "喜饮绿茶，不加糖；座位靠窗"),
    ("陈志强", "常务副区长", LeaderRank.DISTRICT, "区府办", "只喝温白开水；会前备好老花镜"),
    ("赵丽萍", "副区长", LeaderRank.DISTRICT, "区府办", "对花粉过敏，会场勿摆鲜花；喜饮菊花茶"),
    ("孙卫东", "副区长", LeaderRank.DISTRICT, "区府办", "习惯提前10分钟到场；茶水宜淡"),
    ("周海涛", "局长", LeaderRank.BUREAU, "区财政局", "喜饮普洱，水温稍高；纸质材料备两份"),
    ("吴国平", "主任", LeaderRank.BUREAU, "区发改委", "不喝茶，备常温矿泉水"),
    ("郑雪梅", "局长", LeaderRank.BUREAU, "区教育局", "发言稿提前放在座位上；座位避开空调出风口"),
    ("王立新", "副局长", LeaderRank.BUREAU, "区应急局", "自带保温杯，只需续热水"),
    ("黄振宇", "副主任", LeaderRank.DIVISION, "区府办", "喜饮红茶，加少许糖"),
    ("林晓东", "处长", LeaderRank.DIVISION, "区卫健委", "会中常需接听电话，座位安排靠门"),
    ("何静", "科长", LeaderRank.SECTION, "区住建局", "喜饮花茶"),
    ("马俊", "科长", LeaderRank.SECTION, "区机关事务局", "需备笔记本和签字笔"),
]

# (username, family name, given name, roles, reaches the admin)
DEMO_USERS = [
    ("clerk", "王", "晓燕", (Role.CLERK,), False),
    ("supervisor", "李", "建平", (Role.SUPERVISOR, Role.LOBBY_MANAGER), True),
    ("lobby-east", "张", "丽", (Role.LOBBY_MANAGER,), False),
    ("lobby-west", "刘", "洋", (Role.LOBBY_MANAGER,), False),
    ("lobby-conference", "陈", "静", (Role.LOBBY_MANAGER,), False),
    ("hotline", "杨", "帆", (Role.HOTLINE,), False),
    ("group-leader", "赵", "敏", (Role.GROUP_LEADER,), False),
    ("env-supervisor", "黄", "磊", (Role.ENV_SUPERVISOR,), False),
    ("attendant", "周", "婷", (Role.ATTENDANT,), False),
    ("audio-tech", "孙", "浩", (Role.AUDIO_TECH,), False),
    ("bureau", "吴", "国强", (Role.BUREAU,), False),
]
USERNAMES = [row[0] for row in DEMO_USERS]

# --- Meetings -------------------------------------------------------------------------------

NORMAL, INTERNAL, SECRET = Confidentiality.NORMAL, Confidentiality.INTERNAL, Confidentiality.SECRET


class Template(NamedTuple):
    title: str
    unit: str  # short name
    attendees: tuple[int, int]
    minutes: tuple[int, ...]
    leader: str = ""  # a name from LEADERS
    rank: str = LeaderRank.NONE  # the convening rank when no known leader convenes
    confidentiality: str = NORMAL
    needs: str = ""  # an equipment code the room must have
    notes: str = ""
    # How often it comes up: the highest-level and secret meetings are the rarer ones.
    weight: int = 3


# fmt: off
TEMPLATES = [
    Template("区政府常务会议", "区府办", (25, 38), (150, 180), "刘建华", confidentiality=INTERNAL,
             notes="主席台摆放名牌；会前30分钟调试录音设备"),
    Template("区委常委会会议", "区委办", (18, 28), (120, 180), rank=LeaderRank.DISTRICT,
             confidentiality=SECRET, notes="会场内不得携带手机", weight=1),
    Template("2027年预算编制工作部署会", "区财政局", (60, 140), (90, 120), "陈志强"),
    Template("安全生产专题会议", "区应急局", (40, 90), (90, 120), "孙卫东"),
    Template("党组理论学习中心组学习会", "区发改委", (15, 28), (120, 150), "吴国平",
             confidentiality=INTERNAL),
    Template("党组理论学习中心组学习会", "区教育局", (12, 24), (120,), "郑雪梅",
             confidentiality=INTERNAL),
    Template("重点项目建设推进会", "区发改委", (30, 60), (90, 120), "陈志强"),
    Template("教育工作座谈会", "区教育局", (20, 40), (90, 120), "郑雪梅"),
    Template("医疗卫生服务体系建设专题会", "区卫健委", (20, 36), (90,), "赵丽萍"),
    Template("城市更新项目协调会", "区住建局", (10, 20), (60, 90), "何静"),
    Template("全区领导干部大会", "区委组织部", (200, 380), (90, 120), rank=LeaderRank.DISTRICT,
             confidentiality=INTERNAL, notes="需制作会标；主席台名牌按座次表摆放", weight=1),
    Template("新闻发布会", "区委宣传部", (60, 110), (60, 90), notes="预留媒体席位和电源"),
    Template("招商引资项目洽谈会", "区商务局", (8, 14), (60, 90), notes="备果盘；外宾2人"),
    Template("人才工作领导小组会议", "区委组织部", (15, 24), (90,), rank=LeaderRank.DISTRICT,
             confidentiality=INTERNAL),
    Template("稳就业工作推进会", "区人社局", (30, 60), (90, 120)),
    Template("生态环境保护督察整改工作调度会", "区生态环境局", (30, 50), (90, 120), "孙卫东"),
    Template("食品安全工作会议", "区市场监管局", (40, 80), (90, 120)),
    Template("机关事务工作例会", "区机关事务局", (8, 15), (60,), "马俊"),
    Template("信访工作联席会议", "区委办", (15, 25), (90, 120), rank=LeaderRank.BUREAU,
             confidentiality=INTERNAL),
    Template("保密工作会议", "区委办", (20, 40), (90,), rank=LeaderRank.BUREAU,
             confidentiality=INTERNAL),
    Template("全市安全生产电视电话会议（分会场）", "区应急局", (20, 40), (90, 120), "王立新",
             needs="video_conference", notes="会前1小时联调视频线路"),
    Template("冬春火灾防控工作视频调度会", "区应急局", (15, 30), (60, 90), "王立新",
             needs="video_conference"),
    Template("冬季供暖保障工作会", "区住建局", (20, 40), (90,)),
    Template("优化营商环境专题会", "区发改委", (20, 40), (90, 120), "黄振宇"),
    Template("预算执行情况分析会", "区财政局", (12, 24), (90, 120), "周海涛"),
    Template("政府投资项目专家评审会", "区发改委", (8, 15), (120, 180)),
    Template("干部业务能力培训班", "区人社局", (50, 78), (180,), notes="课桌式摆台，备签到表"),
    Template("人大代表建议办理协调会", "区府办", (15, 30), (90,), "黄振宇"),
    Template("政协委员提案办理座谈会", "区府办", (15, 30), (90,), "黄振宇"),
    Template("干部任免事项酝酿会", "区委组织部", (8, 12), (60,), rank=LeaderRank.DISTRICT,
             confidentiality=SECRET, weight=1),
    Template("教师队伍建设研讨会", "区教育局", (20, 40), (120,)),
    Template("公共卫生应急演练总结会", "区卫健委", (30, 60), (90,), "林晓东"),
    Template("外资企业座谈会", "区商务局", (30, 60), (120,), needs="interpretation",
             notes="需同声传译（中英）"),
    Template("区政府办公室周例会", "区府办", (10, 18), (60,), "黄振宇", confidentiality=INTERNAL),
    Template("财政专项资金绩效评价会", "区财政局", (10, 20), (90,)),
    Template("建设工程质量安全检查通报会", "区住建局", (40, 80), (90,)),
    Template("公安工作形势分析会", "区公安分局", (15, 30), (90,), confidentiality=INTERNAL),
    Template("社会治安综合治理工作会议", "区公安分局", (50, 100), (90, 120), "孙卫东"),
]
# fmt: on
# The one weekend meeting: the experts' review that could only be held on a Saturday.
WEEKEND_TEMPLATE = Template("重点项目专家评审会（周末加班）", "区发改委", (8, 12), (180,))

CANCEL_REASONS = [
    "领导临时有公务，会议取消",
    "议题调整，另行通知",
    "主办单位通知延期召开",
    "改为视频形式召开，无需会场",
]


@dataclass
class PlannedMeeting:
    """One meeting of the demo and the moments of its life, all before the loader's `now`."""

    template: Template
    room: RoomSpec
    start: dt.datetime
    end: dt.datetime
    attendees: int
    layout: str
    booked_at: dt.datetime
    moved: tuple[dt.datetime, dt.datetime, dt.datetime] | None = None  # (at, start, end)
    confirmed_at: dt.datetime | None = None
    cancelled_at: dt.datetime | None = None
    cancel_reason: str = ""


class _Occupancy:
    """The planner's own view of which rooms are taken, setup and teardown counted."""

    def __init__(self) -> None:
        self._windows: dict[tuple[str, str], list[tuple[dt.datetime, dt.datetime, int]]] = {}

    def is_free(self, room: RoomSpec, start, end, *, ignore: int | None = None) -> bool:
        occupied_from = start - dt.timedelta(minutes=room.setup)
        occupied_until = end + dt.timedelta(minutes=room.teardown)
        return all(
            until <= occupied_from or since >= occupied_until or owner == ignore
            for since, until, owner in self._windows.get(room.key, [])
        )

    def take(self, room: RoomSpec, start, end, owner: int) -> None:
        self._windows.setdefault(room.key, []).append(
            (
                start - dt.timedelta(minutes=room.setup),
                end + dt.timedelta(minutes=room.teardown),
                owner,
            )
        )


def plan_meetings(now: dt.datetime, working_days: set[dt.date]) -> list[PlannedMeeting]:
    """The demo's meetings from a week ago to two weeks ahead, reproducible for a given `now`.

    Working days get 6 to 15 meetings from 08:30 to 18:00; the first weekend or holiday ahead
    gets one; today always gets a few meetings still to come after `now`.
    """
    rng = random.Random(SEED)  # noqa: S311 - reproducible demo data, not a secret
    occupancy = _Occupancy()
    today = timezone.localdate(now)
    plans: list[PlannedMeeting] = []
    weekend_done = False
    for offset in range(-DAYS_BACK, DAYS_AHEAD + 1):
        day = today + dt.timedelta(days=offset)
        first, last = _local(day, DAY_FIRST_START), _local(day, DAY_LAST_END)
        if day in working_days:
            for _ in range(rng.randint(6, 15)):
                _add(plans, _place(rng, occupancy, TEMPLATES, first, last, len(plans)))
        elif offset > 0 and not weekend_done:
            weekend_done = True
            _add(plans, _place(rng, occupancy, [WEEKEND_TEMPLATE], first, last, len(plans)))
        if offset == 0:
            for _ in range(LATER_TODAY):
                _add(plans, _place_later_today(rng, occupancy, now, len(plans)))
    for plan in plans:
        plan.booked_at = _booking_time(rng, plan.start, now)
    _move_some(rng, plans, occupancy, now)
    for plan in plans:
        _decide_fate(rng, plan, now)
    return plans


def _add(plans: list[PlannedMeeting], plan: PlannedMeeting | None) -> None:
    if plan is not None:
        plans.append(plan)


def _place_later_today(rng, occupancy, now, owner: int) -> PlannedMeeting | None:
    """A meeting starting at least half an hour after `now`, in the evening if need be."""
    today = timezone.localdate(now)
    local_now = timezone.localtime(now)
    minutes = local_now.hour * 60 + local_now.minute
    earliest = max(_half_hours_up(minutes) + 30, 8 * 60 + 30)
    first = _local(today, dt.time.min) + dt.timedelta(minutes=earliest)
    last = _local(today, DAY_LAST_END)
    if first + dt.timedelta(hours=1) > last:
        last = _local(today, EVENING_LAST_END)
    return _place(rng, occupancy, TEMPLATES, first, last, owner)


def _local(day: dt.date, time: dt.time) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, time))


def _half_hours_up(minutes: int) -> int:
    return -(-minutes // 30) * 30


def _place(rng, occupancy, templates, first, last, owner: int) -> PlannedMeeting | None:
    """A meeting from `templates` in a free room between `first` and `last`, or None."""
    for _attempt in range(20):
        template = rng.choices(templates, weights=[t.weight for t in templates])[0]
        attendees = rng.randint(*template.attendees)
        length = dt.timedelta(minutes=rng.choice(template.minutes))
        rooms = _fitting_rooms(template, attendees)
        starts = _slots(first, last - length)
        if not rooms or not starts:
            continue
        room, start = rng.choice(rooms), rng.choice(starts)
        if occupancy.is_free(room, start, start + length):
            occupancy.take(room, start, start + length, owner)
            return PlannedMeeting(
                template=template,
                room=room,
                start=start,
                end=start + length,
                attendees=attendees,
                # Mostly the room's usual layout, sometimes another it allows.
                layout=room.layouts[0] if rng.random() < 0.7 else rng.choice(room.layouts),
                booked_at=start,  # set once all meetings are placed
            )
    return None


def _fitting_rooms(template: Template, attendees: int) -> list[RoomSpec]:
    """Rooms that seat the meeting without swallowing it: nobody puts ten people in a hall."""
    rooms = [
        spec
        for spec in ROOM_SPECS
        if spec.in_service
        and spec.seats >= attendees
        and (not template.needs or template.needs in spec.equipment)
    ]
    snug = [spec for spec in rooms if spec.seats <= attendees * 3 + 10]
    return snug or rooms


def _slots(first: dt.datetime, last_start: dt.datetime) -> list[dt.datetime]:
    slots = []
    start = first
    while start <= last_start:
        slots.append(start)
        start += SLOT
    return slots


def _booking_time(rng, start: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When the clerk booked it: one to six days before, and before `now` (in the past)."""
    day = timezone.localdate(start) - dt.timedelta(days=rng.randint(1, 6))
    booked = _office_time(rng, day)
    latest = now - dt.timedelta(minutes=rng.randint(5, 3 * 24 * 60))
    if booked < latest:
        return booked
    # In office hours on the day of `latest`, or the day before when that day's are still ahead.
    office = _office_time(rng, timezone.localdate(latest))
    if office < latest:
        return office
    return _office_time(rng, timezone.localdate(latest) - dt.timedelta(days=1))


def _between(rng, after: dt.datetime, before: dt.datetime) -> dt.datetime:
    """A moment strictly between the two, in office hours when the interval allows."""
    moment = after + (before - after) * rng.uniform(0.2, 0.7)
    for _attempt in range(3):
        office = _office_time(rng, timezone.localdate(moment))
        if after < office < before:
            return office
    return moment


def _office_time(rng, day: dt.date) -> dt.datetime:
    """A moment on `day` when a clerk is at the desk (08:30 to 17:30)."""
    return timeutils.at(day, 8, 30) + dt.timedelta(minutes=rng.randint(0, 9 * 60))


def _move_some(rng, plans: list[PlannedMeeting], occupancy: _Occupancy, now) -> None:
    """Reschedule two meetings a day or more ahead by an hour or two, where that is free."""
    ahead = [p for p in plans if p.start > now + dt.timedelta(days=1)]
    for plan in rng.sample(ahead, min(2, len(ahead))):
        owner = plans.index(plan)
        for shift in (60, -60, 120, -120):
            start = plan.start + dt.timedelta(minutes=shift)
            end = plan.end + dt.timedelta(minutes=shift)
            in_hours = (
                timezone.localtime(start).time() >= DAY_FIRST_START
                and timezone.localtime(end).time() <= DAY_LAST_END
            )
            if in_hours and occupancy.is_free(plan.room, start, end, ignore=owner):
                occupancy.take(plan.room, start, end, owner)
                plan.moved = (_between(rng, plan.booked_at, now), start, end)
                break


def _decide_fate(rng, plan: PlannedMeeting, now: dt.datetime) -> None:
    """Confirm most, cancel a few (never a moved one), leave some far-ahead ones requested."""
    last_moment = min(now, plan.start)
    after = plan.moved[0] if plan.moved else plan.booked_at
    cancel = plan.moved is None and rng.random() < 0.05
    if plan.start <= now or cancel:
        confirm = not cancel or rng.random() < 0.5
    else:
        confirm = rng.random() < (0.9 if plan.start - now < dt.timedelta(days=3) else 0.55)
    if confirm:
        plan.confirmed_at = after = _between(rng, after, last_moment)
    if cancel:
        plan.cancelled_at = _between(rng, after, last_moment)
        plan.cancel_reason = rng.choice(CANCEL_REASONS)


# --- Loading --------------------------------------------------------------------------------


def is_loaded() -> bool:
    return HostingUnit.objects.filter(name=MARKER_UNIT).exists()


def load(now: dt.datetime | None = None) -> dict[str, int] | None:
    """Load the whole demo in one transaction and return what it created, by kind.

    Returns None, changing nothing, when the demo is already there. Rooms, units and users are
    matched by their natural keys, so rows that happen to exist already are updated rather
    than duplicated.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    with transaction.atomic():
        # Inside the transaction: on SQLite (IMMEDIATE) a second loader waits here, then sees
        # the first one's data; on PostgreSQL the unique unit name stops a racing second load.
        if is_loaded():
            return None
        for year in (today.year, today.year + 1):
            seed_calendar_year(year)
        sync_role_groups()
        rooms = _load_rooms()
        units = _load_units()
        leaders = _load_leaders(units)
        users = _load_users()
        working_days = set(
            working_days_between(
                today - dt.timedelta(days=DAYS_BACK), today + dt.timedelta(days=DAYS_AHEAD)
            )
        )
        plans = plan_meetings(now, working_days)
        meetings = _lay_down(plans, clerk=users["clerk"], rooms=rooms, units=units, leaders=leaders)
        staff = load_staff(users, now)
        duties = _dispatch_coming_days(
            today, by=users["supervisor"], now=now, attendant=users["attendant"]
        )
        round_duties = load_office_service(users, now)
        inspections = quality_demo.load(now, users)
        feedback = feedback_demo.load(now)
        # Last week's briefing and today's notice wait on the documents page; the worker
        # generates them (tomorrow's notice comes by itself at 16:30).
        request_document(
            by=users["supervisor"],
            kind=Kind.WEEKLY_BRIEFING,
            day=today - dt.timedelta(days=7),
            now=now,
        )
        request_document(by=users["clerk"], kind=Kind.DAILY_NOTICE, day=today, now=now)
        # Checks due before `now` were done at the time: the first sweep must not notify a
        # week of old checks.
        check_services.close_past_checks(before=now, now=now)
    return {
        "meeting_rooms": sum(room.kind == Room.Kind.MEETING for room in rooms.values()),
        "offices": sum(room.kind != Room.Kind.MEETING for room in rooms.values()),
        "hosting_units": len(units),
        "leaders": len(leaders),
        "users": len(users),
        "meetings": meetings,
        "staff": staff,
        "duties": duties,
        "office_round_duties": round_duties,
        "inspections": inspections["inspections"],
        "feedback_answers": feedback["answered"],
    }


def _dispatch_coming_days(today: dt.date, *, by, now: dt.datetime, attendant) -> int:
    """Staff the meetings of today and the next two working days through the dispatcher, as a
    lobby manager would with one click, and make sure the `attendant` login has a duty of its
    own to show on the phone page."""
    from staffing import services as staffing_services
    from staffing.dispatcher import dispatch_day
    from staffing.errors import DispatchError
    from staffing.models import DutyRole

    days = [
        today,
        *working_days_between(today + dt.timedelta(days=1), today + dt.timedelta(14))[:2],
    ]
    staff = getattr(attendant, "staff", None)
    if staff is not None:
        for meeting in (
            Meeting.objects.active()
            .filter(start__gt=now, start__lt=timeutils.day_bounds(days[-1])[1])
            .select_related("room", "room__building")
            .order_by("start")
        ):
            try:
                staffing_services.assign_duty(
                    meeting, by=by, staff=staff, role=DutyRole.ATTENDANT, now=now
                )
                break
            except DispatchError:
                continue
    return sum(dispatch_day(day, by=by, now=now, seconds=0).filled for day in days)


def _load_rooms() -> dict[tuple[str, str], Room]:
    buildings = {b.code: b for b in Building.objects.all()}
    equipment = {e.code: e for e in Equipment.objects.all()}
    rooms: dict[tuple[str, str], Room] = {}
    for spec, (code, number, name, floor, _seats, _equipment) in zip(
        ROOM_SPECS, MEETING_ROOMS, strict=True
    ):
        room = _save_room(
            buildings[code],
            number,
            name=name,
            floor=floor,
            kind=Room.Kind.MEETING,
            capacity=spec.seats,
            setup_minutes=spec.setup,
            teardown_minutes=spec.teardown,
            layouts=[str(layout) for layout in spec.layouts],
            in_service=spec.in_service,
        )
        room.equipment.set([equipment[item] for item in spec.equipment])
        rooms[spec.key] = room
    for code, number, name, floor, kind, seats in OFFICES:
        rooms[(code, number)] = _save_room(
            buildings[code], number, name=name, floor=floor, kind=kind, capacity=seats, layouts=[]
        )
    return rooms


def _save_room(building: Building, number: str, **fields) -> Room:
    room, _created = Room.objects.update_or_create(
        building=building, number=number, defaults=fields
    )
    room.building = building  # str(room) in audit rows needs it; saves a query per meeting
    return room


def _load_units() -> dict[str, HostingUnit]:
    units = {}
    for name, short_name, contact, phone, email in HOSTING_UNITS:
        unit, _created = HostingUnit.objects.update_or_create(
            name=name,
            defaults={
                "short_name": short_name,
                "contact_name": contact,
                "contact_phone": phone,
                "contact_email": email,
            },
        )
        units[short_name] = unit
    return units


def _load_leaders(units: dict[str, HostingUnit]) -> dict[str, Leader]:
    leaders = {}
    for name, title, rank, unit, notes in LEADERS:
        leaders[name], _created = Leader.objects.update_or_create(
            name=name,
            title=title,
            defaults={"rank": rank, "unit": units[unit], "service_notes": notes},
        )
    return leaders


def _load_users() -> dict:
    """One login per role. Passwords are left unusable: `demo_passwords` sets them."""
    user_model = get_user_model()
    users = {}
    for username, last_name, first_name, roles, is_staff in DEMO_USERS:
        user = user_model.objects.filter(username=username).first()
        if user is None:
            user = user_model.objects.create_user(username=username, password=None)
        user.last_name, user.first_name = last_name, first_name
        user.is_staff, user.is_superuser = is_staff, False
        user.save(update_fields=["last_name", "first_name", "is_staff", "is_superuser"])
        for role in roles:
            add_role(user, role)
        users[username] = user
    return users


def _lay_down(plans, *, clerk, rooms, units, leaders) -> int:
    """Book, move, confirm and cancel through the services, as the clerk did; count them."""
    count = 0
    for plan in plans:
        try:
            meeting = _book(plan, clerk=clerk, rooms=rooms, units=units, leaders=leaders)
        except BookingConflict:
            continue  # a slot the planner thought free after all: the demo simply has one less
        count += 1
        if plan.moved:
            at, start, end = plan.moved
            meeting = services.reschedule_meeting(meeting, by=clerk, start=start, end=end, now=at)
        if plan.confirmed_at:
            meeting = services.confirm_meeting(meeting, by=clerk, now=plan.confirmed_at)
        if plan.cancelled_at:
            services.cancel_meeting(
                meeting, by=clerk, reason=plan.cancel_reason, now=plan.cancelled_at
            )
    return count


def _book(plan: PlannedMeeting, *, clerk, rooms, units, leaders) -> Meeting:
    template = plan.template
    return services.book_meeting(
        by=clerk,
        room=rooms[plan.room.key],
        title=template.title,
        hosting_unit=units[template.unit],
        start=plan.start,
        end=plan.end,
        attendees=plan.attendees,
        leader=leaders[template.leader] if template.leader else None,
        leader_rank=template.rank,
        confidentiality=template.confidentiality,
        layout=plan.layout,
        notes=template.notes,
        now=plan.booked_at,
    )
