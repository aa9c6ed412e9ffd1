"""The lobby dashboard in a real browser: it reads at once on a wall screen, refreshes itself in
place (a script's state survives the refresh) when a check comes due, and fits a tablet.
Screenshots land in test-output/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from bookings import services as booking_services
from inspections.models import Check
from inspections.states import STATES
from staffing.models import Position
from tests import test_browser as shared
from tests.staffing_factories import make_staff
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import login, new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

WALL = {"width": 1920, "height": 1080}
TABLET = {"width": 1024, "height": 768}


def meeting_in_45_minutes(title, lobby_manager, clerk, room, hosting_unit, building):
    """A meeting starting 45 minutes from now in the lobby manager's building, with the lobby
    manager on today's shift there: its level-3 check (30 minutes before) is still pending."""
    now = timezone.localtime()
    start = (now + dt.timedelta(minutes=45)).replace(second=0, microsecond=0)
    if start.date() != now.date():
        pytest.skip("too close to midnight for a meeting later today")
    make_staff(
        user=lobby_manager,
        position=Position.LOBBY_MANAGER,
        home_building=building,
        days=[now.date()],
    )
    return booking_services.book_meeting(
        by=clerk,
        room=room,
        title=title,
        hosting_unit=hosting_unit,
        start=start,
        end=start + dt.timedelta(hours=1),
        attendees=12,
    )


def test_the_lobby_board_refreshes_in_place_when_a_check_comes_due(
    live_server, browser, lobby_manager, clerk, room, hosting_unit, building
):
    meeting = meeting_in_45_minutes(
        "大堂看板演示会", lobby_manager, clerk, room, hosting_unit, building
    )
    level3 = meeting.checks.get(level=3)  # due 30 minutes before the start: still pending
    context, page = new_page(browser, WALL)
    try:
        base = live_server.url
        login(page, base, lobby_manager)
        page.goto(f"{base}/lobby/")
        check = page.locator(f"#check-{level3.pk}")
        assert check.get_attribute("data-state") == "pending"
        before = check.inner_text()
        assert "大堂看板演示会" in page.locator(f"#lobby-meeting-{meeting.pk}").inner_text()
        page.evaluate("window.__marker = 42")

        # The check comes due: its state is derived from due_at and the clock.
        Check.objects.filter(pk=level3.pk).update(due_at=timezone.now() - dt.timedelta(minutes=1))
        page.evaluate("htmx.trigger('#lobby-board', 'refresh')")
        page.wait_for_selector(f"#check-{level3.pk}[data-state='due']")

        assert page.evaluate("window.__marker") == 42
        text = page.locator(f"#check-{level3.pk}").inner_text()
        with translation.override("zh-hans"):
            due, pending = str(STATES["due"].label), str(STATES["pending"].label)
        assert due in text and pending not in text, text
        assert text != before
        # The meeting's title is a link reached by keyboard.
        link = page.locator(f"#lobby-meeting-{meeting.pk} a.lobby-meeting-title")
        link.focus()
        assert page.evaluate("document.activeElement.getAttribute('href')") == (
            f"/meetings/{meeting.pk}/"
        )
        shot(page, "lobby-wall-screen.png")

        page.set_viewport_size(TABLET)
        # Two columns on a tablet, nothing wider than the screen.
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        side = page.locator(".lobby-side").bounding_box()
        timeline = page.locator("#lobby-timeline").bounding_box()
        assert side["x"] > timeline["x"]
        shot(page, "lobby-tablet.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
