"""Notifications: rows under each user's bell, and e-mail through the outbox.

`notify` writes in the caller's transaction, so a notification exists exactly when the change
that caused it committed. The outbox sweeper is the only code that talks to a mail server.
"""

import logging
import time
from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import IntegrityError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from core.models import Notification, OutboxEmail

log = logging.getLogger(__name__)

# A claim older than this is taken to belong to a worker that died mid-send.
STALE_CLAIM = timedelta(minutes=10)
# How long a sent mail's row is retried while the database is unreachable (well under
# STALE_CLAIM, so no other sweeper takes the row meanwhile).
MARK_SENT_PATIENCE = timedelta(minutes=2)
MAX_ATTEMPTS = 5


def notify(
    recipients: Iterable,
    *,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    email: bool = True,
    dedupe_key: str | None = None,
    now: datetime | None = None,
) -> list[Notification]:
    """Notify each recipient once. With `dedupe_key`, a repeat for the same user is a no-op."""
    now = now or timezone.now()
    created = []
    for user in {u.pk: u for u in recipients if u is not None}.values():
        key = f"{dedupe_key}:{user.pk}" if dedupe_key else None
        if key and Notification.objects.filter(dedupe_key=key).exists():
            continue
        try:
            with transaction.atomic():
                note = Notification.objects.create(
                    recipient=user,
                    kind=kind,
                    title=title[:200],
                    body=body,
                    url=url,
                    created_at=now,
                    dedupe_key=key,
                )
        except IntegrityError:
            # Another process notified this user for the same key a moment ago.
            continue
        created.append(note)
        if email and user.email:
            link = f"\n\n{settings.SITE_URL}{url}" if url else ""
            OutboxEmail.objects.create(
                to=user.email, subject=title[:200], body=f"{body}{link}", created_at=now
            )
    return created


def unread_count(user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user, notification_ids: Iterable[int] | None = None, *, now=None) -> int:
    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        qs = qs.filter(pk__in=list(notification_ids))
    return qs.update(read_at=now or timezone.now())


def send_outbox(*, now: datetime | None = None, batch: int = 100) -> int:
    """Send waiting e-mail. Safe to run in several workers at once; returns how many were sent.

    Each row is claimed with a compare-and-set on `claimed_at`, so two sweepers never send the
    same mail; a failed send releases the claim for a later pass, up to MAX_ATTEMPTS.
    """
    now = now or timezone.now()
    sent = 0
    candidates = (
        OutboxEmail.objects.filter(sent_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at")
        .values_list("pk", "claimed_at")[:batch]
    )
    for pk, claimed_at in candidates:
        if claimed_at is not None and claimed_at > now - STALE_CLAIM:
            continue
        won = OutboxEmail.objects.filter(pk=pk, sent_at__isnull=True, claimed_at=claimed_at).update(
            claimed_at=now
        )
        if not won:
            continue
        mail = OutboxEmail.objects.get(pk=pk)
        try:
            _message(mail).send()
        except Exception as exc:  # one bad row never stops the loop
            log.warning("outbox: sending mail %s failed: %s", pk, exc)
            OutboxEmail.objects.filter(pk=pk).update(
                claimed_at=None, attempts=mail.attempts + 1, last_error=str(exc)[:2000]
            )
            continue
        _mark_sent(pk, attempts=mail.attempts + 1)
        sent += 1
    return sent


def _message(mail: OutboxEmail) -> EmailMessage:
    """The mail with a Message-ID of its own outbox row: should a worker die between the send
    and `_mark_sent`, the second send is the same message, which mail servers and clients
    recognise and drop (delivery is at least once; this makes the repeat harmless)."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return EmailMessage(
        mail.subject,
        mail.body,
        settings.DEFAULT_FROM_EMAIL,
        [mail.to],
        headers={"Message-ID": f"<outbox-{mail.pk}@{domain}>"},
    )


def _mark_sent(pk: int, *, attempts: int) -> None:
    """Record that mail `pk` has left, however long the database takes to come back.

    The mail is already out: a row left unmarked would be sent a second time once its claim
    goes stale. A database restart between the send and this update (seen in the fault run,
    bench/faults/) must not cause that, so the update is retried on a fresh connection for up
    to MARK_SENT_PATIENCE; only a longer outage, or the worker dying meanwhile, leaves it."""
    deadline = time.monotonic() + MARK_SENT_PATIENCE.total_seconds()
    pause = 0.5
    while True:
        try:
            OutboxEmail.objects.filter(pk=pk).update(sent_at=timezone.now(), attempts=attempts)
            return
        except (OperationalError, InterfaceError) as exc:
            if time.monotonic() + pause > deadline:
                raise
            log.warning("outbox: mail %s sent, recording it failed (%s); retrying", pk, exc)
            connection.close()  # the next query opens a new connection
            _pause(pause)
            pause = min(pause * 2, 10.0)


_pause = time.sleep  # tests replace it to bring the database back between attempts
