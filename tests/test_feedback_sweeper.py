"""The after-meeting sweeper: each finished confirmed meeting is invited once and its contact
e-mailed once, through the outbox."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.core import mail

from bookings import services as booking_services
from core.models import AuditEntry, OutboxEmail
from core.notifications import send_outbox
from feedback import services, sweepers, tasks
from feedback.models import Invitation
from tests import test_feedback_services as shared
from tests.conftest import NOW

# The shared fixture: a confirmed meeting that ended yesterday.
past_meeting = shared.past_meeting

AFTER = NOW  # Friday 09:00; the meetings below ended on Thursday at noon


@pytest.fixture
def with_email(hosting_unit):
    hosting_unit.contact_email = "liming@fgw.example.gov.cn"
    hosting_unit.save()
    return hosting_unit


def test_the_sweeper_invites_a_finished_meeting_once_and_e_mails_the_link_once(
    past_meeting, with_email, settings
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    meeting = past_meeting()
    assert sweepers.invite_finished_meetings(now=AFTER) == 1
    assert sweepers.invite_finished_meetings(now=AFTER) == 0
    assert sweepers.invite_finished_meetings(now=AFTER + dt.timedelta(minutes=5)) == 0
    invitation = Invitation.objects.get(meeting=meeting)
    assert (invitation.email, invitation.emailed_at, invitation.swept_at) == (
        "liming@fgw.example.gov.cn",
        AFTER,
        AFTER,
    )
    outbox = OutboxEmail.objects.get()
    link = f"{django_settings.SITE_URL}/f/{invitation.token}/"
    assert outbox.to == "liming@fgw.example.gov.cn"
    assert link in outbox.body
    assert send_outbox(now=AFTER) == 1
    assert send_outbox(now=AFTER) == 0
    assert len(mail.outbox) == 1 and link in mail.outbox[0].body
    assert AuditEntry.objects.filter(action="feedback_emailed").count() == 1


def test_a_link_made_for_the_printed_card_is_e_mailed_after_the_meeting(past_meeting, with_email):
    meeting = past_meeting()
    made = services.invite(meeting, now=meeting.start - dt.timedelta(days=1))
    assert sweepers.invite_finished_meetings(now=AFTER) == 1
    invitation = Invitation.objects.get()
    assert invitation.token == made.token and invitation.emailed_at == AFTER
    assert OutboxEmail.objects.count() == 1


def test_without_an_address_the_link_is_made_but_nothing_is_e_mailed(past_meeting):
    meeting = past_meeting()
    assert sweepers.invite_finished_meetings(now=AFTER) == 1
    invitation = Invitation.objects.get(meeting=meeting)
    assert invitation.emailed_at is None and invitation.swept_at == AFTER
    assert not OutboxEmail.objects.exists()
    assert sweepers.invite_finished_meetings(now=AFTER) == 0


def test_unfinished_unconfirmed_cancelled_and_long_past_meetings_are_not_invited(
    past_meeting, book, clerk, with_email
):
    book(start=NOW + dt.timedelta(days=1), now=NOW)  # not yet held
    past_meeting(start=NOW - dt.timedelta(hours=5), confirmed=False)  # never confirmed
    cancelled = past_meeting(start=NOW - dt.timedelta(hours=8))
    booking_services.cancel_meeting(
        cancelled, by=clerk, reason="取消", now=NOW - dt.timedelta(days=2)
    )
    past_meeting(start=NOW - dt.timedelta(days=5))  # beyond the sweeper's look-back
    assert sweepers.invite_finished_meetings(now=AFTER) == 0
    assert not Invitation.objects.exists()
    assert not OutboxEmail.objects.exists()


def test_one_bad_meeting_does_not_stop_the_others(past_meeting, with_email, monkeypatch):
    first = past_meeting()
    second = past_meeting(start=first.start - dt.timedelta(hours=3))
    real = services.invite

    def flaky(meeting, **kwargs):
        if meeting.pk == first.pk:
            raise RuntimeError("boom")
        return real(meeting, **kwargs)

    monkeypatch.setattr(services, "invite", flaky)
    assert sweepers.invite_finished_meetings(now=AFTER) == 1
    assert list(Invitation.objects.values_list("meeting", flat=True)) == [second.pk]


def test_the_task_runs_the_sweeper_and_beat_schedules_it(past_meeting, time_machine):
    time_machine.move_to(AFTER, tick=False)
    past_meeting()
    assert tasks.invite_finished_meetings() == 1
    entry = django_settings.CELERY_BEAT_SCHEDULE["invite-finished-meetings"]
    assert entry["task"] == "feedback.tasks.invite_finished_meetings"
