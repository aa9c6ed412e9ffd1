"""My duties on a phone and the lobby manager's one-click dispatch, in a real browser
(Debian's /usr/bin/chromium through Playwright against the live server; skipped without it
unless REQUIRE_BROWSER=1). Screenshots land in test-output/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services as booking_services
from staffing import services
from staffing.models import Duty, DutyRole, DutyStatus, Position, StaffingRule
from staffing.needs import open_needs
from tests import test_browser as shared
from tests.staffing_factories import make_staff
from tests.test_browser import PASSWORD, assert_no_csp_violations, shot

pytestmark = [pytest.mark.browser]

# The clerk's browser test's fixtures: Chromium (skipped or failed as REQUIRE_BROWSER says) and
# the building laid again after the live server's flush.
browser = shared.browser
building = shared.building

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def rules(transactional_db):
    """The live server's tests flush the default staffing rules (migration 0003): lay the two
    that matter here again, one lead and an attendant per 20 attendees."""
    StaffingRule.objects.create(role=DutyRole.LEAD, levels="ABC", fixed=1)
    StaffingRule.objects.create(role=DutyRole.ATTENDANT, levels="ABC", attendees_per_person=20)


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
    page.on("dialog", lambda dialog: dialog.accept())
    return context, page


def login(page, base: str, user) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    # Each role lands on its own page (conference.views.home): wait until login is left.
    page.wait_for_url(lambda url: "/login/" not in url)


def tomorrow_at(hour: int) -> dt.datetime:
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(tomorrow, dt.time(hour)))


def days():
    today = timezone.localdate()
    return [today + dt.timedelta(days=i) for i in range(3)]


def book(clerk, room, hosting_unit, title: str, hour: int):
    return booking_services.book_meeting(
        by=clerk,
        room=room,
        title=title,
        hosting_unit=hosting_unit,
        start=tomorrow_at(hour),
        end=tomorrow_at(hour + 1),
        attendees=12,
    )


def test_an_attendant_acknowledges_a_duty_on_a_phone(
    live_server, browser, attendant, supervisor, clerk, room, hosting_unit, rules
):
    person = make_staff(user=attendant, name="李娟", days=days(), home_building=room.building)
    meeting = book(clerk, room, hosting_unit, "手机上看到的座谈会", 10)
    duty = services.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT)
    context, page = new_page(browser, PHONE)
    try:
        base = live_server.url
        login(page, base, attendant)
        # From the navigation (collapsed behind the menu button on a phone).
        page.locator(".navbar-toggler").click()
        page.locator("#nav-items a[href='/my-duties/']").click()
        page.wait_for_url(f"{base}/my-duties/")
        card = page.locator(f"#duty-{duty.pk}")
        assert "手机上看到的座谈会" in card.inner_text()
        assert "09:30" in card.inner_text()
        # Nothing wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        card.locator(".js-acknowledge").click()
        page.wait_for_selector(".alert-success")
        assert card.locator(".js-acknowledge").count() == 0
        shot(page, "my-duties-phone.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ACKNOWLEDGED


def test_a_lobby_manager_dispatches_tomorrow_with_one_click(
    live_server, browser, lobby_manager, clerk, room, hosting_unit, building, rules
):
    make_staff(
        user=lobby_manager, position=Position.LOBBY_MANAGER, home_building=building, days=days()
    )
    make_staff(name="组长甲", is_group_leader=True, home_building=building, days=days())
    for i in range(2):
        make_staff(name=f"服务员{i}", home_building=building, days=days())
    meetings = [
        book(clerk, room, hosting_unit, "上午的协调会", 9),
        book(clerk, room, hosting_unit, "下午的座谈会", 14),
    ]
    context, page = new_page(browser, {"width": 1280, "height": 900})
    try:
        base = live_server.url
        login(page, base, lobby_manager)
        page.goto(f"{base}/dispatch/")
        for meeting in meetings:
            assert page.locator(f"#meeting-{meeting.pk} .need-short").count() >= 1
        page.click("#dispatch-button")
        page.wait_for_selector(".alert-success")
        for meeting in meetings:
            block = page.locator(f"#meeting-{meeting.pk}")
            staffed = block.locator(".meeting-staffed").count() == 1
            explained = block.locator(".dispatch-unfilled").count() >= 1
            assert staffed or explained, block.inner_text()
        shot(page, "dispatch-tomorrow.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
    assert Duty.objects.active().filter(meeting__in=meetings, role=DutyRole.LEAD).count() == 2
    assert all(not open_needs(meeting) for meeting in meetings)
