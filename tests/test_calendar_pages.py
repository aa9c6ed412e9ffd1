"""The day timeline of a building and the week of a room: occupied windows with setup and
teardown, titles through the visibility policy, free half hours that book in one click, and a
query count that does not grow with the number of meetings.
"""

import datetime as dt
import re
from urllib.parse import parse_qs, unquote, urlparse

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Building, Confidentiality
from bookings.views.calendar import UNITS, build_lane
from tests.conftest import NOW

TODAY = NOW.date()  # Friday 2026-11-27
TOMORROW = TODAY + dt.timedelta(days=1)


def local(hour: int, minute: int = 0, *, days: int = 1) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute) + dt.timedelta(days=days)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def timeline(client, day=TOMORROW, building="conference"):
    return client.get(reverse("day-timeline"), {"building": building, "date": f"{day:%Y-%m-%d}"})


def lane_html(html: str, room) -> str:
    start = html.index(f'data-room="{room.pk}"')
    return html[start : html.index("</tr>", start)]


def cells(row_html: str) -> list[tuple[int, str]]:
    """(colspan, classes) of each cell in a timeline row."""
    return [
        (int(span), classes)
        for span, classes in re.findall(r'<td colspan="(\d+)" class="([^"]*)"', row_html)
    ]


# --- laying out a lane -----------------------------------------------------------------------


def test_a_lane_covers_the_whole_grid_with_setup_meeting_and_teardown(room, book, clerk):
    meeting = book(start=local(14), end=local(16))  # setup 15, teardown 10
    lane = build_lane(room, TOMORROW, [meeting], user=clerk, now=NOW, bookable=True)
    assert sum(cell.span for cell in lane.cells) == UNITS
    kinds = [(c.kind, c.start.strftime("%H:%M"), c.end.strftime("%H:%M")) for c in lane.cells]
    assert ("setup", "13:45", "14:00") in kinds
    assert ("meeting", "14:00", "16:00") in kinds
    assert ("teardown", "16:00", "16:10") in kinds
    # Free time is cut into half hours; the first after the teardown begins at 16:10.
    free_after = [c for c in lane.cells if c.kind == "free" and c.start >= local(16)]
    assert free_after[0].start == local(16, 10)
    assert free_after[0].end == local(16, 30)


def test_a_free_slot_proposes_a_booking_that_leaves_room_for_setup_and_teardown(room, book, clerk):
    book(start=local(14), end=local(16))
    book(start=local(17, 30), end=local(18, 30))  # occupies from 17:15
    lane = build_lane(
        room,
        TOMORROW,
        list(room.meetings.order_by("occupied_from")),
        user=clerk,
        now=NOW,
        bookable=True,
    )
    slot = next(c for c in lane.cells if c.kind == "free" and c.start == local(16, 10))
    # After the teardown (16:10) the room's own setup (15 min): 16:25; one hour, but the next
    # meeting's setup starts 17:15, less our 10-minute teardown: 17:05.
    assert (slot.book_start, slot.book_end) == (local(16, 25), local(17, 5))
    squeezed = next(c for c in lane.cells if c.kind == "free" and c.start == local(17))
    assert squeezed.book_url == ""  # 17:00-17:15 cannot hold half an hour with its neighbours


def test_past_time_is_not_offered(room, clerk):
    lane = build_lane(room, TODAY, [], user=clerk, now=NOW, bookable=True)
    assert {c.kind for c in lane.cells if c.end <= NOW} == {"past"}
    first_free = next(c for c in lane.cells if c.kind == "free")
    assert first_free.book_start >= NOW


# --- the timeline page -----------------------------------------------------------------------


def test_the_timeline_shows_each_room_with_its_meetings_and_setup(
    client, clerk, room, create_room, book, clock
):
    other = create_room(number="302", capacity=12)
    meeting = book(title="季度工作会", start=local(14), end=local(16))
    client.force_login(clerk)
    response = timeline(client)
    assert response.status_code == 200
    html = response.content.decode()
    assert f'data-room="{other.pk}"' in html
    row = cells(lane_html(html, room))
    assert sum(span for span, _classes in row) == UNITS
    occupied = [
        (span, kind)
        for span, classes in row
        for kind in ("tl-setup", "tl-meeting", "tl-teardown")
        if kind in classes.split()
    ]
    assert occupied == [(3, "tl-setup"), (24, "tl-meeting"), (2, "tl-teardown")]
    assert "季度工作会" in lane_html(html, room)
    assert reverse("meeting-detail", args=[meeting.pk]) in html


def test_a_free_half_hour_opens_the_booking_form_with_room_and_time(
    client, clerk, room, create_room, clock
):
    client.force_login(clerk)
    html = timeline(client).content.decode()
    links = re.findall(r'class="cal-slot" href="([^"]+)"', lane_html(html, room))
    assert len(links) == UNITS // 6  # every half hour of an empty day
    first = urlparse(unquote(links[0].replace("&amp;", "&")))
    assert first.path == reverse("meeting-new")
    query = parse_qs(first.query)
    assert query == {
        "room": [str(room.pk)],
        "start": [f"{TOMORROW:%Y-%m-%d}T07:00"],
        "end": [f"{TOMORROW:%Y-%m-%d}T08:00"],
    }
    form = client.get(links[0].replace("&amp;", "&")).context["form"]
    assert form.initial["room"] == room.pk
    assert form.initial["start"] == f"{TOMORROW:%Y-%m-%d}T07:00"


def test_those_who_do_not_book_see_the_timeline_without_booking_links(
    client, lobby_manager, room, book, clock
):
    book(start=local(14), end=local(15))
    client.force_login(lobby_manager)
    html = timeline(client).content.decode()
    assert 'class="cal-slot"' not in html
    assert "tl-meeting" in html


def test_a_secret_title_is_withheld_on_the_timeline(
    client, clerk, lobby_manager, room, book, clock
):
    book(title="涉密专题会", start=local(14), end=local(15), confidentiality=Confidentiality.SECRET)
    client.force_login(lobby_manager)
    assert "涉密专题会" not in timeline(client).content.decode()
    client.force_login(clerk)
    assert "涉密专题会" in timeline(client).content.decode()


def test_rooms_out_of_service_are_shown_but_not_bookable(client, clerk, create_room, clock):
    closed = create_room(number="309", in_service=False)
    client.force_login(clerk)
    html = timeline(client).content.decode()
    assert "tl-out-of-service" in html
    assert 'class="cal-slot"' not in lane_html(html, closed)


def test_the_timeline_moves_by_day_and_switches_building(client, clerk, room, clock):
    client.force_login(clerk)
    html = timeline(client).content.decode()
    assert f'date={TODAY:%Y-%m-%d}"' in html  # previous day (and today)
    assert f'date={TOMORROW + dt.timedelta(days=1):%Y-%m-%d}"' in html
    for building in Building.objects.all():
        assert f"?building={building.code}&amp;date={TOMORROW:%Y-%m-%d}" in html
    # No building named: the first; a day that does not exist: today.
    response = client.get(reverse("day-timeline"), {"date": "2026-02-30"})
    assert response.context["day"] == TODAY
    assert response.context["building"] == Building.objects.first()


def test_a_meeting_outside_the_grid_is_still_mentioned(client, clerk, room, book, clock):
    book(title="夜间会商", start=local(22, 15), end=local(23))
    client.force_login(clerk)
    html = timeline(client).content.decode()
    assert 'id="outside-grid"' in html
    assert "夜间会商" in html


def test_the_timeline_needs_the_same_queries_for_few_or_many_meetings(
    client, clerk, room, create_room, book, clock
):
    client.force_login(clerk)

    def count() -> int:
        timeline(client)
        with CaptureQueriesContext(connection) as queries:
            assert timeline(client).status_code == 200
        return len(queries)

    book(start=local(9), end=local(10))
    book(start=local(11), end=local(12), confidentiality=Confidentiality.SECRET)
    few = count()
    for i in range(12):
        book(
            room=create_room(),
            start=local(8 + i),
            end=local(9 + i),
            confidentiality=Confidentiality.SECRET if i % 3 == 0 else Confidentiality.NORMAL,
        )
    assert count() == few


# --- the week of a room ----------------------------------------------------------------------


def week(client, room, day=TOMORROW):
    return client.get(reverse("room-week", args=[room.pk]), {"date": f"{day:%Y-%m-%d}"})


def test_the_week_runs_monday_to_sunday_with_the_rooms_meetings(client, clerk, room, book, clock):
    meeting = book(title="周例会", start=local(9), end=local(10, 30))
    client.force_login(clerk)
    response = week(client, room)
    assert response.status_code == 200
    days = response.context["days"]
    assert days[0] == dt.date(2026, 11, 23) and days[0].weekday() == 0
    assert days[-1] == dt.date(2026, 11, 29)
    html = response.content.decode()
    assert re.search(r'<td rowspan="18" class="wk-cell tl-meeting[^"]*"', html)  # 90 minutes
    assert f'data-meeting="{meeting.pk}"' in html
    assert "周例会" in html
    assert 'href="?date=2026-11-16"' in html  # previous week
    assert 'href="?date=2026-11-30"' in html  # next week


def test_every_day_column_of_the_week_adds_up_to_the_whole_grid(client, clerk, room, book, clock):
    book(start=local(9), end=local(10, 30))
    book(start=local(20, days=2), end=local(22, 30, days=2))
    client.force_login(clerk)
    response = week(client, room)
    for lane in response.context["lanes"]:
        assert sum(cell.span for cell in lane.cells) == UNITS
    html = response.content.decode()
    body = html[html.index("<tbody>") : html.index("</tbody>")]
    rows = re.findall(r"<tr[^>]*>(.*?)</tr>", body, re.S)
    assert len(rows) == UNITS


def test_the_room_switcher_keeps_the_week(client, clerk, room, create_room, clock):
    other = create_room(number="305")
    client.force_login(clerk)
    response = client.get(
        reverse("room-week", args=[room.pk]), {"date": "2026-11-25", "room": other.pk}
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("room-week", args=[other.pk]) + "?date=2026-11-25"


def test_the_week_needs_the_same_queries_for_few_or_many_meetings(client, clerk, room, book, clock):
    client.force_login(clerk)

    def count() -> int:
        week(client, room)
        with CaptureQueriesContext(connection) as queries:
            assert week(client, room).status_code == 200
        return len(queries)

    book(start=local(9), end=local(10))
    book(start=local(11), end=local(12), confidentiality=Confidentiality.SECRET)
    few = count()
    for day in range(2):
        for hour in (13, 15, 17, 19):
            book(
                start=local(hour, days=day + 1),
                end=local(hour + 1, days=day + 1),
                confidentiality=Confidentiality.SECRET if hour == 15 else Confidentiality.NORMAL,
            )
    assert count() == few
