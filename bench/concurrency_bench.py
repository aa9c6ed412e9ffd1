"""Concurrency (issue 10, benchmark 6): 32 processes book overlapping slots in a few rooms at once.

Run from the project root:  .venv/bin/python bench/concurrency_bench.py [--seconds 120]
    [--processes 32] [--rooms 4] [--days 3]
Not part of `make test`. It creates the PostgreSQL database `conference_concurrency` (dropped and
re-created on each run; BENCH_PG_SERVER names the server), with production settings (DEBUG off).
Each worker is an OS process with its own Django and database connection; until the deadline it
books random slots (08:00-19:00, 30 to 120 minutes, rooms with 15 minutes setup and 10 teardown)
in a handful of rooms over a couple of days through bookings.services.book_meeting, and now and
then moves (reschedule_meeting) or cancels (cancel_meeting) one of its own meetings, so the
rooms keep changing and conflicts are frequent.

Afterwards it checks, exiting 1 on any breach: no other exception than BookingConflict from any
worker; every refusal carries the code `conflict`; no two active meetings' occupied windows
(setup and teardown included) overlap in a room, by an SQL self-join; every occupied window is
its meeting's time plus setup and teardown; `manage.py check_invariants` is clean.
"""

import argparse
import datetime as dt
import multiprocessing
import os
import random
import sys
import time
import traceback
from collections import Counter
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import django_setup, machine, use_postgres

DATABASE = "conference_concurrency"
TZ = ZoneInfo("Asia/Shanghai")
SEED = 10
# Of the attempts after the first booking: how often a worker moves or cancels one of its own.
MOVE_SHARE = 0.15
CANCEL_SHARE = 0.10

OVERLAPS_SQL = """
SELECT a.id, b.id, a.room_id
FROM bookings_meeting a
JOIN bookings_meeting b
  ON a.room_id = b.room_id AND a.id < b.id
 AND a.occupied_from < b.occupied_until AND b.occupied_from < a.occupied_until
WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
"""
# The occupied window must be what the services derive: time plus the meeting's setup/teardown.
WINDOWS_SQL = """
SELECT id FROM bookings_meeting
WHERE occupied_from <> start - setup_minutes * interval '1 minute'
   OR occupied_until <> "end" + teardown_minutes * interval '1 minute'
"""


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120, help="how long the workers book")
    parser.add_argument("--processes", type=int, default=32)
    parser.add_argument("--rooms", type=int, default=4, help="rooms the workers compete for")
    parser.add_argument("--days", type=int, default=3, help="days the workers compete for")
    return parser.parse_args()


def production_settings() -> None:
    os.environ["DEBUG"] = "False"
    os.environ.setdefault("SECRET_KEY", "concurrency-bench-only-" + "x" * 40)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("LOG_LEVEL", "WARNING")


def prepare(rooms: int) -> dict:
    """Migrate; a clerk, a hosting unit and the contested rooms. Returns their ids."""
    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    from bookings.models import Building, HostingUnit, Room
    from core.roles import Role, add_role, sync_role_groups

    call_command("migrate", verbosity=0)
    sync_role_groups()
    clerk = get_user_model().objects.create_user("race-clerk", password="race-bench-only")  # noqa: S106
    add_role(clerk, Role.CLERK)
    unit = HostingUnit.objects.create(name="并发测试单位", short_name="并发")
    building = Building.objects.order_by("sort_order", "pk").first()
    room_ids = [
        Room.objects.create(
            building=building,
            number=f"C{n}",
            name=f"并发{n}号会议室",
            floor=2,
            capacity=60,
            setup_minutes=15,
            teardown_minutes=10,
        ).pk
        for n in range(rooms)
    ]
    return {"clerk": clerk.pk, "unit": unit.pk, "rooms": room_ids}


# --- the workers ------------------------------------------------------------------------------


def worker(number: int, ids: dict, days: list[dt.date], deadline: float, results) -> None:
    """One OS process: its own Django and connection, booking until the deadline."""
    try:
        django_setup()
        results.put(_book_until(number, ids, days, deadline))
    except BaseException:
        results.put({"worker": number, "crash": traceback.format_exc()})


def _book_until(number: int, ids: dict, days: list[dt.date], deadline: float) -> dict:
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils.translation import gettext

    from bookings import services
    from bookings.errors import BookingConflict
    from bookings.models import HostingUnit, Room

    just_taken = gettext("The room was just taken by another booking.")
    rng = random.Random(SEED * 1000 + number)
    clerk = get_user_model().objects.get(pk=ids["clerk"])
    unit = HostingUnit.objects.get(pk=ids["unit"])
    rooms = list(Room.objects.filter(pk__in=ids["rooms"]).select_related("building"))
    mine: list = []
    counts: Counter = Counter()
    refusal_codes: Counter = Counter()
    others: list[str] = []
    sample = ""

    def slot() -> tuple[dt.datetime, dt.datetime]:
        day = rng.choice(days)
        start = dt.datetime.combine(day, dt.time(8), tzinfo=TZ) + dt.timedelta(
            minutes=15 * rng.randrange(0, 44)
        )
        return start, start + dt.timedelta(minutes=rng.choice((30, 45, 60, 90, 120)))

    while time.monotonic() < deadline:
        start, end = slot()
        roll = rng.random()
        what = "book"
        if mine and roll < MOVE_SHARE:
            what = "move"
        elif mine and roll < MOVE_SHARE + CANCEL_SHARE:
            what = "cancel"
        counts[f"{what} attempts"] += 1
        try:
            if what == "book":
                mine.append(
                    services.book_meeting(
                        by=clerk,
                        room=rng.choice(rooms),
                        title=f"并发会议 {number}-{counts['book attempts']}",
                        hosting_unit=unit,
                        start=start,
                        end=end,
                        attendees=rng.randint(5, 60),
                    )
                )
            elif what == "move":
                meeting = rng.choice(mine)
                services.reschedule_meeting(
                    meeting, by=clerk, start=start, end=end, room=rng.choice(rooms)
                )
            else:
                meeting = mine.pop(rng.randrange(len(mine)))
                services.cancel_meeting(meeting, by=clerk, reason="并发测试撤销")
            counts[f"{what} successes"] += 1
        except BookingConflict as exc:
            counts[f"{what} refusals"] += 1
            refusal_codes[exc.code] += 1
            # The named refusal says which meeting holds the room; the generic one comes from
            # the exclusion constraint when a concurrent save got past the check.
            counts["refusals naming the meeting"] += exc.message != just_taken
            sample = sample or exc.message
        except Exception as exc:
            counts[f"{what} other errors"] += 1
            others.append(f"{type(exc).__name__}: {exc}\n{traceback.format_exc()[-1500:]}")
    connection.close()
    return {
        "worker": number,
        "counts": counts,
        "refusal_codes": refusal_codes,
        "others": others,
        "sample": sample,
    }


# --- afterwards -------------------------------------------------------------------------------


def verify() -> dict:
    from io import StringIO

    from django.core.management import CommandError, call_command
    from django.db import connection

    from bookings.models import Meeting

    with connection.cursor() as cursor:
        cursor.execute(OVERLAPS_SQL)
        overlaps = cursor.fetchall()
        cursor.execute(WINDOWS_SQL)
        bad_windows = cursor.fetchall()
    out = StringIO()
    try:
        call_command("check_invariants", stdout=out)
        invariants_clean = True
    except CommandError:
        invariants_clean = False
    return {
        "overlaps": overlaps,
        "bad_windows": bad_windows,
        "invariants_clean": invariants_clean,
        "invariants_output": out.getvalue(),
        "active": Meeting.objects.active().count(),
        "total": Meeting.objects.count(),
    }


def main() -> int:
    args = parse_args()
    production_settings()
    use_postgres(DATABASE)
    django_setup()
    from django.db import connections
    from django.utils import timezone

    ids = prepare(args.rooms)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    days = [tomorrow + dt.timedelta(days=n) for n in range(args.days)]
    connections.close_all()

    # spawn: each worker starts its own interpreter, Django and connection (nothing inherited).
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    # The deadline starts once every worker has had time to start Django.
    start_allowance = 5 + 0.5 * args.processes
    deadline = time.monotonic() + start_allowance + args.seconds
    processes = [
        context.Process(target=worker, args=(n, ids, days, deadline, results))
        for n in range(args.processes)
    ]
    for process in processes:
        process.start()
    reports = [results.get(timeout=start_allowance + args.seconds + 300) for _ in processes]
    for process in processes:
        process.join()

    counts: Counter = Counter()
    codes: Counter = Counter()
    others: list[str] = []
    crashes = [report["crash"] for report in reports if "crash" in report]
    sample = ""
    for report in reports:
        if "crash" in report:
            continue
        counts.update(report["counts"])
        codes.update(report["refusal_codes"])
        others += report["others"]
        sample = sample or report["sample"]
    found = verify()

    attempts = sum(value for key, value in counts.items() if key.endswith("attempts"))
    successes = sum(value for key, value in counts.items() if key.endswith("successes"))
    refusals = sum(value for key, value in counts.items() if key.endswith("refusals"))
    print(
        f"### Concurrency: {args.processes} processes booking overlapping slots\n\n"
        f"`.venv/bin/python bench/concurrency_bench.py --seconds {args.seconds:g}"
        f" --processes {args.processes} --rooms {args.rooms} --days {args.days}`"
    )
    averages = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    print(f"\nMachine: {machine()}; load average at the end {averages} (shared machine)\n")
    print(
        f"{args.processes} OS processes, each with its own connection, for {args.seconds:g} s on "
        f"{args.rooms} rooms x {args.days} days (08:00-19:00, 30-120 min, setup 15 and "
        "teardown 10 min), through bookings.services.\n"
    )
    print("| operation | attempts | succeeded | refused (conflict) | other errors |")
    print("|---|---|---|---|---|")
    for what in ("book", "move", "cancel"):
        print(
            f"| {what} | {counts[f'{what} attempts']} | {counts[f'{what} successes']} | "
            f"{counts[f'{what} refusals']} | {counts[f'{what} other errors']} |"
        )
    print(f"| **all** | {attempts} | {successes} | {refusals} | {len(others) + len(crashes)} |\n")
    print(
        f"Throughput: {attempts / args.seconds:.1f} attempts/s, "
        f"{successes / args.seconds:.1f} successful changes/s "
        f"({counts['book successes'] / args.seconds:.1f} bookings/s).  "
    )
    print(
        f"Refusal codes: {dict(codes)}; refusals naming the meeting that holds the room: "
        f"{counts['refusals naming the meeting']} of {refusals}; one refusal's message: "
        f'"{sample}"  '
    )
    print(
        f"Afterwards: {found['active']} active meetings of {found['total']}; overlapping "
        f"occupied windows (SQL self-join, setup/teardown included): {len(found['overlaps'])}; "
        f"windows not equal to time + setup/teardown: {len(found['bad_windows'])}; "
        f"`check_invariants`: {'clean' if found['invariants_clean'] else 'BREACHED'}."
    )

    failures = []
    if crashes:
        failures.append(f"{len(crashes)} workers crashed:\n" + "\n".join(crashes[:2]))
    if others:
        kinds = Counter(line.split(":", 1)[0] for line in others)
        failures.append(f"{len(others)} other exceptions {dict(kinds)}, e.g. {others[0]}")
    if set(codes) - {"conflict"}:
        failures.append(f"refusals with other codes: {dict(codes)}")
    if found["overlaps"]:
        failures.append(f"overlapping meetings: {found['overlaps'][:5]}")
    if found["bad_windows"]:
        failures.append(f"wrong occupied windows: {found['bad_windows'][:5]}")
    if not found["invariants_clean"]:
        failures.append("check_invariants:\n" + found["invariants_output"])
    if not counts["book successes"] or not refusals:
        failures.append("the run proved nothing: no bookings or no refusals")
    if failures:
        print("\n**FAILED:**")
        for failure in failures:
            print(f"- {failure}")
        return 1
    print("\nNo other error, no overlap, every refusal the clean conflict error.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
