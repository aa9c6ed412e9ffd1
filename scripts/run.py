"""Launcher behind `make run`: prepare the local site, then run the web server and Celery together.

What it does, in order:

1. Reads ``PORT`` (default 8000) and refuses anything that is not a whole number from 1 to 65535.
2. Creates ``var/`` (or ``$VAR_DIR``) and the filesystem Celery broker's folders in it.
3. Runs ``manage.py migrate --noinput``, ``manage.py load_demo`` and ``manage.py demo_passwords``
   (the last one prints the demo logins). Any failure stops the launch with that command's code.
4. Starts two long-running children, both in ONE new process group of their own:
   ``manage.py runserver 127.0.0.1:PORT --noreload`` and
   ``celery -A conference worker -B ...`` (the worker with its embedded beat scheduler).
5. Waits. On SIGINT (Ctrl-C) or SIGTERM, or as soon as either child exits by itself, it sends
   SIGTERM to the children (then to whatever else is left in their group), waits up to 10 s and
   then SIGKILLs the whole group, so that no Celery pool or beat process outlives the launch.

Exit code: 0 when stopped by a signal; otherwise the failing command's or child's code (a child
killed by signal N gives 128 + N, and a child that exits with 0 on its own still gives 1, because
the services are meant to run until they are told to stop).

Why a separate process group: a terminal's Ctrl-C goes to the whole foreground group, and we want
the launcher alone to decide how the services stop (SIGTERM, then SIGKILL after a grace period),
and to be able to signal Celery's grandchildren with one ``os.killpg``. Each child also gets
PR_SET_PDEATHSIG=SIGTERM on Linux, so it is told to stop even if the launcher is SIGKILLed.

Nothing here ever reads from the terminal: every child gets /dev/null as its standard input.
Standard library only, so that it runs before anything else is known to work.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import FrameType

# The project root: this file lives in <root>/scripts/.
ROOT = Path(__file__).resolve().parent.parent
# Local state (SQLite database, broker files, beat schedule). The settings honour VAR_DIR too, so
# the launcher must create the same folder they will use. Relative paths are taken from ROOT.
VAR = ROOT / (os.environ.get("VAR_DIR", "").strip() or "var")
# Folders of the filesystem broker (kombu's "filesystem://" transport) used without environment.
CELERY_DIRS = (VAR / "celery" / "data", VAR / "celery" / "processed")

HOST = "127.0.0.1"
DEFAULT_PORT = 8000
MAX_PORT = 65535
STOP_GRACE_SECONDS = 10.0  # How long the services get to stop after SIGTERM before SIGKILL.
KILL_WAIT_SECONDS = 5.0  # How long to wait for the children to be reaped after SIGKILL.
POLL_SECONDS = 0.2  # How often the supervision loop looks at the children and the stop flag.

PR_SET_PDEATHSIG = 1  # From <linux/prctl.h>.

# The same interpreter (the project's venv) runs manage.py, and Celery's entry point script is
# installed beside it. Path(...).parent, not .resolve(): the venv's python is a symlink.
PYTHON = sys.executable
CELERY = Path(sys.executable).parent / "celery"
MANAGE = str(ROOT / "manage.py")


def log(message: str) -> None:
    """Print one launcher message, flushed at once so it interleaves sanely with the children."""
    print(f"[run] {message}", flush=True)


class LaunchError(Exception):
    """A problem that stops the launch: the message is shown, the code is the exit code."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def read_port(environ: Mapping[str, str]) -> int:
    """Return the TCP port from ``PORT`` (empty or unset means the default)."""
    raw = environ.get("PORT", "").strip()
    if not raw:
        return DEFAULT_PORT
    # A strict pattern rather than int() alone: int() also takes "+80", "8_000" and non-ASCII
    # digits, none of which anybody means as a port.
    if not re.fullmatch(r"[0-9]+", raw) or not 1 <= int(raw) <= MAX_PORT:
        raise LaunchError(f"PORT must be a whole number from 1 to 65535, got {raw!r}", code=2)
    return int(raw)


def exit_code_of(returncode: int) -> int:
    """Turn a Popen returncode into a shell-style exit code (-N for signal N becomes 128 + N)."""
    return 128 - returncode if returncode < 0 else returncode


def make_preexec() -> Callable[[], None] | None:
    """Build the function run in each child between fork and exec (Linux only, else None).

    It asks the kernel to send the child SIGTERM when the launcher dies (PR_SET_PDEATHSIG), so no
    service outlives a SIGKILLed launcher. Everything it needs is looked up here, in the parent,
    so that the child does as little as possible before exec.
    """
    if not sys.platform.startswith("linux"):
        return None
    prctl = ctypes.CDLL(None, use_errno=True).prctl
    parent_pid = os.getpid()
    sigterm = int(signal.SIGTERM)

    def preexec() -> None:
        # The forked child still has the launcher's Python-level handlers; put the defaults back
        # so that a SIGTERM arriving before exec ends the child instead of being swallowed.
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        prctl(PR_SET_PDEATHSIG, ctypes.c_ulong(sigterm))
        # If the launcher died before prctl took effect, the death signal will never come.
        if os.getppid() != parent_pid:
            os.kill(os.getpid(), sigterm)

    return preexec


def group_has_live_members(pgid: int) -> bool:
    """Tell whether any process that is not a zombie is still in process group ``pgid``.

    A plain ``os.killpg(pgid, 0)`` also counts zombies (say, a Celery pool process orphaned and
    not yet reaped by PID 1), which would make every stop wait for the full grace period. On
    Linux we therefore read /proc; elsewhere we fall back to killpg.
    """
    proc = Path("/proc")
    if not (proc / "self" / "stat").exists():
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # The process went away while we were looking.
            continue
        # Fields after the command name (which may hold spaces or parentheses):
        # state ppid pgrp ...
        fields = stat[stat.rfind(")") + 2 :].split()
        if len(fields) >= 3 and int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


class Launcher:
    """Holds the state shared by the main flow and the signal handler."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.env = dict(os.environ)
        # Let the children's output appear as it is written, not in blocks, when piped.
        self.env.setdefault("PYTHONUNBUFFERED", "1")
        self.preexec = make_preexec()
        self.stop_signal: int | None = None  # The first SIGINT/SIGTERM received, if any.
        self.signal_count = 0  # How many were received in all (a second one hurries the stop).
        self.step: subprocess.Popen[bytes] | None = None  # The preparation command running now.

    # -- signals ---------------------------------------------------------------------------

    def install_signal_handlers(self) -> None:
        signal.signal(signal.SIGINT, self.on_signal)
        signal.signal(signal.SIGTERM, self.on_signal)

    def on_signal(self, signum: int, _frame: FrameType | None) -> None:
        """Record the request to stop; the main flow acts on it (handlers stay tiny)."""
        self.signal_count += 1
        if self.stop_signal is None:
            self.stop_signal = signum
            log(f"got {signal.Signals(signum).name}, stopping")
        # A preparation command shares our process group: a terminal's Ctrl-C reached it already,
        # but a SIGTERM sent to the launcher alone (make does that) did not. Pass it on.
        step = self.step
        if step is not None and step.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                step.send_signal(signal.SIGTERM)

    # -- children --------------------------------------------------------------------------

    def spawn(self, args: Sequence[str], process_group: int = -1) -> subprocess.Popen[bytes]:
        """Start one child in the project root, never reading from the terminal.

        ``process_group`` is -1 to stay in the launcher's group, 0 to lead a new group, or the
        id of an existing group to join.
        """
        try:
            return subprocess.Popen(
                list(args),
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                process_group=None if process_group == -1 else process_group,
                # preexec_fn is unsafe only with threads, and the launcher runs none.
                preexec_fn=self.preexec,
            )
        except FileNotFoundError as error:
            raise LaunchError(f"cannot start {args[0]}: {error} (is the venv complete?)") from None

    def run_step(self, args: Sequence[str]) -> None:
        """Run one preparation command to its end; a failure or a stop request ends the launch."""
        if self.stop_signal is not None:
            return
        label = " ".join(Path(a).name if i < 2 else a for i, a in enumerate(args))
        log(f"running: {label}")
        self.step = self.spawn(args)
        if self.stop_signal is not None:  # A signal came while the child was being started.
            self.step.terminate()
        returncode = self.step.wait()
        self.step = None
        if self.stop_signal is not None:
            return
        if returncode != 0:
            raise LaunchError(
                f"{label} failed with exit code {returncode}", exit_code_of(returncode)
            )

    def stop_services(self, pgid: int, children: Sequence[subprocess.Popen[bytes]]) -> None:
        """Stop the services: SIGTERM, a grace period, then SIGKILL for the whole group.

        SIGTERM goes to the two children first, not to the group: the Celery worker then makes a
        warm shutdown, letting its pool process finish the task at hand and stopping beat itself.
        Signalling the pool process directly would kill a task half-way, and the filesystem broker
        has already deleted that message. Once both children are gone, whatever is still in the
        group (say, a beat process orphaned by a worker that was killed) gets SIGTERM too, and
        anything left when the grace period ends gets SIGKILL.
        """
        for child in children:
            child.send_signal(signal.SIGTERM)  # Does nothing for a child already reaped.
        group_signalled = False
        count_at_start = self.signal_count
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        while time.monotonic() < deadline:
            running = [child for child in children if child.poll() is None]
            if not running:
                if not group_has_live_members(pgid):
                    return
                if not group_signalled:
                    signal_group(pgid, signal.SIGTERM)
                    group_signalled = True
            if self.signal_count > count_at_start:
                log("second signal: not waiting any longer")
                break
            time.sleep(POLL_SECONDS)
        else:
            log(f"services still running after {STOP_GRACE_SECONDS:g} s")
        log("sending SIGKILL to the services")
        signal_group(pgid, signal.SIGKILL)
        for child in children:
            try:
                child.wait(timeout=KILL_WAIT_SECONDS)
            except subprocess.TimeoutExpired:
                log(f"process {child.pid} did not go away even after SIGKILL")

    # -- main flow -------------------------------------------------------------------------

    def run(self) -> int:
        self.install_signal_handlers()

        VAR.mkdir(parents=True, exist_ok=True)
        for folder in CELERY_DIRS:
            folder.mkdir(parents=True, exist_ok=True)

        self.run_step([PYTHON, MANAGE, "migrate", "--noinput"])
        self.run_step([PYTHON, MANAGE, "load_demo"])
        self.run_step([PYTHON, MANAGE, "demo_passwords"])
        if self.stop_signal is not None:
            return 0

        web_args = [PYTHON, MANAGE, "runserver", f"{HOST}:{self.port}", "--noreload"]
        worker_args = [
            str(CELERY),
            "-A",
            "conference",
            "worker",
            "-B",
            "--loglevel",
            "INFO",
            "--concurrency",
            "1",
            "--schedule",
            str(VAR / "celerybeat-schedule"),
        ]
        log("starting the web server and the Celery worker (with beat)")
        # The web server leads a new process group; its pid is the group's id. Popen returns
        # only once the child has exec'd, so the group exists when the worker joins it.
        web = self.spawn(web_args, process_group=0)
        pgid = web.pid
        children = [web]
        names = {web.pid: "web server (runserver)"}
        try:
            worker = self.spawn(worker_args, process_group=pgid)
        except (LaunchError, OSError, subprocess.SubprocessError) as error:
            log(f"cannot start the Celery worker: {error}")
            self.stop_services(pgid, children)
            return 1
        children.append(worker)
        names[worker.pid] = "Celery worker"

        log(f"ready: http://{HOST}:{self.port}/  (demo logins above; Ctrl-C to stop)")

        # Supervise: until a stop is requested or a child ends on its own.
        failed: subprocess.Popen[bytes] | None = None
        try:
            while self.stop_signal is None and failed is None:
                failed = next((child for child in children if child.poll() is not None), None)
                if failed is None:
                    time.sleep(POLL_SECONDS)
        except BaseException:
            # Something unforeseen broke the loop: leave no service behind, then report it.
            signal_group(pgid, signal.SIGKILL)
            raise

        if failed is not None and self.stop_signal is None:
            code = failed.returncode
            log(f"the {names[failed.pid]} exited by itself with code {code}; stopping the rest")
            self.stop_services(pgid, children)
            return exit_code_of(code) or 1

        self.stop_services(pgid, children)
        log("stopped")
        return 0


def signal_group(pgid: int, signum: signal.Signals) -> None:
    """Send ``signum`` to every process of the group; a group already gone is fine."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signum)


def main() -> int:
    try:
        port = read_port(os.environ)
        return Launcher(port).run()
    except LaunchError as error:
        log(f"error: {error}")
        return error.code


if __name__ == "__main__":
    sys.exit(main())
