"""`make run` end to end: scripts/run.py started the way make starts it, in the embedded default.

The launcher runs as a real subprocess (`.venv/bin/python scripts/run.py` from the project root)
with none of the project's settings in its environment (so SQLite and the filesystem:// broker),
its own VAR_DIR under tmp_path and a free port. The test checks what a developer relies on: the
address and the demo logins are printed, a demo login works in the web server, the Celery worker
with its embedded beat really runs the outbox sweeper, SIGTERM stops everything, and a second
start on the same VAR_DIR does not load the demo twice.

Whatever happens, nothing is left running: the launcher leads a session of its own, so every
process it started (its services lead a new process group but stay in that session) is found and
SIGKILLed in a `finally`.
"""

from __future__ import annotations

import contextlib
import http.cookiejar
import os
import re
import signal
import socket
import sqlite3
import subprocess
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("RUN_SLOW") != "1",
        reason="starts the whole system; runs in the PostgreSQL pass of .ci/run with RUN_SLOW=1",
    ),
]

ROOT = Path(__file__).resolve().parent.parent
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
DEMO_PASSWORD = "demo-pass-123"
DEMO_LOGIN = "clerk"

START_TIMEOUT = 120.0  # First start: migrate, load the demo, hash the password, start services.
CELERY_TIMEOUT = 30.0  # With OUTBOX_SWEEP_SECONDS=1 beat sends the task every second.
STOP_TIMEOUT = 20.0  # The launcher's grace period is 10 s, then SIGKILL and 5 s to reap.
GONE_TIMEOUT = 3.0  # Time for SIGKILLed grandchildren to be torn down by the kernel.

# Beat: "Scheduler: Sending due task send-outbox (core.tasks.send_outbox)".
BEAT_SENT = re.compile(r"Sending due task \S+ \(core\.tasks\.send_outbox\)")
# Worker: "Task core.tasks.send_outbox[<uuid>] succeeded in 0.01s: 0".
WORKER_SUCCEEDED = re.compile(r"Task core\.tasks\.send_outbox\[[0-9a-f-]+\] succeeded in")


def _project_settings() -> set[str]:
    """Every variable the project reads, as .env.example lists them."""
    text = (ROOT / ".env.example").read_text(encoding="utf-8")
    return set(re.findall(r"^([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# -- processes, from /proc ---------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int, int] | None:
    """(state, pgid, sid) of a process, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name may hold spaces or parentheses: the fields start after the last ")".
    fields = stat[stat.rfind(")") + 2 :].split()
    return fields[0], int(fields[2]), int(fields[3])


def _processes() -> Iterator[tuple[int, str, int, int]]:
    """(pid, state, pgid, sid) of every process."""
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            stat = _stat(int(entry.name))
            if stat is not None:
                yield (int(entry.name), *stat)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").glob("*"):
        with contextlib.suppress(OSError):
            found.update(int(child) for child in (task / "children").read_text().split())
    return found


def _live(pgids: set[int], sid: int) -> list[tuple[int, str, int, int]]:
    """Processes that are not zombies and are in one of ``pgids`` or in session ``sid``."""
    return [
        process
        for process in _processes()
        if process[1] not in ("Z", "X") and (process[2] in pgids or process[3] == sid)
    ]


def _command_line(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "?"
    return raw.replace(b"\0", b" ").decode(errors="replace").strip()


# -- the launcher ------------------------------------------------------------------------------


class Launch:
    """One `make run`: the launcher process and everything it printed (stdout and stderr)."""

    def __init__(self, var_dir: Path, port: int) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}/"
        env = {k: v for k, v in os.environ.items() if k not in _project_settings()}
        env.update(
            VAR_DIR=str(var_dir),
            PORT=str(port),
            DEMO_PASSWORD=DEMO_PASSWORD,
            OUTBOX_SWEEP_SECONDS="1",
        )
        assert "DATABASE_URL" not in env
        assert "CELERY_BROKER_URL" not in env
        self.lines: list[str] = []
        self._lock = threading.Lock()
        self.service_groups: set[int] = set()
        self.process = subprocess.Popen(
            [str(VENV_PYTHON), "scripts/run.py"],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # Its own session and group: pgid == sid == its pid.
        )
        self.pid = self.process.pid
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for raw in self.process.stdout:
            with self._lock:
                self.lines.append(raw.decode("utf-8", errors="replace").rstrip("\n"))

    @property
    def output(self) -> str:
        with self._lock:
            return "\n".join(self.lines)

    def tail(self, count: int = 80) -> str:
        with self._lock:
            return "\n".join(self.lines[-count:])

    def wait_for(self, condition: Callable[[str], bool], timeout: float, what: str) -> None:
        """Wait until ``condition(output)`` holds; fail at once if the launcher exits."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if condition(self.output):
                return
            if self.process.poll() is not None:
                time.sleep(0.5)  # Let the reader catch the last lines.
                pytest.fail(
                    f"the launcher exited with code {self.process.returncode} before {what}:\n"
                    f"{self.tail()}"
                )
            time.sleep(0.2)
        pytest.fail(f"no {what} within {timeout:g} s; the output ends with:\n{self.tail()}")

    def wait_ready(self, timeout: float) -> None:
        """The launcher says where the site is, after printing the demo logins."""
        self.wait_for(lambda out: f"ready: {self.url}" in out, timeout, f"'ready: {self.url}' line")
        output = self.output
        assert re.search(rf"^\s*{DEMO_LOGIN}\s.*{re.escape(DEMO_PASSWORD)}", output, re.M), (
            f"the demo logins are not printed:\n{self.tail()}"
        )
        # The services lead a group of their own, beside the launcher's (see scripts/run.py).
        children = _children(self.pid)
        groups = {stat[1] for stat in map(_stat, children) if stat is not None}
        self.service_groups |= groups
        assert len(children) == 2, f"expected the web server and the worker, got {children}"
        assert len(groups) == 1, f"the services are in several groups: {groups}"
        assert self.pid not in groups, "the services share the launcher's process group"

    def stop(self) -> float:
        """SIGTERM the launcher as make would; return how long it took to exit."""
        started = time.monotonic()
        os.kill(self.pid, signal.SIGTERM)
        try:
            returncode = self.process.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pytest.fail(f"the launcher did not exit within {STOP_TIMEOUT:g} s:\n{self.tail()}")
        took = time.monotonic() - started
        assert returncode == 0, f"exit code {returncode} after SIGTERM:\n{self.tail()}"
        groups = {self.pid, *self.service_groups}
        deadline = time.monotonic() + GONE_TIMEOUT
        while (left := _live(groups, self.pid)) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left, "processes outlived the launcher:\n" + "\n".join(
            f"{pid} (state {state}, pgid {pgid}): {_command_line(pid)}"
            for pid, state, pgid, _sid in left
        )
        return took

    def kill_everything(self) -> None:
        """Leave nothing behind, whatever state the test is in.

        Every process the launcher started stays in its session (the services change their
        process group, not their session), so the groups found in that session are exactly
        ours: SIGKILL each of them, the launcher's own and the services' alike. Only ids seen
        alive in the session are signalled, so a recycled group id is never hit.
        """
        for _round in range(3):
            groups = {
                pgid
                for _pid, state, pgid, sid in _processes()
                if sid == self.pid and state not in ("Z", "X")
            }
            if self.process.poll() is None:  # Not reaped yet, so its id cannot be reused.
                groups.add(self.pid)
            if not groups:
                break
            for pgid in groups:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(pgid, signal.SIGKILL)
            time.sleep(0.2)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=10)
        self._reader.join(timeout=5)
        if self.process.stdout is not None:
            self.process.stdout.close()


@contextlib.contextmanager
def launched(var_dir: Path) -> Iterator[Launch]:
    launch = Launch(var_dir, _free_port())
    try:
        yield launch
    finally:
        launch.kill_everything()


# -- the web server ----------------------------------------------------------------------------


def _opener(*handlers: urllib.request.BaseHandler) -> urllib.request.OpenerDirector:
    """An opener that talks to 127.0.0.1 directly, whatever *_proxy variables say."""
    return urllib.request.build_opener(urllib.request.ProxyHandler({}), *handlers)


def _get_login_page(url: str, timeout: float) -> None:
    """GET /login/ until it answers 200 (the server may still be binding its port)."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        try:
            with _opener().open(url + "login/", timeout=5) as response:
                if response.status == 200:
                    return
                last = response.status
        except (urllib.error.URLError, ConnectionError, TimeoutError) as error:
            last = error
        time.sleep(0.5)
    pytest.fail(f"GET /login/ did not answer 200 within {timeout:g} s (last: {last!r})")


def _log_in(url: str, username: str, password: str) -> tuple[str, str]:
    """Log in as a browser would; return the final URL and page after the redirect."""
    jar = http.cookiejar.CookieJar()
    opener = _opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(url + "login/", timeout=10) as response:
        assert response.status == 200
    token = next((cookie.value for cookie in jar if cookie.name == "csrftoken"), None)
    assert token, "GET /login/ set no csrftoken cookie"
    form = urllib.parse.urlencode(
        {"username": username, "password": password, "csrfmiddlewaretoken": token}
    ).encode()
    with opener.open(url + "login/", data=form, timeout=30) as response:
        assert response.status == 200
        return response.geturl(), response.read().decode("utf-8")


def _counts(database: Path) -> dict[str, int]:
    tables = ("bookings_meeting", "auth_user", "bookings_room", "core_auditentry")
    connection = sqlite3.connect(f"file:{database}?mode=ro", uri=True)
    try:
        return {
            table: connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608
            for table in tables
        }
    finally:
        connection.close()


# -- the test ----------------------------------------------------------------------------------


def test_make_run_starts_the_site_and_celery_stops_on_sigterm_and_restarts_idempotently(
    tmp_path,
):
    var_dir = tmp_path / "var"
    database = var_dir / "db.sqlite3"
    timings: dict[str, float] = {}

    # First start: an empty VAR_DIR, so everything is migrated and the demo is loaded.
    started = time.monotonic()
    with launched(var_dir) as launch:
        launch.wait_ready(START_TIMEOUT)
        _get_login_page(launch.url, timeout=START_TIMEOUT - (time.monotonic() - started))
        timings["first start"] = time.monotonic() - started

        final_url, page = _log_in(launch.url, DEMO_LOGIN, DEMO_PASSWORD)
        assert urllib.parse.urlsplit(final_url).path == "/", f"landed on {final_url}"
        assert 'id="login-form"' not in page, "the login page came back: the login failed"
        assert 'id="current-user"' in page

        celery_started = time.monotonic()
        launch.wait_for(
            lambda out: bool(BEAT_SENT.search(out) and WORKER_SUCCEEDED.search(out)),
            CELERY_TIMEOUT,
            "beat sending core.tasks.send_outbox and the worker running it",
        )
        timings["first outbox sweep"] = time.monotonic() - celery_started
        assert "Connected to filesystem://" in launch.output, "not the embedded broker"

        timings["first stop"] = launch.stop()

    assert (var_dir / "celery" / "data").is_dir()
    loaded = _counts(database)
    assert loaded["bookings_meeting"] > 0, "the demo meetings were not loaded"
    assert loaded["auth_user"] > 0

    # Second start on the same VAR_DIR: the demo is already there and must not be loaded again.
    started = time.monotonic()
    with launched(var_dir) as launch:
        launch.wait_ready(START_TIMEOUT)
        _get_login_page(launch.url, timeout=START_TIMEOUT - (time.monotonic() - started))
        timings["second start"] = time.monotonic() - started
        assert _counts(database) == loaded
        final_url, page = _log_in(launch.url, DEMO_LOGIN, DEMO_PASSWORD)
        assert urllib.parse.urlsplit(final_url).path == "/"
        assert 'id="current-user"' in page
        timings["second stop"] = launch.stop()

    print("launcher timings: " + ", ".join(f"{k} {v:.1f} s" for k, v in timings.items()))
