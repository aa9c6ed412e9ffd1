"""The check sweepers: notify each due check once, resolve who answers, escalate late ones."""

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils.translation import gettext as _

from core.models import Notification
from core.roles import Role
from inspections import sweepers
from inspections.models import Check, CheckStatus
from inspections.sweepers import escalate_late_checks, notify_due_checks
from staffing.models import Duty, DutyRole, Position, Shift, ShiftKind
from tests.conftest import NOW, on_postgres
from tests.staffing_factories import make_staff

MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def the_supervisor(supervisor):
    return make_staff(position=Position.SUPERVISOR, user=supervisor)


@pytest.fixture
def soon(book):
    """A meeting starting in 3 hours: level 1 due in an hour, level 2 in two, level 3 in 2.5."""
    return book(start=NOW + 180 * MINUTE, end=NOW + 240 * MINUTE)


def check_of(meeting, level) -> Check:
    return Check.objects.get(meeting=meeting, level=level)


def lead_on(meeting, staff) -> Duty:
    return Duty.objects.create(
        staff=staff,
        meeting=meeting,
        role=DutyRole.LEAD,
        building=meeting.room.building,
        start=meeting.start - 30 * MINUTE,
        end=meeting.end,
        assigned_at=NOW,
    )


def test_nothing_is_notified_before_it_is_due(soon, the_supervisor):
    assert notify_due_checks(now=NOW) == 0
    assert not Notification.objects.filter(kind="check_due").exists()


def test_a_due_check_is_notified_exactly_once_across_repeated_sweeps(
    soon, make_user, the_supervisor
):
    lead_user = make_user("lead", Role.GROUP_LEADER)
    lead = make_staff(is_group_leader=True, user=lead_user)
    lead_on(soon, lead)
    due = check_of(soon, 1).due_at

    assert notify_due_checks(now=due) == 1
    assert notify_due_checks(now=due + MINUTE) == 0
    assert notify_due_checks(now=due + 2 * MINUTE) == 0

    check = check_of(soon, 1)
    assert check.status == CheckStatus.NOTIFIED
    assert check.notified_at == due
    assert check.responsible == lead
    [note] = Notification.objects.filter(kind="check_due")
    assert note.recipient == lead_user
    assert note.dedupe_key == f"check:{check.pk}:due:{lead_user.pk}"


def test_level_1_without_a_lead_goes_to_the_supervisor_and_says_so(soon, the_supervisor):
    notify_due_checks(now=check_of(soon, 1).due_at)

    check = check_of(soon, 1)
    assert check.responsible == the_supervisor
    assert check.responsible_note == _("The meeting has no lead; sent to the supervisor.")
    assert Notification.objects.filter(kind="check_due", recipient=the_supervisor.user).exists()


def test_level_2_goes_to_the_environment_supervisor_on_shift(soon, make_user, the_supervisor):
    off_shift = make_staff(is_env_supervisor=True, days=[])
    env_user = make_user("env", Role.ENV_SUPERVISOR)
    on_shift = make_staff(is_env_supervisor=True, user=env_user)
    assert off_shift.pk != on_shift.pk

    notify_due_checks(now=check_of(soon, 2).due_at)

    assert check_of(soon, 2).responsible == on_shift
    assert Notification.objects.filter(kind="check_due", recipient=env_user).count() == 1


def test_level_3_goes_to_the_clerk_on_a_hotline_shift(soon, make_user, the_supervisor):
    make_staff(position=Position.CLERK)  # on shift, but not on the hotline
    hotline_user = make_user("hotline", Role.CLERK, Role.HOTLINE)
    hotline = make_staff(position=Position.CLERK, user=hotline_user, days=[])
    due = check_of(soon, 3).due_at
    Shift.objects.create(
        staff=hotline,
        kind=ShiftKind.DAY,
        start=due - 60 * MINUTE,
        end=due + 60 * MINUTE,
        hotline=True,
    )

    notify_due_checks(now=due)

    assert check_of(soon, 3).responsible == hotline
    assert Notification.objects.filter(kind="check_due", recipient=hotline_user).count() == 1


def test_nobody_on_shift_falls_back_to_the_supervisor_with_a_note(soon, the_supervisor):
    notify_due_checks(now=check_of(soon, 3).due_at)

    for level in (2, 3):
        check = check_of(soon, level)
        assert check.responsible == the_supervisor
        assert check.responsible_note == _("Nobody was on shift; sent to the supervisor.")


def test_an_unconfirmed_meeting_is_flagged_to_the_clerks_at_level_1(soon, clerk, the_supervisor):
    notify_due_checks(now=check_of(soon, 1).due_at)
    notify_due_checks(now=check_of(soon, 1).due_at + MINUTE)

    assert Notification.objects.filter(kind="check_unconfirmed", recipient=clerk).count() == 1


def test_a_confirmed_meeting_is_not_flagged(soon, clerk, the_supervisor):
    from bookings import services

    services.confirm_meeting(soon, by=clerk, now=NOW)
    notify_due_checks(now=check_of(soon, 1).due_at)

    assert not Notification.objects.filter(kind="check_unconfirmed").exists()


def test_a_late_check_is_escalated_once_after_the_grace(
    soon, settings, make_user, building, the_supervisor
):
    settings.CHECK_ESCALATE_MINUTES = 10
    manager_user = make_user("lobby", Role.LOBBY_MANAGER)
    make_staff(position=Position.LOBBY_MANAGER, home_building=building, user=manager_user)
    other_user = make_user("lobby-elsewhere", Role.LOBBY_MANAGER)
    make_staff(position=Position.LOBBY_MANAGER, user=other_user)
    due = check_of(soon, 1).due_at
    notify_due_checks(now=due)

    assert escalate_late_checks(now=due + 9 * MINUTE) == 0
    assert escalate_late_checks(now=due + 10 * MINUTE) == 1
    assert escalate_late_checks(now=due + 11 * MINUTE) == 0

    check = check_of(soon, 1)
    assert check.escalated_at == due + 10 * MINUTE
    late = Notification.objects.filter(kind="check_late")
    assert {n.recipient for n in late} == {manager_user, the_supervisor.user}
    assert late.get(recipient=manager_user).dedupe_key == f"check:{check.pk}:late:{manager_user.pk}"


def test_a_done_check_is_not_escalated(soon, clerk, the_supervisor):
    from inspections.checklists import items_for
    from inspections.services import complete_check

    due = check_of(soon, 1).due_at
    notify_due_checks(now=due)
    check = check_of(soon, 1)
    items = [{"text": i["text"], "ok": True, "note": ""} for i in items_for(check)]
    complete_check(check, by=clerk, items=items, now=due + MINUTE)

    assert escalate_late_checks(now=due + 30 * MINUTE) == 0


def test_a_bad_row_is_skipped_and_the_others_are_processed(book, monkeypatch, the_supervisor):
    first = book(start=NOW + 180 * MINUTE, end=NOW + 200 * MINUTE)
    bad = check_of(first, 1)
    real = sweepers.resolve_responsible

    def resolver(check):
        if check.pk == bad.pk:
            raise RuntimeError("broken row")
        return real(check)

    monkeypatch.setattr(sweepers, "resolve_responsible", resolver)

    assert notify_due_checks(now=NOW + 180 * MINUTE) == 2  # levels 2 and 3

    bad.refresh_from_db()
    assert bad.status == CheckStatus.PENDING  # rolled back, tried again on the next pass
    assert check_of(first, 2).status == check_of(first, 3).status == CheckStatus.NOTIFIED
    monkeypatch.setattr(sweepers, "resolve_responsible", real)
    assert notify_due_checks(now=NOW + 181 * MINUTE) == 1


def test_checks_of_a_cancelled_meeting_are_never_notified(soon, clerk, the_supervisor):
    from bookings import services

    services.cancel_meeting(soon, by=clerk, reason="取消", now=NOW)

    assert notify_due_checks(now=soon.start) == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_sweepers_racing_notify_each_check_exactly_once(book, the_supervisor):
    if not on_postgres():
        pytest.skip("needs PostgreSQL: SQLite serialises writers, so there is no real race")
    meetings = [
        book(start=NOW + dt.timedelta(hours=3 + i), end=NOW + dt.timedelta(hours=3 + i, minutes=30))
        for i in range(8)
    ]
    now = meetings[-1].start
    barrier = threading.Barrier(2)
    counts, errors = [], []

    def sweep():
        try:
            barrier.wait()
            counts.append(notify_due_checks(now=now))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sum(counts) == 24
    assert Notification.objects.filter(kind="check_due").count() == 24
    assert not Check.objects.filter(status=CheckStatus.PENDING).exists()


def test_the_invariant_names_a_late_check_until_it_is_escalated(soon, the_supervisor):
    import time_machine

    from inspections import invariants

    due = check_of(soon, 1).due_at
    notify_due_checks(now=due)
    with time_machine.travel(due + 15 * MINUTE, tick=False):
        assert len(list(invariants.late_checks_escalated())) == 1
        escalate_late_checks()
        assert list(invariants.late_checks_escalated()) == []
        assert list(invariants.notified_once()) == []


def test_the_beat_runs_both_sweepers_through_thin_tasks(settings, monkeypatch):
    from inspections import tasks

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["notify-due-checks"]["task"] == "inspections.tasks.notify_due_checks"
    assert schedule["escalate-late-checks"]["task"] == "inspections.tasks.escalate_late_checks"
    assert schedule["notify-due-checks"]["schedule"] == settings.CHECK_SWEEP_SECONDS
    monkeypatch.setattr(sweepers, "notify_due_checks", lambda: 3)
    monkeypatch.setattr(sweepers, "escalate_late_checks", lambda: 2)
    assert tasks.notify_due_checks() == 3
    assert tasks.escalate_late_checks() == 2
