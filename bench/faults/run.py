# ruff: noqa: S603 - fixed local commands (initdb, pg_ctl, redis-server, celery, gunicorn).
"""Fault run (issue 10, "Faults"): 1,000 checks come due while the worker, Redis and PostgreSQL
are knocked over one after the other; nothing may be lost or sent twice.

Run from the project root:

    .venv/bin/python bench/faults/run.py [--checks 1000] [--window 180]

Not part of `make test`; about eight minutes. It never touches the shared PostgreSQL (5432) or
Redis (6379): it starts its own cluster (initdb, port 5439) and redis-server (port 6389) in a
temporary folder, migrates, lays down a small world through the services (bench/faults/world.py)
whose level-1 checks come due evenly over the window, and starts one Celery worker, exactly one
beat and gunicorn, all with production settings (DEBUG off) and the check sweepers every 2 s.
Then, during the window:

1. the worker is killed with SIGKILL (its pool too) and started again;
2. Redis is restarted (it keeps nothing on disk: queued messages are lost with it);
3. PostgreSQL is stopped the hard way (`pg_ctl -m immediate`, a crash) for 15 s while a
   logged-in page and an API call are polled: every answer must be the 503 page or the API's
   "unavailable" error; after the restart both must answer 200 again, gunicorn untouched.

After each fault the run waits for the sweepers to catch up and counts (bench/faults/ledger.py):
every due check notified, each owed notification there exactly once, no e-mail delivered twice,
and `manage.py check_invariants` clean. Exits 1 on any loss, duplicate or failed probe. All
processes and the temporary folder are removed at the end, on failure too.
"""

import argparse
import datetime as dt
import multiprocessing
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from common import ROOT, machine  # noqa: E402
from processes import Postgres, Service, Supervisor, wait_for_port  # noqa: E402

PG_PORT, REDIS_PORT, WEB_PORT = 5439, 6389, 8139
BIN = ROOT / ".venv" / "bin"
SWEEP_SECONDS = 2
OUTAGE_SECONDS = 15
# How far behind "now" a check may be and still count as "not yet swept" when settling.
LAG = dt.timedelta(seconds=4 * SWEEP_SECONDS)
SETTLE_TIMEOUT = 90
# Meetings booked first to time one booking; the window is placed after the estimated booking.
PILOT = 10
BOOKERS = 4


def book_in_parallel(world, plan) -> dict[int, int]:
    """Book the plan's meetings in BOOKERS forked processes, interleaved so that each one works
    across the whole window (meetings sharing a room stay in one process)."""
    from django.db import connections

    global _WORLD, _PLAN
    _WORLD, _PLAN = world, plan
    connections.close_all()  # a forked child must open its own connection
    with multiprocessing.get_context("fork").Pool(BOOKERS) as pool:
        parts = pool.map(_book, [range(k, plan.count, BOOKERS) for k in range(BOOKERS)])
    owed = {}
    for part in parts:
        owed.update(part)
    return owed


def _book(indices: range) -> dict[int, int]:
    from django.db import connections
    from world import book_slice

    try:
        return book_slice(_WORLD, _PLAN, indices)
    finally:
        connections.close_all()


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--checks", type=int, default=1000)
    parser.add_argument(
        "--window", type=int, default=180, help="seconds over which checks fall due"
    )
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (logs)")
    return parser.parse_args()


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def environment(root: Path, pg: Postgres) -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("CACHE_URL",)}
    env.update(
        DATABASE_URL=pg.url("faults"),
        CELERY_BROKER_URL=f"redis://127.0.0.1:{REDIS_PORT}/0",
        VAR_DIR=str(root / "var"),
        STATIC_ROOT=str(root / "static"),
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(40),
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="False",
        SECURE_COOKIES="False",
        EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
        CHECK_SWEEP_SECONDS=str(SWEEP_SECONDS),
        OUTBOX_SWEEP_SECONDS=str(SWEEP_SECONDS),
        CHECK_ESCALATE_MINUTES="1",
        # The document sweeper has nothing to do with checks; keep it out of the window.
        DOCUMENTS_SWEEP_SECONDS="3600",
        LOG_LEVEL="INFO",
        DJANGO_SETTINGS_MODULE="conference.settings",
    )
    return env


class Run:
    def __init__(self, args, root: Path):
        self.args = args
        self.root = root
        self.pg = Postgres(root, PG_PORT)
        self.env = environment(root, self.pg)
        logs = root / "logs"
        logs.mkdir()
        self.logs = logs
        self.redis = Service(
            "redis",
            ["redis-server", "--port", str(REDIS_PORT), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(root)],
            env=self.env, cwd=root, logs=logs,
        )  # fmt: skip
        celery = str(BIN / "celery")
        self.worker = Service(
            "worker",
            [celery, "-A", "conference", "worker", "-l", "INFO", "-c", "2", "-n", "faults@%h",
             "--without-mingle", "--without-gossip"],
            env=self.env, cwd=ROOT, logs=logs,
        )  # fmt: skip
        self.beat = Service(
            "beat",
            [celery, "-A", "conference", "beat", "-l", "INFO",
             "-s", str(root / "beat-schedule"), "--pidfile", str(root / "beat.pid")],
            env=self.env, cwd=ROOT, logs=logs,
        )  # fmt: skip
        self.web = Service(
            "gunicorn",
            [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{WEB_PORT}", "--timeout", "30",
             "--access-logfile", str(logs / "access.log"), "conference.wsgi"],
            env=self.env, cwd=ROOT, logs=logs,
        )  # fmt: skip
        self.services = [self.web, self.beat, self.worker, self.redis]
        self.timeline: list[tuple[float, str]] = []
        self.phases: list[tuple[str, object, bool, str]] = []
        self.outage: dict = {}
        self.failures: list[str] = []
        self.anchor = 0.0  # time.monotonic() of the window's start
        self.booking_seconds = 0.0
        self.due_at_start = 0

    # --- set-up ---------------------------------------------------------------------------

    def start_servers(self) -> None:
        for port in (PG_PORT, REDIS_PORT, WEB_PORT):
            if not port_is_free(port):
                raise RuntimeError(f"port {port} is taken; the fault run needs it for itself")
        self.pg.init()
        self.pg.start()
        import psycopg

        with psycopg.connect(self.pg.url("postgres"), autocommit=True) as conn:
            conn.execute("CREATE DATABASE faults")
        self.redis.start()
        wait_for_port(REDIS_PORT)

    def build(self):
        os.environ.update(self.env)
        import django

        django.setup()
        from django.core.management import call_command
        from django.utils import timezone
        from world import Plan, book_slice, build_people, hosting_unit, make_rooms

        # Production settings serve hashed, compressed static files (the 503 page links two);
        # collecting them needs no database, so it runs beside the migration.
        static = subprocess.Popen(
            [str(BIN / "python"), "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        started = time.monotonic()
        call_command("migrate", verbosity=0)
        log(f"migrated in {time.monotonic() - started:.0f} s")
        count, window = self.args.checks, dt.timedelta(seconds=self.args.window)
        world = build_people(now=timezone.now())
        # The pilot below must not share the cores with collectstatic's compression.
        if static.wait() != 0:
            raise RuntimeError(f"collectstatic failed: {static.stderr.read().decode()[-2000:]}")
        unit = hosting_unit()
        # A pilot times one booking on this machine now (due hours later: never in the run).
        pilot = Plan(
            count=PILOT,
            first_due=timezone.now() + dt.timedelta(hours=3),
            window=dt.timedelta(minutes=PILOT),
            rooms=tuple(room.pk for room in make_rooms(world, PILOT, prefix="P")),
            unit=unit,
            title="试测会议",
            with_leads=False,
        )
        world.due_recipient.update(book_slice(world, pilot, range(2)))  # warm-up
        started = time.monotonic()
        world.due_recipient.update(book_slice(world, pilot, range(2, PILOT)))
        per_meeting = (time.monotonic() - started) / (PILOT - 2)
        # 400 rooms for 1,000 meetings over 180 s: one room's meetings 72 s apart.
        rooms = make_rooms(world, max(1, int(count * 75 / window.total_seconds()) + 1))
        # Measured: four booking processes go about 2.5 times as fast as one on two cores.
        # Then about 30 s to start the worker, beat and gunicorn.
        budget = per_meeting * count / (BOOKERS / 1.5) + 30
        first_due = timezone.now() + dt.timedelta(seconds=budget)
        plan = Plan(
            count=count,
            first_due=first_due,
            window=window,
            rooms=tuple(room.pk for room in rooms),
            unit=unit,
        )
        started = time.monotonic()
        world.due_recipient.update(book_in_parallel(world, plan))
        self.booking_seconds = time.monotonic() - started
        self.per_meeting = per_meeting
        log(
            f"booked {count} meetings in {self.booking_seconds:.0f} s with {BOOKERS} processes"
            f" (pilot: {per_meeting:.2f} s per meeting; window starts {budget:.0f} s after)"
        )
        self.anchor = time.monotonic() + (first_due - timezone.now()).total_seconds()
        self.first_due = first_due
        self.window = window
        return world

    # --- the run --------------------------------------------------------------------------

    def at(self, fraction_or_seconds: float) -> None:
        """Sleep until that many seconds after the window's start."""
        delay = self.anchor + fraction_or_seconds - time.monotonic()
        if delay > 0:
            time.sleep(delay)

    def event(self, text: str) -> None:
        offset = time.monotonic() - self.anchor
        self.timeline.append((offset, text))
        log(f"t{offset:+.0f}s {text}")

    def run(self, world) -> None:
        from web import Probe

        for service in (self.worker, self.beat, self.web):
            service.start()
        # Worker and beat run under a supervisor as docs/deploy.md asks (systemd Restart=always);
        # gunicorn must simply stay up.
        self.supervisor = Supervisor([self.worker, self.beat], self.event)
        self.supervisor.start()
        wait_for_port(WEB_PORT)
        probe = Probe(
            WEB_PORT,
            username="faults-leader-19",
            password="faults-run-only",  # noqa: S106 - world.PASSWORD
            token=world.token,
        )
        probe.log_in()
        baseline = [probe.page(), probe.api()]
        if any(answer.kind != "ok" for answer in baseline):
            self.failures.append(f"web tier not healthy before the faults: {baseline}")
        from django.db import connection
        from django.utils import timezone

        from inspections.models import Check

        connection.close()
        self.due_at_start = Check.objects.filter(
            pk__in=world.due_recipient, due_at__lte=timezone.now()
        ).count()
        self.event(
            "worker, beat and gunicorn up; logged in; page and API answer 200"
            f" ({self.due_at_start} checks already due)"
        )
        window = self.window.total_seconds()

        self.at(0.2 * window)
        with self.supervisor.lock:
            self.worker.kill()
            self.event("worker and its pool killed with SIGKILL")
            time.sleep(3)
            self.worker.start()
            self.event("worker started again")
        self.settle_and_count(world, "after the worker's SIGKILL")

        self.at(0.45 * window)
        self.redis.stop()
        self.event("Redis stopped (SIGTERM; it keeps nothing on disk)")
        time.sleep(3)
        self.redis.start()
        wait_for_port(REDIS_PORT)
        self.event("Redis started again, empty")
        self.settle_and_count(world, "after the Redis restart")

        self.at(0.65 * window)
        self.postgres_outage(probe)
        self.settle_and_count(world, "after the PostgreSQL restart")

        # Every check due, then every late one escalated, then the outbox drained.
        self.at(window + 60 + 3 * SWEEP_SECONDS)
        self.event("window over and the last checks past their escalation time")
        self.settle_and_count(world, "at the end", drain_mail=True)
        self.supervisor.halt.set()
        self.supervisor.join()
        for service in (self.worker, self.beat, self.web):
            if not service.alive():
                self.failures.append(f"{service.name} is not running at the end (see its log)")
        if self.web.starts != 1:
            self.failures.append("gunicorn was restarted")

    def postgres_outage(self, probe) -> None:
        answers = []
        self.pg.stop("immediate")
        stopped = time.monotonic()
        self.event("PostgreSQL stopped with -m immediate (a crash)")
        while time.monotonic() < stopped + OUTAGE_SECONDS:
            answers += [probe.page(), probe.api()]
            time.sleep(0.3)
        self.pg.start()
        ready = time.monotonic()
        self.event(f"PostgreSQL started again (down {ready - stopped:.1f} s)")
        recovered = {}
        after = []
        while len(recovered) < 2 and time.monotonic() < ready + 60:
            for answer in (probe.page(), probe.api()):
                after.append(answer)
                if answer.kind == "ok":
                    recovered.setdefault(answer.what, answer.at - ready)
            time.sleep(0.2)
        self.event(
            "web answers 200 again: "
            + ", ".join(
                f"{what} {seconds:.2f} s after the restart" for what, seconds in recovered.items()
            )
        )
        bad = [a for a in answers if a.kind != "503"]
        bad_after = [a for a in after if a.kind not in ("ok", "503")]
        self.outage = {
            "down_seconds": ready - stopped,
            "answers": len(answers),
            "as_503": sum(1 for a in answers if a.kind == "503"),
            "chinese": sum(1 for a in answers if a.kind == "503" and a.chinese),
            "bad": bad + bad_after,
            "recovered": recovered,
            "503_after_restart": sum(1 for a in after if a.kind == "503"),
        }
        if bad or bad_after:
            kinds = sorted({a.kind for a in bad + bad_after})
            self.failures.append(
                f"web answers during or after the outage that were not 503/200: {kinds}"
            )
        if len(recovered) < 2:
            self.failures.append(
                "the web tier did not answer 200 within 60 s of PostgreSQL's return"
            )

    def settle_and_count(self, world, phase: str, *, drain_mail: bool = False) -> None:
        from django.utils import timezone
        from ledger import count

        from core import invariants

        # The count covers checks due up to LAG ago: wait that long, so that it covers every
        # check that came due while the fault lasted.
        time.sleep(LAG.total_seconds())
        deadline = time.monotonic() + SETTLE_TIMEOUT
        while True:
            now = timezone.now()
            tally = count(world, cutoff=now - LAG, mail_cutoff=now - LAG)
            settled = tally.notified == tally.due and tally.lost == 0
            if drain_mail:
                settled = settled and tally.mails_waiting == 0
            if settled:
                # Late checks must be escalated within two sweeps; a restarted worker needs a
                # few seconds before it sweeps again.
                settled = not any(invariants.run_all().values())
            if settled or time.monotonic() > deadline:
                break
            time.sleep(SWEEP_SECONDS)
        waited = time.monotonic() - (deadline - SETTLE_TIMEOUT)
        command = subprocess.run(
            [str(BIN / "python"), "manage.py", "check_invariants"],
            cwd=ROOT, env=self.env, capture_output=True, text=True, timeout=300, check=False,
        )  # fmt: skip
        clean = command.returncode == 0
        detail = "" if clean else (command.stdout + command.stderr)[-1500:]
        self.phases.append((phase, tally, clean, detail))
        self.event(
            f"{phase} (caught up in {waited:.0f} s): due {tally.due}, "
            f"notified {tally.notified}, owed {tally.owed}, "
            f"delivered {tally.delivered}, duplicates {tally.duplicates}, lost {tally.lost}, "
            f"mail sent {tally.mails_sent}/{tally.mails_owed}, mail duplicates "
            f"{tally.mail_duplicates}, held by a killed worker's claim {tally.mails_held}, "
            f"invariants {'clean' if clean else 'BREACHED'}"
        )
        if not tally.clean:
            self.failures.append(f"{phase}: {tally}")
        if drain_mail and tally.mails_waiting:
            self.failures.append(f"{phase}: {tally.mails_waiting} e-mails never sent")
        if not clean:
            self.failures.append(f"{phase}: check_invariants failed:\n{detail}")

    def stop(self) -> None:
        for service in self.services:
            try:
                service.stop()
            except Exception as error:  # clean-up goes on whatever one process does
                log(f"stopping {service.name}: {error}")
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # noqa: S110 - Django may never have been set up
            pass
        self.pg.stop("fast")

    # --- the report -----------------------------------------------------------------------

    def report(self) -> str:
        lines = [
            "### Faults",
            "",
            "`.venv/bin/python bench/faults/run.py`"
            f" (checks {self.args.checks}, window {self.args.window} s, sweepers every"
            f" {SWEEP_SECONDS} s, escalation after 1 min)",
            "",
            f"Machine: {machine()}",
            "",
            f"Set-up: {self.args.checks} meetings booked through the services in"
            f" {self.booking_seconds:.0f} s; their level-1 checks fall due evenly over"
            f" {self.args.window} s ({self.due_at_start} already due when the worker started)."
            " One worker (2 processes) and one beat, both under a supervisor that restarts"
            " them if they exit (systemd `Restart=always` in docs/deploy.md), gunicorn"
            " (2 workers), own PostgreSQL 15 and Redis, production settings.",
            "",
            "| t (s from the first due time) | event |",
            "|---|---|",
        ]
        lines += [f"| {offset:+.0f} | {text} |" for offset, text in self.timeline]
        lines += [
            "",
            "| after | checks due | notified | notifications owed | delivered once | duplicates"
            " | lost | e-mails sent / owed | e-mail duplicates | check_invariants |",
            "|---|---|---|---|---|---|---|---|---|---|",
        ]
        for phase, tally, clean, _detail in self.phases:
            lines.append(
                f"| {phase} | {tally.due} | {tally.notified} | {tally.owed} | {tally.delivered}"
                f" | {tally.duplicates} | {tally.lost} | {tally.mails_sent} / {tally.mails_owed}"
                f" | {tally.mail_duplicates} | {'clean' if clean else 'BREACHED'} |"
            )
        if self.outage:
            o = self.outage
            recovered = ", ".join(f"{w} {s:.2f} s" for w, s in o["recovered"].items()) or "never"
            lines += [
                "",
                f"PostgreSQL down {o['down_seconds']:.1f} s: {o['as_503']} of {o['answers']}"
                f" answers were the 503 (the page marked zh-CN, or the API's error with code"
                f" `unavailable`, both with Retry-After; {o['chinese']} with the message in"
                f" Chinese), {len(o['bad'])} were anything else; 200 again after the"
                f" restart: {recovered} (gunicorn not restarted; 503s between the restart and"
                f" recovery: {o['503_after_restart']}).",
            ]
        lines += [
            "",
            "Result: " + ("nothing lost, nothing twice." if not self.failures else "FAILED"),
        ]
        lines += [f"- {failure}" for failure in self.failures]
        return "\n".join(lines)


def main() -> int:
    args = parse_args()
    root = Path(tempfile.mkdtemp(prefix="faults-run-"))
    root.chmod(0o755)  # the postgres user must reach its cluster folder inside
    run = Run(args, root)
    started = time.monotonic()
    try:
        run.start_servers()
        world = run.build()
        run.run(world)
    except Exception as error:
        run.failures.append(f"the run stopped: {error!r}")
        log(f"the run stopped: {error!r}")
    finally:
        run.stop()
        if args.keep:
            log(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(run.report())
    print(f"\n(total {time.monotonic() - started:.0f} s)")
    return 1 if run.failures else 0


if __name__ == "__main__":
    sys.exit(main())
