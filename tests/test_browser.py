"""A clerk's day in a real browser: log in, book a room, find it on home, confirm, reschedule,
cancel. Chromium is Debian's (/usr/bin/chromium), driven by Playwright against the live server.

The browser asks for en-US, as headless Chromium and many office PCs do: the pages must still be
Chinese. Screenshots land in test-output/screenshots/ for a human to look at.
"""

import datetime as dt
import os
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connections
from django.utils import timezone

from bookings.models import Building, LeaderRank, Meeting, MeetingStatus
from core.models import AuditEntry

# Playwright's sync API runs an event loop in this thread; the ORM calls made by the test
# (fixtures, checks) are still plain synchronous calls.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(settings.BASE_DIR) / "test-output" / "screenshots"
PASSWORD = "pw-for-tests-only"

pytestmark = [pytest.mark.browser]


@pytest.fixture
def building(transactional_db):
    """The live server's tests flush the database, reference data included: lay it again."""
    building, _created = Building.objects.get_or_create(
        code="conference",
        defaults={"name": "会议大厦", "name_en": "Conference building", "sort_order": 4},
    )
    return building


@pytest.fixture
def browser(require_browser):
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install chromium)"
        if require_browser:
            pytest.fail(f"REQUIRE_BROWSER=1 but {message}")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        try:
            yield browser
        finally:
            browser.close()
            # The ORM calls made while Playwright runs use a connection of their own (its
            # greenlets carry their own context); close it, or PostgreSQL refuses to drop the
            # test database at the end ("being accessed by other users").
            connections.close_all()


@pytest.fixture
def page(browser):
    context = browser.new_context(
        locale="en-US", viewport={"width": 1280, "height": 900}, timezone_id="Asia/Shanghai"
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.console_errors = []
    page.page_errors = []
    page.on(
        "console",
        lambda message: (
            page.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: page.page_errors.append(str(error)))
    # The cancel form asks "are you sure?"; the clerk is.
    page.on("dialog", lambda dialog: dialog.accept())
    yield page
    context.close()


def shot(page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=True)


def next_slot(after: dt.datetime) -> dt.datetime:
    """The first 5-minute mark after `after`, local, without seconds."""
    local = timezone.localtime(after).replace(second=0, microsecond=0)
    return local + dt.timedelta(minutes=5 - local.minute % 5)


def field_value(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")


def assert_no_csp_violations(page) -> None:
    csp = [text for text in page.console_errors if "Content Security Policy" in text]
    assert not csp, csp
    assert not page.page_errors, page.page_errors


def test_a_clerk_books_confirms_reschedules_and_cancels_in_the_browser(
    live_server, page, clerk, room, hosting_unit, leader
):
    base = live_server.url
    title = "浏览器预订的协调会"

    # Anonymous: sent to the login page, in Chinese although the browser asked for English.
    page.goto(f"{base}/")
    assert "/login/" in page.url
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    shot(page, "login.png")
    page.fill("#id_username", clerk.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert "星期" in page.locator("#today").inner_text()

    # Home -> the booking form.
    page.click("#book-a-room")
    page.wait_for_url(re.compile(r"/meetings/new/$"))
    start = next_slot(timezone.now() + dt.timedelta(hours=1))
    end = start + dt.timedelta(hours=1)
    page.select_option("#id_room", str(room.pk))
    page.fill("#id_title", title)
    page.select_option("#id_hosting_unit", str(hosting_unit.pk))
    page.fill("#id_start", field_value(start))
    page.fill("#id_end", field_value(end))
    page.fill("#id_attendees", "16")
    # Choosing the leader fills the rank (static/js/app.js, from the json_script map).
    assert page.input_value("#id_leader_rank") == LeaderRank.NONE
    page.select_option("#id_leader", str(leader.pk))
    assert page.input_value("#id_leader_rank") == LeaderRank.DISTRICT
    shot(page, "booking-form.png")
    page.click("#submit-booking")

    # The detail page of the new meeting.
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    meeting = Meeting.objects.get(title=title)
    assert page.url == f"{base}/meetings/{meeting.pk}/"
    assert page.inner_text("#meeting-title") == title
    assert meeting.start == start
    assert meeting.leader_rank == LeaderRank.DISTRICT
    assert f"{start:%H:%M}–{end:%H:%M}" in page.inner_text("#meeting-time")
    shot(page, "meeting-detail.png")

    # Home lists it among today's meetings (unless now + 1 hour is already tomorrow).
    if timezone.localtime(start).date() == timezone.localdate():
        page.goto(f"{base}/")
        assert page.locator("#meetings").get_by_text(title).count() == 1
        shot(page, "clerk-home.png")
        # Printed, the list stands alone: no navigation, footer or buttons.
        page.emulate_media(media="print")
        assert not page.locator("nav.navbar").is_visible()
        assert not page.locator("footer").is_visible()
        assert not page.locator("#book-a-room").is_visible()
        assert page.locator("#meetings").is_visible()
        shot(page, "clerk-home-print.png")
        page.emulate_media(media="screen")
        page.locator("#meetings").get_by_text(title).click()
        page.wait_for_url(f"{base}/meetings/{meeting.pk}/")
    else:
        page.goto(f"{base}/meetings/{meeting.pk}/")

    # Confirm.
    page.click("#confirm-button")
    page.wait_for_selector("#meeting-status .status-confirmed")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED

    # Reschedule one hour later.
    page.click("#reschedule-link")
    page.wait_for_url(re.compile(r"/reschedule/$"))
    assert page.input_value("#id_start") == field_value(start)
    page.fill("#id_start", field_value(start + dt.timedelta(hours=1)))
    page.fill("#id_end", field_value(end + dt.timedelta(hours=1)))
    shot(page, "reschedule-form.png")
    page.click("#submit-reschedule")
    page.wait_for_url(f"{base}/meetings/{meeting.pk}/")
    meeting.refresh_from_db()
    assert meeting.start == start + dt.timedelta(hours=1)

    # Cancel, with a reason (the confirmation dialog is accepted).
    page.fill("#id_reason", "领导另有安排")
    page.click("#cancel-button")
    page.wait_for_selector("#meeting-status .status-cancelled")
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert page.locator("#history .history-entry").count() == 4
    assert page.locator("#cancel-form").count() == 0
    shot(page, "meeting-history.png")
    assert [e.action for e in AuditEntry.objects.for_object(meeting).order_by("at", "id")] == [
        "booked",
        "confirmed",
        "rescheduled",
        "cancelled",
    ]

    assert_no_csp_violations(page)


def test_a_refused_booking_shows_why_on_the_form_in_the_browser(
    live_server, page, clerk, room, hosting_unit
):
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", clerk.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/")
    start = next_slot(timezone.now() + dt.timedelta(hours=2))
    page.goto(f"{base}/meetings/new/?room={room.pk}&attendees=10")
    assert page.input_value("#id_room") == str(room.pk)
    assert page.input_value("#id_attendees") == "10"
    page.fill("#id_title", "结束早于开始")
    page.select_option("#id_hosting_unit", str(hosting_unit.pk))
    page.fill("#id_start", field_value(start))
    page.fill("#id_end", field_value(start - dt.timedelta(hours=1)))
    page.click("#submit-booking")
    page.wait_for_selector("#id_end.is-invalid")
    assert page.locator(".invalid-feedback").count() >= 1
    assert not Meeting.objects.exists()
    shot(page, "booking-refused.png")

    # English only by the user's own choice: the footer's switcher.
    page.select_option("#language", "en")
    page.wait_for_load_state("load")
    # A selector, not wait_for_function: Playwright's string predicates are evaluated in the
    # page, which the Content-Security-Policy (rightly) refuses as eval.
    page.locator("html[lang='en']").wait_for(state="attached")
    assert page.locator("html").get_attribute("lang") == "en"
    shot(page, "booking-form-en.png")
    assert_no_csp_violations(page)
