"""The door display on a lobby wall screen and a portrait tablet, in a real browser (Debian's
/usr/bin/chromium through Playwright against the live server; skipped without it unless
REQUIRE_BROWSER=1). Anonymous, no login: the link is the key. Screenshots land in
test-output/screenshots/."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Confidentiality
from conference import door
from tests import test_browser as shared
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

WALL = {"width": 1920, "height": 1080}
TABLET = {"width": 800, "height": 1280}


def book_now(clerk, room, hosting_unit, title: str, *, minutes_from_now: int, **params):
    """A meeting around the real clock (booked a day earlier), so the screen shows it today."""
    now = timezone.now().replace(second=0, microsecond=0)
    start = now + dt.timedelta(minutes=minutes_from_now)
    return booking_services.book_meeting(
        by=clerk,
        room=room,
        title=title,
        hosting_unit=hosting_unit,
        start=start,
        end=start + dt.timedelta(minutes=20),
        attendees=12,
        now=start - dt.timedelta(days=1),
        **params,
    )


def refresh(page) -> None:
    """Fire the rows' own htmx request (the one `every 60s` sends) and wait for its answer."""
    with page.expect_response(lambda response: "/rows/" in response.url):
        page.evaluate("htmx.trigger('#door-rows', 'door-refresh')")


def test_the_lobby_screen_refreshes_in_place_and_stops_when_revoked(
    live_server, browser, building, supervisor, clerk, room, hosting_unit, create_room
):
    # Three rooms and meetings close to the clock, so they are today's at any hour but midnight.
    second, third = create_room(number="302"), create_room(number="303")
    link = door.issue_link(building, by=supervisor)
    book_now(clerk, room, hosting_unit, "正在进行的协调会", minutes_from_now=-5)
    book_now(
        clerk,
        second,
        hosting_unit,
        "不能出现在门口的涉密会",
        minutes_from_now=10,
        confidentiality=Confidentiality.SECRET,
    )
    context, page = new_page(browser, WALL)
    try:
        page.goto(live_server.url + reverse("door-display", args=[link.token]))
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert page.locator("#door-building").inner_text() == building.name
        text = page.locator("#door").inner_text()
        assert "正在进行的协调会" in text
        assert "不能出现在门口的涉密会" not in text and "会议" in text
        # Nothing wider than the wall.
        assert page.evaluate("document.documentElement.scrollWidth") <= WALL["width"]
        page.evaluate("window.__marker = 1")

        # A meeting booked meanwhile appears on the next refresh, without reloading the page.
        book_now(clerk, third, hosting_unit, "刚刚加上的座谈会", minutes_from_now=20)
        refresh(page)
        page.wait_for_selector("#door-rows :text('刚刚加上的座谈会')")
        assert page.evaluate("window.__marker") == 1
        shot(page, "door-wall-1920.png")

        # The supervisor revokes the link: the open screen says so and stops polling.
        door.revoke_link(link, by=supervisor)
        refresh(page)
        page.wait_for_selector("#door-gone")
        assert page.evaluate("window.__marker") == 1
        shot(page, "door-wall-revoked.png")
        assert_no_csp_violations(page)
    finally:
        context.close()


def test_the_door_reads_on_a_portrait_tablet(
    live_server, browser, building, supervisor, clerk, room, hosting_unit
):
    link = door.issue_link(building, by=supervisor)
    book_now(clerk, room, hosting_unit, "平板上看到的工作会", minutes_from_now=15)
    context, page = new_page(browser, TABLET)
    try:
        page.goto(live_server.url + reverse("door-display", args=[link.token]))
        assert "平板上看到的工作会" in page.locator("#door").inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= TABLET["width"]
        shot(page, "door-tablet-portrait.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
