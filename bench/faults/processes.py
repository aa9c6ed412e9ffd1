# ruff: noqa: S603 - fixed local commands (initdb, pg_ctl and our own servers).
"""The fault run's own servers: a PostgreSQL cluster, a Redis, Celery worker and beat, gunicorn.

Everything runs on its own ports out of one temporary folder, so the shared PostgreSQL (5432)
and Redis (6379) are never touched. Each process is started in a session of its own, so a
SIGKILL of the worker reaches its pool children too (as when a machine loses the process),
and clean-up stops exactly the processes this run started, by their ids.
"""

import contextlib
import os
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path

PG_BIN = Path("/usr/lib/postgresql/15/bin")


def _as_postgres() -> list[str]:
    # initdb and postgres refuse to run as root; the system's postgres user owns the cluster.
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


class Postgres:
    def __init__(self, root: Path, port: int):
        self.port = port
        self.dir = root / "pg"
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"

    def init(self) -> None:
        self.dir.mkdir()
        if os.geteuid() == 0:
            shutil.chown(self.dir, "postgres", "postgres")
        _run([*_as_postgres(), str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
              "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])  # fmt: skip
        settings = [
            f"port = {self.port}",
            "listen_addresses = '127.0.0.1'",
            f"unix_socket_directories = '{self.dir}'",
            # A test cluster on a shared machine: no flush to disk. An immediate stop keeps the
            # data (the operating system's cache survives a server crash, not a machine crash).
            "fsync = off",
            "full_page_writes = off",
            "max_connections = 60",
        ]
        # Appending keeps the file's owner (root may write it; postgres must read it).
        with open(self.data / "postgresql.conf", "a") as conf:
            conf.write("\n".join(settings) + "\n")

    def start(self) -> None:
        _run([*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l",
              str(self.log), "-w", "-t", "60", "start"])  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        """mode "immediate" is a crash: no checkpoint, clients cut off, WAL replay at start."""
        _run([*_as_postgres(), str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode,
              "-w", "stop"], check=False)  # fmt: skip

    def url(self, name: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{name}"


class Service:
    """One long-running process of ours, its output in a log file."""

    def __init__(self, name: str, argv: list[str], *, env: dict, cwd: Path, logs: Path):
        self.name, self.argv, self.env, self.cwd = name, argv, env, cwd
        self.log_path = logs / f"{name}.log"
        self.process: subprocess.Popen | None = None
        self.starts = 0
        # True between a deliberate kill or stop and the next start: not for the supervisor.
        self.expected_down = False

    def start(self) -> None:
        self.expected_down = False
        self.starts += 1
        with open(self.log_path, "a") as log:
            log.write(f"\n=== start {self.starts} at {time.strftime('%H:%M:%S')} ===\n")
            log.flush()
            self.process = subprocess.Popen(
                self.argv,
                env=self.env,
                cwd=self.cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to the process and everything it started (its session)."""
        self.expected_down = True
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self, timeout: float = 20) -> None:
        """SIGTERM, then SIGKILL for whatever is still there after `timeout`."""
        self.expected_down = True
        if self.process is None:
            return
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.process.wait(timeout=timeout)
        # The pool children of a worker or gunicorn may outlive their parent for a moment.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        if self.process.poll() is None:
            self.process.wait(timeout=10)


def wait_for_port(port: int, timeout: float = 60) -> None:
    import socket

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            probe.settimeout(0.5)
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise RuntimeError(f"nothing listens on port {port} after {timeout} s")


def _run(argv: list[str], *, check: bool = True) -> None:
    result = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    if check and result.returncode != 0:
        raise RuntimeError(f"{' '.join(argv[:6])} failed:\n{result.stdout}\n{result.stderr}")


class Supervisor(threading.Thread):
    """What systemd's `Restart=always` does on a real node: a service that exits by itself
    (not stopped by the run) is started again after RESTART_SECONDS, and the exit is reported."""

    RESTART_SECONDS = 1.0

    def __init__(self, services: list[Service], report):
        super().__init__(daemon=True)
        self.services, self.report = services, report
        self.lock = threading.Lock()  # held by the run while it kills or restarts a service
        self.halt = threading.Event()

    def run(self) -> None:
        while not self.halt.wait(0.5):
            with self.lock:
                for service in self.services:
                    if service.expected_down or service.process is None or service.alive():
                        continue
                    code = service.process.returncode
                    time.sleep(self.RESTART_SECONDS)
                    service.start()
                    self.report(
                        f"{service.name} exited by itself (code {code}: {last_error(service)});"
                        " the supervisor started it again"
                    )


def last_error(service: Service) -> str:
    """The last CRITICAL or ERROR line of the service's log, for the report."""
    lines = service.log_path.read_text(errors="replace").splitlines()
    for line in reversed(lines):
        if "CRITICAL" in line or "Unrecoverable" in line:
            return line.split("]", 1)[-1].strip()[:160]
    return "no error logged"
