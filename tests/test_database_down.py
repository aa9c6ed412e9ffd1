"""While the database is unreachable the web tier answers a clear 503 (core/unavailable.py).

The outage is real, not mocked: the default connection is pointed at a closed port
(PostgreSQL) or at a file in a folder that does not exist (SQLite) and closed, so the next
query's connect fails in the driver exactly as it does when the server is down. The fault run
(bench/faults/run.py) does the same with a real PostgreSQL restart under gunicorn.
"""

import socket
from contextlib import contextmanager

import pytest
from django.db import connection
from django.test import Client

from core.unavailable import RETRY_AFTER_SECONDS, DatabaseUnavailableMiddleware


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # nobody listens once the socket is closed


@pytest.fixture
def database_allowed(django_db_blocker):
    """The outage tests never reach a database, so they need no test database set up; they
    only lift pytest-django's block so the driver's connect is what fails."""
    with django_db_blocker.unblock():
        yield


@contextmanager
def database_down(tmp_path):
    saved = dict(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(_closed_port()))
    else:
        connection.settings_dict["NAME"] = str(tmp_path / "missing-folder" / "db.sqlite3")
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)


def _client() -> Client:
    # The test client re-raises any exception a request raised, even one that was answered;
    # here the answer is what is under test.
    client = Client(raise_request_exception=False)
    # A session cookie, so the session middleware's lazy load is what hits the database.
    client.cookies["sessionid"] = "a-session-the-database-would-know"
    return client


def test_a_page_answers_the_chinese_503_page_while_the_database_is_down(tmp_path, database_allowed):
    client = _client()
    with database_down(tmp_path):
        response = client.get("/")
    page = response.content.decode()
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    assert response["Cache-Control"] == "no-store"
    assert '<html lang="zh-CN">' in page
    assert "会务服务台暂时无法使用" in page
    assert "Traceback" not in page
    assert "OperationalError" not in page


# Transactional: the outage closes the connection, which a test wrapped in a transaction keeps.
@pytest.mark.django_db(transaction=True)
def test_the_next_request_after_the_database_returns_is_served_normally(tmp_path):
    client = _client()
    with database_down(tmp_path):
        assert client.get("/").status_code == 503
    response = client.get("/")
    # Logged out (the session is unknown): the home page sends the visitor to the login page.
    assert response.status_code == 302
    assert response["Location"].startswith("/login/")


def test_the_api_answers_its_error_shape_with_code_unavailable(tmp_path, database_allowed):
    client = _client()
    with database_down(tmp_path):
        response = client.get("/api/rooms/", HTTP_AUTHORIZATION="Token 0123456789abcdef")
    assert response.status_code == 503
    assert response["Content-Type"] == "application/json"
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
    error = response.json()["error"]
    assert error["code"] == "unavailable"
    assert error["message"] == "服务暂时无法使用，请一分钟后再试。"
    assert error["fields"] == {}


def test_an_api_client_that_asks_for_english_gets_english(tmp_path, database_allowed):
    client = _client()
    with database_down(tmp_path):
        response = client.get(
            "/api/rooms/", HTTP_AUTHORIZATION="Token 0123456789abcdef", HTTP_ACCEPT_LANGUAGE="en"
        )
    assert response.status_code == 503
    assert response.json()["error"]["message"].startswith("The service is briefly unavailable.")


def test_an_error_that_is_not_an_outage_stays_a_500(rf):
    from django.core.handlers.exception import convert_exception_to_response
    from django.db import IntegrityError

    def broken_view(request):
        raise IntegrityError("a bug, not an outage")

    middleware = DatabaseUnavailableMiddleware(convert_exception_to_response(broken_view))
    assert middleware(rf.get("/somewhere/")).status_code == 500


def test_the_health_check_fails_with_503_so_the_balancer_takes_the_node_out(
    tmp_path, database_allowed
):
    client = Client(raise_request_exception=False)
    with database_down(tmp_path):
        response = client.get("/healthz/")
    assert response.status_code == 503
    assert response["Retry-After"] == str(RETRY_AFTER_SECONDS)
