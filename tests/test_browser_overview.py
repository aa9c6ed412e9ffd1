"""The supervisor's overview in a real browser (Debian's /usr/bin/chromium through Playwright
against the live server; skipped without it unless REQUIRE_BROWSER=1): the week's comparison,
the charts and an overdue corrective action on a 1366x768 desk, and last week's briefing asked
for in one click."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services as booking_services
from bookings.models import Room
from quality import services as quality_services
from quality.models import InspectionTemplate, TemplateItem
from reports.models import Document, Kind
from tests import test_browser as shared
from tests.staffing_factories import make_staff
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import login, new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

DESK = {"width": 1366, "height": 768}


def test_the_supervisor_reads_the_overview_and_asks_for_last_weeks_briefing(
    live_server, browser, supervisor, clerk, room, hosting_unit, create_room, building
):
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(8)))
    booking_services.book_meeting(
        by=clerk,
        room=room,
        title="周例会",
        hosting_unit=hosting_unit,
        start=start,
        end=start + dt.timedelta(hours=1),
        attendees=12,
        now=start - dt.timedelta(days=1),
    )
    office = create_room(number="B501", kind=Room.Kind.OFFICE, capacity=2)
    template = InspectionTemplate.objects.create(name="办公室检查")
    TemplateItem.objects.create(template=template, position=1, text="整体")
    due_on = today - dt.timedelta(days=3)
    quality_services.record_inspection(
        by=supervisor,
        template=template,
        room=office,
        scores={item.pk: 2 for item in template.items.all()},
        staff=[],
        findings=[
            {
                "text": "地毯有污渍",
                "action": "清洗地毯",
                "assignee": make_staff(name="王芳"),
                "due_on": due_on,
            }
        ],
        now=timezone.now() - dt.timedelta(days=5),
    )
    make_staff(name="李娟", authorised=True, authorised_until=today + dt.timedelta(days=5))
    context, page = new_page(browser, DESK)
    try:
        base = live_server.url
        login(page, base, supervisor)
        page.goto(f"{base}/overview/")
        table = page.locator("#overview-table")
        assert table.is_visible()
        assert table.locator("tbody tr").count() == 10
        assert page.locator("#metric-meetings").get_attribute("data-direction") == "up"
        assert page.locator("#chart-meetings_per_day img").is_visible()
        assert page.locator("#chart-meetings_by_building img").is_visible()
        images = page.locator("#overview-charts img")
        for index in range(images.count()):
            image = images.nth(index)
            assert image.get_attribute("src").startswith("data:image/png;base64,")
            assert image.evaluate("img => img.complete && img.naturalWidth > 0")
            assert image.get_attribute("alt")
        overdue = page.locator("#overview-actions .overview-overdue")
        assert overdue.count() == 1
        assert "王芳" in overdue.inner_text() and "清洗地毯" in overdue.inner_text()
        assert "李娟" in page.locator("#overview-clearances").inner_text()
        assert_no_csp_violations(page)
        shot(page, "overview.png")

        page.locator("#overview-generate button[type=submit]").click()
        page.wait_for_url(f"{base}/documents/")
        last_monday = today - dt.timedelta(days=today.weekday() + 7)
        document = Document.objects.get(kind=Kind.WEEKLY_BRIEFING)
        assert document.period_start == last_monday
        assert_no_csp_violations(page)
    finally:
        context.close()
