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


# --- The client's address behind the reverse proxy (TRUSTED_PROXY_COUNT) ---------------------


def _log_in_from(client, username, password, *, proxy="10.0.0.2", forwarded=None):
    """A log-in as it reaches gunicorn: from the proxy's address, with the header it passes on."""
    extra = {"REMOTE_ADDR": proxy}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post("/login/", {"username": username, "password": password}, **extra)


def test_without_trusted_proxies_a_forged_forwarded_header_does_not_escape_the_lockout(
    client, clerk, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    for attempt in range(5):
        _log_in_from(client, "clerk", "wrong", forwarded=f"203.0.113.{attempt}")
    response = _log_in_from(client, "clerk", PASSWORD, forwarded="198.51.100.77")
    assert response.status_code == 429


def test_without_trusted_proxies_the_lockout_is_recorded_against_the_connecting_address(
    client, clerk, settings
):
    settings.TRUSTED_PROXY_COUNT = 0
    for _attempt in range(5):
        _log_in_from(client, "clerk", "wrong", proxy="192.0.2.9", forwarded="203.0.113.5")
    note = AuditEntry.objects.for_object(clerk).get(action="locked_out").note
    assert "192.0.2.9" in note
    assert "203.0.113.5" not in note


def test_behind_one_proxy_an_attacker_does_not_lock_the_username_for_other_clients(
    client, clerk, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for _attempt in range(5):
        _log_in_from(client, "clerk", "wrong", forwarded="203.0.113.66")
    assert _log_in_from(client, "clerk", PASSWORD, forwarded="203.0.113.66").status_code == 429
    # The real clerk, at another address, passes the same proxy and still gets in.
    assert _log_in_from(client, "clerk", PASSWORD, forwarded="198.51.100.7").status_code == 302


def test_behind_one_proxy_only_the_entry_the_proxy_appended_counts(client, clerk, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The attacker writes a fresh address of their own into the header on every attempt; the
    # proxy appends the address it really saw, and that is the one counted.
    for attempt in range(5):
        _log_in_from(client, "clerk", "wrong", forwarded=f"10.9.9.{attempt}, 203.0.113.66")
    response = _log_in_from(client, "clerk", PASSWORD, forwarded="10.1.1.1, 203.0.113.66")
    assert response.status_code == 429
    note = AuditEntry.objects.for_object(clerk).get(action="locked_out").note
    assert "203.0.113.66" in note


def test_behind_one_proxy_junk_in_the_header_falls_back_to_the_connecting_address(
    client, clerk, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    for attempt in range(5):
        _log_in_from(client, "clerk", "wrong", forwarded=f"not-an-address-{attempt}")
    response = _log_in_from(client, "clerk", PASSWORD, forwarded="still-junk")
    assert response.status_code == 429
