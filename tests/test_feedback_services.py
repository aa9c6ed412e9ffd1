"""Hosting-unit feedback (满意度评价): the invitation, the one answer, the complaint.

Fixtures here (`past_meeting`, `rate_all`) are shared by the other tests/test_feedback_* files.
"""

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, connections

from bookings import services as booking_services
from bookings.models import Confidentiality
from core.models import AuditEntry, CalendarDay, Notification, OutboxEmail
from feedback import demo, services
from feedback.errors import FeedbackError
from feedback.models import (
    LINK_VALID_FOR,
    OVERALL,
    Answer,
    Complaint,
    ComplaintStatus,
    Invitation,
    Rating,
)
from tests.conftest import NOW

SH = ZoneInfo("Asia/Shanghai")
# The meetings of these tests: Thursday 26 November 2026, 10:00-12:00, booked a week before.
MEETING_START = dt.datetime(2026, 11, 26, 10, 0, tzinfo=SH)
BOOKED_AT = MEETING_START - dt.timedelta(days=7)
# The contact answers on Friday afternoon: a complaint is then due on Tuesday.
FRIDAY_AFTERNOON = dt.datetime(2026, 11, 27, 15, 0, tzinfo=SH)


@pytest.fixture
def past_meeting(book, clerk):
    """A confirmed meeting, by default one that ended yesterday, booked through the services a
    week before it; confirmed=False leaves it requested."""

    def make(confirmed: bool = True, **params):
        start = params.pop("start", MEETING_START)
        booked = start - dt.timedelta(days=7)
        end = params.pop("end", start + dt.timedelta(hours=2))
        meeting = book(start=start, end=end, now=booked, **params)
        if not confirmed:
            return meeting
        return booking_services.confirm_meeting(meeting, by=clerk, now=booked)

    return make


def rate_all(meeting, score=5, **overrides):
    ratings = dict.fromkeys(services.services_for(meeting), score)
    ratings.update(overrides)
    return ratings


def test_a_token_is_long_random_url_safe_and_unique():
    tokens = {services.new_token() for _ in range(2000)}
    assert len(tokens) == 2000
    for token in list(tokens)[:50]:
        assert len(token) >= 32  # 24 random bytes, about 192 bits
        assert set(token) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def test_invite_is_idempotent_and_each_meeting_gets_its_own_token(past_meeting):
    first, second = past_meeting(), past_meeting(start=MEETING_START + dt.timedelta(hours=3))
    invitation = services.invite(first, now=NOW)
    assert services.invite(first, now=NOW).pk == invitation.pk
    other = services.invite(second, now=NOW)
    assert other.token != invitation.token
    assert Invitation.objects.count() == 2
    assert AuditEntry.objects.filter(action="feedback_invited").count() == 2
    assert services.link_for(invitation).endswith(f"/f/{invitation.token}/")


def test_the_link_expires_seven_days_after_the_meeting_ends_not_after_it_was_made(
    past_meeting,
):
    meeting = past_meeting()
    # Made a week before the meeting, for the printed card.
    invitation = services.invite(meeting, now=BOOKED_AT)
    assert (
        invitation.expires_at
        == meeting.end + dt.timedelta(days=7)
        == (meeting.end + LINK_VALID_FOR)
    )
    last_minute = invitation.expires_at - dt.timedelta(minutes=1)
    with time_machine.travel(last_minute, tick=False):
        assert services.get_open_invitation(invitation.token).pk == invitation.pk
    with (
        time_machine.travel(invitation.expires_at, tick=False),
        pytest.raises(FeedbackError) as refused,
    ):
        services.submit(invitation.token, rate_all(meeting))
    assert refused.value.code == "expired"
    assert not Answer.objects.exists()


def test_rescheduling_a_meeting_moves_its_links_expiry(past_meeting, book, clerk):
    meeting = book(start=NOW + dt.timedelta(days=2), now=NOW)
    invitation = services.invite(meeting, now=NOW)
    new_start = NOW + dt.timedelta(days=3)
    booking_services.reschedule_meeting(
        meeting, by=clerk, start=new_start, end=new_start + dt.timedelta(hours=1), now=NOW
    )
    invitation.refresh_from_db()
    assert invitation.expires_at == new_start + dt.timedelta(hours=1) + LINK_VALID_FOR


def test_an_unknown_token_or_an_answer_before_the_meeting_is_refused(book):
    with pytest.raises(FeedbackError) as unknown:
        services.submit("no-such-token-at-all-0000", {OVERALL: 5}, now=NOW)
    assert unknown.value.code == "unknown"
    upcoming = book(now=NOW)
    invitation = services.invite(upcoming, now=NOW)
    with pytest.raises(FeedbackError) as early:
        services.submit(invitation.token, rate_all(upcoming), now=NOW)
    assert early.value.code == "too_early"
    assert not Answer.objects.exists()


def test_a_cancelled_meeting_gets_no_link_and_its_link_stops_working(past_meeting, book, clerk):
    meeting = book(now=NOW)
    invitation = services.invite(meeting, now=NOW)
    booking_services.cancel_meeting(meeting, by=clerk, reason="改期", now=NOW)
    with pytest.raises(FeedbackError) as refused:
        services.get_open_invitation(invitation.token, now=meeting.end)
    assert refused.value.code == "cancelled"
    other = book(start=NOW + dt.timedelta(days=3), now=NOW)
    booking_services.cancel_meeting(other, by=clerk, reason="取消", now=NOW)
    with pytest.raises(FeedbackError):
        services.invite(other, now=NOW)
    assert not Invitation.objects.filter(meeting=other).exists()


def test_a_good_answer_is_saved_with_every_service_and_opens_no_complaint(past_meeting, supervisor):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=NOW)
    keys = services.services_for(meeting)
    assert keys[-1] == OVERALL and len(keys) > 1  # the meeting's orders, then overall
    answer = services.submit(
        invitation.token, rate_all(meeting, 4, **{OVERALL: 5}), comment=" 很好 ", now=NOW
    )
    assert (answer.overall, answer.lowest, answer.comment) == (5, 4, "很好")
    assert dict(answer.ratings.values_list("service", "score")) == rate_all(
        meeting, 4, **{OVERALL: 5}
    )
    assert not Complaint.objects.exists()
    assert not Notification.objects.filter(kind="feedback_complaint").exists()
    assert AuditEntry.objects.filter(action="feedback_answered").count() == 1


def test_a_second_answer_is_refused_and_the_first_one_kept(past_meeting):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=NOW)
    services.submit(invitation.token, rate_all(meeting, 5), now=NOW)
    with pytest.raises(FeedbackError) as refused:
        services.submit(invitation.token, rate_all(meeting, 1), complaint=True, now=NOW)
    assert refused.value.code == "answered"
    assert "already" in refused.value.message or "已" in refused.value.message
    assert Answer.objects.get().overall == 5
    assert not Complaint.objects.exists()


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({OVERALL: 6}, OVERALL),
        ({OVERALL: 0}, OVERALL),
        ({OVERALL: "五"}, OVERALL),
        ({OVERALL: "4.5"}, OVERALL),
        ({OVERALL: None}, OVERALL),
    ],
)
def test_a_bad_or_missing_rating_is_refused_and_nothing_is_saved(past_meeting, bad, field):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=NOW)
    audit_before = AuditEntry.objects.count()
    ratings = rate_all(meeting, 1)  # would open a complaint, if anything were saved
    ratings.update(bad)
    with pytest.raises(FeedbackError) as refused:
        services.submit(invitation.token, ratings, comment="x", complaint=True, now=NOW)
    assert field in refused.value.fields
    assert not Answer.objects.exists()
    assert not Rating.objects.exists()
    assert not Complaint.objects.exists()
    assert not Notification.objects.exists()
    assert AuditEntry.objects.count() == audit_before


def test_a_service_left_out_or_one_not_ordered_is_refused(past_meeting):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=NOW)
    missing = rate_all(meeting)
    missing.pop(services.services_for(meeting)[0])
    with pytest.raises(FeedbackError):
        services.submit(invitation.token, missing, now=NOW)
    with pytest.raises(FeedbackError):
        services.submit(invitation.token, rate_all(meeting, 5, banquet=5), now=NOW)
    assert not Answer.objects.exists()


def test_a_two_opens_a_complaint_due_two_working_days_later_across_the_weekend(
    past_meeting, supervisor, make_user
):
    from core.roles import Role

    second_supervisor = make_user("supervisor2", Role.SUPERVISOR, email="s2@example.org")
    meeting = past_meeting()
    invitation = services.invite(meeting, now=NOW)
    first = services.services_for(meeting)[0]
    answer = services.submit(
        invitation.token, rate_all(meeting, 5, **{first: 2}), now=FRIDAY_AFTERNOON
    )
    complaint = Complaint.objects.get()
    assert complaint.answer == answer and complaint.status == ComplaintStatus.OPEN
    assert complaint.opened_at == FRIDAY_AFTERNOON
    # Friday 15:00 + 2 working days = Tuesday 1 December 15:00 (Saturday and Sunday skipped).
    assert complaint.reply_due == dt.datetime(2026, 12, 1, 15, 0, tzinfo=SH)
    notified = Notification.objects.filter(kind="feedback_complaint")
    assert {n.recipient for n in notified} == {supervisor, second_supervisor}
    assert all(n.url == f"/feedback/complaints/{complaint.pk}/" for n in notified)
    # The supervisor with an address also gets the e-mail through the outbox.
    assert OutboxEmail.objects.filter(to="s2@example.org").count() == 1
    assert AuditEntry.objects.filter(action="complaint_opened", to_state="open").count() == 1


def test_the_reply_deadline_skips_holidays_and_counts_adjusted_working_days(
    past_meeting, supervisor, settings
):
    CalendarDay.objects.create(date=dt.date(2026, 11, 30), kind=CalendarDay.Kind.HOLIDAY)
    CalendarDay.objects.create(date=dt.date(2026, 11, 28), kind=CalendarDay.Kind.WORKDAY)
    assert services.reply_due_for(FRIDAY_AFTERNOON) == dt.datetime(2026, 12, 1, 15, 0, tzinfo=SH)
    settings.FEEDBACK_REPLY_WORKING_DAYS = 1
    assert services.reply_due_for(FRIDAY_AFTERNOON) == dt.datetime(2026, 11, 28, 15, 0, tzinfo=SH)


def test_the_complaint_box_alone_opens_a_complaint_and_a_three_does_not(past_meeting, supervisor):
    ticked, middling = past_meeting(), past_meeting(start=MEETING_START + dt.timedelta(hours=3))
    services.submit(
        services.invite(ticked, now=NOW).token,
        rate_all(ticked, 5),
        comment="会标错字",
        complaint=True,
        now=NOW,
    )
    services.submit(services.invite(middling, now=NOW).token, rate_all(middling, 3), now=NOW)
    assert list(Complaint.objects.values_list("meeting", flat=True)) == [ticked.pk]
    assert Notification.objects.filter(kind="feedback_complaint", recipient=supervisor).count() == 1


def test_the_supervisors_notification_never_carries_a_secret_title_to_those_who_may_not_see_it(
    past_meeting, supervisor
):
    from tests.staffing_factories import make_staff

    # The supervisor's clearance has not come through: the policy hides secret titles from them.
    make_staff(user=supervisor, position="supervisor", authorised=False)
    meeting = past_meeting(title="绝密议题研讨", confidentiality=Confidentiality.SECRET)
    services.submit(services.invite(meeting, now=NOW).token, rate_all(meeting, 1), now=NOW)
    note = Notification.objects.get(kind="feedback_complaint", recipient=supervisor)
    assert "绝密议题研讨" not in note.title


def test_a_reply_closes_the_complaint_once_and_is_e_mailed_to_the_contact(
    past_meeting, supervisor, hosting_unit
):
    hosting_unit.contact_email = "liming@fgw.example.gov.cn"
    hosting_unit.save()
    meeting = past_meeting()
    services.submit(services.invite(meeting, now=NOW).token, rate_all(meeting, 2), now=NOW)
    complaint = Complaint.objects.get()
    later = NOW + dt.timedelta(hours=5)
    with pytest.raises(FeedbackError):
        services.reply(complaint, by=supervisor, text="  ", now=later)
    services.reply(complaint, by=supervisor, text="已整改，向您致歉。", now=later)
    complaint.refresh_from_db()
    assert (complaint.status, complaint.replied_by, complaint.replied_at) == (
        ComplaintStatus.REPLIED,
        supervisor,
        later,
    )
    with pytest.raises(FeedbackError) as again:
        services.reply(complaint, by=supervisor, text="再次回复", now=later)
    assert again.value.code == "replied"
    mail = OutboxEmail.objects.get(to="liming@fgw.example.gov.cn")
    assert mail.body == "已整改，向您致歉。"
    entry = AuditEntry.objects.get(action="complaint_replied")
    assert (entry.actor, entry.from_state, entry.to_state) == (supervisor, "open", "replied")


@pytest.mark.django_db(transaction=True)
def test_two_answers_at_once_store_one(past_meeting, building):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=NOW)
    ratings = rate_all(meeting, 4)
    barrier = threading.Barrier(4)
    outcomes = []

    def answer():
        try:
            barrier.wait()
            services.submit(invitation.token, ratings, now=NOW)
            outcomes.append("saved")
        except FeedbackError as exc:
            outcomes.append(exc.code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=answer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["answered", "answered", "answered", "saved"], (
        connection.vendor,
        outcomes,
    )
    assert Answer.objects.count() == 1
    assert Rating.objects.count() == len(ratings)


def test_the_demo_lays_down_answers_and_one_open_complaint(past_meeting, supervisor):
    meetings = [past_meeting(start=MEETING_START + dt.timedelta(hours=3 * i)) for i in range(4)]
    counts = demo.load(NOW)
    assert counts == {"invited": 4, "answered": 4, "complaints": 1}
    assert Complaint.objects.get().status == ComplaintStatus.OPEN
    assert Answer.objects.count() == 4
    assert Notification.objects.filter(kind="feedback_complaint").count() == 1
    assert demo.load(NOW) == {"invited": 0, "answered": 0, "complaints": 0}
    assert {a.meeting_id for a in Answer.objects.all()} == {m.pk for m in meetings}


def test_the_feedback_invariants_hold_after_answers_and_a_reply(past_meeting, supervisor):
    from core.invariants import run_all

    low, good = past_meeting(), past_meeting(start=MEETING_START + dt.timedelta(hours=3))
    services.submit(services.invite(low, now=NOW).token, rate_all(low, 2), now=NOW)
    services.submit(services.invite(good, now=NOW).token, rate_all(good, 5), now=NOW)
    services.reply(Complaint.objects.get(), by=supervisor, text="已回复", now=NOW)
    breaches = {name: found for name, found in run_all().items() if name.startswith("feedback")}
    assert len(breaches) == 3 and not any(breaches.values()), breaches
