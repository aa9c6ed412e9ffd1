"""Scale data: 100 rooms and two years of meetings (about 200,000) with their checks, orders and
duties, in PostgreSQL, reproducibly from a seed.

    .venv/bin/python bench/scale_data.py [--seed 1] [--database conference_scale] [--meetings N]

The database is dropped, re-created and migrated, then filled. History is laid down in bulk
(COPY with ids assigned here), not through the services, which would take hours; the rows are
the ones the services would have written:
- meetings sized by the seeded rule table (the same loop as bookings.sizing.size, checked
  against it on a sample), occupied windows counting setup and teardown as the services and the
  exclusion constraint do, never overlapping in a room (the constraint is on during the load);
- weekly and fortnightly series through bookings.series.series_dates, one-off meetings between;
- three checks per meeting due by inspections.services.due_at_for; checks due before NOW are
  closed as the demo loader closes them (inspections.services.close_past_checks: done by the
  system five minutes after due, every item ticked);
- the level's package (bookings.orders: due_for, default_details, clean_details); orders of
  meetings before NOW were delivered, those of cancelled meetings are cancelled;
- duties (lead and attendant) for every A and B meeting and a quarter of the C meetings,
  never overlapping for a person;
- one audit row per state change, as the services write them.

NOW is the anchor day 10:00 (Asia/Shanghai); meetings run from a year before to a year after.
Same seed, meetings and anchor -> the same rows (ids included); the run prints a checksum.
"""

import argparse
import dataclasses
import datetime as dt
import hashlib
import json
import random
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from common import django_setup, use_postgres

DEFAULT_DATABASE = "conference_scale"
DEFAULT_MEETINGS = 200_000
DEFAULT_ANCHOR = dt.date(2026, 11, 23)  # a Monday
NOW_TIME = dt.time(10, 0)
# The lobby benchmark's building shows exactly this many meetings on the anchor day.
SHOWCASE_MEETINGS = 60
SHOWCASE_BUILDING = "west"
BENCH_PASSWORD = "bench-only"  # noqa: S105 - a throwaway benchmark database

# Rooms per building and their sizes: (seats range, share of rooms, setup, teardown).
ROOMS_PER_BUILDING = {"main": 30, "east": 25, "west": 25, "conference": 20}
ROOM_SIZES = [
    ((8, 16), 0.35, 15, 10),
    ((18, 40), 0.35, 15, 10),
    ((50, 120), 0.2, 30, 20),
    ((150, 400), 0.1, 60, 30),
]
DAY_OPENS, DAY_CLOSES = dt.time(8, 0), dt.time(20, 0)
LENGTHS = [(60, 30), (90, 25), (120, 25), (180, 12), (240, 8)]  # minutes, weight
GAPS = [(0, 30), (15, 25), (30, 20), (60, 15), (120, 10)]
# Series slots in every room: (start, longest length) that never collide with each other.
SERIES_SLOTS = [(dt.time(9, 0), 90), (dt.time(14, 30), 90)]
TOPICS = ["工作例会", "专题会议", "协调会", "培训会", "座谈会", "办公会", "推进会", "调度会"]
UNITS = [
    ("区政府办公室", "区府办"), ("区发展和改革委员会", "区发改委"), ("区财政局", "区财政局"),
    ("区教育局", "区教育局"), ("区卫生健康委员会", "区卫健委"), ("区住房和城乡建设局", "区住建局"),
    ("区生态环境局", "区环境局"), ("区市场监督管理局", "区市监局"),
    ("区人力资源和社会保障局", "区人社局"),
    ("区民政局", "区民政局"), ("区交通运输局", "区交通局"), ("区文化和旅游局", "区文旅局"),
    ("区商务局", "区商务局"), ("区司法局", "区司法局"), ("区应急管理局", "区应急局"),
    ("区审计局", "区审计局"), ("区统计局", "区统计局"), ("区信访局", "区信访局"),
    ("区科学技术局", "区科技局"), ("区农业农村局", "区农业局"),
]  # fmt: skip
LEADER_RANKS = [("district", 4), ("bureau", 10), ("division", 16), ("section", 10)]


@dataclasses.dataclass
class Stats:
    counts: dict
    seconds: float
    checksum: str
    showcase: tuple


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--database", default=DEFAULT_DATABASE)
    parser.add_argument("--meetings", type=int, default=DEFAULT_MEETINGS)
    parser.add_argument("--anchor", type=dt.date.fromisoformat, default=DEFAULT_ANCHOR)
    args = parser.parse_args(argv)
    use_postgres(args.database, fresh=True)
    django_setup()
    stats = build(seed=args.seed, meetings=args.meetings, anchor=args.anchor)
    print(report(stats, args))
    return 0


def build(*, seed: int, meetings: int, anchor: dt.date, log=print) -> Stats:
    """Migrate the (empty) current database and fill it; returns the row counts."""
    from django.core.management import call_command

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    generator = Generator(seed=seed, target=meetings, anchor=anchor, log=log)
    generator.run()
    seconds = time.perf_counter() - started
    return Stats(generator.counts(), seconds, meeting_checksum(), generator.showcase)


def meeting_checksum() -> str:
    """md5 over every meeting row in id order: equal for two runs with the same arguments."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT md5(string_agg(concat_ws('|', id, room_id, title, hosting_unit_id, start,"
            ' "end", attendees, leader_id, leader_rank, confidentiality, layout, setup_minutes,'
            " teardown_minutes, occupied_from, occupied_until, status, booked_at, level,"
            " level_reason, series_id), ',' ORDER BY id)) FROM bookings_meeting"
        )
        return cursor.fetchone()[0]


def report(stats: Stats, args) -> str:
    lines = [
        f"scale data: seed {args.seed}, target {args.meetings} meetings, anchor {args.anchor},"
        f" {stats.seconds:.0f} s",
        "| table | rows |",
        "|---|---|",
        *(f"| {name} | {count:,} |" for name, count in stats.counts.items()),
        f"meeting checksum (md5 of every meeting row): {stats.checksum}",
        f"showcase: {stats.showcase[1]} active meetings in building {stats.showcase[0]}"
        f" on {args.anchor}",
    ]
    return "\n".join(lines)


def now_for(anchor: dt.date) -> dt.datetime:
    from core import timeutils

    return timeutils.at(anchor, NOW_TIME.hour, NOW_TIME.minute)


class Generator:
    def __init__(self, *, seed: int, target: int, anchor: dt.date, log=print):
        self.rng = random.Random(seed)
        self.target = target
        self.anchor = anchor
        self.now = now_for(anchor)
        self.first_day = anchor - dt.timedelta(days=365)
        self.last_day = anchor + dt.timedelta(days=364)
        self.log = log
        self.meetings: list[dict] = []
        self.series: list[dict] = []
        self.showcase = (SHOWCASE_BUILDING, 0)
        self._counts: dict[str, int] = {}

    def counts(self) -> dict:
        return self._counts

    def step(self, what: str, started: float) -> None:
        self.log(f"  {what}: {time.perf_counter() - started:.1f} s")

    def run(self) -> None:
        from django.db import connection, transaction

        t = time.perf_counter()
        with transaction.atomic():
            self.catalogue()
            self.people()
        self.step("catalogue, roster, shifts", t)
        t = time.perf_counter()
        self.plan_meetings()
        self.step(f"planned {len(self.meetings):,} meetings", t)
        t = time.perf_counter()
        import scale_rows

        rows = scale_rows.Rows(self)
        with transaction.atomic():
            rows.write_all()
        self.step("written", t)
        t = time.perf_counter()
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.step("analyzed", t)
        self._counts = rows.counts

    # --- catalogue and people -----------------------------------------------------------------

    def catalogue(self) -> None:
        from bookings.models import Building, HostingUnit, Layout, Leader, Room

        rng = self.rng
        self.buildings = {b.code: b for b in Building.objects.all()}
        rooms = []
        for code, count in ROOMS_PER_BUILDING.items():
            building = self.buildings[code]
            for n in range(count):
                (low, high), _share, setup, teardown = rng.choices(
                    ROOM_SIZES, weights=[s[1] for s in ROOM_SIZES]
                )[0]
                capacity = rng.randint(low, high)
                layouts = (
                    [Layout.BOARDROOM, Layout.U_SHAPE]
                    if capacity <= 40
                    else [Layout.THEATRE, Layout.CLASSROOM, Layout.ROUND_TABLE]
                )
                floor = 1 + n // 6
                rooms.append(
                    Room(
                        building=building,
                        number=f"{floor}{n % 6 + 1:02d}",
                        name=f"{building.name}第{n + 1}会议室",
                        floor=floor,
                        capacity=capacity,
                        setup_minutes=setup,
                        teardown_minutes=teardown,
                        layouts=[str(layout) for layout in layouts],
                    )
                )
        self.rooms = Room.objects.bulk_create(rooms)
        self.units = HostingUnit.objects.bulk_create(
            HostingUnit(
                name=name,
                short_name=short,
                contact_name=f"联系人{i + 1:02d}",
                contact_phone=f"0571-8{i:03d}{i * 7 % 1000:04d}",
            )
            for i, (name, short) in enumerate(UNITS)
        )
        leaders = []
        for rank, count in LEADER_RANKS:
            for i in range(count):
                unit = rng.choice(self.units)
                leaders.append(
                    Leader(
                        name=f"{rank[:1].upper()}领导{i + 1:02d}", title="", rank=rank, unit=unit
                    )
                )
        self.leaders = Leader.objects.bulk_create(leaders)

    def people(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.hashers import make_password
        from django.contrib.auth.models import Group

        from conference import demo_staff
        from core.workdays import working_days_between
        from staffing.models import Position, Shift, ShiftKind, Staff, Team

        groups = {g.name: g for g in Group.objects.all()}
        password = make_password(BENCH_PASSWORD)
        User = get_user_model()
        people = demo_staff.roster()
        roles = {"supervisor": "supervisor", "clerk": "clerk", "hotline": "hotline"}
        self.users = {}
        for person in people:
            if not person.login:
                continue
            user = User.objects.create(username=person.login, password=password)
            role = roles.get(person.login) or (
                "lobby_manager" if person.login.startswith("lobby-") else "audio_tech"
            )
            user.groups.add(groups[role])
            self.users[person.login] = user
        teams = {
            name: Team.objects.create(name=name, building=self.buildings[code])
            for name, code in demo_staff.TEAMS
        }
        cleared = {
            "background_checked_on": self.first_day - dt.timedelta(days=400),
            "no_criminal_record_on": self.first_day - dt.timedelta(days=30),
            "confidentiality_trained_on": self.first_day - dt.timedelta(days=20),
            "authorised_until": self.last_day + dt.timedelta(days=365),
        }
        staff = Staff.objects.bulk_create(
            Staff(
                employee_no=f"WY{index:04d}",
                name=person.name,
                position=person.position,
                team=teams.get(person.team),
                home_building=self.buildings.get(person.building),
                skills=[str(skill) for skill in person.skills],
                is_group_leader=person.group_leader,
                is_env_supervisor=person.env_supervisor,
                user=self.users.get(person.login),
                guarantor="王建国",
                **cleared,
            )
            for index, person in enumerate(people, start=1)
        )
        self.staff = list(zip(staff, people, strict=True))
        working = set(working_days_between(self.first_day, self.last_day))
        self.working_days = sorted(working)
        shifts = []
        days = (self.last_day - self.first_day).days + 1
        for position, (row, person) in enumerate(self.staff):
            for n in range(days):
                day = self.first_day + dt.timedelta(days=n)
                if person.crew == ShiftKind.NIGHT:
                    if (n + position) % 7 not in (0, 1):
                        shifts.append(demo_staff._shift(row, ShiftKind.NIGHT, day))
                elif day in working:
                    shifts.append(demo_staff._shift(row, person.crew, day, hotline=person.hotline))
                elif (n + position) % 9 == 0 and person.position != Position.SUPERVISOR:
                    shifts.append(
                        demo_staff._shift(row, ShiftKind.ON_CALL, day, hotline=person.hotline)
                    )
        Shift.objects.bulk_create(shifts, batch_size=5000)

    # --- the meetings -------------------------------------------------------------------------

    def plan_meetings(self) -> None:
        """Series first (fixed slots), then one-off meetings in the gaps of each room-day."""
        from bookings.models import Frequency
        from bookings.series import series_dates
        from core import timeutils

        rng = self.rng
        scale = self.target / DEFAULT_MEETINGS
        taken: dict[tuple[int, dt.date], list[tuple[dt.datetime, dt.datetime]]] = defaultdict(list)
        by_day: dict[tuple[int, dt.date], list[dict]] = defaultdict(list)
        # Series: each (room, weekday, slot) runs series back to back, with pauses.
        for room in self.rooms:
            for weekday in range(1, 6):
                for slot_start, longest in SERIES_SLOTS:
                    day = self.first_day + dt.timedelta(days=rng.randint(0, 60))
                    while day < self.last_day:
                        if rng.random() > 0.75 * scale:
                            day += dt.timedelta(days=rng.randint(30, 120))
                            continue
                        first = day + dt.timedelta(days=(weekday - 1 - day.weekday()) % 7)
                        until = min(first + dt.timedelta(days=rng.randint(60, 300)), self.last_day)
                        interval = rng.choice([1, 1, 2])
                        if first > until:
                            break
                        dates = series_dates(
                            frequency=Frequency.WEEKLY,
                            first_date=first,
                            weekdays=[weekday],
                            interval=interval,
                            until=until,
                            working_days_only=True,
                        )
                        length = rng.choice([60, 90]) if longest >= 90 else 60
                        template = self.meeting_template(room, topic_of="series")
                        created = min(timeutils.at(first, 9) - dt.timedelta(days=7), self.now)
                        series = {
                            "id": len(self.series) + 1,
                            "title": template["title"],
                            "interval": interval,
                            "weekday": weekday,
                            "first_date": first,
                            "until": until,
                            "created_at": created,
                        }
                        self.series.append(series)
                        for date in dates:
                            start = timeutils.at(date, slot_start.hour, slot_start.minute)
                            meeting = self.meeting(
                                room, start, start + dt.timedelta(minutes=length), template
                            )
                            meeting["series_id"] = series["id"]
                            meeting["booked_at"] = created
                            by_day[(room.pk, date)].append(meeting)
                            taken[(room.pk, date)].append(
                                (meeting["occupied_from"], meeting["occupied_until"])
                            )
                        day = until + dt.timedelta(days=rng.randint(7, 60))
        series_count = sum(len(v) for v in by_day.values())
        room_days = len(self.rooms) * len(self.working_days)
        per_room_day = max(self.target - series_count, 0) / room_days
        for date in self.working_days:
            for room in self.rooms:
                wanted = int(per_room_day) + (rng.random() < per_room_day % 1)
                self.one_offs(room, date, wanted, taken[(room.pk, date)], by_day[(room.pk, date)])
        # Full days refuse some; top up in the gaps of other room-days until the target.
        for _round in range(4):
            shortfall = self.target - sum(len(v) for v in by_day.values())
            if shortfall <= 0:
                break
            share = min(shortfall / room_days, 1.0)
            for date in self.working_days:
                for room in self.rooms:
                    if rng.random() < share:
                        key = (room.pk, date)
                        self.one_offs(room, date, 1, taken[key], by_day[key])
        self.log(f"  series occurrences: {series_count:,} in {len(self.series):,} series")
        self.shape_showcase(by_day)
        ordered = sorted(
            (m for meetings in by_day.values() for m in meetings),
            key=lambda m: (m["start"], m["room"].pk),
        )
        for number, meeting in enumerate(ordered, start=1):
            meeting["id"] = number
            self.settle(meeting)
        self.meetings = ordered
        used = {m["series_id"] for m in ordered if m["series_id"]}
        self.series = [s for s in self.series if s["id"] in used]

    def one_offs(self, room, date, wanted: int, taken: list, day_list: list) -> None:
        from core import timeutils

        rng = self.rng
        opens = timeutils.at(date, DAY_OPENS.hour)
        closes = timeutils.at(date, DAY_CLOSES.hour)
        setup = dt.timedelta(minutes=room.setup_minutes)
        teardown = dt.timedelta(minutes=room.teardown_minutes)
        cursor = opens
        placed = 0
        tries = 0
        while placed < wanted and tries < 3 * wanted + 3:
            tries += 1
            gap = rng.choices([g for g, _w in GAPS], weights=[w for _g, w in GAPS])[0]
            length = rng.choices([m for m, _w in LENGTHS], weights=[w for _m, w in LENGTHS])[0]
            start = cursor + dt.timedelta(minutes=gap) + setup
            # On the quarter hour, as people book (later, never earlier: the room is busy).
            start += dt.timedelta(minutes=-start.minute % 15)
            end = start + dt.timedelta(minutes=length)
            if end > closes:
                break
            window = (start - setup, end + teardown)
            blocking = [w for w in taken if w[0] < window[1] and w[1] > window[0]]
            if blocking:
                cursor = max(w[1] for w in blocking)
                continue
            meeting = self.meeting(room, start, end, self.meeting_template(room))
            day_list.append(meeting)
            taken.append(window)
            cursor = window[1]
            placed += 1

    def shape_showcase(self, by_day) -> None:
        """Exactly SHOWCASE_MEETINGS meetings in one building on the anchor day (one-offs
        dropped at random), none cancelled: the lobby benchmark's board."""
        building = self.buildings[SHOWCASE_BUILDING]
        keys = [(room.pk, self.anchor) for room in self.rooms if room.building_id == building.pk]
        meetings = [m for key in keys for m in by_day.get(key, [])]
        for meeting in meetings:
            meeting["keep_active"] = True
        one_offs = [m for m in meetings if not m["series_id"]]
        self.rng.shuffle(one_offs)
        drop = {id(m) for m in one_offs[: max(len(meetings) - SHOWCASE_MEETINGS, 0)]}
        for key in keys:
            if key in by_day:
                by_day[key] = [m for m in by_day[key] if id(m) not in drop]
        self.showcase = (SHOWCASE_BUILDING, len(meetings) - len(drop))

    def meeting_template(self, room, topic_of: str = "") -> dict:
        rng = self.rng
        unit = rng.choice(self.units)
        leader = rng.choice(self.leaders) if rng.random() < 0.25 else None
        attendees = max(2, round(room.capacity * rng.uniform(0.3, 1.0)))
        roll = rng.random()
        confidentiality = "secret" if roll < 0.03 else "internal" if roll < 0.15 else "normal"
        return {
            "title": f"{unit.short_name}{rng.choice(TOPICS)}",
            "unit": unit,
            "leader": leader,
            "attendees": attendees,
            "confidentiality": confidentiality,
            "layout": rng.choice(room.layouts),
        }

    def meeting(self, room, start, end, template: dict) -> dict:
        setup, teardown = room.setup_minutes, room.teardown_minutes
        return {
            **template,
            "room": room,
            "start": start,
            "end": end,
            "setup": setup,
            "teardown": teardown,
            "occupied_from": start - dt.timedelta(minutes=setup),
            "occupied_until": end + dt.timedelta(minutes=teardown),
            "series_id": None,
            "booked_at": None,
        }

    def settle(self, meeting: dict) -> None:
        """Status and booking time: booked one to thirty days ahead (never after NOW), confirmed
        before NOW or within a fortnight of it, a few cancelled."""
        rng = self.rng
        start = meeting["start"]
        if meeting["booked_at"] is None:
            meeting["booked_at"] = min(
                start - dt.timedelta(days=rng.randint(1, 30), minutes=rng.randint(0, 600)),
                self.now - dt.timedelta(minutes=rng.randint(1, 600)),
            )
        cancelled = rng.random() < 0.03 and not meeting.get("keep_active")
        if cancelled:
            meeting["status"] = "cancelled"
            meeting["cancelled_at"] = min(
                meeting["booked_at"] + (start - meeting["booked_at"]) / 2, self.now
            )
        elif start < self.now + dt.timedelta(days=14) or rng.random() < 0.4:
            meeting["status"] = "confirmed"
            meeting["confirmed_at"] = min(
                meeting["booked_at"] + (start - meeting["booked_at"]) / 3, self.now
            )
        else:
            meeting["status"] = "requested"


def checksum_of(text: str) -> str:
    return hashlib.md5(text.encode(), usedforsecurity=False).hexdigest()


def dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False)


if __name__ == "__main__":
    sys.exit(main())
