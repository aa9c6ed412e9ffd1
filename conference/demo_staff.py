"""The demo roster: the 60 people of the service plan (1/3/6/4/46) as data, and a loader.

The people are generated from a seeded random generator, so every load gives the same roster.
Shifts cover the demo period (a week back, two weeks ahead): day 07:00–15:30, evening
15:00–23:00 (the half hour of overlap is the handover), night 22:30–07:30 for a few, and a
weekend on-call rota. The Chinese content below is data, not user-interface text.
"""

import datetime as dt
import random
from dataclasses import dataclass, field

from django.utils import timezone

from bookings.models import Building
from core import timeutils
from core.workdays import working_days_between
from staffing.models import Absence, AbsenceKind, Position, Shift, ShiftKind, Skill, Staff, Team
from staffing.roster import CERTIFICATE_VALID_DAYS

SEED = 2027
DAYS_BACK = 7
DAYS_AHEAD = 14

# (team name, home building code)
TEAMS = [
    ("客户服务部", "main"),
    ("信息处理中心", "conference"),
    ("音控服务班", "conference"),
    ("主楼服务组", "main"),
    ("东楼服务组", "east"),
    ("西楼服务组", "west"),
    ("会议大厦服务组", "conference"),
]
BUILDING_TEAM = {"main": "主楼服务组", "east": "东楼服务组", "west": "西楼服务组",
                 "conference": "会议大厦服务组"}  # fmt: skip
# Attendants per building and crew: (day, evening); the night crew is NIGHT_CREW on top.
CREWS = {"main": (8, 4), "east": (7, 4), "west": (6, 4), "conference": (7, 3)}
NIGHT_CREW = ("main", "conference", "east")  # one night attendant each

# Hours of each kind of shift: (start hour, minute, length in minutes).
SHIFT_HOURS = {
    ShiftKind.DAY: (7, 0, 8 * 60 + 30),
    ShiftKind.EVENING: (15, 0, 8 * 60),
    ShiftKind.NIGHT: (22, 30, 9 * 60),
    ShiftKind.ON_CALL: (8, 0, 10 * 60),
}

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"  # noqa: E501
GIVEN = [
    "芳", "娜", "敏", "静", "秀英", "丽娟", "艳", "霞", "玲", "桂英", "婷婷", "雪", "慧",
    "红梅", "晓丽", "小红", "海燕", "燕", "倩", "颖", "佳怡", "欣", "琳", "晶", "萍", "莉",
    "伟", "强", "军", "磊", "勇", "杰", "涛", "斌", "超", "明", "刚", "平", "辉", "鹏",
    "建军", "志强", "文博", "宇航", "俊杰", "子豪", "浩然", "家豪", "晓东", "振华", "春梅",
    "秋菊", "美玲", "玉兰", "凤英", "丹丹", "思雨", "梦琪", "雨欣", "晓雯",
]  # fmt: skip
GUARANTORS = ["王建国", "李国华", "张志明", "刘德胜", "陈永红", "杨光明"]
# (46 attendants = the day and evening crews above plus the night crew.)
MOBILE_PREFIXES = [
    "130",
    "131",
    "132",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "158",
    "159",
    "177",
    "180",
    "186",
    "187",
    "188",
    "189",
    "199",
]


@dataclass
class Person:
    position: str
    team: str
    building: str
    name: str = ""
    crew: str = ShiftKind.DAY  # the shift kind this person works on working days
    skills: list[str] = field(default_factory=list)
    group_leader: bool = False
    env_supervisor: bool = False
    login: str = ""
    hotline: bool = False


def roster() -> list[Person]:
    """The 60 people, in employee-number order. Logins are linked by name below."""
    people = [Person(Position.SUPERVISOR, "客户服务部", "main", "李建平", login="supervisor")]
    for name, building, login in (
        ("张丽", "east", "lobby-east"),
        ("刘洋", "west", "lobby-west"),
        ("陈静", "conference", "lobby-conference"),
    ):
        people.append(Person(Position.LOBBY_MANAGER, "客户服务部", building, name, login=login))
    # The clerks staff the hotline in two shifts: four by day, two in the evening.
    for i in range(6):
        people.append(
            Person(
                Position.CLERK,
                "信息处理中心",
                "conference",
                {0: "王晓燕", 1: "杨帆"}.get(i, ""),
                crew=ShiftKind.DAY if i in (0, 1, 2, 4) else ShiftKind.EVENING,
                login={0: "clerk", 1: "hotline"}.get(i, ""),
                hotline=True,
            )
        )
    for i in range(4):
        people.append(
            Person(
                Position.AUDIO_TECH,
                "音控服务班",
                "conference",
                "孙浩" if i == 0 else "",
                crew=ShiftKind.EVENING if i == 3 else ShiftKind.DAY,
                skills=[Skill.AUDIO],
                login="audio-tech" if i == 0 else "",
            )
        )
    for building, (day, evening) in CREWS.items():
        for crew, size in ((ShiftKind.DAY, day), (ShiftKind.EVENING, evening)):
            for i in range(size):
                people.append(
                    Person(
                        Position.ATTENDANT,
                        BUILDING_TEAM[building],
                        building,
                        crew=crew,
                        # The first of each crew leads it; the main building's day crew has two.
                        group_leader=i == 0 or (building == "main" and crew == "day" and i == 1),
                    )
                )
    for building in NIGHT_CREW:
        people.append(
            Person(Position.ATTENDANT, BUILDING_TEAM[building], building, crew=ShiftKind.NIGHT)
        )
    attendants = [p for p in people if p.position == Position.ATTENDANT]
    # The demo logins: the main building's day-crew leader, its environment supervisor (an
    # attendant without a group), and an ordinary attendant of the same crew.
    attendants[0].name, attendants[0].login = "赵敏", "group-leader"
    attendants[2].name, attendants[2].login = "黄磊", "env-supervisor"
    attendants[2].env_supervisor = True
    attendants[3].name, attendants[3].login = "周婷", "attendant"
    _name_and_skill(people)
    return people


def _name_and_skill(people: list[Person]) -> None:
    rng = random.Random(SEED)  # noqa: S311 - made-up data, not secrets
    taken = {p.name for p in people if p.name}
    for person in people:
        while not person.name:
            name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if name not in taken:
                person.name = name
                taken.add(name)
        if person.position == Position.ATTENDANT:
            skills = [Skill.TEA, Skill.CLEANING]
            if person.group_leader or rng.random() < 0.6:
                skills.append(Skill.RECEPTION)
            if rng.random() < 0.3:
                skills.append(Skill.ETIQUETTE)
            person.skills = skills
        elif person.position in (Position.SUPERVISOR, Position.LOBBY_MANAGER):
            person.skills = [Skill.RECEPTION, Skill.ETIQUETTE]
        elif person.position == Position.CLERK:
            person.skills = [Skill.RECEPTION]


def _mobile(rng: random.Random) -> str:
    return rng.choice(MOBILE_PREFIXES) + f"{rng.randrange(10**8):08d}"


def load_staff(users_by_username: dict, now: dt.datetime) -> int:
    """Lay the roster down (teams, staff, shifts, absences); return the number of staff created.

    People whose employee number exists already are left alone, so a rerun adds nothing.
    """
    today = timezone.localdate(now)
    buildings = {b.code: b for b in Building.objects.all()}
    teams = {}
    for name, code in TEAMS:
        teams[name], _created = Team.objects.get_or_create(
            name=name, defaults={"building": buildings.get(code)}
        )
    people = roster()
    numbers = [f"WY{index:04d}" for index in range(1, len(people) + 1)]
    existing = set(
        Staff.objects.filter(employee_no__in=numbers).values_list("employee_no", flat=True)
    )
    rng = random.Random(SEED)  # noqa: S311 - made-up data, not secrets
    staff: list[Staff] = []
    fresh: list[tuple[Staff, Person]] = []
    for index, (number, person) in enumerate(zip(numbers, people, strict=True)):
        row = Staff(
            employee_no=number,
            name=person.name,
            phone=_mobile(rng),
            position=person.position,
            team=teams[person.team],
            home_building=buildings.get(person.building),
            skills=[str(skill) for skill in person.skills],
            is_group_leader=person.group_leader,
            is_env_supervisor=person.env_supervisor,
            user=users_by_username.get(person.login) if person.login else None,
            **_clearance(rng, index, person, today),
        )
        staff.append(row)
        if number not in existing:
            fresh.append((row, person))
    created = Staff.objects.bulk_create([row for row, _person in fresh])
    # bulk_create sets primary keys on PostgreSQL and SQLite alike (RETURNING).
    Shift.objects.bulk_create(_shifts(fresh, today))
    Absence.objects.bulk_create(_absences(fresh, today))
    return len(created)


# Attendants (by their index among the 60) whose clearance is not clean: the demo shows each case.
AUTHORISATION_EXPIRING = {20: 6, 31: 18, 47: 27}  # index -> days left
CERTIFICATE_EXPIRING = {25: 12, 52: 25}  # index -> days until the 3-year validity runs out
NO_CERTIFICATE = (40, 58)


def _clearance(rng: random.Random, index: int, person: Person, today: dt.date) -> dict:
    hired = today - dt.timedelta(days=rng.randint(200, 2400))
    certificate = today - dt.timedelta(days=rng.randint(60, 900))
    key_post = person.position != Position.ATTENDANT or person.group_leader
    clearance = {
        "background_checked_on": hired - dt.timedelta(days=rng.randint(10, 40)),
        "no_criminal_record_on": certificate,
        "guarantor": rng.choice(GUARANTORS) if key_post else "",
        "confidentiality_trained_on": max(hired, today - dt.timedelta(days=rng.randint(30, 300))),
        "authorised_until": dt.date(today.year + 1, 12, 31),
    }
    if index in AUTHORISATION_EXPIRING:
        clearance["authorised_until"] = today + dt.timedelta(days=AUTHORISATION_EXPIRING[index])
    if index in CERTIFICATE_EXPIRING:
        clearance["no_criminal_record_on"] = today - dt.timedelta(
            days=CERTIFICATE_VALID_DAYS - CERTIFICATE_EXPIRING[index]
        )
    if index in NO_CERTIFICATE:
        # New hires still waiting for the police certificate: not authorised yet.
        clearance["no_criminal_record_on"] = None
        clearance["authorised_until"] = None
    return clearance


def _shift(staff: Staff, kind: str, day: dt.date, *, hotline: bool = False) -> Shift:
    hour, minute, minutes = SHIFT_HOURS[kind]
    start = timeutils.at(day, hour, minute)
    return Shift(
        staff=staff,
        kind=kind,
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        hotline=hotline,
    )


def _shifts(fresh: list[tuple[Staff, Person]], today: dt.date) -> list[Shift]:
    first, last = today - dt.timedelta(days=DAYS_BACK), today + dt.timedelta(days=DAYS_AHEAD)
    working = set(working_days_between(first, last))
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    shifts = []
    for position, (row, person) in enumerate(fresh):
        for n, day in enumerate(days):
            if person.crew == ShiftKind.NIGHT:
                # Nights are round the clock; each night attendant rests two nights in seven.
                if (n + position) % 7 not in (0, 1):
                    shifts.append(_shift(row, ShiftKind.NIGHT, day))
            elif day in working:
                shifts.append(_shift(row, person.crew, day, hotline=person.hotline))
            elif (n + position) % 9 == 0 and person.position != Position.SUPERVISOR:
                # Rest days: a rota on call (the hotline's clerks on the phone).
                shifts.append(_shift(row, ShiftKind.ON_CALL, day, hotline=person.hotline))
    return shifts


def _absences(fresh: list[tuple[Staff, Person]], today: dt.date) -> list[Absence]:
    by_index = {row.employee_no: row for row, _person in fresh}
    plan = [
        # (employee number, kind, first day offset, days, note)
        ("WY0030", AbsenceKind.LEAVE, 3, 3, "年休假"),
        ("WY0037", AbsenceKind.SICK, -1, 2, "病假"),
        ("WY0044", AbsenceKind.TRAINING, 5, 1, "保密教育培训"),
        ("WY0050", AbsenceKind.TRAINING, 5, 1, "保密教育培训"),
        ("WY0009", AbsenceKind.LEAVE, -5, 2, "事假"),
        ("WY0055", AbsenceKind.LEAVE, 8, 5, "婚假"),
    ]
    absences = []
    for number, kind, offset, days, note in plan:
        if number in by_index:
            first = today + dt.timedelta(days=offset)
            absences.append(
                Absence(
                    staff=by_index[number],
                    kind=kind,
                    start=timeutils.at(first, 0),
                    end=timeutils.at(first + dt.timedelta(days=days), 0),
                    note=note,
                )
            )
    return absences
