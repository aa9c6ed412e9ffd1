"""Calendar feeds (issue 9, points 3 and 5): per room, hosting unit and person, behind links their
owners regenerate; parsed back with the icalendar library and checked against the database; rate
limits on the feed links and the token endpoint answer 429 with Retry-After in the error shape.
"""

import datetime as dt

import pytest
import time_machine
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from icalendar import Calendar
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from bookings.models import Confidentiality, Meeting, MeetingStatus
from bookings.services import cancel_meeting, confirm_meeting, reschedule_meeting
from core.models import AuditEntry
from core.roles import Role
from feeds.models import FeedLink
from staffing.models import Duty
from staffing.services import assign_duty
from tests.conftest import NOW
from tests.staffing_factories import make_staff

pytestmark = pytest.mark.django_db

TOMORROW_10 = NOW + dt.timedelta(days=1, hours=1)


@pytest.fixture(autouse=True)
def _at_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    cache.clear()
    yield
    cache.clear()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def path_of(url: str) -> str:
    return "/" + url.split("://", 1)[1].split("/", 1)[1]


def room_url(user, room) -> str | None:
    return client_for(user).get(f"/api/rooms/{room.pk}/").json()["ical_url"]


def fetch(url: str, **headers):
    return APIClient().get(path_of(url), **headers)


def parse(response) -> dict[str, dict]:
    assert response.status_code == 200, response.content
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    cal = Calendar.from_ical(response.content)
    assert str(cal["VERSION"]) == "2.0" and cal.get("PRODID")
    assert str(cal["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    return {str(event["UID"]): event for event in cal.walk("VEVENT")}


def assert_error(response, status: int, code: str) -> None:
    assert response.status_code == status, response.content
    assert response.json()["error"]["code"] == code


# --- who gets which link ----------------------------------------------------------------------


def test_clerks_lobby_managers_and_the_supervisor_get_a_room_link_and_others_none(
    clerk, lobby_manager, supervisor, attendant, outsider, room
):
    for user in (clerk, lobby_manager, supervisor):
        url = room_url(user, room)
        assert url.startswith("http") and url.endswith(".ics")
    assert room_url(attendant, room) is None
    assert room_url(outsider, room) is None


def test_each_subscriber_has_a_link_of_their_own_and_it_stays_the_same(clerk, supervisor, room):
    first = room_url(clerk, room)
    assert room_url(clerk, room) == first
    assert room_url(supervisor, room) != first
    assert FeedLink.objects.filter(kind="room", object_id=room.pk).count() == 2
    # Making the link is audited.
    assert AuditEntry.objects.filter(action="created", object_repr__contains="#").count() == 2


def test_a_person_gets_a_link_to_their_own_duties_only(make_user, clerk):
    me = make_user("me", Role.ATTENDANT)
    mine, other = make_staff(user=me), make_staff()
    client = client_for(me)
    assert client.post(f"/api/feeds/staff/{mine.pk}/").status_code == 200
    assert_error(client.post(f"/api/feeds/staff/{other.pk}/"), 403, "permission_denied")
    # Not even the supervisor's clerk colleagues subscribe to someone's duties.
    assert_error(client_for(clerk).post(f"/api/feeds/staff/{mine.pk}/"), 403, "permission_denied")
    roster = client_for(clerk).get("/api/staff/").json()["results"]
    assert all(row["ical_url"] is None for row in roster)


def test_hosting_unit_feeds_are_for_clerks_and_the_supervisor(
    clerk, supervisor, lobby_manager, hosting_unit
):
    for user in (clerk, supervisor):
        assert client_for(user).post(f"/api/feeds/unit/{hosting_unit.pk}/").status_code == 200
    response = client_for(lobby_manager).post(f"/api/feeds/unit/{hosting_unit.pk}/")
    assert_error(response, 403, "permission_denied")


def test_an_unknown_or_revoked_token_is_a_404(clerk, room):
    url = room_url(clerk, room)
    assert fetch(url).status_code == 200
    assert_error(APIClient().get("/feeds/" + "x" * 32 + ".ics"), 404, "not_found")
    FeedLink.objects.update(revoked_at=NOW)
    assert_error(fetch(url), 404, "not_found")


def test_regenerating_invalidates_the_old_link_and_no_one_elses(clerk, supervisor, room):
    old, theirs = room_url(clerk, room), room_url(supervisor, room)
    body = client_for(clerk).post(f"/api/feeds/room/{room.pk}/regenerate/").json()
    assert body["ical_url"] != old
    assert room_url(clerk, room) == body["ical_url"]
    assert fetch(old).status_code == 404
    assert fetch(body["ical_url"]).status_code == 200
    assert fetch(theirs).status_code == 200
    assert AuditEntry.objects.filter(action="revoked").count() == 1


def test_a_link_stops_working_when_its_owner_loses_the_role(make_user, room):
    clerk = make_user("leaving", Role.CLERK)
    url = room_url(clerk, room)
    clerk.groups.clear()
    assert fetch(url).status_code == 404


def test_the_page_lists_calendars_and_makes_and_regenerates_links(client, clerk, room):
    client.force_login(clerk)
    page = client.get("/feeds/")
    assert page.status_code == 200 and str(room) in page.content.decode()
    client.post(f"/feeds/room/{room.pk}/", {"action": "create"})
    link = FeedLink.objects.get(owner=clerk)
    assert link.token in client.get("/feeds/").content.decode()
    client.post(f"/feeds/room/{room.pk}/", {"action": "regenerate"})
    assert FeedLink.objects.get(owner=clerk, revoked_at=None).token != link.token


# --- what a feed says --------------------------------------------------------------------------


def test_the_room_feed_matches_the_database_and_names_meetings_as_the_door_does(clerk, room, book):
    normal = book(title="年度工作会", start=TOMORROW_10)
    internal = book(
        title="内部通气会",
        confidentiality=Confidentiality.INTERNAL,
        start=TOMORROW_10 + dt.timedelta(hours=3),
    )
    secret = book(
        title="绝密协调会",
        confidentiality=Confidentiality.SECRET,
        start=TOMORROW_10 + dt.timedelta(hours=6),
    )
    confirm_meeting(internal, by=clerk, now=NOW)
    gone = book(title="取消的会", start=TOMORROW_10 + dt.timedelta(days=1))
    cancel_meeting(gone, by=clerk, reason="改期", now=NOW)

    events = parse(fetch(room_url(clerk, room)))
    meetings = Meeting.objects.filter(room=room)
    assert len(events) == meetings.count() == 4
    for meeting in meetings:
        event = events[f"meeting-{meeting.pk}@127.0.0.1"]
        assert event.decoded("DTSTART") == meeting.start
        assert event.decoded("DTEND") == meeting.end
        assert str(event["LOCATION"]) == str(room)
        expected_status = {
            MeetingStatus.REQUESTED: "TENTATIVE",
            MeetingStatus.CONFIRMED: "CONFIRMED",
            MeetingStatus.CANCELLED: "CANCELLED",
        }[meeting.status]
        assert str(event["STATUS"]) == expected_status
    summaries = {
        pk: str(events[f"meeting-{pk}@127.0.0.1"]["SUMMARY"])
        for pk in (normal.pk, internal.pk, secret.pk, gone.pk)
    }
    assert summaries == {
        normal.pk: "年度工作会",
        internal.pk: "会议",
        secret.pk: "会议",
        gone.pk: "取消的会",
    }
    assert str(events[f"meeting-{gone.pk}@127.0.0.1"]["STATUS"]) == "CANCELLED"
    text = fetch(room_url(clerk, room)).content.decode()
    assert "绝密协调会" not in text and "内部通气会" not in text
    assert "DTSTART:20261128T020000Z" in text  # UTC, 10:00 in Shanghai


def test_uids_are_stable_and_the_sequence_grows_with_a_reschedule(clerk, room, book):
    meeting = book(start=TOMORROW_10)
    url = room_url(clerk, room)
    first, second = parse(fetch(url)), parse(fetch(url))
    uid = f"meeting-{meeting.pk}@127.0.0.1"
    assert list(first) == list(second) == [uid]
    assert first[uid]["SEQUENCE"] == second[uid]["SEQUENCE"]
    later = TOMORROW_10 + dt.timedelta(hours=4)
    reschedule_meeting(meeting, by=clerk, start=later, end=later + dt.timedelta(hours=1), now=NOW)
    third = parse(fetch(url))[uid]
    assert third["SEQUENCE"] > first[uid]["SEQUENCE"]
    assert third.decoded("DTSTART") == later


def test_the_hosting_unit_feed_shows_its_meetings_in_every_room(
    clerk, create_room, hosting_unit, book
):
    other_room = create_room(number="502")
    here, there = book(start=TOMORROW_10), book(start=TOMORROW_10, room=other_room)
    url = client_for(clerk).post(f"/api/feeds/unit/{hosting_unit.pk}/").json()["ical_url"]
    events = parse(fetch(url))
    assert set(events) == {f"meeting-{m.pk}@127.0.0.1" for m in (here, there)}


def test_a_persons_feed_shows_their_duties_from_arrival(make_user, clerk, lobby_manager, book):
    me = make_user("me", Role.ATTENDANT)
    staff = make_staff(user=me)
    meeting = book(title="年度工作会", start=TOMORROW_10)
    duty = assign_duty(meeting, by=lobby_manager, staff=staff, role="attendant", now=NOW)
    url = client_for(me).get("/api/staff/").json()  # attendants may not read the roster
    url = client_for(me).post(f"/api/feeds/staff/{staff.pk}/").json()["ical_url"]
    events = parse(fetch(url))
    event = events[f"duty-{duty.pk}@127.0.0.1"]
    duty = Duty.objects.get(pk=duty.pk)
    assert event.decoded("DTSTART") == duty.start == meeting.start - dt.timedelta(minutes=30)
    assert event.decoded("DTEND") == duty.end
    assert str(event["STATUS"]) == "CONFIRMED"
    assert "年度工作会" in str(event["SUMMARY"])
    cancel_meeting(meeting, by=clerk, reason="取消", now=NOW)
    event = parse(fetch(url))[f"duty-{duty.pk}@127.0.0.1"]
    assert str(event["STATUS"]) == "CANCELLED"


def test_the_staff_json_carries_the_persons_own_link(make_user, supervisor):
    me = make_user("me-super", Role.SUPERVISOR)
    mine, other = make_staff(user=me), make_staff()
    rows = {r["id"]: r for r in client_for(me).get("/api/staff/").json()["results"]}
    assert rows[mine.pk]["ical_url"].endswith(".ics")
    assert rows[other.pk]["ical_url"] is None


def test_a_feed_costs_the_same_queries_for_2_or_12_meetings(clerk, room, book):
    url = room_url(clerk, room)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            parse(fetch(url))
        return len(queries)

    for i in range(2):
        book(start=TOMORROW_10 + dt.timedelta(hours=3 * i))
    few = count()
    for i in range(10):
        book(start=TOMORROW_10 + dt.timedelta(days=2 + i))
    assert count() == few


def test_the_room_list_reads_links_in_one_query_once_they_exist(clerk, create_room):
    for i in range(3):
        create_room(number=f"L{i}")
    client = client_for(clerk)
    client.get("/api/rooms/")  # makes the links
    with CaptureQueriesContext(connection) as few:
        client.get("/api/rooms/")
    for i in range(5):
        create_room(number=f"M{i}")
    client.get("/api/rooms/")
    with CaptureQueriesContext(connection) as many:
        client.get("/api/rooms/")
    assert len(many) == len(few)


# --- rate limits --------------------------------------------------------------------------------


@pytest.fixture
def low_rates(settings, monkeypatch):
    rates = {"token": "3/min", "feed": "3/min"}
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": rates}
    # DRF copies the rates into the throttle class when it is imported.
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", rates)
    cache.clear()


def test_the_fourth_fetch_of_a_feed_in_a_minute_is_a_429_with_retry_after(low_rates, clerk, room):
    url = room_url(clerk, room)
    for _ in range(3):
        assert fetch(url).status_code == 200
    response = fetch(url, HTTP_ACCEPT="text/calendar")
    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
    assert response["Content-Type"].startswith("application/json")


def test_the_fourth_token_request_in_a_minute_is_a_429_with_retry_after(low_rates, clerk):
    client = APIClient()
    body = {"username": "clerk", "password": "wrong"}
    for _ in range(3):
        assert client.post("/api/auth/token/", body, format="json").status_code == 400
    response = client.post("/api/auth/token/", body, format="json")
    assert_error(response, 429, "throttled")
    assert 0 < int(response["Retry-After"]) <= 60
