"""The availability search: free rooms that fit, best fit first, near misses with reasons, and
booking a result without re-typing anything.

UI wording comes from the translation catalogue, so these tests look for ids, data attributes,
reason codes and the same gettext output the page was built from, never English literals.
"""

import datetime as dt
import re
from urllib.parse import parse_qs, urlparse

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import visibility
from bookings.availability import Why, free_rooms
from bookings.errors import BookingError
from bookings.forms_search import AFTERNOON
from bookings.models import Confidentiality, Equipment, Leader, LeaderRank, Meeting, Room
from tests.conftest import NOW

TOMORROW = NOW.date() + dt.timedelta(days=1)


def local(hour: int, minute: int = 0, *, days: int = 1) -> dt.datetime:
    """A time on the day after NOW unless told otherwise."""
    return NOW.replace(hour=hour, minute=minute) + dt.timedelta(days=days)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def video(db):
    return Equipment.objects.get_or_create(code="video_conference", defaults={"name": "视频会议"})[
        0
    ]


@pytest.fixture
def projector(db):
    return Equipment.objects.get_or_create(code="projector", defaults={"name": "投影仪"})[0]


@pytest.fixture
def rooms(create_room, video, projector):
    """A small building: which of these fits 25 people with video conferencing?"""
    made = {
        "video30": create_room(number="V30", capacity=30),
        "video26_loaded": create_room(number="V26", capacity=26),
        "video50": create_room(number="V50", capacity=50),
        "plain40": create_room(number="P40", capacity=40),
        "video20": create_room(number="V20", capacity=20),
        "video8": create_room(number="V08", capacity=8),
        "closed": create_room(number="X99", capacity=60, in_service=False),
        "office": create_room(number="O01", capacity=40, kind=Room.Kind.OFFICE),
    }
    for name in ("video30", "video26_loaded", "video50", "video20", "video8", "closed", "office"):
        made[name].equipment.add(video)
    made["video26_loaded"].equipment.add(projector)
    made["plain40"].equipment.add(projector)
    return made


# --- free_rooms ------------------------------------------------------------------------------


def test_the_smallest_fitting_room_comes_first_then_the_one_with_least_extra(rooms, book):
    result = free_rooms(local(14), local(16), 25, equipment=["video_conference"])
    assert [c.room for c in result.fitting] == [
        rooms["video26_loaded"],
        rooms["video30"],
        rooms["video50"],
    ]
    twin = Room.objects.create(
        building=rooms["video30"].building, number="V30b", name="b", floor=3, capacity=30
    )
    twin.equipment.add(*rooms["video30"].equipment.all(), *rooms["plain40"].equipment.all())
    result = free_rooms(local(14), local(16), 25, equipment=["video_conference"])
    # Same seats: fewer pieces of equipment beyond those asked for first.
    assert [c.room for c in result.fitting][1:3] == [rooms["video30"], twin]


def test_rooms_out_of_service_and_offices_are_never_offered(rooms):
    result = free_rooms(local(14), local(16), 25, equipment=["video_conference"])
    offered = {c.room for c in result.fitting + result.near_misses}
    assert rooms["closed"] not in offered
    assert rooms["office"] not in offered


def test_a_room_whose_neighbours_teardown_reaches_the_setup_is_taken(rooms, book):
    room = rooms["video26_loaded"]
    # Ends 13:50 + 10 min teardown = 14:00; our 14:10 start needs 15 min setup from 13:55.
    book(room=room, start=local(12), end=local(13, 50), attendees=10)
    result = free_rooms(local(14, 10), local(16), 25, equipment=["video_conference"])
    assert room not in [c.room for c in result.fitting]
    taken = next(c for c in result.near_misses if c.room == room)
    assert [r.code for r in taken.reasons] == [Why.TAKEN]
    # Starting at 14:15 the setup begins 14:00, exactly when the other teardown ends: free.
    result = free_rooms(local(14, 15), local(16), 25, equipment=["video_conference"])
    assert result.fitting[0].room == room
    assert result.fitting[0].occupied_from == local(14)
    assert result.fitting[0].occupied_until == local(16, 10)


def test_near_misses_say_why_with_the_other_meeting_named(rooms, book, clerk):
    book(room=rooms["video26_loaded"], title="党组扩大会", start=local(13), end=local(15))
    result = free_rooms(local(14), local(16), 25, equipment=["video_conference"], user=clerk)
    reasons = {c.room.number: c.reasons for c in result.near_misses}
    assert [r.code for r in reasons["V26"]] == [Why.TAKEN]
    assert "党组扩大会" in reasons["V26"][0].message
    assert "12:45–15:10" in reasons["V26"][0].message  # the occupied window
    assert [r.code for r in reasons["P40"]] == [Why.EQUIPMENT]
    assert "视频会议" in reasons["P40"][0].message
    assert [r.code for r in reasons["V20"]] == [Why.SEATS]
    assert "5" in reasons["V20"][0].message
    # Eight seats for 25 is not near; the taken room, which would fit, is listed first.
    assert "V08" not in reasons
    assert result.near_misses[0].room == rooms["video26_loaded"]


def test_near_misses_keep_to_rooms_of_a_sensible_size_and_a_few_of_each_kind(rooms, create_room):
    plain = [create_room(capacity=28 + i) for i in range(5)]
    hall = create_room(capacity=300)
    result = free_rooms(local(14), local(16), 25, equipment=["video_conference"])
    missing = [c.room for c in result.near_misses if c.reasons[0].code == Why.EQUIPMENT]
    assert len(missing) == 3
    assert missing == sorted(missing, key=lambda room: room.capacity)
    assert set(missing) <= set(plain) | {rooms["plain40"]}
    assert hall not in [c.room for c in result.near_misses]
    assert any(c.reasons[0].code == Why.SEATS for c in result.near_misses)


def test_a_secret_meeting_in_the_way_is_named_only_for_those_who_may_see_it(
    rooms, book, clerk, lobby_manager
):
    book(
        room=rooms["video26_loaded"],
        title="涉密专题会",
        start=local(13),
        end=local(15),
        confidentiality=Confidentiality.SECRET,
    )
    for user, shown in ((clerk, True), (lobby_manager, False), (None, False)):
        result = free_rooms(local(14), local(16), 25, equipment=["video_conference"], user=user)
        message = next(c for c in result.near_misses if c.room.number == "V26").reasons[0].message
        assert ("涉密专题会" in message) is shown


def test_the_building_filter_keeps_to_one_building(rooms, create_room, video):
    from bookings.models import Building

    east = Building.objects.get(code="east")
    there = create_room(number="E30", capacity=30, building=east)
    there.equipment.add(video)
    result = free_rooms(local(14), local(16), 25, equipment=["video_conference"], building=east)
    assert [c.room for c in result.fitting] == [there]


def test_impossible_windows_and_unknown_equipment_are_refused(rooms):
    with pytest.raises(BookingError) as refused:
        free_rooms(local(16), local(14), 25)
    assert "end" in refused.value.fields
    with pytest.raises(BookingError):
        free_rooms(local(8), local(21), 25)  # longer than 12 hours
    with pytest.raises(BookingError) as refused:
        free_rooms(local(14), local(16), 25, equipment=["teleporter"])
    assert "equipment" in refused.value.fields


def test_free_rooms_needs_the_same_queries_for_few_or_many_meetings(
    rooms, book, create_room, video
):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            free_rooms(local(9), local(20), 10, equipment=["video_conference"])
        return len(queries)

    book(room=rooms["video30"], start=local(10), end=local(11))
    few = count()
    for i in range(12):
        extra = create_room(capacity=20 + i)
        extra.equipment.add(video)
        book(room=extra, start=local(9 + i % 8), end=local(10 + i % 8))
    # The equipment asked for, the rooms with theirs, the meetings near the window.
    assert count() == few <= 3


# --- the search page ------------------------------------------------------------------------


def test_a_preset_searches_tomorrow_afternoon_and_offers_book_buttons(client, clerk, rooms, clock):
    client.force_login(clerk)
    response = client.get(
        reverse("room-search"),
        {"attendees": 25, "equipment": "video_conference", "when": "tomorrow_pm"},
    )
    assert response.status_code == 200
    context = response.context
    assert context["start_at"] == local(AFTERNOON[0].hour, AFTERNOON[0].minute)
    assert context["end_at"] == local(AFTERNOON[1].hour, AFTERNOON[1].minute)
    html = response.content.decode()
    best = rooms["video26_loaded"]
    assert f'id="book-room-{best.pk}"' in html
    assert html.index(f'id="book-room-{best.pk}"') < html.index(
        f'id="book-room-{rooms["video30"].pk}"'
    )
    assert 'id="near-misses"' in html
    # The form shows what was searched, so the clerk can adjust it.
    assert f'value="{TOMORROW:%Y-%m-%d}"' in html
    assert re.search(r'<input[^>]*value="video_conference"[^>]*checked>', html)


def test_anyone_logged_in_may_search_but_only_bookers_get_book_buttons(
    client, attendant, rooms, clock
):
    assert client.get(reverse("room-search")).status_code == 302  # to the login page
    client.force_login(attendant)
    response = client.get(reverse("room-search"), {"attendees": 25, "when": "tomorrow_pm"})
    assert response.status_code == 200
    assert response.context["result"].fitting
    assert 'id="quick-book-form"' not in response.content.decode()
    assert client.post(reverse("search-book"), {}).status_code == 403


def test_a_blank_search_shows_the_form_without_results(client, clerk, rooms, clock):
    client.force_login(clerk)
    response = client.get(reverse("room-search"), {"attendees": 12})
    assert response.status_code == 200
    assert "result" not in response.context
    assert response.context["form"].initial["attendees"] == 12


def test_a_bad_search_says_what_is_wrong(client, clerk, rooms, clock):
    client.force_login(clerk)
    response = client.get(
        reverse("room-search"),
        {"date": f"{TOMORROW:%Y-%m-%d}", "start": "16:00", "end": "14:00", "attendees": 5},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    assert "result" not in response.context


def quick_book(client, room, **fields):
    data = {
        "book-room": room.pk,
        "book-start": local(14, 30).strftime("%Y-%m-%dT%H:%M"),
        "book-end": local(17, 30).strftime("%Y-%m-%dT%H:%M"),
        "book-attendees": 25,
        "book-search": "attendees=25&equipment=video_conference&date=2026-11-28"
        "&start=14:30&end=17:30",
        "book-title": "",
        "book-leader": "",
        "book-leader_rank": "",
        "book-hosting_unit": "",
    }
    data.update({f"book-{name}": value for name, value in fields.items()})
    return client.post(reverse("search-book"), data)


def test_a_result_books_at_once_with_the_leaders_rank_and_unit(
    client, clerk, rooms, hosting_unit, clock
):
    leader = Leader.objects.create(
        name="王局长", title="局长", rank=LeaderRank.BUREAU, unit=hosting_unit
    )
    client.force_login(clerk)
    response = quick_book(client, rooms["video26_loaded"], title="视频调度会", leader=leader.pk)
    meeting = Meeting.objects.get(title="视频调度会")
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting-detail", args=[meeting.pk])
    assert meeting.room == rooms["video26_loaded"]
    assert (meeting.start, meeting.end) == (local(14, 30), local(17, 30))
    assert meeting.attendees == 25
    assert meeting.hosting_unit == hosting_unit
    assert meeting.leader == leader
    assert meeting.leader_rank == LeaderRank.BUREAU
    assert meeting.booked_by == clerk


def test_a_result_without_title_or_unit_opens_the_full_form_prefilled(
    client, clerk, rooms, hosting_unit, clock
):
    client.force_login(clerk)
    response = quick_book(client, rooms["video30"], title="只写了标题")
    assert response.status_code == 302
    target = urlparse(response["Location"])
    assert target.path == reverse("meeting-new")
    query = parse_qs(target.query)
    assert query["room"] == [str(rooms["video30"].pk)]
    assert query["start"] == [local(14, 30).strftime("%Y-%m-%dT%H:%M")]
    assert query["attendees"] == ["25"]
    assert query["title"] == ["只写了标题"]
    assert not Meeting.objects.exists()
    form = client.get(response["Location"]).context["form"]
    assert form.initial["room"] == rooms["video30"].pk
    assert form.initial["title"] == "只写了标题"
    assert form.initial["end"] == local(17, 30).strftime("%Y-%m-%dT%H:%M")


def test_a_result_taken_meanwhile_goes_back_to_the_search_with_why(
    client, clerk, rooms, hosting_unit, book, clock
):
    book(room=rooms["video30"], title="抢先一步", start=local(15), end=local(16))
    client.force_login(clerk)
    response = quick_book(client, rooms["video30"], title="晚了一步", hosting_unit=hosting_unit.pk)
    assert response.status_code == 302
    assert urlparse(response["Location"]).path == reverse("room-search")
    assert "attendees=25" in response["Location"]
    assert not Meeting.objects.filter(title="晚了一步").exists()
    page = client.get(response["Location"])
    messages = [str(m) for m in page.context["messages"]]
    assert any("抢先一步" in m for m in messages)


def test_the_search_page_needs_the_same_queries_for_few_or_many_meetings(
    client, clerk, rooms, book, create_room, video, clock
):
    client.force_login(clerk)
    params = {"attendees": 10, "equipment": "video_conference", "when": "tomorrow_pm"}

    def count() -> int:
        client.get(reverse("room-search"), params)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("room-search"), params)
        assert response.status_code == 200
        return len(queries)

    # Both counts include a secret meeting: the first one costs the permission look-ups.
    book(room=rooms["video30"], start=local(15), end=local(16))
    book(
        room=rooms["video50"],
        start=local(15),
        end=local(16),
        confidentiality=Confidentiality.SECRET,
    )
    few = count()
    for i in range(10):
        extra = create_room(capacity=20 + i)
        extra.equipment.add(video)
        book(
            room=extra,
            start=local(14 + i % 3),
            end=local(15 + i % 3),
            confidentiality=Confidentiality.SECRET if i % 2 else Confidentiality.NORMAL,
        )
    # Was 16: the rooms' equipment and the leaders (for the rank map) are no longer read apart.
    assert count() == few <= 14


# --- from home ------------------------------------------------------------------------------


def test_the_clerks_home_offers_the_short_search_and_others_do_not(
    client, clerk, attendant, video, clock
):
    client.force_login(clerk)
    html = client.get(reverse("today")).content.decode()
    assert 'id="quick-search"' in html
    assert 'id="quick-equipment-video_conference"' in html
    assert 'id="quick-when-tomorrow_pm"' in html
    client.force_login(attendant)
    assert 'id="quick-search"' not in client.get(reverse("today")).content.decode()


def test_the_half_days_already_begun_are_not_offered(client, clerk, rooms):
    client.force_login(clerk)
    with time_machine.travel(NOW.replace(hour=15), tick=False):
        html = client.get(reverse("today")).content.decode()
    assert 'id="quick-when-today_pm"' not in html
    assert 'id="quick-when-tomorrow_am"' in html


def test_the_navigation_leads_bookers_and_lobby_managers_to_their_pages(
    client, clerk, lobby_manager, attendant
):
    def nav(user) -> str:
        client.force_login(user)
        html = client.get(reverse("today")).content.decode()
        return html[
            html.index('id="nav-items"') : html.index("</ul>", html.index('id="nav-items"'))
        ]

    clerk_nav = nav(clerk)
    for name in ("room-search", "day-timeline", "meeting-list", "pending-list"):
        assert f'href="{reverse(name)}"' in clerk_nav
    manager_nav = nav(lobby_manager)
    assert f'href="{reverse("day-timeline")}"' in manager_nav
    assert f'href="{reverse("meeting-list")}"' in manager_nav
    assert f'href="{reverse("room-search")}"' not in manager_nav
    assert f'href="{reverse("pending-list")}"' not in manager_nav
    assert f'href="{reverse("day-timeline")}"' not in nav(attendant)


def test_the_visibility_hook_decides_titles_in_near_misses_on_the_page(
    client, clerk, rooms, book, clock
):
    book(
        room=rooms["video26_loaded"],
        title="涉密专题会",
        start=local(14),
        end=local(15),
        confidentiality=Confidentiality.SECRET,
    )
    client.force_login(clerk)
    params = {"attendees": 25, "equipment": "video_conference", "when": "tomorrow_pm"}
    assert "涉密专题会" in client.get(reverse("room-search"), params).content.decode()
    visibility.register_authorisation_check(lambda user: False)
    try:
        html = client.get(reverse("room-search"), params).content.decode()
    finally:
        visibility.register_authorisation_check(lambda user: True)
    assert "涉密专题会" not in html
