"""The clerk's flow of issue 3's "Done means", in a real browser: from home, find a room for 25
people with video conferencing tomorrow afternoon and book it for a bureau-level leader in at
most six interactions; see its level; open this week's list and export it to Excel. Then the
day timeline (a free slot books with room and time filled in), the week of a room and the
requests awaiting confirmation.

Chromium is Debian's, driven by Playwright against the live server with the launch arguments
and the skip-or-fail rule of tests/test_browser.py. Screenshots land in test-output/screenshots/.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone
from openpyxl import load_workbook

from bookings import services
from bookings.models import (
    Building,
    Confidentiality,
    Equipment,
    HostingUnit,
    Leader,
    LeaderRank,
    Meeting,
    Room,
    SizingRule,
)
from core import timeutils
from tests import test_browser as shared
from tests.test_browser import PASSWORD, assert_no_csp_violations, shot

# The browser fixtures of tests/test_browser.py: Debian's Chromium, its launch arguments, the
# skip-or-fail rule (REQUIRE_BROWSER) and the console watch for CSP violations.
browser = shared.browser
page = shared.page

pytestmark = [pytest.mark.browser]

MAX_INTERACTIONS = 6


class Counted:
    """The page actions a person makes (clicks, fills, checks, selects), counted."""

    def __init__(self, page):
        self.page = page
        self.count = 0

    def click(self, selector: str) -> None:
        self.count += 1
        self.page.click(selector)

    def fill(self, selector: str, value: str) -> None:
        self.count += 1
        self.page.fill(selector, value)

    def check(self, selector: str) -> None:
        self.count += 1
        self.page.check(selector)

    def select(self, selector: str, value: str) -> None:
        self.count += 1
        self.page.select_option(selector, value)


@pytest.fixture
def building(transactional_db):
    """The live server's tests flush the database, reference data included: lay it again."""
    for code, name, order in (("main", "主楼", 1), ("east", "东楼", 2), ("west", "西楼", 3)):
        Building.objects.get_or_create(code=code, defaults={"name": name, "sort_order": order})
    building, _created = Building.objects.get_or_create(
        code="conference",
        defaults={"name": "会议大厦", "name_en": "Conference building", "sort_order": 4},
    )
    return building


@pytest.fixture
def place(building, clerk):
    """Rooms with equipment, a hosting unit, a bureau-level leader, the sizing rule that makes
    a bureau-level leader's meeting B, and a busy day tomorrow."""
    video = Equipment.objects.get_or_create(code="video_conference", defaults={"name": "视频会议"})[
        0
    ]
    projector = Equipment.objects.get_or_create(code="projector", defaults={"name": "投影仪"})[0]
    screen = Equipment.objects.get_or_create(code="led_screen", defaults={"name": "LED屏"})[0]
    mics = Equipment.objects.get_or_create(code="microphones", defaults={"name": "话筒"})[0]

    def room(number, name, seats, *equipment, **extra):
        made = Room.objects.create(
            building=building,
            number=number,
            name=name,
            floor=int(number[0]),
            capacity=seats,
            layouts=["boardroom", "u_shape"],
            **extra,
        )
        made.equipment.set(equipment)
        return made

    rooms = {
        "small_video": room("205", "小视频会议室", 20, video, screen),
        "taken_video": room("208", "视频会商室", 28, video, screen),
        "best": room("301", "视频会议室", 30, video, screen, mics),
        "plain": room("302", "第一会议室", 40, projector, mics),
        "centre": room("401", "视频会议中心", 80, video, screen, mics),
        "hall": room("101", "报告厅", 260, projector, screen, mics, setup_minutes=45),
        "vip": room("402", "贵宾接待室", 16, screen),
    }
    unit = HostingUnit.objects.create(
        name="区发展和改革委员会",
        short_name="区发改委",
        contact_name="李明",
        contact_phone="13800138000",
    )
    other_unit = HostingUnit.objects.create(name="区财政局", short_name="区财政局")
    leader = Leader.objects.create(name="王建华", title="局长", rank=LeaderRank.BUREAU, unit=unit)
    SizingRule.objects.get_or_create(
        min_leader_rank=LeaderRank.BUREAU,
        level="B",
        defaults={"position": 30, "reason": "局级领导召集"},
    )
    tomorrow = timezone.localdate() + dt.timedelta(days=1)

    def meeting(key, title, start, end, **extra):
        return services.book_meeting(
            by=clerk,
            room=rooms[key],
            title=title,
            hosting_unit=extra.pop("hosting_unit", other_unit),
            start=timeutils.at(tomorrow, *start),
            end=timeutils.at(tomorrow, *end),
            attendees=extra.pop("attendees", 12),
            **extra,
        )

    meeting("taken_video", "财政预算视频会商", (14, 0), (16, 0), attendees=20)
    confirmed = meeting("best", "项目调度会", (9, 0), (11, 30), attendees=24)
    services.confirm_meeting(confirmed, by=clerk)
    meeting("plain", "政策宣讲会", (10, 0), (12, 0), attendees=35)
    meeting("hall", "全区干部大会", (8, 30), (11, 30), attendees=220, hosting_unit=unit)
    meeting("centre", "专题研究会", (15, 0), (17, 0), confidentiality=Confidentiality.SECRET)
    meeting("vip", "来宾接待", (16, 0), (17, 0), attendees=6)
    return {"rooms": rooms, "unit": unit, "leader": leader, "tomorrow": tomorrow}


def log_in(page, base, user) -> None:
    page.goto(f"{base}/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.locator("#login-form button[type=submit]").click()
    page.wait_for_url(f"{base}/")


def test_a_clerk_finds_books_and_exports_in_the_browser(live_server, page, clerk, place, tmp_path):
    base = live_server.url
    title = "视频调度会"
    rooms, leader, tomorrow = place["rooms"], place["leader"], place["tomorrow"]
    log_in(page, base, clerk)
    shot(page, "clerk-home-search.png")

    # From home: how many, what they need, when. The preset submits the search.
    clerk_hands = Counted(page)
    clerk_hands.fill("#quick-attendees", "25")
    clerk_hands.check("#quick-equipment-video_conference")
    clerk_hands.click("#quick-when-tomorrow_pm")
    page.wait_for_url(re.compile(r"/rooms/search/\?"))
    results = page.locator("#fitting-rooms tbody tr")
    # Best fit first: 30 seats with video conferencing (the 28-seat one is taken, the 20-seat
    # one too small, the 40-seat one has no video); the 80-seat centre is taken too.
    assert results.first.get_attribute("data-room") == str(rooms["best"].pk)
    near = page.locator("#near-misses")
    assert near.locator(f'tr[data-room="{rooms["taken_video"].pk}"] [data-reason="taken"]').count()
    assert "财政预算视频会商" in near.inner_text()
    assert near.locator(f'tr[data-room="{rooms["small_video"].pk}"] [data-reason="seats"]').count()
    assert near.locator(f'tr[data-room="{rooms["plain"].pk}"] [data-reason="equipment"]').count()

    # The booking strip: title and leader; the leader fills the rank and the hosting unit.
    clerk_hands.fill("#id_book-title", title)
    clerk_hands.select("#id_book-leader", str(leader.pk))
    assert page.input_value("#id_book-leader_rank") == LeaderRank.BUREAU
    assert page.input_value("#id_book-hosting_unit") == str(place["unit"].pk)
    shot(page, "search-results.png")
    clerk_hands.click(f"#book-room-{rooms['best'].pk}")
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    assert clerk_hands.count <= MAX_INTERACTIONS, clerk_hands.count

    meeting = Meeting.objects.get(title=title)
    assert page.url == f"{base}/meetings/{meeting.pk}/"
    assert meeting.room == rooms["best"]
    assert timezone.localtime(meeting.start).date() == tomorrow
    assert meeting.attendees == 25
    assert meeting.leader == leader and meeting.leader_rank == LeaderRank.BUREAU
    assert meeting.hosting_unit == place["unit"]
    badge = page.inner_text("#meeting-level-badge")
    assert meeting.level and meeting.level in badge  # the page shows the stored level
    if meeting.level == "B":  # the demo rule: a bureau-level leader makes it B
        assert "B" in badge
    shot(page, "booked-from-search.png")

    # This week's list (next week's when tomorrow is already Monday), then the Excel file.
    page.click('#nav-items a[href="/meetings/"]')
    page.wait_for_url(re.compile(r"/meetings/$"))
    monday = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    period = "this_week" if tomorrow <= monday + dt.timedelta(days=6) else "next_week"
    page.click(f"#period-{period}")
    page.wait_for_url(re.compile(rf"period={period}"))
    assert page.locator("#meeting-list").get_by_text(title).count() == 1
    shot(page, "meeting-list.png")
    with page.expect_download() as download_info:
        page.click("#export-xlsx")
    download = download_info.value
    assert download.suggested_filename.endswith(".xlsx")
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    sheet = load_workbook(path).active
    values = [cell.value for row in sheet.iter_rows() for cell in row]
    assert title in values
    assert "专题研究会" in values  # the clerk may see the secret meeting's title

    assert_no_csp_violations(page)


def test_the_timeline_week_and_pending_pages_in_the_browser(live_server, page, clerk, place):
    base = live_server.url
    rooms, tomorrow = place["rooms"], place["tomorrow"]
    log_in(page, base, clerk)

    page.click('#nav-items a[href="/timeline/"]')
    page.wait_for_url(re.compile(r"/timeline/$"))
    page.click("#building-tabs >> text=会议大厦")
    page.click("#next-day")
    page.wait_for_url(re.compile(rf"date={tomorrow:%Y-%m-%d}"))
    assert page.locator(f'tr[data-room="{rooms["best"].pk}"] td.tl-meeting').count() == 1
    assert page.locator(f'tr[data-room="{rooms["best"].pk}"] td.tl-setup').count() == 1
    shot(page, "timeline.png")

    # A free half hour of the best room at 14:00 books it with room and time filled in.
    slot = page.locator(
        f'tr[data-room="{rooms["best"].pk}"] a.cal-slot[data-start="{tomorrow:%Y-%m-%d}T14:00"]'
    )
    slot.click()
    page.wait_for_url(re.compile(r"/meetings/new/\?"))
    assert page.input_value("#id_room") == str(rooms["best"].pk)
    assert page.input_value("#id_start") == f"{tomorrow:%Y-%m-%d}T14:00"
    assert page.input_value("#id_end") == f"{tomorrow:%Y-%m-%d}T15:00"
    shot(page, "booking-from-timeline.png")

    page.goto(f"{base}/rooms/{rooms['best'].pk}/week/?date={tomorrow:%Y-%m-%d}")
    assert page.locator("#week td.tl-meeting").count() >= 1
    shot(page, "room-week.png")

    # At 15:45 tomorrow's unconfirmed requests are called out, in words as well as colour.
    with time_machine.travel(timeutils.at(timezone.localdate(), 15, 45), tick=True):
        page.click('#nav-items a[href="/meetings/pending/"]')
        page.wait_for_url(re.compile(r"/meetings/pending/$"))
        assert page.locator("#urgent-alert").is_visible()
        pending = Meeting.objects.filter(status="requested").order_by("start").first()
        row = page.locator(f'tr[data-meeting="{pending.pk}"]')
        assert row.locator(".pending-urgent-badge").inner_text().strip()
        assert "16:30" in row.inner_text()
        shot(page, "pending.png")
    page.click(f"#confirm-{pending.pk}")
    page.wait_for_url(re.compile(r"/meetings/pending/"))
    pending.refresh_from_db()
    assert pending.status == "confirmed"
    assert page.locator(f'tr[data-meeting="{pending.pk}"]').count() == 0

    assert_no_csp_violations(page)
