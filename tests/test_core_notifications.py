"""Notifications under the bell and e-mail through the outbox: each sent once (invariant 4)."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

from core import notifications
from core.models import Notification, OutboxEmail
from core.notifications import mark_read, notify, send_outbox, unread_count
from tests.conftest import NOW


class RefusingToBrokenAddresses(LocmemBackend):
    """A mail server that refuses one address and accepts the rest (into mail.outbox)."""

    def send_messages(self, messages):
        for message in messages:
            if any(to.startswith("broken@") for to in message.to):
                raise ConnectionRefusedError("550 mailbox unavailable")
        return super().send_messages(messages)


FAILING_BACKEND = f"{__name__}.RefusingToBrokenAddresses"


@pytest.fixture
def alice(make_user):
    return make_user("alice", email="alice@example.org")


@pytest.fixture
def bob(make_user):
    return make_user("bob")  # no e-mail address


def test_notify_writes_one_row_per_recipient_and_mails_those_with_an_address(alice, bob):
    created = notify(
        [alice, bob, alice, None], kind="check_due", title="一级检查到期", url="/m/1/", now=NOW
    )

    assert sorted(n.recipient.username for n in created) == ["alice", "bob"]
    assert Notification.objects.count() == 2
    [mail] = OutboxEmail.objects.all()
    assert (mail.to, mail.subject, mail.created_at) == ("alice@example.org", "一级检查到期", NOW)
    assert mail.body.endswith("/m/1/")
    assert mail.sent_at is None


def test_notify_without_email_writes_no_outbox_row(alice):
    notify([alice], kind="info", title="仅站内提醒", email=False, now=NOW)

    assert Notification.objects.filter(recipient=alice).count() == 1
    assert not OutboxEmail.objects.exists()


def test_a_dedupe_key_makes_a_notification_happen_once(alice, bob):
    first = notify([alice], kind="check_due", title="到期", dedupe_key="check:7:due", now=NOW)
    again = notify([alice, bob], kind="check_due", title="到期", dedupe_key="check:7:due", now=NOW)

    assert len(first) == 1
    assert [n.recipient for n in again] == [bob]
    assert Notification.objects.filter(recipient=alice).count() == 1
    assert OutboxEmail.objects.filter(to="alice@example.org").count() == 1


def test_send_outbox_sends_each_mail_exactly_once(alice, mailoutbox):
    notify([alice], kind="info", title="明日会议安排", body="请查收。", now=NOW)

    first = send_outbox(now=NOW)
    second = send_outbox(now=NOW + dt.timedelta(minutes=1))

    assert (first, second) == (1, 0)
    [message] = mailoutbox
    assert (message.to, message.subject) == (["alice@example.org"], "明日会议安排")
    assert message.body.startswith("请查收。")
    mail = OutboxEmail.objects.get()
    assert mail.sent_at is not None
    assert mail.attempts == 1


def test_a_mail_claimed_by_a_live_worker_is_left_to_it(alice, mailoutbox):
    notify([alice], kind="info", title="已被认领", now=NOW)
    OutboxEmail.objects.update(claimed_at=NOW)

    assert send_outbox(now=NOW + dt.timedelta(minutes=1)) == 0
    assert mailoutbox == []
    # A claim left by a worker that died is taken over once it is stale.
    assert send_outbox(now=NOW + notifications.STALE_CLAIM + dt.timedelta(seconds=1)) == 1
    assert len(mailoutbox) == 1


def test_a_failing_send_is_retried_later_and_does_not_stop_the_others(
    make_user, settings, mailoutbox
):
    broken = make_user("broken", email="broken@example.org")
    fine = make_user("fine", email="fine@example.org")
    notify([broken], kind="info", title="第一封", now=NOW)
    notify([fine], kind="info", title="第二封", now=NOW + dt.timedelta(seconds=1))
    settings.EMAIL_BACKEND = FAILING_BACKEND

    sent = send_outbox(now=NOW + dt.timedelta(minutes=1))

    assert sent == 1
    assert [m.to for m in mailoutbox] == [["fine@example.org"]]
    failed = OutboxEmail.objects.get(to="broken@example.org")
    assert (failed.sent_at, failed.claimed_at, failed.attempts) == (None, None, 1)
    assert "550" in failed.last_error

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_outbox(now=NOW + dt.timedelta(minutes=2)) == 1
    assert [m.to for m in mailoutbox][-1] == ["broken@example.org"]
    failed.refresh_from_db()
    assert failed.sent_at is not None and failed.attempts == 2
    assert send_outbox(now=NOW + dt.timedelta(minutes=3)) == 0
    assert len(mailoutbox) == 2


def test_a_mail_that_keeps_failing_is_given_up_after_the_last_attempt(
    make_user, settings, mailoutbox
):
    notify([make_user("broken", email="broken@example.org")], kind="info", title="退信", now=NOW)
    settings.EMAIL_BACKEND = FAILING_BACKEND

    for minute in range(notifications.MAX_ATTEMPTS + 2):
        send_outbox(now=NOW + dt.timedelta(minutes=minute))

    mail = OutboxEmail.objects.get()
    assert (mail.attempts, mail.sent_at) == (notifications.MAX_ATTEMPTS, None)
    assert mailoutbox == []


def test_mark_read_clears_only_the_users_own_unread_notifications(alice, bob):
    [first] = notify([alice], kind="info", title="一", now=NOW)
    notify([alice], kind="info", title="二", now=NOW)
    [bobs] = notify([bob], kind="info", title="三", now=NOW)
    assert unread_count(alice) == 2

    assert mark_read(alice, [first.pk, bobs.pk], now=NOW) == 1
    assert unread_count(alice) == 1
    assert unread_count(bob) == 1

    assert mark_read(alice, now=NOW) == 1
    assert unread_count(alice) == 0
    first.refresh_from_db()
    assert first.read_at == NOW


def test_a_mail_sent_again_is_the_same_message_by_its_message_id(alice, mailoutbox):
    """Delivery is at least once (a worker killed between send and record sends it again after
    the stale claim): the repeat carries the same Message-ID, so mail clients drop it."""
    notify([alice], kind="test", title="Hello", body="Body", email=True, now=NOW)
    mail = OutboxEmail.objects.get()
    send_outbox(now=NOW)
    OutboxEmail.objects.filter(pk=mail.pk).update(sent_at=None, claimed_at=None)
    send_outbox(now=NOW + dt.timedelta(minutes=1))
    ids = [message.extra_headers["Message-ID"] for message in mailoutbox]
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ")
    assert ids == [f"<outbox-{mail.pk}@{domain}>"] * 2
