"""Issue 5's walk-through: a meeting booked 2 h 10 min ahead shows its level-1 check due in ten
minutes on its page; once the sweeper has run, the responsible's bell counts it; left undone it
turns late for the hotline."""

import datetime as dt

import time_machine
from django.urls import reverse
from django.utils import timezone

from core.models import Notification
from core.roles import Role
from inspections.models import Check
from inspections.states import STATES
from inspections.sweepers import escalate_late_checks, notify_due_checks
from staffing.models import Position
from tests.conftest import NOW
from tests.staffing_factories import make_staff


def test_a_meeting_booked_two_hours_ten_ahead_shows_level_1_due_in_ten_minutes(
    client, book, clerk, make_user, settings
):
    hotline = make_user("hotline-desk", Role.HOTLINE, Role.SUPERVISOR)
    make_staff(position=Position.SUPERVISOR, user=hotline, days=[NOW.date()])
    with time_machine.travel(NOW, tick=False):
        meeting = book(start=NOW + dt.timedelta(hours=2, minutes=10), now=NOW)
        client.force_login(clerk)
        page = client.get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    level_1 = Check.objects.get(meeting=meeting, level=1)
    assert level_1.due_at == NOW + dt.timedelta(minutes=10)
    section = page[page.index('id="checks"') :]
    assert timezone.localtime(level_1.due_at).strftime("%H:%M") in section

    # Due: the sweeper claims it and the bell of the responsible (here the supervisor) counts it.
    notify_due_checks(now=NOW + dt.timedelta(minutes=10))
    assert Notification.objects.filter(recipient=hotline, kind="check_due").count() == 1
    client.force_login(hotline)
    with time_machine.travel(NOW + dt.timedelta(minutes=11), tick=False):
        home = client.get(reverse("today")).content.decode()
    assert "unread" in home or "未读" in home

    # Left undone past the grace time: escalated once, and the board calls it late.
    late = NOW + dt.timedelta(minutes=10 + settings.CHECK_ESCALATE_MINUTES)
    assert escalate_late_checks(now=late) == 1
    assert escalate_late_checks(now=late) == 0
    level_1.refresh_from_db()
    assert level_1.escalated_at is not None
    with time_machine.travel(late, tick=False):
        board = client.get(reverse("checks-board") + "?building=all").content.decode()
    link = f'href="{reverse("check-detail", args=[level_1.pk])}"'
    row = board[board.index(link) - 1500 : board.index(link) + 1500]
    assert str(STATES["late"].label) in row
