"""Settings come from the environment: an embedded default with none, production with DEBUG off."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROBE = (
    "import json, django; django.setup(); from django.conf import settings as s; "
    "print(json.dumps({'debug': s.DEBUG, 'engine': s.DATABASES['default']['ENGINE'], "
    "'name': str(s.DATABASES['default']['NAME']), 'broker': s.CELERY_BROKER_URL, "
    "'language': s.LANGUAGE_CODE, 'tz': s.TIME_ZONE}))"
)


def _settings_with(env: dict) -> subprocess.CompletedProcess:
    clean = {
        key: value
        for key, value in os.environ.items()
        if key in ("PATH", "HOME", "LANG", "SYSTEMROOT")
    }
    clean["DJANGO_SETTINGS_MODULE"] = "conference.settings"
    clean.update(env)
    return subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=clean, capture_output=True, text=True
    )


def test_with_no_environment_the_embedded_default_uses_var_sqlite_and_the_filesystem_broker():
    result = _settings_with({})
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["debug"] is True
    assert loaded["engine"] == "django.db.backends.sqlite3"
    assert loaded["name"] == str(ROOT / "var" / "db.sqlite3")
    assert loaded["broker"] == "filesystem://"
    assert loaded["language"] == "zh-hans"
    assert loaded["tz"] == "Asia/Shanghai"


def test_production_loads_without_database_url_or_broker_url():
    result = _settings_with(
        {"DEBUG": "False", "SECRET_KEY": "x" * 50, "ALLOWED_HOSTS": "desk.example.gov.cn"}
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["debug"] is False


def test_production_without_a_secret_key_refuses_to_start():
    result = _settings_with({"DEBUG": "False", "ALLOWED_HOSTS": "desk.example.gov.cn"})
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_production_without_allowed_hosts_refuses_to_start():
    result = _settings_with({"DEBUG": "False", "SECRET_KEY": "x" * 50})
    assert result.returncode != 0
    assert "ALLOWED_HOSTS" in result.stderr


def test_junk_in_a_boolean_setting_is_refused_with_its_name():
    result = _settings_with({"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_database_and_broker_urls_are_read_from_the_environment():
    result = _settings_with(
        {
            "DATABASE_URL": "postgres://u:p@db.internal:5432/desk",
            "CELERY_BROKER_URL": "redis://cache.internal:6379/0",
        }
    )
    assert result.returncode == 0, result.stderr
    loaded = json.loads(result.stdout)
    assert loaded["engine"] == "django.db.backends.postgresql"
    assert loaded["name"] == "desk"
    assert loaded["broker"] == "redis://cache.internal:6379/0"


def test_the_env_example_lists_every_variable_the_settings_read():
    source = (ROOT / "conference" / "settings.py").read_text()
    example = (ROOT / ".env.example").read_text()
    import re

    read = set(re.findall(r'env_(?:str|bool|int|float|list)\(\s*"([A-Z_]+)"', source))
    listed = set(re.findall(r"^([A-Z_]+)=", example, flags=re.M))
    assert read - listed == set()
