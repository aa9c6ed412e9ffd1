"""Side by side with a peer (issue 10, benchmark 4): Indico's room-booking data set and questions.

Run from the project root:  .venv/bin/python bench/peer_bench.py [--data ../shared/bench]
Not part of `make test`; about two minutes, most of it loading. It creates the PostgreSQL
database `conference_peer` (dropped and re-created on each run; BENCH_PG_SERVER names the server),
with production settings (DEBUG off), then:

1. loads the peer data set: its 100 rooms (setup and teardown 0) and its 208,905 bookings as
   confirmed meetings, bulk-loaded with COPY, every column as bookings.services writes it
   (occupied window, level and reason from the sizing table); the exclusion constraint is in place
   during the load, so the data set is also proved free of overlaps. History carries no checks,
   orders or audit rows: the search reads only rooms and meetings, and a booking only the room's
   meetings, so those tables do not change either answer;
2. answers the 105 search slots (5 warm-up, 100 timed) for capacity >= 20 through
   bookings.availability.free_rooms and through GET /api/rooms/availability/ with a clerk's token,
   checking every answer against the data set's exact `free_rooms`;
3. books 100 free slots through bookings.services.book_meeting (checks, orders, signals) and 100
   through POST /api/meetings/, and refuses 100 conflicting ones each way (BookingConflict / 409
   with the conflict error); every outcome is checked.

Floors, each timed right after the measurement it is a floor for, so both see the same load on
this shared machine: the search as one hand-written SQL statement (its answer checked too) for
the search service; the smallest committed write (one row, one transaction) for the booking
service; an authenticated small-JSON API page (GET /api/buildings/) for the HTTP requests.
Exits 1 on any wrong answer or outcome.
"""

import argparse
import csv
import datetime as dt
import gzip
import logging
import os
import sys
import time
import warnings
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (
    ROOT,
    TABLE_HEAD,
    django_setup,
    machine,
    median,
    ms,
    p95,
    row,
    use_postgres,
)

DATABASE = "conference_peer"
TZ = ZoneInfo("Asia/Shanghai")
MIN_CAPACITY = 20
WARMUP_SLOTS = 5
REPEAT = 100
# Indico on this kind of machine, from the data set's README: (median range, p95 range) in ms.
INDICO = {
    "search": ((384, 431), (525, 537)),
    "book": ((91, 96), (117, 128)),
    "refuse": ((73, 79), (95, 109)),
}
GOALS = {"search": 10, "book": 3}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", default=str(ROOT.parent / "shared" / "bench"), help="the peer data set folder"
    )
    return parser.parse_args()


def production_settings() -> None:
    """What a deployment runs with: DEBUG off (no query log, no debug toolbar)."""
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", "peer-bench-only-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def local(day: str, clock: str) -> dt.datetime:
    return dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=TZ)


def read_slots(folder: Path) -> list[dict]:
    with open(folder / "peer-search-slots.csv", newline="") as handle:
        return [
            {
                "start": dt.datetime.fromisoformat(line["start"]).replace(tzinfo=TZ),
                "end": dt.datetime.fromisoformat(line["end"]).replace(tzinfo=TZ),
                "min_capacity": int(line["min_capacity"]),
                "free": {int(index) for index in line["free_rooms"].split()},
            }
            for line in csv.DictReader(handle)
        ]


# --- loading ----------------------------------------------------------------------------------


def load(folder: Path):
    """The rooms and bookings of the data set; returns (clerk, token, unit, rooms by index,
    bookings in 2027 as (index, start, end))."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from bookings.models import Building, HostingUnit, Room
    from core.roles import Role, add_role, sync_role_groups

    call_command("migrate", verbosity=0)
    sync_role_groups()
    clerk = get_user_model().objects.create_user("peer-clerk", password="peer-bench-only")  # noqa: S106
    add_role(clerk, Role.CLERK)
    token = Token.objects.create(user=clerk).key
    unit = HostingUnit.objects.create(
        name="对标测试单位", short_name="对标", contact_name="李明", contact_phone="13800138000"
    )
    building = Building.objects.order_by("sort_order", "pk").first()
    rooms = {}
    with open(folder / "peer-rooms.csv", newline="") as handle:
        for line in csv.DictReader(handle):
            index = int(line["room"])
            rooms[index] = Room.objects.create(
                building=building,
                number=f"P{index:02d}",
                name=f"对标{index:02d}号会议室",
                floor=1 + index // 10,
                capacity=int(line["capacity"]),
                setup_minutes=0,
                teardown_minutes=0,
                layouts=["boardroom"],
            )
    later = copy_bookings(folder, rooms, unit, clerk)
    with _cursor() as cursor:
        cursor.execute(f"CREATE TABLE {FLOOR_TABLE} (id serial PRIMARY KEY, at timestamptz)")
        cursor.execute("ANALYZE")
    return clerk, token, unit, rooms, later


def _cursor():
    from django.db import connection

    return connection.cursor()


def copy_bookings(folder: Path, rooms: dict, unit, clerk) -> list[tuple]:
    """COPY the bookings in as the booking service would have saved them (confirmed)."""
    from bookings import sizing
    from bookings.models import LeaderRank, MeetingStatus

    columns = (
        'room_id, title, hosting_unit_id, contact_name, contact_phone, start, "end", '
        "attendees, leader_rank, confidentiality, layout, setup_minutes, teardown_minutes, "
        "occupied_from, occupied_until, notes, status, cancel_reason, booked_by_id, booked_at, "
        "level, level_reason, version"
    )
    rows, later, sized = [], [], {}
    with gzip.open(folder / "peer-bookings.csv.gz", "rt", newline="") as handle:
        for number, line in enumerate(csv.DictReader(handle)):
            room = rooms[int(line["room"])]
            start = local(line["date"], line["start"])
            end = local(line["date"], line["end"])
            # Attendees vary over the room's size so the sizing table gives every level; sized
            # before the COPY, which holds the connection.
            attendees = max(1, room.capacity * (3 + number % 7) // 10)
            if attendees not in sized:
                sized[attendees] = sizing.size(
                    hosting_unit_id=unit.pk, attendees=attendees, leader_rank=LeaderRank.NONE
                )
            level = sized[attendees]
            rows.append(
                (
                    room.pk,
                    f"对标会议{number}",
                    unit.pk,
                    unit.contact_name,
                    unit.contact_phone,
                    start,
                    end,
                    attendees,
                    LeaderRank.NONE.value,
                    "normal",
                    "",
                    0,
                    0,
                    start,
                    end,
                    "",
                    MeetingStatus.CONFIRMED.value,
                    "",
                    clerk.pk,
                    start - dt.timedelta(days=14),
                    level.level,
                    level.reason,
                    1,
                )
            )
            if start.year == 2027:
                later.append((int(line["room"]), start, end))
    with _cursor() as cursor, cursor.copy(f"COPY bookings_meeting ({columns}) FROM STDIN") as copy:
        for values in rows:
            copy.write_row(values)
    count = len(rows)
    return count, later


# --- measuring --------------------------------------------------------------------------------


def clock(function) -> tuple[float, object]:
    started = time.perf_counter()
    result = function()
    return time.perf_counter() - started, result


# The database floor of the search: the same question in one hand-written statement (each
# room's own setup and teardown counted), timed right after the service on the same slot.
FREE_ROOMS_SQL = """
SELECT r.id FROM bookings_room r
WHERE r.kind = 'meeting' AND r.in_service AND r.capacity >= %(capacity)s
  AND NOT EXISTS (
    SELECT 1 FROM bookings_meeting m
    WHERE m.room_id = r.id AND m.status <> 'cancelled'
      AND m.occupied_from < %(end)s + r.teardown_minutes * interval '1 minute'
      AND m.occupied_until > %(start)s - r.setup_minutes * interval '1 minute'
      -- The bounds the product's query has too (MAX_OCCUPANCY, MAX_SETUP_MINUTES): without
      -- them PostgreSQL hashes every meeting instead of using the room/time index.
      AND m.occupied_from > %(start)s - interval '20 hours'
      AND m.occupied_from < %(end)s + interval '240 minutes')
"""
FLOOR_TABLE = "peer_floor_write"


def sql_floor(slot: dict) -> tuple[float, set]:
    """Seconds and room ids of the hand-written search for one slot."""
    params = {"capacity": slot["min_capacity"], "start": slot["start"], "end": slot["end"]}
    with _cursor() as cursor:
        seconds, rows = clock(lambda: (cursor.execute(FREE_ROOMS_SQL, params), cursor.fetchall()))
    return seconds, {room_id for (room_id,) in rows[1]}


def write_floor() -> float:
    """Seconds for the smallest committed write: one row, one transaction (the commit's flush
    to disk is most of a booking's fixed cost, so this tracks the machine's disk load)."""
    from django.db import transaction

    def write():
        with transaction.atomic(), _cursor() as cursor:
            cursor.execute(f"INSERT INTO {FLOOR_TABLE} (at) VALUES (now())")  # noqa: S608

    return clock(write)[0]


def http_floor(client, token: str) -> float:
    seconds, response = clock(
        lambda: client.get("/api/buildings/", HTTP_AUTHORIZATION=f"Token {token}", secure=True)
    )
    if response.status_code != 200:
        raise SystemExit(f"floor page answered {response.status_code}")
    return seconds


def search_service(slots, index_of, clerk, floors: dict, wrong: list) -> list[float]:
    from bookings import availability

    times = []
    for number, slot in enumerate(slots):
        seconds, found = clock(
            lambda slot=slot: availability.free_rooms(
                slot["start"], slot["end"], slot["min_capacity"], user=clerk
            )
        )
        answer = {index_of[candidate.room.pk] for candidate in found.fitting}
        if answer != slot["free"]:
            wrong.append(_difference("service", slot, answer))
        floor_seconds, floor_ids = sql_floor(slot)
        if {index_of[room_id] for room_id in floor_ids} != slot["free"]:
            wrong.append(_difference("raw SQL", slot, {index_of[i] for i in floor_ids}))
        if number >= WARMUP_SLOTS:
            times.append(seconds)
            floors["sql"].append(floor_seconds)
    return times


def search_http(client, token, slots, index_of, floors: dict, wrong: list) -> list[float]:
    times = []
    for number, slot in enumerate(slots):
        query = {
            "start": slot["start"].isoformat(),
            "end": slot["end"].isoformat(),
            "attendees": slot["min_capacity"],
        }

        def ask(query=query):
            rooms, url, params = [], "/api/rooms/availability/", query
            while url:  # the clerk's client follows the pages (one page: at most 50 rooms)
                response = client.get(url, params, HTTP_AUTHORIZATION=f"Token {token}", secure=True)
                if response.status_code != 200:
                    return response.status_code, rooms
                data = response.json()
                rooms += data["results"]
                url, params = data["next"], None
            return 200, rooms

        seconds, (status, rooms) = clock(ask)
        answer = {index_of[room["id"]] for room in rooms}
        if status != 200 or answer != slot["free"]:
            wrong.append(_difference(f"HTTP {status}", slot, answer))
        if number >= WARMUP_SLOTS:
            times.append(seconds)
            floors["http"].append(http_floor(client, token))
    return times


def _difference(how: str, slot: dict, answer: set) -> str:
    return (
        f"{how} {slot['start']:%Y-%m-%d %H:%M}: missing {sorted(slot['free'] - answer)}, "
        f"extra {sorted(answer - slot['free'])}"
    )


def free_bookings(slots, rooms, taken: set, per_slot: int) -> list[tuple]:
    """(room, start, end) for each timed slot: a room the data set says is free and no earlier
    booking of this run took; the smallest for the service, the largest for the API."""
    chosen = []
    for slot in slots[WARMUP_SLOTS:]:
        free = sorted(
            (index for index in slot["free"] if (index, slot["start"]) not in taken),
            key=lambda index: (rooms[index].capacity, index),
        )
        index = free[0] if per_slot == 0 else free[-1]
        taken.add((index, slot["start"]))
        chosen.append((rooms[index], slot["start"], slot["end"]))
    return chosen


def book_service(bookings, clerk, unit, floors: dict, wrong: list) -> list[float]:
    from bookings import services
    from bookings.errors import BookingConflict
    from bookings.models import ServiceOrder
    from inspections.models import Check

    times = []
    for number, (room, start, end) in enumerate(bookings):

        def book(room=room, start=start, end=end, number=number):
            return services.book_meeting(
                by=clerk,
                room=room,
                title=f"对标预订{number}",
                hosting_unit=unit,
                start=start,
                end=end,
                attendees=MIN_CAPACITY,
            )

        try:
            seconds, meeting = clock(book)
        except BookingConflict as exc:
            wrong.append(f"free slot refused: {room.number} {start}: {exc.message}")
            continue
        times.append(seconds)
        floors["write"].append(write_floor())
        orders = ServiceOrder.objects.filter(meeting=meeting).count()
        checks = Check.objects.filter(meeting=meeting).count()
        if not orders or checks != 3:
            wrong.append(f"meeting {meeting.pk}: {orders} orders, {checks} checks")
    return times


def book_http(client, token, bookings, unit, wrong: list) -> list[float]:
    times = []
    for number, (room, start, end) in enumerate(bookings):
        body = {
            "room": room.pk,
            "title": f"接口预订{number}",
            "hosting_unit": unit.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "attendees": MIN_CAPACITY,
        }
        seconds, response = clock(
            lambda body=body: client.post(
                "/api/meetings/",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
                secure=True,
            )
        )
        times.append(seconds)
        if response.status_code != 201:
            wrong.append(f"API booking {room.number} {start}: {response.status_code}")
    return times


def conflicting(later: list[tuple], rooms: dict) -> list[tuple]:
    """Windows that overlap an existing booking's first half hour, spread over 2027."""
    step = max(1, len(later) // (2 * REPEAT))
    chosen = []
    for index, start, _end in later[::step][: 2 * REPEAT]:
        shifted = start - dt.timedelta(minutes=30)
        chosen.append((rooms[index], shifted, shifted + dt.timedelta(hours=1)))
    return chosen


def refuse_service(bookings, clerk, unit, wrong: list) -> tuple[list[float], str]:
    from bookings import services
    from bookings.errors import BookingConflict

    times, message = [], ""
    for room, start, end in bookings:
        started = time.perf_counter()
        try:
            services.book_meeting(
                by=clerk,
                room=room,
                title="冲突预订",
                hosting_unit=unit,
                start=start,
                end=end,
                attendees=min(room.capacity, 5),
            )
        except BookingConflict as exc:
            times.append(time.perf_counter() - started)
            message = exc.message
            if exc.code != "conflict":
                wrong.append(f"conflict with code {exc.code}: {exc.message}")
        except Exception as exc:
            wrong.append(f"{room.number} {start}: {type(exc).__name__}: {exc}")
        else:
            wrong.append(f"conflicting booking accepted: {room.number} {start}")
    return times, message


def refuse_http(client, token, bookings, unit, wrong: list) -> tuple[list[float], str]:
    times, message = [], ""
    for room, start, end in bookings:
        body = {
            "room": room.pk,
            "title": "冲突预订",
            "hosting_unit": unit.pk,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "attendees": min(room.capacity, 5),
        }
        seconds, response = clock(
            lambda body=body: client.post(
                "/api/meetings/",
                body,
                content_type="application/json",
                HTTP_AUTHORIZATION=f"Token {token}",
                secure=True,
            )
        )
        times.append(seconds)
        error = response.json().get("error", {}) if response.status_code == 409 else {}
        if error.get("code") != "conflict":
            wrong.append(f"API conflict {room.number} {start}: {response.status_code}")
        message = error.get("message", message)
    return times, message


# --- report -----------------------------------------------------------------------------------


def indico_cell(name: str) -> str:
    (m_low, m_high), (p_low, p_high) = INDICO[name]
    return f"{m_low}-{m_high} ms | {p_low}-{p_high} ms"


def speedup(name: str, times: list[float]) -> str:
    low, high = INDICO[name][0]
    ours = median(times) * 1000
    return (
        f"{low / ours:.0f}-{high / ours:.0f}x"
        if low / ours >= 10
        else (f"{low / ours:.1f}-{high / ours:.1f}x")
    )


def goal_cell(name: str, times: list[float]) -> str:
    if name not in GOALS:
        return "-"
    met = INDICO[name][0][0] / (median(times) * 1000) >= GOALS[name]
    return f">= {GOALS[name]}x: {'met' if met else 'MISSED'}"


def peer_table(measured: dict) -> str:
    lines = [
        "| operation | level | median | p95 | Indico median | Indico p95 | faster by "
        "(Indico median / ours) | goal |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for (name, level), times in measured.items():
        lines.append(
            f"| {LABELS[name]} | {level} | {ms(median(times))} | {ms(p95(times))} | "
            f"{indico_cell(name)} | {speedup(name, times)} | {goal_cell(name, times)} |"
        )
    return "\n".join(lines)


LABELS = {
    "search": "free rooms for a one-hour slot, capacity >= 20",
    "book": "book one meeting",
    "refuse": "refuse a conflicting booking",
}


def main() -> int:
    args = parse_args()
    folder = Path(args.data).resolve()
    production_settings()
    use_postgres(DATABASE)
    django_setup()
    from django.test import Client

    # The 409s of the refusals are expected here; whitenoise has no collected files to serve.
    logging.getLogger("django.request").setLevel(logging.ERROR)
    warnings.filterwarnings("ignore", message="No directory at")

    slots = read_slots(folder)
    started = time.perf_counter()
    clerk, token, unit, rooms, (loaded, later) = load(folder)
    load_seconds = time.perf_counter() - started
    index_of = {room.pk: index for index, room in rooms.items()}
    client = Client()
    wrong: list[str] = []

    floors: dict[str, list[float]] = {"sql": [], "http": [], "write": []}
    measured = {
        ("search", "service"): search_service(slots, index_of, clerk, floors, wrong),
        ("search", "HTTP"): search_http(client, token, slots, index_of, floors, wrong),
    }
    taken: set = set()
    by_service = free_bookings(slots, rooms, taken, per_slot=0)
    by_api = free_bookings(slots, rooms, taken, per_slot=-1)
    clashes = conflicting(later, rooms)
    # Warm the booking path up on a slot no measurement uses (after the last search day).
    warm = local("2027-12-31", "20:00")
    from bookings import services

    for minutes in range(0, WARMUP_SLOTS * 30, 30):
        services.book_meeting(
            by=clerk,
            room=rooms[99],
            title="预热",
            hosting_unit=unit,
            start=warm + dt.timedelta(minutes=minutes),
            end=warm + dt.timedelta(minutes=minutes + 30),
            attendees=MIN_CAPACITY,
        )
    measured[("book", "service")] = book_service(by_service, clerk, unit, floors, wrong)
    measured[("book", "HTTP")] = book_http(client, token, by_api, unit, wrong)
    refused, message = refuse_service(clashes[:REPEAT], clerk, unit, wrong)
    measured[("refuse", "service")] = refused
    refused_http, http_message = refuse_http(client, token, clashes[REPEAT:], unit, wrong)
    measured[("refuse", "HTTP")] = refused_http

    print("### Side by side with Indico (peer data set)\n\n`.venv/bin/python bench/peer_bench.py`")
    averages = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nMachine: {machine()}; load average at the end {averages} (shared machine)\n")
    print(
        f"Loaded {len(rooms)} rooms and {loaded:,} bookings (COPY, exclusion constraint on) in "
        f"{load_seconds:.1f} s. {len(slots) - WARMUP_SLOTS} timed search slots after "
        f"{WARMUP_SLOTS} warm-up, every answer checked against `free_rooms`; "
        f"{REPEAT} bookings and {REPEAT} refusals at each level.\n"
    )
    print(peer_table(measured))
    print("\nFloors in the same run, and each figure as a ratio to its floor:\n")
    print(TABLE_HEAD)
    print(row("floor: the search as one hand-written SQL statement", floors["sql"]))
    print(row("floor: one-row committed write (INSERT, COMMIT)", floors["write"]))
    print(row("floor: authenticated small JSON (GET /api/buildings/)", floors["http"]))
    paired = {
        ("search", "service"): floors["sql"],
        ("book", "service"): floors["write"],
        ("refuse", "service"): floors["write"],
    }
    for (name, level), times in measured.items():
        floor = paired.get((name, level), floors["http"])
        print(row(f"{LABELS[name]} ({level})", times, floor))
    print(f"\nThe refusal the clerk gets (service): {message}")
    print(f"The refusal over the API (409, code conflict): {http_message}")
    if wrong:
        print(f"\n**{len(wrong)} wrong answers or outcomes:**")
        for line in wrong[:20]:
            print(f"- {line}")
        return 1
    print("\nEvery answer equal to the data set's, every outcome as expected.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
