"""An attendant ticks an office round off on a phone, in a real browser (Debian's
/usr/bin/chromium through Playwright against the live server; skipped unless RUN_BROWSER=1 or
REQUIRE_BROWSER=1). The screenshot lands in test-output/screenshots/."""

import datetime as dt

import pytest
from django.utils import timezone

from bookings.models import Room
from offices import services as office_services
from offices.checklists import codes_for
from offices.models import RoundStatus
from staffing import services
from staffing.models import Shift, ShiftKind
from tests import test_browser as shared
from tests.staffing_factories import make_staff
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import PHONE, login, new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building


def test_an_attendant_ticks_an_office_round_off_on_a_phone(
    live_server, browser, attendant, supervisor, hotline_user, create_room
):
    office = create_room(number="805", name="综合科办公室", kind=Room.Kind.OFFICE, floor=8)
    now = timezone.now()
    person = make_staff(user=attendant, name="李娟", days=[])
    # On shift around now, whatever the hour the test runs at.
    Shift.objects.create(
        staff=person,
        kind=ShiftKind.DAY,
        start=now - dt.timedelta(hours=1),
        end=now + dt.timedelta(hours=3),
    )
    office_round = office_services.request_round(
        by=hotline_user, room=office, what="会客后收拾茶具", when=now + dt.timedelta(minutes=20)
    )
    duty = services.assign_round_duty(office_round, by=supervisor, staff=person)
    context, page = new_page(browser, PHONE)
    try:
        base = live_server.url
        login(page, base, attendant)
        page.goto(f"{base}/my-duties/")
        card = page.locator(f"#duty-{duty.pk}")
        assert "综合科办公室" in card.inner_text()
        assert "会客后收拾茶具" in card.inner_text()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        for code in codes_for(office_round.kind):
            card.locator(f"#round-{duty.pk}-{code}").check()
        card.locator(".js-round-done").click()
        page.wait_for_selector(".alert-success")
        card = page.locator(f"#duty-{duty.pk}")
        assert card.locator(".round-results li").count() == len(codes_for(office_round.kind))
        assert card.locator(".js-round-done").count() == 0
        shot(page, "office-round-done-phone.png")
        assert_no_csp_violations(page)
    finally:
        context.close()
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.DONE
    assert office_round.done_by == attendant
    assert all(row["ok"] for row in office_round.item_results)


@pytest.fixture
def hotline_user(make_user):
    from core.roles import Role

    return make_user("hotline", Role.HOTLINE)
