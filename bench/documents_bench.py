"""Documents benchmark (issue 7): the daily notice for a 300-meeting day and the weekly briefing
for a 2,000-meeting week, each against python-docx writing tables of the same size from plain
strings in the same run, plus the query counts of `collect` at two sizes.

Run from the project root:  .venv/bin/python bench/documents_bench.py [--repeat 5] [--postgres]
Not part of `make test`. It builds its own database under a temporary VAR_DIR (SQLite, ignoring
DATABASE_URL), or with --postgres a database `documents_bench` on the PostgreSQL server named by
DATABASE_URL (default postgres://postgres@127.0.0.1:5432/), created here and dropped at the end.
Meetings go through bookings.services (book_meeting, confirm_meeting); the duties of the two
notice days through staffing.services.assign_duty; the duties of the other days are bulk-created
with the fields assign_duty writes (see docs/benchmarks.md). The script exits 1 if a `collect`
issues a different number of queries for the small and the large period.
"""

import argparse
import atexit
import datetime as dt
import io
import os
import platform
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DEFAULT_SERVER = "postgres://postgres@127.0.0.1:5432/"
BENCH_DATABASE = "documents_bench"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="repetitions of each measurement")
    parser.add_argument("--postgres", action="store_true", help="run on PostgreSQL")
    return parser.parse_args()


ARGS = parse_args()
os.environ["VAR_DIR"] = tempfile.mkdtemp(prefix="documents-bench-")
atexit.register(shutil.rmtree, os.environ["VAR_DIR"], ignore_errors=True)


def _server_url() -> str:
    url = os.environ.get("DATABASE_URL") or DEFAULT_SERVER
    if not url.startswith("postgres"):
        url = DEFAULT_SERVER
    return url.rsplit("/", 1)[0] + "/"


def _admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(_server_url() + "postgres", autocommit=True) as connection:
        connection.execute(sql)


if ARGS.postgres:
    _admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE}")
    _admin(f"CREATE DATABASE {BENCH_DATABASE}")
    os.environ["DATABASE_URL"] = _server_url() + BENCH_DATABASE
else:
    os.environ.pop("DATABASE_URL", None)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "conference.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from docx import Document  # noqa: E402
from docx.shared import Mm  # noqa: E402

from bookings import services as booking_services  # noqa: E402
from bookings.models import (  # noqa: E402
    Building,
    Confidentiality,
    HostingUnit,
    Leader,
    LeaderRank,
    Meeting,
    Room,
)
from core.roles import Role, add_role  # noqa: E402
from reports import layout  # noqa: E402
from reports.builders import BuildRequest, daily_notice, weekly_briefing  # noqa: E402
from staffing import services as staffing_services  # noqa: E402
from staffing.models import Duty, DutyRole, Position, Shift, ShiftKind, Staff  # noqa: E402
from staffing.validation import Proposal  # noqa: E402


def _drop_database() -> None:
    connection.close()
    _admin(f"DROP DATABASE IF EXISTS {BENCH_DATABASE} WITH (FORCE)")


if ARGS.postgres:
    atexit.register(_drop_database)

TZ = ZoneInfo("Asia/Shanghai")
WEEK_0 = dt.date(2026, 11, 9)  # Mondays: WEEK_0 is only "the week before" of WEEK_1
WEEK_1 = dt.date(2026, 11, 16)  # the 200-meeting week; its Monday is the 30-meeting day
WEEK_2 = dt.date(2026, 11, 23)  # the 2,000-meeting week; its Tuesday is the 300-meeting day
SMALL_DAY, LARGE_DAY = WEEK_1, WEEK_2 + dt.timedelta(days=1)
NOW = dt.datetime(2026, 11, 1, 9, 0, tzinfo=TZ)  # bookings are made ahead of all three weeks
ISSUED = dt.datetime(2026, 11, 30, 8, 0, tzinfo=TZ)  # documents are asked for afterwards
ROOMS_PER_BUILDING = 15
SLOTS = (8.0, 10.0, 12.5, 14.5, 16.5)  # five meetings a room a day at most
DUTIES_PER_MEETING = 2
STAFF = 2 * DUTIES_PER_MEETING * ROOMS_PER_BUILDING * 4  # two shifts of people: slot parity


def at(day: dt.date, hour: float) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=TZ) + dt.timedelta(hours=hour)


def week_plan(monday: dt.date, total: int, first_days: dict[int, int]) -> dict[dt.date, int]:
    """`total` meetings over Monday-Sunday; `first_days` fixes some weekdays' counts."""
    rest = [n for n in range(7) if n not in first_days]
    left = total - sum(first_days.values())
    counts = dict(first_days)
    for index, weekday in enumerate(rest):
        counts[weekday] = left // len(rest) + (1 if index < left % len(rest) else 0)
    return {monday + dt.timedelta(days=n): counts[n] for n in range(7)}


PLAN = {
    **week_plan(WEEK_0, 50, {}),
    **week_plan(WEEK_1, 200, {0: 30}),
    **week_plan(WEEK_2, 2000, {1: 300}),
}
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "敏婷静丽强军磊洋勇艳杰娟涛明超秀霞平刚桂"
UNITS = [
    ("区政府办公室", "区府办"),
    ("区委办公室", "区委办"),
    ("区委组织部", "区委组织部"),
    ("区财政局", "区财政局"),
    ("区发展和改革委员会", "区发改委"),
    ("区教育局", "区教育局"),
    ("区卫生健康委员会", "区卫健委"),
    ("区住房和城乡建设局", "区住建局"),
    ("区应急管理局", "区应急局"),
    ("区机关事务管理局", "区机关事务局"),
    ("区市场监督管理局", "区市场监管局"),
    ("区人力资源和社会保障局", "区人社局"),
]
LEADERS = [
    ("刘建华", "区长", LeaderRank.DISTRICT),
    ("陈志强", "常务副区长", LeaderRank.DISTRICT),
    ("周海涛", "局长", LeaderRank.BUREAU),
    ("郑雪梅", "局长", LeaderRank.BUREAU),
    ("黄振宇", "副主任", LeaderRank.DIVISION),
    ("何静", "科长", LeaderRank.SECTION),
]
TITLES = ["工作例会", "专题协调会", "座谈会", "推进会", "培训会", "联席会议", "情况通报会"]
LAYOUTS = ["boardroom", "u_shape", "theatre", "classroom"]


# --- data -------------------------------------------------------------------------------------


def setup() -> dict:
    call_command("migrate", verbosity=0)
    users = get_user_model().objects
    clerk = users.create_user("bench-clerk", password=None)
    add_role(clerk, Role.CLERK)
    supervisor = users.create_user("bench-supervisor", password=None)
    add_role(supervisor, Role.SUPERVISOR)
    buildings = list(Building.objects.order_by("sort_order", "pk"))[:4]
    rooms = [
        Room.objects.create(
            building=building,
            number=f"{building.code}-{n + 1:02d}",
            name=f"{n + 1}号会议室",
            floor=1 + n // 5,
            capacity=(30, 40, 60, 80, 120)[n % 5],
            setup_minutes=15,
            teardown_minutes=10,
            layouts=LAYOUTS,
        )
        for building in buildings
        for n in range(ROOMS_PER_BUILDING)
    ]
    units = [HostingUnit.objects.create(name=name, short_name=short) for name, short in UNITS]
    leaders = [
        Leader.objects.create(name=name, title=title, rank=rank, unit=units[n % len(units)])
        for n, (name, title, rank) in enumerate(LEADERS)
    ]
    staff = roster(buildings, supervisor)
    started = time.perf_counter()
    booked = 0
    for day, count in PLAN.items():
        booked += book_day(day, count, rooms, units, leaders, clerk)
    booking = time.perf_counter() - started
    started = time.perf_counter()
    through_service = 0
    for day in (SMALL_DAY, LARGE_DAY):
        through_service += staff_day(day, staff, supervisor, service=True)
    for day in PLAN:
        if day not in (SMALL_DAY, LARGE_DAY):
            staff_day(day, staff, supervisor, service=False)
    staffing = time.perf_counter() - started
    print(
        f"set-up: {booked} meetings booked and confirmed through the services in {booking:.1f} s;"
        f" {Duty.objects.count()} duties ({through_service} through assign_duty) in"
        f" {staffing:.1f} s"
    )
    return {"supervisor": supervisor}


def roster(buildings: list[Building], supervisor) -> list[Staff]:
    """Attendants authorised for secret meetings, on a day shift on the notice days; the
    supervisor's own staff record (authorised) so the policy sees them as cleared."""
    people = []
    for n in range(STAFF):
        people.append(
            Staff(
                employee_no=f"D{n:04d}",
                name=SURNAMES[n % 20] + GIVEN[(n // 20) % 20] + ("" if n < 400 else "二"),
                position=Position.ATTENDANT,
                home_building=buildings[n % len(buildings)],
                skills=["tea", "reception"],
                background_checked_on=dt.date(2026, 1, 5),
                no_criminal_record_on=dt.date(2026, 1, 5),
                confidentiality_trained_on=dt.date(2026, 3, 1),
                authorised_until=dt.date(2027, 12, 31),
            )
        )
    Staff.objects.bulk_create(people)
    Staff.objects.create(
        employee_no="S0001",
        name="李建平",
        position=Position.SUPERVISOR,
        user=supervisor,
        background_checked_on=dt.date(2026, 1, 5),
        no_criminal_record_on=dt.date(2026, 1, 5),
        confidentiality_trained_on=dt.date(2026, 3, 1),
        authorised_until=dt.date(2027, 12, 31),
    )
    people = list(Staff.objects.filter(position=Position.ATTENDANT).order_by("employee_no"))
    Shift.objects.bulk_create(
        Shift(staff=person, kind=ShiftKind.DAY, start=at(day, 7), end=at(day, 22))
        for day in (SMALL_DAY, LARGE_DAY)
        for person in people
    )
    return people


def book_day(day: dt.date, count: int, rooms, units, leaders, clerk) -> int:
    """`count` meetings, slot by slot across all rooms; most confirmed, a few secret."""
    rng = random.Random(day.toordinal())
    for index in range(count):
        room = rooms[index % len(rooms)]
        hour = SLOTS[index // len(rooms)]
        leader = rng.choice(leaders) if rng.random() < 0.3 else None
        confidentiality = rng.choices(
            [Confidentiality.NORMAL, Confidentiality.INTERNAL, Confidentiality.SECRET],
            weights=[85, 10, 5],
        )[0]
        meeting = booking_services.book_meeting(
            by=clerk,
            room=room,
            title=f"{rng.choice(UNITS)[1]}{rng.choice(TITLES)}",
            hosting_unit=rng.choice(units),
            start=at(day, hour),
            end=at(day, hour + rng.choice([1.0, 1.5])),
            attendees=rng.randint(8, room.capacity),
            leader=leader,
            confidentiality=confidentiality,
            layout=rng.choice(LAYOUTS),
            notes="请提前调试投影" if rng.random() < 0.2 else "",
            now=NOW,
        )
        if rng.random() < 0.9:
            booking_services.confirm_meeting(meeting, by=clerk, now=NOW)
    return count


def staff_day(day: dt.date, staff: list[Staff], supervisor, *, service: bool) -> int:
    """Two attendants a meeting; the people alternate by slot, so nobody's duties overlap."""
    start = at(day, 0)
    meetings = (
        Meeting.objects.active()
        .filter(start__gte=start, start__lt=start + dt.timedelta(days=1))
        .select_related("room")
        .order_by("start", "room__number")
    )
    half = len(staff) // 2
    used: dict[dt.datetime, int] = {}
    duties = []
    for meeting in meetings:
        slot = meeting.start
        offset = used.get(slot, 0)
        used[slot] = offset + DUTIES_PER_MEETING
        parity = SLOTS.index((meeting.start - start).total_seconds() / 3600) % 2
        for n in range(DUTIES_PER_MEETING):
            person = staff[parity * half + offset + n]
            role = DutyRole.ATTENDANT
            if service:
                staffing_services.assign_duty(
                    meeting, by=supervisor, staff=person, role=role, now=NOW
                )
            else:
                proposal = Proposal.for_meeting(person.pk, meeting, role)
                duties.append(
                    Duty(
                        staff=person,
                        meeting=meeting,
                        role=role,
                        building_id=proposal.building_id,
                        start=proposal.start,
                        end=proposal.end,
                        assigned_by=supervisor,
                        assigned_at=NOW,
                    )
                )
    Duty.objects.bulk_create(duties)
    return sum(used.values())


# --- measurements -----------------------------------------------------------------------------


def viewer():
    """A fresh supervisor object each time, so every run pays its permission look-ups."""
    return get_user_model().objects.get(username="bench-supervisor")


def notice_request(day: dt.date) -> BuildRequest:
    return BuildRequest("daily_notice", day, day, viewer(), ISSUED)


def briefing_request(monday: dt.date) -> BuildRequest:
    return BuildRequest("weekly_briefing", monday, monday + dt.timedelta(days=6), viewer(), ISSUED)


def timed(function, repeat: int) -> list[float]:
    times = []
    for _n in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def p95(values: list[float]) -> float:
    """Nearest-rank 95th percentile (with 5 runs: the slowest)."""
    ordered = sorted(values)
    return ordered[max(0, -(-95 * len(ordered) // 100) - 1)]


def raw_tables(tables: list[tuple[list[str], list[list[str]]]], pictures=()) -> bytes:
    """The floor: plain python-docx, one bordered table per (headers, rows), text set with
    `cell.text`, rows added with add_row(); then the pictures; saved to bytes."""
    doc = Document()
    for headers, rows in tables:
        table = doc.add_table(rows=1, cols=len(headers))
        table.style = doc.styles["Table Grid"]
        for cell, text in zip(table.rows[0].cells, headers, strict=True):
            cell.text = text
        for values in rows:
            for cell, text in zip(table.add_row().cells, values, strict=True):
                cell.text = text
    for png in pictures:
        doc.add_picture(io.BytesIO(png), width=Mm(150))
    return layout.to_bytes(doc)


def layout_tables(tables: list[tuple[list[str], list[list[str]]]]) -> bytes:
    """The same tables through reports.layout (official_document + add_table), no database."""
    doc = layout.official_document()
    for headers, rows in tables:
        layout.add_table(doc, headers, rows)
    return layout.to_bytes(doc)


def notice_tables(data: dict) -> list:
    return [
        (list(data["headers"]), [list(row["cells"]) for row in group["rows"]])
        for group in data["buildings"]
    ]


def briefing_tables(data: dict) -> tuple[list, list[bytes]]:
    tables, pictures = [], []
    for section in data["sections"]:
        for block in section["blocks"]:
            if block["type"] == "table" and block["rows"]:
                rows = [[str(cell) for cell in row] for row in block["rows"]]
                tables.append((list(block["headers"]), rows))
            elif block["type"] == "chart":
                pictures.append(block["png"])
    return tables, pictures


def query_count(builder, request: BuildRequest) -> int:
    connection.queries_log.clear()  # a full log (9,000 entries) would hide new queries
    with CaptureQueriesContext(connection) as captured:
        builder.collect(request)
    return len(captured.captured_queries)


def summary(label: str, times: list[float], floor: float | None = None) -> str:
    median = statistics.median(times)
    text = f"  {label:<44} median {median * 1000:8.1f} ms  p95 {p95(times) * 1000:8.1f} ms"
    if floor:
        text += f"  x{median / floor:5.1f} of the floor"
    return text


def measure_notice(repeat: int) -> None:
    data = daily_notice.collect(notice_request(LARGE_DAY))
    tables = notice_tables(data)
    rows = sum(len(rows) for _headers, rows in tables)
    print(
        f"\ndaily notice, {LARGE_DAY} ({data['summary']['meetings']} meetings,"
        f" {len(tables)} tables, {rows} rows x {len(data['headers'])} columns,"
        f" {data['summary']['hidden']} hidden)"
    )
    collect = timed(lambda: daily_notice.collect(notice_request(LARGE_DAY)), repeat)
    render = timed(lambda: daily_notice.render_docx(data), repeat)
    whole = timed(
        lambda: daily_notice.render_docx(daily_notice.collect(notice_request(LARGE_DAY))), repeat
    )
    floor = timed(lambda: raw_tables(tables), repeat)
    through_layout = timed(lambda: layout_tables(tables), repeat)
    base = statistics.median(floor)
    print(summary("floor: python-docx, same tables, plain strings", floor))
    print(summary("same tables through reports.layout", through_layout, base))
    print(summary("collect", collect, base))
    print(summary("render_docx", render, base))
    print(summary("notice: collect + render_docx", whole, base))


def measure_briefing(repeat: int) -> None:
    chart_times: list[float] = []
    original = weekly_briefing._charts

    def charts(*args):
        started = time.perf_counter()
        made = original(*args)
        chart_times.append(time.perf_counter() - started)
        return made

    weekly_briefing._charts = charts
    try:
        data = weekly_briefing.collect(briefing_request(WEEK_2))
        tables, pictures = briefing_tables(data)
        rows = sum(len(rows) for _headers, rows in tables)
        cells = sum(len(rows) * len(headers) for headers, rows in tables)
        print(
            f"\nweekly briefing, {WEEK_2} ({data['summary']['meetings']} meetings;"
            f" {len(tables)} tables, {rows} rows, {cells} cells; {len(pictures)} charts)"
        )
        chart_times.clear()
        collect = timed(lambda: weekly_briefing.collect(briefing_request(WEEK_2)), repeat)
        charts_only = list(chart_times)
        render = timed(lambda: weekly_briefing.render_docx(data), repeat)
        whole = timed(
            lambda: weekly_briefing.render_docx(weekly_briefing.collect(briefing_request(WEEK_2))),
            repeat,
        )
    finally:
        weekly_briefing._charts = original
    floor = timed(lambda: raw_tables(tables, pictures), repeat)
    tables_floor = timed(lambda: raw_tables(tables), repeat)
    base = statistics.median(floor)
    print(summary("floor: python-docx, same tables + same PNGs", floor))
    print(summary("floor without the pictures (tables only)", tables_floor))
    print(summary("collect (charts included)", collect, base))
    print(summary("  of which the charts (matplotlib)", charts_only))
    print(summary("render_docx", render, base))
    print(summary("briefing: collect + render_docx", whole, base))
    without = [w - c for w, c in zip(whole, charts_only, strict=True)]
    print(summary("briefing minus its charts' drawing", without, base))


def measure_queries() -> bool:
    notice_small = query_count(daily_notice, notice_request(SMALL_DAY))
    notice_large = query_count(daily_notice, notice_request(LARGE_DAY))
    briefing_small = query_count(weekly_briefing, briefing_request(WEEK_1))
    briefing_large = query_count(weekly_briefing, briefing_request(WEEK_2))
    print("\nqueries of collect")
    print(
        f"  daily notice:    {PLAN[SMALL_DAY]} meetings {notice_small}, 300 meetings {notice_large}"
    )
    print(f"  weekly briefing: 200 meetings {briefing_small}, 2,000 meetings {briefing_large}")
    return notice_small == notice_large and briefing_small == briefing_large


def main() -> int:
    vendor = connection.vendor
    print(
        f"python {platform.python_version()}, nproc {os.cpu_count()}, {platform.machine()},"
        f" database {vendor}, {ARGS.repeat} repetitions"
    )
    settings.DEBUG = False  # no query log while setting up and timing (DEBUG defaults to on)
    setup()
    equal = measure_queries()
    measure_notice(ARGS.repeat)
    measure_briefing(ARGS.repeat)
    if not equal:
        print("FAIL: a collect's query count grows with the number of meetings")
    return 0 if equal else 1


if __name__ == "__main__":
    sys.exit(main())
