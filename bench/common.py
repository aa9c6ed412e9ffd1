"""What every benchmark in bench/ shares: its own PostgreSQL database, timing, and the report line.

Import this before Django: `use_postgres("conference_bench_x")` (or `use_sqlite()`) sets the
environment, then `django_setup()` runs django.setup(). Timings are reported as median and 95th
percentile, and as a ratio to a floor measured in the same run, because the machines are shared
and an absolute time alone says little.
"""

import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432/")


def admin_sql(sql: str, server: str = PG_SERVER) -> None:
    """Run one statement on the server's `postgres` database (CREATE/DROP DATABASE)."""
    import psycopg

    with psycopg.connect(server + "postgres", autocommit=True) as conn:
        conn.execute(sql)


def use_postgres(name: str, *, fresh: bool = True, server: str = PG_SERVER) -> str:
    """Point Django at database `name` on the bench server (dropped and re-created when
    `fresh`); returns its URL. Call before django_setup()."""
    if fresh:
        admin_sql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)", server)
        admin_sql(f"CREATE DATABASE {name}", server)
    url = server + name
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix=f"{name}-"))
    return url


def use_sqlite() -> None:
    os.environ.pop("DATABASE_URL", None)
    os.environ.setdefault("VAR_DIR", tempfile.mkdtemp(prefix="bench-sqlite-"))


def django_setup(settings_module: str = "conference.settings") -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", settings_module)
    import django

    django.setup()


def timed(function: Callable[[], object], repeat: int, warmup: int = 3) -> list[float]:
    """Seconds per call, `repeat` calls after `warmup` untimed ones."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def median(values: list[float]) -> float:
    return statistics.median(values)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f} ms" if seconds < 0.1 else f"{seconds * 1000:.0f} ms"


def ratio(value: float, floor: float) -> str:
    return f"{value / floor:.2f}x" if floor else "n/a"


def row(label: str, times: list[float], floor: list[float] | None = None, goal: str = "") -> str:
    """One markdown table row: label | median | p95 | ratio of medians to the floor | goal."""
    ratio_text = ratio(median(times), median(floor)) if floor else ""
    return f"| {label} | {ms(median(times))} | {ms(p95(times))} | {ratio_text} | {goal} |"


TABLE_HEAD = "| measurement | median | p95 | ratio to floor (medians) | goal |\n|---|---|---|---|---|"


def machine() -> str:
    """The machine line every result block starts with."""
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    postgres = ""
    try:
        postgres = subprocess.run(
            ["psql", "--version"], capture_output=True, text=True, timeout=5
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        pass
    return (
        f"{time.strftime('%Y-%m-%d %H:%M %Z')}; nproc {os.cpu_count()}, {cpu}, "
        f"{platform.machine()}; Python {platform.python_version()}; {postgres or 'no psql'}"
    )
