# ruff: noqa: S603, S607 - fixed local commands (dropdb, nginx -v).
"""Load run (issue 10, point 5): the deployment of docs/deploy.md under 50 concurrent users.

Run from the project root:

    .venv/bin/python bench/load/run.py [--users 50] [--spawn-rate 10] [--run-time 3m]

Not part of `make test`. It brings up the guide's layout as separate processes on this machine
(bench/load/stack.py): a fresh PostgreSQL database `conference_load`, Redis dbs 11 (broker) and
12 (cache), migrate, the demo data (loaded with DEBUG on, the only step that is), collectstatic,
`check --deploy`, two gunicorn web nodes, nginx in front terminating TLS, one Celery worker and
one beat, all with production settings. Then locust, headless and bounded
(bench/load/locustfile.py), a lockout probe from two loopback addresses
(bench/load/lockout_probe.py), then the guide's upgrade routine (stop Celery, back up, migrate,
restart) and its restore (the backup into a second database, checked), and `check_invariants`
on both databases. Everything is torn down at the end, on failure too.

Prints a markdown result block: throughput and p95 per page from locust's CSV, the error rate,
the floors measured in the same run. Exits 1 on any failed request or unclean invariants.
"""

from __future__ import annotations

import argparse
import csv
import os
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import lockout_probe
from common import machine
from stack import BIN, PG_CLIENT, PG_SERVER, ROOT, Layout, Stack, log, port_is_free

FLOOR = "floor: /login/ (Django, no database)"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--spawn-rate", type=float, default=10)
    parser.add_argument("--run-time", default="3m")
    parser.add_argument("--database", default="conference_load", help="created and dropped here")
    parser.add_argument("--keep", action="store_true", help="leave the work folder for reading")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    layout = Layout(database=args.database)
    busy = [
        port
        for port in (*layout.web_ports, layout.https_port, layout.http_port)
        if not port_is_free(port)
    ]
    if busy:
        print(f"ports in use: {busy}", file=sys.stderr)
        return 2
    workdir = Path(tempfile.mkdtemp(prefix="conference-load-"))
    stack = Stack(layout, workdir)
    # SIGTERM (a CI timeout, make being stopped) tears down like Ctrl-C does.
    signal.signal(signal.SIGTERM, lambda *_: (_ for _ in ()).throw(KeyboardInterrupt()))
    started = time.monotonic()
    try:
        bring_up(stack)
        stats = run_locust(stack, args)
        stack.lockout = lockout_probe.probe(layout.https_port, str(stack.cert), layout.password)
        upgrade(stack)
        restored = backup_and_restore(stack)
        invariants = stack.try_manage("check_invariants", "check_invariants")
        restored_invariants = stack.try_manage(
            "check_invariants-restored", "check_invariants", env=restored
        )
    finally:
        stack.stop()
        drop_restored(stack)
        if args.keep:
            log(f"work folder kept: {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    ok = report(stack, args, stats, invariants, restored_invariants, time.monotonic() - started)
    return 0 if ok else 1


def bring_up(stack: Stack) -> None:
    """docs/deploy.md, "First installation", in its order."""
    stack.flush_redis()
    stack.create_database()
    stack.manage("migrate", "migrate", "--noinput")
    stack.manage("load_demo", "load_demo", env=stack.demo_env())
    stack.manage("demo_passwords", "demo_passwords", env=stack.demo_env())
    stack.manage("collectstatic", "collectstatic", "--noinput")
    stack.manage("check-deploy", "check", "--deploy", "--fail-level", "WARNING")
    stack.start_web_nodes()
    stack.start_celery()
    stack.start_proxy()
    stack.wait_until_up()
    stack.check_backends()


def run_locust(stack: Stack, args: argparse.Namespace) -> list[dict]:
    prefix = stack.dir / "locust"
    env = dict(
        os.environ,
        LOAD_PASSWORD=stack.layout.password,
        # The proxy's certificate is the only one trusted: TLS is verified, not switched off.
        LOAD_CA_BUNDLE=str(stack.cert),
    )
    command = [
        BIN / "locust", "-f", ROOT / "bench" / "load" / "locustfile.py", "--headless",
        "-u", str(args.users), "-r", str(args.spawn_rate), "-t", args.run_time,
        "--host", stack.layout.origin, "--csv", prefix, "--only-summary", "--stop-timeout", "10",
        "--exit-code-on-error", "0",
    ]  # fmt: skip
    before = os.getloadavg()[0]
    stack.run("locust", command, env, timeout=_seconds(args.run_time) + 300)
    # The machine is shared: how busy it was says how far the absolute times can be trusted.
    stack.load_average = (before, os.getloadavg()[0])
    stack.check_alive()  # a web node or a worker that died under load is a failure too
    with (stack.dir / "locust_stats.csv").open() as handle:
        stats = list(csv.DictReader(handle))
    failures = stack.dir / "locust_failures.csv"
    stack.failures = list(csv.DictReader(failures.open())) if failures.exists() else []
    return stats


def upgrade(stack: Stack) -> None:
    """docs/deploy.md, "Upgrades": Celery stopped first, a backup, migrate, then restart."""
    for name in ("beat", "worker"):
        stack.stop_one(name)
    stack.backup()
    stack.run(
        "pip-install",
        [BIN / "python", "-m", "pip", "install", "--disable-pip-version-check", "-q", "-r",
         ROOT / "requirements.txt"],
        stack.production_env(),
    )  # fmt: skip
    stack.manage("migrate-upgrade", "migrate", "--noinput")
    stack.manage("collectstatic-upgrade", "collectstatic", "--noinput")
    stack.reload_web_nodes()
    stack.start_celery()
    stack.wait_until_up()
    stack.check_backends()


def backup_and_restore(stack: Stack) -> dict[str, str]:
    """docs/deploy.md, "Restore": the backup into a second database and document folder."""
    return stack.restore(f"{stack.layout.database}_restored")


def drop_restored(stack: Stack) -> None:
    import subprocess

    name = f"{stack.layout.database}_restored"
    try:
        subprocess.run(
            ["dropdb", *PG_CLIENT, "--if-exists", "--force", name], capture_output=True, timeout=120
        )
    except subprocess.TimeoutExpired:
        log(f"DROP DATABASE {name} still waits on the server")


def report(stack, args, stats, invariants, restored_invariants, seconds) -> bool:
    rows = {row["Name"]: row for row in stats if row["Name"] != "Aggregated"}
    total = next(row for row in stats if row["Name"] == "Aggregated")
    floor_median = float(rows[FLOOR]["Median Response Time"]) if FLOOR in rows else 0.0
    requests, failed = int(total["Request Count"]), int(total["Failure Count"])
    again = next((row for name, row in rows.items() if "same slot again" in name), None)
    twice = int(again["Failure Count"]) if again else 0
    attempts = int(again["Request Count"]) if again else 0
    clean, invariants = invariants
    restored_clean, restored_invariants = restored_invariants
    lines = [
        f"### Load: {args.users} concurrent users, {args.run_time} (locust, headless)",
        "",
        "Command: `.venv/bin/python bench/load/run.py` "
        f"(`--users {args.users} --spawn-rate {args.spawn_rate:g} --run-time {args.run_time}`),"
        f" {seconds / 60:.1f} min in all.",
        f"Machine: {machine()}. Load average (1 min) before and after the locust run: "
        f"{stack.load_average[0]:.1f} and {stack.load_average[1]:.1f} on {os.cpu_count()} CPUs "
        "(locust itself and every process of the layout share them).",
        f"Layout (docs/deploy.md, as separate processes on this machine): nginx {_nginx()} "
        f"terminating TLS → 2 gunicorn web nodes × {stack.layout.workers_per_node} sync workers; "
        f"1 Celery worker (concurrency 2) + 1 beat; PostgreSQL database `{stack.layout.database}`; "
        "Redis db 11 (broker) and 12 (cache: the rate limits); DEBUG off, "
        "`check --deploy` clean; demo data.",
        "",
        "| page | requests | req/s | median | p95 | median / floor median | failures |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, row in sorted(rows.items(), key=lambda item: item[0].startswith("floor")):
        middle = float(row["Median Response Time"])
        ratio = f"{middle / floor_median:.1f}x" if floor_median and "floor" not in name else ""
        lines.append(
            f"| {name} | {row['Request Count']} | {float(row['Requests/s']):.2f} | "
            f"{middle:.0f} ms | {float(row['95%']):.0f} ms | {ratio} | {row['Failure Count']} |"
        )
    lines.append(
        f"| **all** | {requests} | {float(total['Requests/s']):.2f} | "
        f"{float(total['Median Response Time']):.0f} ms | {float(total['95%']):.0f} ms | | "
        f"{failed} |"
    )
    lines += [
        "",
        f"Error rate: {failed} of {requests} requests ({100 * failed / max(requests, 1):.2f} %).",
        f"Second bookings of a just-booked slot: {attempts}, booked twice: {twice}; the others "
        "came back as the search page's error message (counted as successes).",
        f"`check_invariants` on `{stack.layout.database}` after the run and the upgrade routine: "
        f"{'clean' if clean else 'NOT CLEAN'}; on the database restored from the backup: "
        f"{'clean' if restored_clean else 'NOT CLEAN'}.",
    ]
    lockout_ok, lockout_line = stack.lockout
    lines.append(lockout_line)
    for failure in getattr(stack, "failures", [])[:10]:
        lines.append(
            f"- failure: {failure.get('Method')} {failure.get('Name')}: "
            f"{failure.get('Error')} ({failure.get('Occurrences')}x)"
        )
    ok = failed == 0 and clean and restored_clean and lockout_ok
    goal = "zero errors, `check_invariants` clean, the lockout per client behind the proxy"
    lines += ["", f"Goal ({goal}): {'met' if ok else 'NOT met'}."]
    for found_clean, output in ((clean, invariants), (restored_clean, restored_invariants)):
        if not found_clean:
            lines += ["", "```", output.strip()[-3000:], "```"]
    print("\n".join(lines))
    return ok


def _seconds(text: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


def _nginx() -> str:
    import subprocess

    found = shutil.which("nginx") or "/usr/sbin/nginx"
    result = subprocess.run([found, "-v"], capture_output=True, text=True)
    return result.stderr.strip().rsplit("/", 1)[-1] or "?"


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except RuntimeError as error:
        print(f"load run failed: {error}", file=sys.stderr)
        sys.exit(1)


__all__ = ["PG_SERVER"]
