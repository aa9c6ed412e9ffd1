"""Production settings pass Django's deployment checklist and refuse to start half-configured."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SETTINGS_PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'proxy': s.SECURE_PROXY_SSL_HEADER, 'hsts': s.SECURE_HSTS_SECONDS, "
    "'subdomains': s.SECURE_HSTS_INCLUDE_SUBDOMAINS, 'cookies': s.SESSION_COOKIE_SECURE, "
    "'csrf': s.CSRF_TRUSTED_ORIGINS}))"
)


def _production(tmp_path, **overrides) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="conference.settings",
        DEBUG="False",
        SECRET_KEY=secrets.token_urlsafe(64),
        ALLOWED_HOSTS="desk.example.gov.cn",
        CSRF_TRUSTED_ORIGINS="https://desk.example.gov.cn",
        SITE_URL="https://desk.example.gov.cn",
        VAR_DIR=str(tmp_path),
    )
    env.update(overrides)
    return {key: value for key, value in env.items() if value is not None}


def _run(args: list[str], env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_the_deployment_checklist_reports_nothing_with_production_settings(tmp_path):
    result = _run(
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], _production(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_production_without_a_secret_key_refuses_to_start_naming_it(tmp_path):
    result = _run(["manage.py", "check"], _production(tmp_path, SECRET_KEY=None))
    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY must be set when DEBUG is off." in result.stderr


def test_production_settings_trust_the_proxy_header_and_the_origin_from_the_environment(tmp_path):
    import json

    result = _run(["-c", SETTINGS_PROBE], _production(tmp_path))
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["proxy"] == ["HTTP_X_FORWARDED_PROTO", "https"]
    assert loaded["hsts"] == 31536000
    assert loaded["subdomains"] is True
    assert loaded["cookies"] is True
    assert loaded["csrf"] == ["https://desk.example.gov.cn"]


def test_an_empty_proxy_header_trusts_no_header_and_junk_is_refused(tmp_path):
    import json

    direct = _run(["-c", SETTINGS_PROBE], _production(tmp_path, SECURE_PROXY_SSL_HEADER=""))
    assert direct.returncode == 0, direct.stderr
    assert json.loads(direct.stdout)["proxy"] is None
    junk = _run(["-c", SETTINGS_PROBE], _production(tmp_path, SECURE_PROXY_SSL_HEADER="X-Proto"))
    assert junk.returncode != 0
    assert "SECURE_PROXY_SSL_HEADER" in junk.stderr


PROXY_PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'proxies': s.TRUSTED_PROXY_COUNT, "
    "'api': s.REST_FRAMEWORK['NUM_PROXIES'], 'axes': s.AXES_CLIENT_IP_CALLABLE}))"
)


def test_the_trusted_proxy_count_defaults_to_none_and_feeds_the_lockout_and_the_rate_limits(
    tmp_path,
):
    import json

    direct = _run(["-c", PROXY_PROBE], _production(tmp_path))
    assert direct.returncode == 0, direct.stderr
    assert json.loads(direct.stdout) == {
        "proxies": 0,
        "api": 0,
        "axes": "core.client_ip.client_ip",
    }
    behind_nginx = _run(["-c", PROXY_PROBE], _production(tmp_path, TRUSTED_PROXY_COUNT="1"))
    assert behind_nginx.returncode == 0, behind_nginx.stderr
    assert json.loads(behind_nginx.stdout)["api"] == 1
    negative = _run(["-c", PROXY_PROBE], _production(tmp_path, TRUSTED_PROXY_COUNT="-1"))
    assert negative.returncode != 0
    assert "TRUSTED_PROXY_COUNT" in negative.stderr
