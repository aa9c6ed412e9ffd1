"""Checks follow their meeting: booked, rescheduled, edited, cancelled (inspections.receivers)."""

import datetime as dt

from bookings import services
from core.models import AuditEntry, Notification
from inspections import services as checks
from inspections.models import Check, CheckStatus
from inspections.sweepers import notify_due_checks
from tests.conftest import NOW

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)


def levels(meeting) -> dict[int, Check]:
    return {c.level: c for c in Check.objects.filter(meeting=meeting)}


def test_booking_lays_down_three_checks_before_the_start(book):
    meeting = book()

    mine = levels(meeting)

    assert sorted(mine) == [1, 2, 3]
    assert mine[1].due_at == meeting.start - 120 * MINUTE
    assert mine[2].due_at == meeting.start - 60 * MINUTE
    assert mine[3].due_at == meeting.start - 30 * MINUTE
    assert all(c.status == CheckStatus.PENDING and c.responsible is None for c in mine.values())
    assert AuditEntry.objects.filter(action="check_created").count() == 3


def test_a_meeting_booked_90_minutes_ahead_has_level_1_due_at_once(book):
    meeting = book(start=NOW + 90 * MINUTE, end=NOW + 150 * MINUTE)

    mine = levels(meeting)
    assert mine[1].due_at < NOW  # already past due, not skipped
    assert mine[2].due_at > NOW

    assert notify_due_checks(now=NOW) == 1
    mine = levels(meeting)
    assert mine[1].status == CheckStatus.NOTIFIED
    assert mine[2].status == CheckStatus.PENDING


def test_a_reschedule_moves_the_pending_checks(book, clerk):
    meeting = book()
    later = meeting.start + 3 * HOUR

    services.reschedule_meeting(meeting, by=clerk, start=later, end=later + HOUR, now=NOW)

    mine = levels(meeting)
    assert mine[1].due_at == later - 120 * MINUTE
    assert mine[3].due_at == later - 30 * MINUTE
    assert AuditEntry.objects.filter(action="check_moved").count() == 3


def test_a_notified_check_moved_into_the_future_is_notified_again_at_its_new_time(
    book, clerk, supervisor
):
    from staffing.models import Position
    from tests.staffing_factories import make_staff

    make_staff(position=Position.SUPERVISOR, user=supervisor)
    meeting = book(start=NOW + 90 * MINUTE, end=NOW + 150 * MINUTE)
    notify_due_checks(now=NOW)
    level_1 = levels(meeting)[1]
    assert level_1.status == CheckStatus.NOTIFIED
    later = meeting.start + 4 * HOUR

    services.reschedule_meeting(meeting, by=clerk, start=later, end=later + HOUR, now=NOW)

    level_1.refresh_from_db()
    assert level_1.status == CheckStatus.PENDING
    assert level_1.notified_at is None
    assert level_1.due_at == later - 120 * MINUTE
    assert Notification.objects.filter(kind="check_moved", recipient=supervisor).exists()
    assert notify_due_checks(now=NOW + MINUTE) == 0  # not yet due again
    assert notify_due_checks(now=level_1.due_at) == 1
    keys = set(
        Notification.objects.filter(kind="check_due", recipient=supervisor).values_list(
            "dedupe_key", flat=True
        )
    )
    assert keys == {
        f"check:{level_1.pk}:due:{supervisor.pk}",
        f"check:{level_1.pk}:due:r1:{supervisor.pk}",
    }


def test_a_notified_check_moved_still_into_the_past_stays_notified(book, clerk):
    meeting = book(start=NOW + 90 * MINUTE, end=NOW + 150 * MINUTE)
    notify_due_checks(now=NOW)
    later = meeting.start + 10 * MINUTE

    services.reschedule_meeting(meeting, by=clerk, start=later, end=later + HOUR, now=NOW)

    level_1 = levels(meeting)[1]
    assert level_1.status == CheckStatus.NOTIFIED
    assert level_1.due_at == later - 120 * MINUTE


def _complete_level_1(meeting, clerk):
    level_1 = levels(meeting)[1]
    from inspections.checklists import items_for

    items = [{"text": i["text"], "ok": True, "note": ""} for i in items_for(level_1)]
    return checks.complete_check(level_1, by=clerk, items=items, now=NOW)


def test_a_reschedule_reopens_done_checks(book, clerk):
    meeting = book()
    _complete_level_1(meeting, clerk)
    later = meeting.start + HOUR

    services.reschedule_meeting(meeting, by=clerk, start=later, end=later + HOUR, now=NOW)

    level_1 = levels(meeting)[1]
    assert level_1.status == CheckStatus.PENDING
    assert level_1.result == ""
    assert level_1.due_at == later - 120 * MINUTE
    assert level_1.note  # says why it was re-opened
    assert AuditEntry.objects.filter(action="check_reopened").count() == 1


def test_a_details_edit_reopens_only_level_1(book, clerk):
    meeting = book()
    _complete_level_1(meeting, clerk)

    services.edit_meeting(meeting, by=clerk, attendees=20, now=NOW)

    assert levels(meeting)[1].status == CheckStatus.PENDING


def test_an_edit_of_the_title_leaves_done_checks_done(book, clerk):
    meeting = book()
    _complete_level_1(meeting, clerk)

    services.edit_meeting(meeting, by=clerk, title="新标题", now=NOW)

    assert levels(meeting)[1].status == CheckStatus.DONE


def test_cancelling_cancels_the_open_checks(book, clerk):
    meeting = book()
    _complete_level_1(meeting, clerk)

    services.cancel_meeting(meeting, by=clerk, reason="改期", now=NOW)

    mine = levels(meeting)
    assert mine[1].status == CheckStatus.DONE
    assert mine[2].status == mine[3].status == CheckStatus.CANCELLED
    assert AuditEntry.objects.filter(action="check_cancelled").count() == 2


def test_invariants_hold_after_the_services(book, clerk):
    from inspections import invariants

    meeting = book()
    services.reschedule_meeting(
        meeting, by=clerk, start=meeting.start + HOUR, end=meeting.end + HOUR, now=NOW
    )
    services.cancel_meeting(book(start=NOW + 2 * HOUR), by=clerk, reason="取消", now=NOW)
    notify_due_checks(now=NOW + 2 * HOUR)

    assert list(invariants.three_checks_per_meeting()) == []
    assert list(invariants.no_open_check_on_cancelled_meeting()) == []
    assert list(invariants.notified_once()) == []


def test_invariants_name_a_missing_check_and_an_open_check_of_a_cancelled_meeting(book, clerk):
    from inspections import invariants

    meeting = book()
    Check.objects.filter(meeting=meeting, level=3).delete()
    other = book(start=NOW + 2 * HOUR)
    services.cancel_meeting(other, by=clerk, reason="取消", now=NOW)
    Check.objects.filter(meeting=other, level=2).update(status=CheckStatus.PENDING)

    assert len(list(invariants.three_checks_per_meeting())) == 1
    assert len(list(invariants.no_open_check_on_cancelled_meeting())) == 1
