"""The service hotline's board in a real browser (Debian's /usr/bin/chromium through Playwright
against the live server; skipped without it unless REQUIRE_BROWSER=1): a due check and an open
incident on screen, the incident resolved from the keyboard alone."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services as booking_services
from core.roles import Role
from inspections import incidents
from inspections import services as check_services
from inspections.models import Incident
from tests import test_browser as shared
from tests.test_browser import PASSWORD, assert_no_csp_violations, shot

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

DESK = {"width": 1366, "height": 768}


def new_page(chromium, viewport):
    context = chromium.new_context(locale="en-US", viewport=viewport, timezone_id="Asia/Shanghai")
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
    return context, page


def login(page, base: str, user) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    # Wherever the role's home page is (the live desks may give the hotline its own).
    page.wait_for_url(lambda url: url.startswith(base) and "/login/" not in url)


def test_the_hotline_resolves_an_incident_from_the_keyboard(
    live_server, browser, make_user, clerk, room, hosting_unit, building
):
    hotline = make_user("hotline-desk", Role.HOTLINE)
    start = timezone.localtime().replace(second=0, microsecond=0) + dt.timedelta(minutes=80)
    meeting = booking_services.book_meeting(
        by=clerk,
        room=room,
        title="热线看板测试会",
        hosting_unit=hosting_unit,
        start=start,
        end=start + dt.timedelta(hours=1),
        attendees=12,
    )
    checks = check_services.ensure_checks(meeting, now=timezone.now())
    due = next(check for check in checks if check.level == 2)  # due in 20 minutes
    incident = incidents.report_incident(
        by=clerk, category="equipment", severity="high", description="话筒没有声音", room=room
    )
    context, page = new_page(browser, DESK)
    try:
        base = live_server.url
        login(page, base, hotline)
        page.goto(f"{base}/hotline/")
        assert "热线看板测试会" in page.locator(f"#section-due #check-{due.pk}").inner_text()
        card = page.locator(f"#incident-{incident.pk}")
        assert "话筒没有声音" in card.inner_text()
        # From the resolution field, one Tab reaches the button; Enter presses it.
        page.locator(f"#resolution-{incident.pk}").focus()
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.classList.contains('js-resolve')")
        page.keyboard.press("Enter")
        page.wait_for_selector(".alert-success")
        assert page.locator(f"#incident-{incident.pk}").count() == 0
        shot(page, "hotline-board.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
    assert Incident.objects.get(pk=incident.pk).resolved_by == hotline
