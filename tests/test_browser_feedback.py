"""Issue 6 part 3 in a real browser: the hosting unit's contact opens the feedback link on a
phone without logging in, rates a service 2 and sends it; the supervisor logs in and finds the
complaint. Debian's Chromium through Playwright against the live server (skipped unless
REQUIRE_BROWSER=1 or RUN_BROWSER=1). Screenshots land in test-output/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import PackageItem
from feedback import services
from feedback.models import Answer, Complaint
from tests import test_browser as shared
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import PHONE, login, new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building


def test_a_contact_rates_a_meeting_with_a_two_and_the_supervisor_sees_the_complaint(
    live_server, browser, building, clerk, supervisor, room, hosting_unit
):
    # The meeting orders tea whatever the default packages hold.
    PackageItem.objects.get_or_create(level="C", kind="tea", defaults={"quantity": 1})
    start = timezone.localtime().replace(second=0, microsecond=0) - dt.timedelta(hours=3)
    meeting = booking_services.book_meeting(
        by=clerk,
        room=room,
        title="浏览器里评价的协调会",
        hosting_unit=hosting_unit,
        start=start,
        end=start + dt.timedelta(hours=2),
        attendees=12,
        now=start - dt.timedelta(days=1),
    )
    booking_services.confirm_meeting(meeting, by=clerk, now=start - dt.timedelta(days=1))
    invitation = services.invite(meeting)
    base = live_server.url

    context, page = new_page(browser, PHONE)
    try:
        page.goto(f"{base}/f/{invitation.token}/")
        assert page.locator("html").get_attribute("lang") == "zh-CN"
        assert "浏览器里评价的协调会" in page.locator("#meeting-title").inner_text()
        assert page.locator("#nav-items").count() == 0
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        # The keyboard moves within a scale: from 5, the down arrow chooses 4.
        page.focus("#rating-tea-5")
        page.keyboard.press("ArrowDown")
        assert page.is_checked("#rating-tea-4")
        for key in services.services_for(meeting):
            if key not in ("tea", "overall"):
                page.locator(f"label[for='rating-{key}-5']").click()
        # The label in words is what one taps.
        page.locator("label[for='rating-overall-2']").click()
        assert page.is_checked("#rating-overall-2")
        page.fill("#comment", "会议中途空调太冷，调了两次才好。")
        shot(page, "feedback-form-phone.png")
        page.locator("#feedback-submit").click()
        page.wait_for_url(f"{base}/f/{invitation.token}/thanks/")
        page.wait_for_selector("#thanks-heading")
        shot(page, "feedback-thanks-phone.png")
        # The same link again: already answered.
        page.goto(f"{base}/f/{invitation.token}/")
        assert page.locator("#closed-message").get_attribute("data-code") == "answered"
        assert_no_csp_violations(page)
    finally:
        context.close()

    answer = Answer.objects.get()
    assert (answer.overall, answer.lowest) == (2, 2)
    complaint = Complaint.objects.get()

    context, page = new_page(browser, {"width": 1280, "height": 900})
    try:
        login(page, base, supervisor)
        page.locator("#bell").click()
        page.wait_for_url(f"{base}/notifications/")
        # The bell carries the complaint; "Open" leads to it.
        page.locator(".notification").first.locator("button[name=open]").click()
        page.wait_for_url(f"{base}/feedback/complaints/{complaint.pk}/")
        assert "空调太冷" in page.locator("#complaint-comment").inner_text()
        shot(page, "feedback-complaint-detail.png")
        page.goto(f"{base}/feedback/complaints/")
        row = page.locator(f"tr[data-complaint='{complaint.pk}']")
        assert "浏览器里评价的协调会" in row.inner_text()
        shot(page, "feedback-complaints.png")
        row.locator("a").click()
        page.fill("#reply", "已检修空调，向您致歉。")
        page.locator("#reply-form button[type=submit]").click()
        page.wait_for_selector("#complaint-reply")
        assert_no_csp_violations(page)
    finally:
        context.close()
    complaint.refresh_from_db()
    assert complaint.status == "replied"
