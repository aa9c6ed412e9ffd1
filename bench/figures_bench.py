"""Figures on the scale data, each as median, p95 and a ratio to its floor in the same run.

    .venv/bin/python bench/figures_bench.py [--regenerate] [--quick] [--only lobby,hotline]

Uses the PostgreSQL database conference_scale (bench/scale_data.py, ~200,000 meetings) and, for
the sweeper's comparison, conference_scale_small (2,000 meetings, ~6,000 checks); each is
generated when absent or with --regenerate. Requests go through django.test.Client (the whole
middleware stack, a logged-in session) under bench/floor_urls.py, which adds the floors:
- the framework floor: a trivial login_required view returning a small JSON;
- the database floor of each figure: the SQL its request ran, replayed through a cursor.
The polled boards are timed twice: built and rendered (a changed board), and revalidated with
the ETag of the previous poll (unchanged: 304 Not Modified, conference.board_etag).
The clock is set to the scale data's NOW (the anchor day 10:00) with time-machine, so the
lobby shows the day with 60 meetings in one building. Bookings made here are deleted at the end.
Exit status 1 when an answer is wrong (not when a goal is missed: that is reported).
"""

import argparse
import datetime as dt
import os
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import common
from common import TABLE_HEAD, machine, median, row, timed

BIG, SMALL = "conference_scale", "conference_scale_small"
SMALL_MEETINGS = 2_000
SWEEP_DUE = 50  # due checks claimed by one sweeper pass in either database
SECTIONS = ("availability", "booking", "lobby", "hotline", "sweeper")
BENCH_TITLE = "基准测试会议"  # the meetings this bench books (and deletes)
GOALS = {"availability": 1.5, "booking": 3.0, "dashboard": 3.0, "sweeper": 2.0}


def database_exists(name: str) -> bool:
    import psycopg

    with psycopg.connect(common.PG_SERVER + "postgres", autocommit=True) as conn:
        found = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
    if not found:
        return False
    with psycopg.connect(common.PG_SERVER + name, autocommit=True) as conn:
        try:
            return bool(conn.execute("SELECT count(*) FROM bookings_meeting").fetchone()[0])
        except psycopg.Error:
            return False


def switch_database(name: str) -> None:
    """Point Django's default connection at another database of the bench server."""
    from django.db import connection

    connection.close()
    connection.settings_dict["NAME"] = name


def ensure_data(name: str, meetings: int, regenerate: bool) -> str:
    import scale_data

    if regenerate or not database_exists(name):
        common.admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        common.admin_sql(f"CREATE DATABASE {name}")
        switch_database(name)
        stats = scale_data.build(
            seed=1, meetings=meetings, anchor=scale_data.DEFAULT_ANCHOR, log=lambda *_: None
        )
        return (
            f"generated {name}: {stats.counts.get('bookings_meeting', 0):,} meetings,"
            f" {stats.counts.get('inspections_check', 0):,} checks in {stats.seconds:.0f} s"
        )
    return f"reused {name}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regenerate", action="store_true")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    parser.add_argument("--database", default=None, help="the large database (a trial run)")
    parser.add_argument(
        "--only",
        default=",".join(SECTIONS),
        help=f"comma-separated sections to run (of {', '.join(SECTIONS)}); the floor always runs",
    )
    args = parser.parse_args(argv)
    global BIG  # one switch for a trial run on another database
    BIG = args.database or BIG
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-" + "x" * 50)
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ.setdefault("STATIC_ROOT", "/tmp/conference-bench-static")  # noqa: S108
    common.use_postgres(BIG, fresh=False)
    common.django_setup()
    from django.conf import settings
    from django.core.management import call_command

    settings.ROOT_URLCONF = "floor_urls"
    if not (Path(settings.STATIC_ROOT) / "staticfiles.json").exists():
        # Production settings (DEBUG off) serve the collected, hashed static files.
        call_command("collectstatic", interactive=False, verbosity=0)
    notes = [
        ensure_data(SMALL, SMALL_MEETINGS, args.regenerate),
        *([ensure_data(BIG, 200_000, args.regenerate)] if BIG != SMALL else []),
    ]
    switch_database(BIG)
    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = set(only) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections: {', '.join(sorted(unknown))}")
    bench = Figures(repeat=0.3 if args.quick else 1.0, only=only)
    ok = bench.run()
    print(bench.report(notes))
    return 0 if ok else 1


class Figures:
    def __init__(self, repeat: float, only=SECTIONS):
        import scale_data

        self.only = only
        self.explain: list[str] = []
        self.scale = repeat
        self.now = scale_data.now_for(scale_data.DEFAULT_ANCHOR)
        self.anchor = scale_data.DEFAULT_ANCHOR
        self.rows: list[str] = []
        self.details: list[str] = []
        self.wrong: list[str] = []
        self.goals: list[tuple[str, float, float]] = []
        self.rng = random.Random(7)

    def n(self, count: int) -> int:
        return max(5, int(count * self.scale))

    def run(self) -> bool:
        import time_machine

        with time_machine.travel(self.now, tick=True):
            self.login()
            self.floor = self.framework_floor()
            for section in ("availability", "booking", "lobby", "hotline"):
                if section in self.only:
                    getattr(self, section)()
        if "sweeper" in self.only:
            self.sweeper()
        return not self.wrong

    # --- clients and floors -------------------------------------------------------------------

    def login(self) -> None:
        from django.contrib.auth import get_user_model
        from django.test import Client

        users = get_user_model().objects
        self.clients = {}
        for name in ("clerk", "supervisor", "hotline"):
            client = Client()
            client.force_login(users.get(username=name))
            self.clients[name] = client

    def get(
        self,
        who: str,
        url: str,
        data=None,
        htmx: bool = False,
        status: int = 200,
        etag: str | None = None,
    ):
        headers = {"HX-Request": "true"} if htmx else {}
        if etag:
            headers["If-None-Match"] = etag
        # secure: as behind the TLS proxy (production settings redirect plain HTTP).
        response = self.clients[who].get(url, data or {}, headers=headers, secure=True)
        if response.status_code != status:
            self.wrong.append(f"GET {url} {data or ''} answered {response.status_code}")
        return response

    def framework_floor(self) -> list[float]:
        floor = timed(lambda: self.get("clerk", "/bench/floor/"), self.n(400), warmup=20)
        self.api_floor = timed(lambda: self.get("clerk", "/bench/api-floor/"), self.n(400))
        self.rows.append(row("framework floor: login_required view, small JSON", floor))
        self.rows.append(row("(DRF floor: APIView, small JSON)", self.api_floor, floor))
        return floor

    def db_floor(self, label: str, request, *, write: bool = False) -> list[float]:
        """The SQL one request ran, replayed through a cursor (a write inside a transaction
        that is rolled back); returns the replay times."""
        from django.db import connection, transaction
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            if write:  # captured in a transaction rolled back, so the replay finds it free
                try:
                    with transaction.atomic():
                        request()
                        raise _Rollback
                except _Rollback:
                    pass
            else:
                request()
        statements = [
            _plain_sql(q["sql"])
            for q in captured.captured_queries
            if not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT", "ROLLBACK TO", "CLOSE"))
        ]

        def replay():
            with connection.cursor() as cursor:
                for sql in statements:
                    cursor.execute(sql)

        def replay_rolled_back():
            try:
                with transaction.atomic():
                    replay()
                    raise _Rollback
            except _Rollback:
                pass

        times = timed(replay_rolled_back if write else replay, self.n(100))
        self.details.append(f"{label}: {len(statements)} SQL statements per request")
        return times

    def paired(self, request, repeat: int, warmup: int = 3) -> tuple[list[float], list[float]]:
        """Times of `request` and of the framework floor, taken turn about, so that both see
        the same load on a shared machine; returns (times, floor times)."""
        floor_request = lambda: self.get("clerk", "/bench/floor/")  # noqa: E731
        for _ in range(warmup):
            request()
            floor_request()
        times, floor = [], []
        for _ in range(repeat):
            for function, into in ((floor_request, floor), (request, times)):
                started = time.perf_counter()
                function()
                into.append(time.perf_counter() - started)
        return times, floor

    def figure(self, label, timing, db, goal_key: str = "", goal_label: str = "") -> None:
        times, floor = timing
        self.rows.append(row(label, times, floor, goal_label))
        self.rows.append(row("  its framework floor, measured turn about", floor))
        self.rows.append(row("  its database floor (its SQL replayed)", db))
        if goal_key:
            self.goals.append((label, median(times) / median(floor), GOALS[goal_key]))

    # --- availability ---------------------------------------------------------------------------

    def slots(self, count: int) -> list[tuple[dt.datetime, dt.datetime, int]]:
        from core import timeutils

        slots = []
        for _ in range(count):
            day = self.anchor + dt.timedelta(days=self.rng.randint(1, 120))
            hour = self.rng.randint(8, 18)
            start = timeutils.at(day, hour)
            slots.append((start, start + dt.timedelta(hours=1), self.rng.choice([6, 12, 30, 80])))
        return slots

    def availability(self) -> None:
        slots = self.slots(50)
        for start, end, attendees in slots[:10]:
            self.check_availability(start, end, attendees)
        cycle = iter(slots * 100)

        def search():
            start, end, attendees = next(cycle)
            query = {"start": start.isoformat(), "end": end.isoformat(), "attendees": attendees}
            return self.get("clerk", "/api/rooms/availability/", query)

        times = self.paired(search, self.n(300), warmup=10)
        db = self.db_floor("availability API", search)
        self.figure(
            "availability: GET /api/rooms/availability/ (1 h, all 100 rooms)",
            times,
            db,
            "availability",
            "<= 1.5x",
        )

        def page():
            start, _end, attendees = next(cycle)
            query = {
                "date": start.date().isoformat(),
                "start": f"{start.astimezone(start.tzinfo):%H:%M}",
                "end": f"{start + dt.timedelta(hours=1):%H:%M}",
                "attendees": attendees,
            }
            return self.get("clerk", "/rooms/search/", query)

        page_times = self.paired(page, self.n(100), warmup=5)
        self.figure(
            "availability: the search page /rooms/search/ (1 h)",
            page_times,
            self.db_floor("search page", page),
        )

    def check_availability(self, start, end, attendees) -> None:
        """The API's answer against the overlap predicate, room by room (all pages)."""
        from bookings.models import Meeting, Room

        found, url, query = set(), "/api/rooms/availability/", None
        query = {"start": start.isoformat(), "end": end.isoformat(), "attendees": attendees}
        page = 1
        while True:
            body = self.get("clerk", url, {**query, "page": page}).json()
            found |= {room["id"] for room in body["results"]}
            if not body.get("next"):
                break
            page += 1
        expected = set()
        for room in Room.objects.filter(kind="meeting", in_service=True, capacity__gte=attendees):
            window = (
                start - dt.timedelta(minutes=room.setup_minutes),
                end + dt.timedelta(minutes=room.teardown_minutes),
            )
            if not Meeting.objects.occupying(room.pk, *window).exists():
                expected.add(room.pk)
        if found != expected:
            self.wrong.append(
                f"availability {start:%Y-%m-%d %H:%M} x{attendees}: API {sorted(found)}"
                f" != expected {sorted(expected)}"
            )

    # --- booking --------------------------------------------------------------------------------

    def booking(self) -> None:
        from bookings.availability import free_rooms
        from bookings.models import HostingUnit, Meeting

        # An interrupted run leaves its meetings behind: they go first.
        self.booked = list(Meeting.objects.filter(title=BENCH_TITLE).values_list("pk", flat=True))
        self.delete_booked()
        units = list(HostingUnit.objects.order_by("pk").values_list("pk", flat=True))
        count = self.n(120) + 3 + 1
        bodies, used = [], set()
        for start, end, attendees in self.slots(count * 3):
            if len(bodies) == count:
                break
            if start in used:
                continue
            fitting = free_rooms(start, end, attendees).fitting
            if not fitting:
                continue
            used.add(start)
            room = fitting[self.rng.randrange(len(fitting))].room
            if (room.pk, start.date()) in used:
                continue  # an earlier body may take it (setup and teardown)
            used.add((room.pk, start.date()))
            bodies.append(
                {
                    "room": room.pk,
                    "title": BENCH_TITLE,
                    "hosting_unit": self.rng.choice(units),
                    "start": start.isoformat(),
                    "end": end.isoformat(),
                    "attendees": attendees,
                }
            )
        self.booked: list[int] = []
        client = self.clients["clerk"]
        queue = iter(bodies)

        def book():
            body = next(queue)
            response = client.post(
                "/api/meetings/", body, content_type="application/json", secure=True
            )
            if response.status_code != 201:
                self.wrong.append(f"booking {body} answered {response.status_code}")
                return response
            self.booked.append(response.json()["id"])
            return response

        times = self.paired(book, len(bodies) - 4, warmup=3)
        db = self.db_floor("booking", book, write=True)
        self.figure(
            "booking: POST /api/meetings/ (checks, orders, signals)",
            times,
            db,
            "booking",
            "<= 3x",
        )
        floor_post = timed(
            lambda: client.post(
                "/bench/api-floor/", {}, content_type="application/json", secure=True
            ),
            self.n(200),
        )
        self.rows.append(row("(DRF floor for a POST: APIView, small JSON, 201)", floor_post))
        meeting = Meeting.objects.get(pk=self.booked[0])
        if meeting.checks.count() != 3 or not meeting.orders.exists():
            self.wrong.append(f"booked meeting {meeting.pk} lacks its checks or orders")
        conflict = client.post(
            "/api/meetings/",
            bodies[0] | {"title": "冲突"},
            content_type="application/json",
            secure=True,
        )
        if conflict.status_code != 409:
            self.wrong.append(f"a conflicting booking answered {conflict.status_code}, not 409")
        self.details.append(
            f"booking: {len(self.booked)} meetings booked on free one-hour slots, a conflicting"
            f" one refused with {conflict.status_code}"
        )
        self.delete_booked()

    def delete_booked(self) -> None:
        """Leave the scale data as generated: the bench's meetings and their rows go."""
        from django.contrib.contenttypes.models import ContentType

        from bookings.models import Meeting, ServiceOrder
        from core.models import AuditEntry, Notification
        from inspections.models import Check

        meetings = Meeting.objects.filter(pk__in=self.booked)
        objects = {
            Meeting: [str(pk) for pk in self.booked],
            Check: [
                str(pk)
                for pk in Check.objects.filter(meeting__in=meetings).values_list("pk", flat=True)
            ],
            ServiceOrder: [
                str(pk)
                for pk in ServiceOrder.objects.filter(meeting__in=meetings).values_list(
                    "pk", flat=True
                )
            ],
        }
        for model, ids in objects.items():
            # The application refuses to delete audit rows; the bench removes its own test rows.
            entries = AuditEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(model), object_id__in=ids
            )
            entries._raw_delete(entries.db)
        Notification.objects.filter(url__in=[f"/meetings/{pk}/" for pk in self.booked]).delete()
        meetings.delete()

    # --- dashboards -----------------------------------------------------------------------------

    def lobby(self) -> None:
        import scale_data

        from bookings.models import Building, Meeting

        building = Building.objects.get(code=scale_data.SHOWCASE_BUILDING)
        day_meetings = (
            Meeting.objects.active()
            .filter(room__building=building, start__date=self.anchor)
            .count()
        )
        self.details.append(f"lobby: building {building.code}, {day_meetings} meetings that day")
        query = {"building": building.pk}
        for label, url, htmx in (
            ("lobby page /lobby/", "/lobby/", False),
            ("lobby board /lobby/board/ (htmx)", "/lobby/board/", True),
        ):
            request = lambda url=url, htmx=htmx: self.get("supervisor", url, query, htmx)  # noqa: E731
            times = self.paired(request, self.n(60), warmup=3)
            self.built = times  # the board (last in the loop): what a changed poll costs
            self.figure(
                f"dashboard: {label}, {day_meetings} meetings",
                times,
                self.db_floor(label, request),
                "dashboard",
                "<= 3x",
            )
        self.unchanged_refresh(
            "lobby board refresh, unchanged (304)", "supervisor", "/lobby/board/", query
        )

    def hotline(self) -> None:
        for label, url, htmx in (
            ("hotline page /hotline/", "/hotline/", False),
            ("hotline board /hotline/board/ (htmx)", "/hotline/board/", True),
        ):
            request = lambda url=url, htmx=htmx: self.get("hotline", url, None, htmx)  # noqa: E731
            times = self.paired(request, self.n(60), warmup=3)
            self.built = times  # the board (last in the loop): what a changed poll costs
            self.figure(
                f"dashboard: {label}",
                times,
                self.db_floor(label, request),
                "dashboard",
                "<= 3x",
            )
        self.unchanged_refresh(
            "hotline board refresh, unchanged (304)", "hotline", "/hotline/board/"
        )

    def unchanged_refresh(self, label: str, who: str, url: str, query=None) -> None:
        """A poll that finds the board unchanged: the browser revalidates with the ETag it got
        from the previous poll and the server answers 304 from the fingerprint alone. Timed
        within one minute (the clock stopped), as two polls of the same minute are; the
        fingerprint includes the minute, so the first poll of a new minute builds the board
        (the figure above)."""
        import time_machine
        from django.utils import timezone

        with time_machine.travel(timezone.now(), tick=False):
            first = self.get(who, url, query, htmx=True)
            etag = first.headers.get("ETag")
            if not etag or "no-cache" not in first.headers.get("Cache-Control", ""):
                self.wrong.append(f"GET {url}: no ETag or no `no-cache` ({dict(first.headers)})")
                return
            if self.get(who, url, query, htmx=True).headers.get("ETag") != etag:
                self.wrong.append(f"GET {url}: the ETag of an unchanged board changed")

            def revalidate():
                response = self.get(who, url, query, htmx=True, status=304, etag=etag)
                if response.status_code == 304 and response.content:
                    self.wrong.append(f"GET {url}: a 304 with a body")
                return response

            times = self.paired(revalidate, self.n(200), warmup=5)
            db = self.db_floor(label, revalidate)
            stale = self.get(who, url, query, htmx=True, etag='"an-older-state"')
            if stale.status_code != 200 or not stale.content:
                self.wrong.append(f"GET {url} with another ETag answered {stale.status_code}")
        self.figure(f"dashboard: {label}", times, db, "dashboard", "<= 3x")
        # Polled every 30 s with the minute in the tag, at least every other poll of a screen
        # falls in a new minute and builds the board: the mean of the two is the steady cost.
        built, floors = median(self.built[0]), median(self.built[1])
        mean = (built + median(times[0])) / 2
        self.details.append(
            f"{label}: a screen polling every 30 s, one poll in"
            f" two a new minute (built, {built * 1000:.1f} ms) and one unchanged (304,"
            f" {median(times[0]) * 1000:.2f} ms): {mean * 1000:.1f} ms per poll on average,"
            f" {mean / ((floors + median(times[1])) / 2):.1f}x the floor"
        )

    # --- the sweeper ----------------------------------------------------------------------------

    def sweeper(self) -> None:
        """One pass on each database, turn about (the same load for both), rolled back."""
        from django.contrib.contenttypes.models import ContentType
        from django.db import connection

        passes = {}
        for name in (SMALL, BIG):
            switch_database(name)
            passes[name] = SweepPass(self.now, self.wrong, name)
        times = {SMALL: [], BIG: []}
        for n in range(self.n(20) + 2):
            for name in (SMALL, BIG):
                switch_database(name)
                ContentType.objects.clear_cache()
                connection.ensure_connection()
                started = time.perf_counter()
                passes[name].run()
                if n >= 2:  # the first two warm the caches
                    times[name].append(time.perf_counter() - started)
        switch_database(BIG)
        small, big = passes[SMALL], passes[BIG]
        self.rows.append(row(f"sweeper pass, {small.checks:,} check rows", times[SMALL]))
        self.rows.append(
            row(
                f"sweeper pass, {big.checks:,} check rows (floor: the small database)",
                times[BIG],
                times[SMALL],
                "<= 2x",
            )
        )
        ratio = median(times[BIG]) / median(times[SMALL])
        self.goals.append(("sweeper 600k / 6k", ratio, GOALS["sweeper"]))
        for sweep in (small, big):
            self.details.append(
                f"sweeper on {sweep.name}: now {sweep.at:%Y-%m-%d %H:%M}, {sweep.due} pending"
                f" checks due, a pass claims {sweep.outcome['claimed']} (notify) and escalates"
                f" {sweep.outcome['escalated']} ({sweep.queries} SQL statements)"
            )
        self.explain = big.explain

    # --- the result block -----------------------------------------------------------------------

    def report(self, notes: list[str]) -> str:
        lines = [
            "### Figures on the scale data",
            "",
            "Command: `.venv/bin/python bench/figures_bench.py`",
            f"Machine: {machine()}",
            "Data: " + "; ".join(notes),
            "",
            TABLE_HEAD,
            *self.rows,
            "",
            *(f"- {line}" for line in self.details),
            "",
            "Goals (ratio of medians):",
            *(
                f"- {label}: {ratio:.2f}x, goal <= {goal}x: {'met' if ratio <= goal else 'MISSED'}"
                for label, ratio, goal in self.goals
            ),
            "",
        ]
        if self.explain:
            lines += [
                "EXPLAIN (ANALYZE, BUFFERS) of the sweepers' candidate queries, large database:",
                "```",
                "\n\n".join(self.explain),
                "```",
            ]
        if self.wrong:
            lines += ["", "WRONG ANSWERS:", *(f"- {w}" for w in self.wrong)]
        return "\n".join(lines)


class SweepPass:
    """notify_due_checks at the instant the SWEEP_DUE-th pending check falls due, then
    escalate_late_checks once their grace has run out; each pass rolled back."""

    def __init__(self, after: dt.datetime, wrong: list[str], name: str):
        from django.conf import settings
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        from inspections.models import Check

        self.name = name
        pending = Check.objects.filter(status="pending", due_at__gte=after).order_by("due_at", "pk")
        self.at = pending.values_list("due_at", flat=True)[SWEEP_DUE - 1]
        self.later = self.at + dt.timedelta(minutes=settings.CHECK_ESCALATE_MINUTES + 1)
        self.due = Check.objects.filter(status="pending", due_at__lte=self.at).count()
        self.checks = Check.objects.count()
        self.outcome: dict[str, int] = {}
        with CaptureQueriesContext(connection) as captured:
            self.run()
        self.queries = len(captured.captured_queries)
        if self.outcome != {"claimed": SWEEP_DUE, "escalated": SWEEP_DUE}:
            wrong.append(f"sweeper on {name}: {self.outcome}")
        candidates = [
            q["sql"]
            for q in captured.captured_queries
            if q["sql"].startswith('SELECT "inspections_check"."id" AS "pk" FROM')
            and "LIMIT" in q["sql"]
            and "FOR UPDATE" not in q["sql"]
        ]
        self.explain = []
        with connection.cursor() as cursor:
            for sql in candidates[:2]:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
                self.explain.append(sql + "\n" + "\n".join(line for (line,) in cursor.fetchall()))

    def run(self) -> None:
        from django.db import transaction

        from inspections import sweepers

        try:
            with transaction.atomic():
                self.outcome["claimed"] = sweepers.notify_due_checks(now=self.at, batch=SWEEP_DUE)
                self.outcome["escalated"] = sweepers.escalate_late_checks(
                    now=self.later, batch=SWEEP_DUE
                )
                raise _Rollback
        except _Rollback:
            pass


def _plain_sql(sql: str) -> str:
    """A server-side cursor's DECLARE as the query it runs (the replay fetches it all)."""
    declared = re.match(r'DECLARE "[^"]+" .*?CURSOR .*?FOR (.*)', sql, re.DOTALL)
    return declared.group(1) if declared else sql


class _Rollback(Exception):
    pass


if __name__ == "__main__":
    started = time.perf_counter()
    status = main()
    print(f"\n(run took {time.perf_counter() - started:.0f} s)")
    sys.exit(status)
