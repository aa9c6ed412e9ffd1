"""A mail that has left is recorded as sent even when the database drops right after the send.

Found by the fault run (bench/faults/): PostgreSQL went down between the outbox sweeper's send
and its update, the row stayed "claimed, not sent", and would have been sent a second time once
the claim went stale. The outage here is real: the connection is pointed at a closed port
(PostgreSQL) or a missing folder (SQLite) by the mail backend itself, right after it delivered.
"""

import socket
from datetime import timedelta

import pytest
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend
from django.db import connection

from core import notifications
from core.models import OutboxEmail

pytestmark = pytest.mark.django_db(transaction=True)

_saved: dict = {}


def _break_database() -> None:
    _saved.update(connection.settings_dict)
    connection.close()
    if connection.vendor == "postgresql":
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        connection.settings_dict.update(HOST="127.0.0.1", PORT=str(port))
    else:
        connection.settings_dict["NAME"] = "/nonexistent-folder/db.sqlite3"


def _restore_database() -> None:
    connection.close()
    connection.settings_dict.clear()
    connection.settings_dict.update(_saved)


class DatabaseDropsAfterSendBackend(EmailBackend):
    def send_messages(self, messages):
        sent = super().send_messages(messages)
        _break_database()
        return sent


@pytest.fixture
def outage_after_send(settings, monkeypatch):
    settings.EMAIL_BACKEND = "tests.test_outbox_outage.DatabaseDropsAfterSendBackend"
    pauses = []

    def database_comes_back(seconds):
        pauses.append(seconds)
        _restore_database()

    monkeypatch.setattr(notifications, "_pause", database_comes_back)
    yield pauses
    if _saved and connection.settings_dict != _saved:
        _restore_database()  # a failed test must not leave the connection broken


def test_a_sent_mail_is_marked_sent_once_the_database_is_back(django_user_model, outage_after_send):
    user = django_user_model.objects.create_user("reader", email="reader@example.com")
    notifications.notify([user], kind="check_due", title="一级检查到时", dedupe_key="outage:1")

    assert notifications.send_outbox() == 1

    assert outage_after_send, "the update after the send never met the outage"
    row = OutboxEmail.objects.get()
    assert row.sent_at is not None
    assert row.attempts == 1
    assert len(mail.outbox) == 1


def test_the_mail_is_not_sent_again_after_its_claim_would_have_gone_stale(
    django_user_model, outage_after_send
):
    user = django_user_model.objects.create_user("reader", email="reader@example.com")
    notifications.notify([user], kind="check_due", title="一级检查到时", dedupe_key="outage:2")
    notifications.send_outbox()

    later = OutboxEmail.objects.get().claimed_at + notifications.STALE_CLAIM + timedelta(minutes=1)
    assert notifications.send_outbox(now=later) == 0
    assert len(mail.outbox) == 1
