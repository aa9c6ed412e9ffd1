# ruff: noqa: S603, S607 - a launcher: fixed local commands, from PATH like the guide's.
"""The deployment of docs/deploy.md, brought up as separate processes on this machine.

Two gunicorn web nodes, nginx in front of them terminating TLS (a throw-away self-signed
certificate), one Celery worker, one beat, PostgreSQL and Redis: the same commands and the same
nginx site the guide gives, with this machine's ports and folders. The nginx site is read out of
docs/deploy.md itself, so the guide cannot drift from what the load run tested.

Everything this module starts is recorded in `Stack` and stopped by `Stack.stop()`; the database
and the two Redis databases it names are its own (never Redis db 0, which `make run` and other
benchmarks use).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent.parent
BIN = Path(sys.executable).parent  # the venv's bin/ (not resolved: python is a symlink)
GUIDE = ROOT / "docs" / "deploy.md"
PG_SERVER = "postgres://postgres@127.0.0.1:5432/"
PG_CLIENT = ("-h", "127.0.0.1", "-U", "postgres")  # the client tools' way of saying PG_SERVER


@dataclass
class Layout:
    """Names and ports of one load run's deployment (all of them its own)."""

    database: str = "conference_load"
    broker_db: int = 11
    cache_db: int = 12
    web_ports: tuple[int, ...] = (28101, 28102)
    https_port: int = 28443
    http_port: int = 28080
    workers_per_node: int = 3
    password: str = field(default_factory=lambda: secrets.token_urlsafe(12))
    secret_key: str = field(default_factory=lambda: secrets.token_urlsafe(50))

    @property
    def origin(self) -> str:
        return f"https://127.0.0.1:{self.https_port}"


def log(message: str) -> None:
    print(f"[load] {message}", flush=True)


class Stack:
    """The running deployment: its folder, its environment and its processes."""

    def __init__(self, layout: Layout, workdir: Path) -> None:
        self.layout = layout
        self.dir = workdir
        self.processes: dict[str, subprocess.Popen] = {}
        self.commands: list[str] = []  # what ran, in order, for the report
        self.created_database = False
        for sub in ("var", "media", "static", "logs", "nginx"):
            (self.dir / sub).mkdir(parents=True, exist_ok=True)
        # nginx's workers run as nobody: they must reach the collected static files.
        self.dir.chmod(0o755)
        (self.dir / "static").chmod(0o755)
        self.cert = self.dir / "nginx" / "cert.pem"
        self.key = self.dir / "nginx" / "key.pem"

    # --- environment ----------------------------------------------------------------------

    def production_env(self) -> dict[str, str]:
        """The environment of every production process (docs/deploy.md, "Environment")."""
        layout = self.layout
        env = {key: value for key, value in os.environ.items() if key in ("PATH", "HOME", "LANG")}
        env.update(
            DJANGO_SETTINGS_MODULE="conference.settings",
            DEBUG="False",
            SECRET_KEY=layout.secret_key,
            ALLOWED_HOSTS="127.0.0.1",
            CSRF_TRUSTED_ORIGINS=layout.origin,
            SITE_URL=layout.origin,
            DATABASE_URL=PG_SERVER + layout.database,
            CELERY_BROKER_URL=f"redis://127.0.0.1:6379/{layout.broker_db}",
            CACHE_URL=f"redis://127.0.0.1:6379/{layout.cache_db}",
            TRUSTED_PROXY_COUNT="1",
            SECURE_PROXY_SSL_HEADER="X-Forwarded-Proto=https",
            VAR_DIR=str(self.dir / "var"),
            MEDIA_ROOT=str(self.dir / "media"),
            STATIC_ROOT=str(self.dir / "static"),
            # No mail server here: the outbox sweeper writes its mail into files instead.
            EMAIL_BACKEND="django.core.mail.backends.filebased.EmailBackend",
            LOG_LEVEL="WARNING",
        )
        return env

    def demo_env(self) -> dict[str, str]:
        """The demo data refuses DEBUG off: it is loaded with DEBUG on, once, before the
        production processes start (a real site creates its logins instead)."""
        env = self.production_env()
        env.update(DEBUG="True", DEMO_PASSWORD=self.layout.password)
        return env

    # --- one-off commands -----------------------------------------------------------------

    def run(self, label: str, args: list[str], env: dict[str, str], timeout: float = 600) -> str:
        shown = " ".join(str(arg) for arg in args).replace(str(BIN) + "/", "")
        self.commands.append(shown)
        log(f"{label}: {shown}")
        result = subprocess.run(
            [str(arg) for arg in args],
            cwd=ROOT,
            env=_with_path(env),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
        (self.dir / "logs" / f"{label}.log").write_text(result.stdout + result.stderr)
        if result.returncode != 0:
            raise RuntimeError(
                f"{label} failed ({result.returncode}):\n{result.stdout[-2000:]}"
                f"{result.stderr[-3000:]}"
            )
        return result.stdout

    def manage(self, label: str, *args: str, env: dict[str, str] | None = None) -> str:
        return self.run(label, [BIN / "python", "manage.py", *args], env or self.production_env())

    def try_manage(self, label: str, *args: str, env: dict[str, str] | None = None):
        """(True, output) or (False, output): for a command whose refusal is a finding."""
        try:
            return True, self.manage(label, *args, env=env)
        except RuntimeError as error:
            return False, str(error)

    # --- backup, restore, upgrade (docs/deploy.md) ----------------------------------------

    def backup(self) -> None:
        backup = self.dir / "backup"
        backup.mkdir(exist_ok=True)
        self.run(
            "pg_dump",
            ["pg_dump", *PG_CLIENT, "-Fc", "-f", backup / "desk.dump",
             self.layout.database],
            {},
        )  # fmt: skip
        archive = backup / "media.tar.gz"
        self.run("tar-media", ["tar", "-C", self.dir / "media", "-czf", archive, "."], {})

    def restore(self, name: str) -> dict[str, str]:
        """The backup into database `name` and a fresh media folder; their environment."""
        backup = self.dir / "backup"
        media = self.dir / "media-restored"
        media.mkdir(exist_ok=True)
        self.run("createdb-restore", ["createdb", *PG_CLIENT, name], {})
        self.run(
            "pg_restore",
            ["pg_restore", *PG_CLIENT, "--no-owner", "-d", name,
             backup / "desk.dump"],
            {},
        )  # fmt: skip
        self.run("untar-media", ["tar", "-C", media, "-xzf", backup / "media.tar.gz"], {})
        env = self.production_env()
        env.update(DATABASE_URL=PG_SERVER + name, MEDIA_ROOT=str(media))
        return env

    def stop_one(self, name: str) -> None:
        """SIGTERM (Celery: a warm shutdown, the task in hand finishes), then SIGKILL."""
        process = self.processes.pop(name)
        self.commands.append(f"kill -TERM {name}")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def reload_web_nodes(self) -> None:
        """gunicorn's graceful reload: new workers with the new code, old ones finish."""
        for number in range(1, len(self.layout.web_ports) + 1):
            pid = (self.dir / "var" / f"web{number}.pid").read_text().strip()
            self.run(f"reload-web{number}", ["kill", "-HUP", pid], {})
        time.sleep(3)  # the new workers boot; wait_until_up() then asks them

    # --- the database and Redis -----------------------------------------------------------

    def create_database(self) -> None:
        name = self.layout.database
        self.run("dropdb", ["dropdb", *PG_CLIENT, "--if-exists", "--force", name], {})
        self.run("createdb", ["createdb", *PG_CLIENT, name], {})
        self.created_database = True

    def flush_redis(self) -> None:
        for db in (self.layout.broker_db, self.layout.cache_db):
            if db == 0:
                raise RuntimeError("Redis db 0 belongs to make run, not to the load run")
            subprocess.run(
                ["redis-cli", "-n", str(db), "FLUSHDB"], capture_output=True, timeout=30, check=True
            )

    # --- long-running services ------------------------------------------------------------

    def start(self, name: str, args: list[str], env: dict[str, str]) -> None:
        shown = " ".join(str(arg) for arg in args).replace(str(BIN) + "/", "")
        self.commands.append(shown)
        log(f"start {name}: {shown}")
        out = (self.dir / "logs" / f"{name}.log").open("w")
        # A session of its own: stop() signals the whole group (gunicorn's and Celery's
        # children included) without touching anything else on the machine.
        self.processes[name] = subprocess.Popen(
            [str(arg) for arg in args],
            cwd=ROOT,
            env=_with_path(env),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start_web_nodes(self) -> None:
        for number, port in enumerate(self.layout.web_ports, start=1):
            self.start(
                f"web{number}",
                [
                    BIN / "gunicorn",
                    "conference.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{port}",
                    "--workers",
                    str(self.layout.workers_per_node),
                    "--timeout",
                    "60",
                    "--forwarded-allow-ips",
                    "127.0.0.1",
                    "--pid",
                    self.dir / "var" / f"web{number}.pid",
                    "--access-logfile",
                    "-",
                ],
                self.production_env(),
            )

    def start_celery(self) -> None:
        env = self.production_env()
        self.start(
            "worker",
            [BIN / "celery", "-A", "conference", "worker", "--loglevel", "INFO",
             "--concurrency", "2", "--hostname", "worker1@%h"],
            env,
        )  # fmt: skip
        self.start(
            "beat",
            [BIN / "celery", "-A", "conference", "beat", "--loglevel", "INFO",
             "--schedule", self.dir / "var" / "celerybeat-schedule"],
            env,
        )  # fmt: skip

    def start_proxy(self) -> None:
        nginx = ensure_nginx()
        self.run(
            "certificate",
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
             "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
             "-keyout", self.key, "-out", self.cert],
            {"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
        )  # fmt: skip
        conf = self.dir / "nginx" / "nginx.conf"
        conf.write_text(self.nginx_conf())
        self.run("nginx-test", [nginx, "-t", "-c", conf, "-p", self.dir / "nginx"], {})
        self.start("nginx", [nginx, "-c", conf, "-p", self.dir / "nginx", "-g", "daemon off;"], {})

    def nginx_conf(self) -> str:
        """The guide's site with this run's ports and folders, in a minimal main config."""
        site = site_from_guide()
        layout = self.layout
        replacements = {
            "server 10.0.0.11:8000;": f"server 127.0.0.1:{layout.web_ports[0]};",
            "server 10.0.0.12:8000;": f"server 127.0.0.1:{layout.web_ports[1]};",
            "listen 80;": f"listen 127.0.0.1:{layout.http_port};",
            "listen 443 ssl;": f"listen 127.0.0.1:{layout.https_port} ssl;",
            "server_name desk.example.gov.cn;": "server_name 127.0.0.1;",
            "/etc/ssl/desk/fullchain.pem": str(self.cert),
            "/etc/ssl/desk/privkey.pem": str(self.key),
            "/srv/desk/staticfiles/": f"{self.dir / 'static'}/",
        }
        for example, local in replacements.items():
            if example not in site:
                raise RuntimeError(f"docs/deploy.md's nginx site no longer has {example!r}")
            site = site.replace(example, local)
        logs = self.dir / "logs"
        return (
            f"worker_processes 1;\npid {self.dir / 'nginx' / 'nginx.pid'};\n"
            f"error_log {logs / 'nginx-error.log'} warn;\nevents {{ worker_connections 1024; }}\n"
            f"http {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n"
            f"  access_log {logs / 'nginx-access.log'};\n  sendfile on;\n"
            + "".join(
                f"  {kind}_temp_path {self.dir / 'nginx' / kind};\n"
                for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
            )
            + site
            + "\n}\n"
        )

    def wait_until_up(self, timeout: float = 90) -> None:
        """Until every web node and the proxy answer the health check (docs/deploy.md)."""
        context = ssl.create_default_context(cafile=str(self.cert))
        urls = [f"http://127.0.0.1:{port}/healthz/" for port in self.layout.web_ports]
        urls.append(f"{self.layout.origin}/healthz/")
        deadline = time.monotonic() + timeout
        for url in urls:
            while True:
                self._check_alive()
                try:
                    # The nodes are polled over plain HTTP, as a load balancer polls them.
                    request = urllib.request.Request(url)  # noqa: S310 - our own http(s) URLs
                    with urllib.request.urlopen(  # noqa: S310
                        request, timeout=5, context=context
                    ) as response:
                        if response.status == 200:
                            break
                except (urllib.error.URLError, OSError):
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")
                time.sleep(0.5)
        log("web nodes and proxy answer")

    def check_backends(self, timeout: float = 90) -> None:
        """The guide's other health checks: the database from Django, the workers from Celery."""
        self.manage("check-database", "check", "--database", "default")
        deadline = time.monotonic() + timeout
        while True:
            try:
                self.run("celery-ping", [BIN / "celery", "-A", "conference", "inspect", "ping",
                                         "--timeout", "5"], self.production_env())  # fmt: skip
                return
            except RuntimeError:
                if time.monotonic() > deadline:
                    raise
                self._check_alive()
                time.sleep(2)

    def _check_alive(self) -> None:
        for name, process in self.processes.items():
            if process.poll() is not None:
                tail = (self.dir / "logs" / f"{name}.log").read_text()[-2000:]
                raise RuntimeError(f"{name} exited with {process.returncode}:\n{tail}")

    def check_alive(self) -> None:
        self._check_alive()

    # --- teardown -------------------------------------------------------------------------

    def stop(self) -> None:
        """Stop every process group started here, then drop the database and the Redis dbs."""
        for process in self.processes.values():
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 15
        for process in self.processes.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=max(0.1, deadline - time.monotonic()))
        for process in self.processes.values():
            # Whatever is left of the group (a Celery pool child, a gunicorn worker).
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=5)
        if self.created_database:
            try:
                subprocess.run(
                    ["dropdb", *PG_CLIENT, "--if-exists", "--force", self.layout.database],
                    capture_output=True,
                    timeout=120,
                )
            except subprocess.TimeoutExpired:
                # The server finishes the drop by itself once whatever blocks it lets go.
                log(f"DROP DATABASE {self.layout.database} still waits on the server")
        with contextlib.suppress(subprocess.SubprocessError, OSError):
            self.flush_redis()
        log("stopped every process, dropped the database and flushed the Redis dbs")


def _with_path(env: dict[str, str]) -> dict[str, str]:
    return {"PATH": os.environ.get("PATH", os.defpath), **env}


def site_from_guide() -> str:
    """The ```nginx block of docs/deploy.md (there is exactly one)."""
    text = GUIDE.read_text()
    blocks = text.split("```nginx\n")
    if len(blocks) != 2:
        raise RuntimeError("docs/deploy.md must hold exactly one ```nginx block")
    return blocks[1].split("```", 1)[0]


def ensure_nginx() -> str:
    """nginx from Debian; installed with apt-get when missing (allowed on the bench machine)."""
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else "")
    if found:
        return found
    log("nginx is missing: apt-get install nginx")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "install", "-y", "--no-install-recommends", "nginx"], env=env,
                   check=True, timeout=600, stdin=subprocess.DEVNULL)  # fmt: skip
    found = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(found).exists():
        raise RuntimeError("nginx could not be installed (apt-get install nginx)")
    return found


def port_is_free(port: int) -> bool:
    with socket.socket() as probe:
        # As the servers bind: connections of an earlier run left in TIME-WAIT do not count.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True
