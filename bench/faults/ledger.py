"""What was owed and what was delivered: the fault run's counts after each fault.

For every check due by the cut-off, the run's world says who must hear of it: its responsible
person ("check_due": the lead, or the supervisor when the meeting has none), the clerk (the
meeting is still unconfirmed: "check_unconfirmed"), and, once it is CHECK_ESCALATE_MINUTES late
and still open, the lobby manager and the supervisor ("check_late"). Notifications are counted
per (check, kind, recipient) from their rows, whatever their dedupe key says, so a second
notification under another key is still a duplicate. E-mail is counted from the files the mail
backend wrote, against the outbox rows.
"""

import datetime as dt
import email
import email.policy
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection
from django.db.models import F

from core.models import Notification, OutboxEmail
from inspections.models import Check, CheckStatus

CHECK_KINDS = ("check_due", "check_unconfirmed", "check_late")


@dataclass
class Tally:
    due: int  # checks due by the cut-off
    notified: int  # of those, claimed by the sweeper (status no longer pending)
    early: int  # checks notified before their due time (any, due or not)
    owed: int  # notifications owed for the due checks
    delivered: int  # distinct (check, kind, recipient) notifications found among the owed
    duplicates: int  # notification rows beyond one per (check, kind, recipient)
    misaddressed: int  # check notifications to someone who was not owed one
    lost: int  # owed notifications missing
    mails_owed: int  # outbox rows for check notifications created by the cut-off
    mails_sent: int  # of those, delivered to the mail backend
    mail_duplicates: int  # deliveries beyond one per outbox row
    mails_waiting: int  # outbox rows not yet sent nor claimed
    mails_held: int  # not yet sent, claimed by a killed worker: sent when the claim is stale

    @property
    def clean(self) -> bool:
        return (
            not (
                self.early
                or self.duplicates
                or self.misaddressed
                or self.lost
                or self.mail_duplicates
            )
            and self.notified == self.due
        )


def count(world, *, cutoff: dt.datetime, mail_cutoff: dt.datetime) -> Tally:
    close_old_connections()
    connection.close()  # the server may have restarted since the last look
    late_by = cutoff - dt.timedelta(minutes=settings.CHECK_ESCALATE_MINUTES)
    due = dict(
        Check.objects.filter(pk__in=world.due_recipient, due_at__lte=cutoff).values_list(
            "pk", "status"
        )
    )
    notified = sum(1 for status in due.values() if status != CheckStatus.PENDING)
    early = Check.objects.filter(pk__in=world.due_recipient, notified_at__lt=F("due_at")).count()
    late = set(Check.objects.filter(pk__in=due, due_at__lte=late_by).values_list("pk", flat=True))
    owed = set()
    for pk in due:
        owed.add((pk, "check_due", world.due_recipient[pk]))
        owed.add((pk, "check_unconfirmed", world.clerk.pk))
        if pk in late:
            owed.add((pk, "check_late", world.manager.pk))
            owed.add((pk, "check_late", world.supervisor.pk))
    rows = Counter()
    for kind, key, recipient in Notification.objects.filter(kind__in=CHECK_KINDS).values_list(
        "kind", "dedupe_key", "recipient_id"
    ):
        rows[(int(key.split(":")[1]), kind, recipient)] += 1
    duplicates = sum(n - 1 for n in rows.values() if n > 1)
    # A check escalated between the cut-off and this count is not owed its late notices yet.
    misaddressed = sum(
        1
        for pk, kind, recipient in rows
        if (pk, kind, recipient) not in owed
        and pk in due
        and not (kind == "check_late" and pk not in late)
    )
    delivered = len(owed & set(rows))
    mails_owed, mails_sent, mail_duplicates, waiting, held = _mail(mail_cutoff)
    return Tally(
        due=len(due),
        notified=notified,
        early=early,
        owed=len(owed),
        delivered=delivered,
        duplicates=duplicates,
        misaddressed=misaddressed,
        lost=len(owed) - delivered,
        mails_owed=mails_owed,
        mails_sent=mails_sent,
        mail_duplicates=mail_duplicates,
        mails_waiting=waiting,
        mails_held=held,
    )


def _mail(cutoff: dt.datetime) -> tuple[int, int, int, int, int]:
    """Outbox rows of check notifications against the messages the file backend wrote.

    An unsent row claimed by a worker that was killed is held until its claim goes stale
    (STALE_CLAIM) and then sent: late, not lost, as long as it was not delivered already; one
    that was delivered but never marked sent would go out a second time, so it counts as a
    duplicate now."""
    rows = Counter()
    unsent = []
    titles = set(Notification.objects.filter(kind__in=CHECK_KINDS).values_list("title", flat=True))
    for to, subject, sent_at, claimed_at in OutboxEmail.objects.filter(
        created_at__lte=cutoff
    ).values_list("to", "subject", "sent_at", "claimed_at"):
        if subject not in titles:  # not a check's notification
            continue
        key = (to, _plain(subject))
        rows[key] += 1
        if sent_at is None:
            unsent.append((key, claimed_at))
    written = Counter()
    for path in Path(settings.EMAIL_FILE_PATH).glob("*.log"):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if not raw.strip():
                continue
            message = email.message_from_bytes(raw.lstrip(), policy=email.policy.default)
            key = (str(message["To"]), _plain(str(message["Subject"])))
            if key in rows:
                written[key] += 1
    duplicates = sum(max(0, n - rows[key]) for key, n in written.items())
    duplicates += sum(1 for key, _claimed in unsent if written[key])  # sent again later
    sent = sum(min(n, rows[key]) for key, n in written.items())
    held = sum(1 for key, claimed in unsent if claimed is not None and not written[key])
    waiting = sum(1 for _key, claimed in unsent if claimed is None)
    return sum(rows.values()), sent, duplicates, waiting, held


def _plain(subject: str) -> str:
    # A long encoded Subject header comes back folded, with white space where it was cut.
    return "".join(subject.split())
