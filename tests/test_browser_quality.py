"""The supervisor's quality inspection in a real browser (Debian's /usr/bin/chromium through
Playwright against the live server; skipped without it unless REQUIRE_BROWSER=1 or
RUN_BROWSER=1): record an inspection of today's meeting with a finding, a photo and a corrective
action on a tablet-sized screen, then close the action. Screenshots land in
test-output/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings import services as booking_services
from core.models import AuditEntry
from quality.models import ActionStatus, CorrectiveAction, Inspection
from tests import test_browser as shared
from tests import test_quality_services as quality_shared
from tests.staffing_factories import make_staff
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import login, new_page
from tests.test_quality_services import png_bytes

pytestmark = [pytest.mark.browser]

# Chromium (skipped or failed as REQUIRE_BROWSER says), the building laid again after the live
# server's flush, the default checklist likewise, and a scratch MEDIA_ROOT for the photo.
browser = shared.browser
building = shared.building
checklist = quality_shared.checklist
media = quality_shared.media

TABLET = {"width": 1024, "height": 768}


def todays_meeting(clerk, room, hosting_unit):
    """A meeting that started up to an hour ago today (booked the day before)."""
    now = timezone.localtime()
    midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
    start = max(now - dt.timedelta(hours=1), midnight + dt.timedelta(minutes=30))
    start = start.replace(second=0, microsecond=0)
    return booking_services.book_meeting(
        by=clerk,
        room=room,
        title="品质检查的座谈会",
        hosting_unit=hosting_unit,
        start=start,
        end=start + dt.timedelta(hours=2),
        attendees=12,
        now=start - dt.timedelta(days=1),
    )


def test_the_supervisor_records_an_inspection_with_a_finding_and_closes_its_action(
    live_server, browser, supervisor, clerk, attendant, room, hosting_unit, checklist, media
):
    meeting = todays_meeting(clerk, room, hosting_unit)
    cleaner = make_staff(user=attendant, name="李娟", home_building=room.building)
    items = list(checklist.items.all())
    due = timezone.localdate() + dt.timedelta(days=2)
    context, page = new_page(browser, TABLET)
    try:
        base = live_server.url
        login(page, base, supervisor)
        page.goto(f"{base}/quality/")
        page.click("#new-inspection")
        page.select_option("#choose-meeting", str(meeting.pk))
        page.click("#choose-continue")
        page.wait_for_selector("#inspection-form")
        assert "品质检查的座谈会" in page.locator("#inspection-target").inner_text()

        # The first item by keyboard: focus its "1" and move right twice (3); the rest by touch.
        page.focus(f"#score-{items[0].pk}-1")
        page.keyboard.press("ArrowRight")
        page.keyboard.press("ArrowRight")
        assert page.is_checked(f"#score-{items[0].pk}-3")
        for item in items[1:]:
            page.click(f"label[for=score-{item.pk}-5]")
        page.check(f"#staff-{cleaner.pk}")
        page.fill("#id_note", "会场整体良好")
        page.fill("#finding-0-text", "茶杯摆放不整齐，杯垫缺失")
        page.set_input_files(
            "#finding-0-photo",
            files=[{"name": "cups.png", "mimeType": "image/png", "buffer": png_bytes((64, 48))}],
        )
        page.fill("#finding-0-action", "补齐杯垫，按标准摆放")
        page.select_option("#finding-0-assignee", str(cleaner.pk))
        page.fill("#finding-0-due_on", due.isoformat())
        shot(page, "quality-inspection-form-tablet.png")
        page.click("#record-inspection")

        page.wait_for_selector("#inspection-score")
        inspection = Inspection.objects.get()
        assert page.url.endswith(f"/quality/{inspection.pk}/")
        # Weights 2,2,2,1,2; scores 3,5,5,5,5: 100 * (2*2 + 2*4 + 2*4 + 1*4 + 2*4) / 36 = 88.9.
        assert page.locator("#inspection-score").inner_text().strip() == "89"
        photo = page.locator("img.quality-photo")
        # decode() waits for the image to arrive (a loaded page may still be fetching it) and
        # fails for a broken one.
        assert photo.evaluate("img => img.decode().then(() => img.naturalWidth)") == 64
        action = CorrectiveAction.objects.get()
        state = page.locator(f"#action-{action.pk} .action-state")
        assert state.get_attribute("data-state") == "open"
        # The state is written, not only coloured.
        assert state.inner_text().strip() != ""
        shot(page, "quality-inspection-detail.png")

        page.goto(f"{base}/quality/actions/")
        page.fill(f"#close-note-{action.pk}", "已补齐杯垫并重新摆放")
        page.click(f"#close-action-{action.pk}")
        page.wait_for_selector(".alert-success")
        assert page.locator(f"#action-{action.pk}").count() == 0  # only open ones listed
        page.click("#action-states a[href='?state=done']")
        page.wait_for_selector(f"#action-{action.pk} .action-state[data-state=done]")
        shot(page, "quality-action-closed.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.closed_by == supervisor
    assert action.assignee == cleaner
    assert action.due_on == due
    assert inspection.findings.get().photo.name.endswith(".png")
    assert list(inspection.staff.all()) == [cleaner]
    assert set(AuditEntry.objects.values_list("action", flat=True)) >= {
        "inspection_recorded",
        "action_assigned",
        "action_closed",
    }
