"""The information-centre console in a real browser (Debian's /usr/bin/chromium through
Playwright against the live server; skipped without it unless REQUIRE_BROWSER=1): a clerk at a
1366x768 desk sees a request awaiting confirmation, confirms it with one click and it leaves the
list."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Meeting, MeetingStatus
from tests import test_browser as shared
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import login, new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

DESK = {"width": 1366, "height": 768}


def test_a_clerk_confirms_a_request_from_the_console(
    live_server, browser, clerk, room, hosting_unit, building
):
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0) + dt.timedelta(days=1)
    meeting = booking_services.book_meeting(
        by=clerk,
        room=room,
        title="信息中心确认测试会",
        hosting_unit=hosting_unit,
        start=start,
        end=start + dt.timedelta(hours=1),
        attendees=12,
    )
    context, page = new_page(browser, DESK)
    try:
        base = live_server.url
        login(page, base, clerk)
        page.goto(f"{base}/console/")
        row = page.locator(f"#console-requests #request-{meeting.pk}")
        assert "信息中心确认测试会" in row.inner_text()
        button = page.locator(f"#confirm-{meeting.pk}")
        assert button.is_visible()
        button.click()
        page.wait_for_selector(".alert-success")
        assert page.locator(f"#request-{meeting.pk}").count() == 0
        shot(page, "console.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
    assert Meeting.objects.get(pk=meeting.pk).status == MeetingStatus.CONFIRMED
