"""A real Celery worker with its embedded beat, started as `make run` starts it, for tests.

The worker runs `.venv/bin/celery -A conference worker -B` in a session (and so a process group)
of its own, with its output in a log file. `kill()` SIGKILLs the whole group, so neither the pool
process nor the beat child outlives it (design.md: the beat child survives a `kill -9` of its
parent alone), and waits until no live process is left in the group.

A worker in another process sees neither time-machine nor an in-memory test database: the test
hands it the test database (see `database_env`) and a short sweep interval through the
environment, and lets real time pass.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CELERY = ROOT / ".venv" / "bin" / "celery"

GONE_TIMEOUT = 10.0  # Time for a SIGKILLed group to be torn down by the kernel.


def project_settings() -> set[str]:
    """Every variable the project reads, as .env.example lists them."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def database_env(var_dir: Path) -> dict[str, str]:
    """Environment that points a worker at the test database this test process uses.

    PostgreSQL: DATABASE_URL naming the test database. SQLite: no DATABASE_URL, so the worker
    builds its database settings the way the project does (IMMEDIATE transactions, timeout,
    WAL: a `sqlite:///` DATABASE_URL would drop all of those OPTIONS), from a VAR_DIR of its
    own whose db.sqlite3 is a symlink to the test database file. SQLite resolves the symlink,
    so both processes share one file and one WAL; the worker's broker and mail files stay in
    its own VAR_DIR.
    """
    from urllib.parse import quote

    from django.db import connection

    config = connection.settings_dict
    var_dir.mkdir(parents=True, exist_ok=True)
    if connection.vendor == "postgresql":
        user = quote(config.get("USER") or "", safe="")
        password = quote(config.get("PASSWORD") or "", safe="")
        credentials = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = config.get("HOST") or "localhost"
        port = f":{config['PORT']}" if config.get("PORT") else ""
        url = f"postgres://{credentials}{host}{port}/{quote(str(config['NAME']), safe='')}"
        return {"VAR_DIR": str(var_dir), "DATABASE_URL": url}
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db(), "a worker cannot reach an in-memory database"
        (var_dir / "db.sqlite3").symlink_to(Path(config["NAME"]).resolve())
        return {"VAR_DIR": str(var_dir)}
    pytest.fail(f"no real-worker setup for the {connection.vendor} backend")


def broker_env(broker_url: str, var_dir: Path) -> dict[str, str]:
    """CELERY_BROKER_URL for the worker; the filesystem broker's folders go under VAR_DIR."""
    if broker_url.startswith("filesystem://"):
        for folder in ("data", "processed", "control"):
            (var_dir / "celery" / folder).mkdir(parents=True, exist_ok=True)
    return {"CELERY_BROKER_URL": broker_url}


def _group_alive(pgid: int) -> list[int]:
    """Pids of the processes in group ``pgid`` that are not zombies."""
    alive = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rfind(")") + 2 :].split()  # state ppid pgrp ...
        if len(fields) >= 3 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            alive.append(int(entry.name))
    return alive


class CeleryWorker:
    """One worker-with-beat process group; start() may be called again after kill()."""

    def __init__(self, env: dict[str, str], workdir: Path) -> None:
        base = {k: v for k, v in os.environ.items() if k not in project_settings()}
        base.update(env)
        base["PYTHONUNBUFFERED"] = "1"
        self.env = base
        self.workdir = workdir
        self.schedule = workdir / "beat"
        self.process: subprocess.Popen[bytes] | None = None
        self.log: Path | None = None
        self.starts = 0

    def start(self) -> None:
        assert self.process is None, "already running"
        self.starts += 1
        self.log = self.workdir / f"worker-{self.starts}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    str(CELERY),
                    "-A",
                    "conference",
                    "worker",
                    "-B",
                    "--concurrency",
                    "1",
                    "--loglevel",
                    "INFO",
                    "--schedule",
                    str(self.schedule),
                ],
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # Its own session and group: pgid == its pid.
            )

    @property
    def output(self) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(encoding="utf-8", errors="replace")

    def tail(self, count: int = 60) -> str:
        return "\n".join(self.output.splitlines()[-count:])

    def check_running(self, what: str) -> None:
        """Fail at once, with the worker's output, if it exited by itself."""
        if self.process is not None and self.process.poll() is not None:
            pytest.fail(
                f"the Celery worker exited with code {self.process.returncode} {what}:\n"
                f"{self.tail()}"
            )

    def wait_for_log(self, pattern: re.Pattern[str], timeout: float, what: str) -> float:
        """Wait until the current run's output matches; return the monotonic time it did."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if pattern.search(self.output):
                return time.monotonic()
            self.check_running(f"before {what}")
            time.sleep(0.1)
        pytest.fail(
            f"no {what} within {timeout:g} s; the worker's output ends with:\n{self.tail()}"
        )

    def kill(self) -> None:
        """SIGKILL the whole group and wait until none of it is left."""
        if self.process is None:
            return
        pgid = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=GONE_TIMEOUT)
        deadline = time.monotonic() + GONE_TIMEOUT
        while _group_alive(pgid) and time.monotonic() < deadline:
            time.sleep(0.05)
        left = _group_alive(pgid)
        self.process = None
        assert not left, f"processes {left} of the worker's group survived SIGKILL"
