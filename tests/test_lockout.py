"""Brute-force lockout: five wrong passwords for one username from one address lock that pair
out of the login page and the token endpoint for 15 minutes, and the lockout is audited."""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.utils.translation import gettext as _

from core.models import AuditEntry

from .conftest import NOW

PASSWORD = "pw-for-tests-only"  # the fixture users' password


@pytest.fixture(autouse=True)
def _lockout_on(settings, db):
    settings.AXES_ENABLED = True
    # The token endpoint's rate limit counts in the cache; start every test from zero.
    cache.clear()
    with time_machine.travel(NOW, tick=True):
        yield
    cache.clear()


def _log_in(client, username, password):
    return client.post("/login/", {"username": username, "password": password})


def _token(client, username, password):
    return client.post(
        "/api/auth/token/",
        {"username": username, "password": password},
        content_type="application/json",
    )


def _locked_message() -> str:
    return _("Too many failed log-in attempts. Try again in %(minutes)s minutes.") % {"minutes": 15}


def test_five_wrong_passwords_lock_the_login_even_for_the_right_password(client, clerk):
    for _attempt in range(4):
        assert _log_in(client, "clerk", "wrong").status_code == 200
    fifth = _log_in(client, "clerk", "wrong")
    assert fifth.status_code == 429
    sixth = _log_in(client, "clerk", PASSWORD)
    assert sixth.status_code == 429
    assert sixth["Retry-After"] == "900"
    body = sixth.content.decode()
    assert 'id="lockout"' in body
    assert _locked_message() in body
    assert "_auth_user_id" not in client.session


def test_another_username_from_the_same_address_is_not_locked(client, clerk, make_user):
    make_user("other")
    for _attempt in range(5):
        _log_in(client, "clerk", "wrong")
    response = _log_in(client, "other", PASSWORD)
    assert response.status_code == 302


def test_the_lockout_ends_after_fifteen_minutes(client, clerk):
    for _attempt in range(5):
        _log_in(client, "clerk", "wrong")
    with time_machine.travel(NOW + dt.timedelta(minutes=14), tick=False):
        assert _log_in(client, "clerk", PASSWORD).status_code == 429
    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        assert _log_in(client, "clerk", PASSWORD).status_code == 302


def test_a_successful_log_in_resets_the_count(client, clerk):
    for _attempt in range(4):
        _log_in(client, "clerk", "wrong")
    assert _log_in(client, "clerk", PASSWORD).status_code == 302
    client.logout()
    for _attempt in range(4):
        assert _log_in(client, "clerk", "wrong").status_code == 200


def test_the_token_endpoint_locks_out_in_the_error_shape(client, clerk):
    for _attempt in range(4):
        response = _token(client, "clerk", "wrong")
        assert response.status_code == 400
        assert response.json()["error"]["code"] == "invalid_credentials"
    _token(client, "clerk", "wrong")
    response = _token(client, "clerk", PASSWORD)
    assert response.status_code == 429
    assert response["Retry-After"] == "900"
    assert response.json() == {
        "error": {"code": "locked_out", "message": _locked_message(), "fields": {}}
    }
    assert "token" not in response.json()


def test_the_token_endpoint_and_the_login_page_share_one_count(client, clerk):
    for _attempt in range(3):
        _token(client, "clerk", "wrong")
    _log_in(client, "clerk", "wrong")
    _log_in(client, "clerk", "wrong")
    assert _token(client, "clerk", PASSWORD).status_code == 429


def test_the_token_endpoint_works_again_after_the_cool_off(client, clerk):
    for _attempt in range(5):
        _token(client, "clerk", "wrong")
    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        response = _token(client, "clerk", PASSWORD)
    assert response.status_code == 200
    assert response.json()["token"]


def test_a_lockout_leaves_one_audit_row_against_the_account(client, clerk):
    for _attempt in range(7):
        _log_in(client, "clerk", "wrong")
    rows = AuditEntry.objects.for_object(clerk).filter(action="locked_out")
    assert rows.count() == 1
    row = rows.get()
    assert row.actor is None
    assert "127.0.0.1" in row.note
    assert row.to_state == "locked_out"


def test_a_lockout_of_an_unknown_username_is_logged_not_audited(client, caplog):
    for _attempt in range(5):
        _log_in(client, "nobody", "wrong")
    assert _log_in(client, "nobody", "wrong").status_code == 429
    assert not AuditEntry.objects.filter(action="locked_out").exists()
    assert "Lockout of unknown username 'nobody'" in caplog.text
