"""The booking API (issue 3, point 7): a client with a token books, reads, filters, reschedules,
confirms and cancels through the same services, access helpers and visibility policy as the pages.
"""

import datetime as dt
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings.models import (
    Building,
    Confidentiality,
    Equipment,
    HostingUnit,
    Meeting,
    MeetingStatus,
    Room,
)
from bookings.services import cancel_meeting
from core.roles import Role
from core.timeutils import at
from tests.conftest import NOW

TOMORROW = NOW.date() + dt.timedelta(days=1)  # Saturday 28 November 2026
SECRET_TITLE = "绝密：边境防务协调会"
OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+08:00$")


def iso(value: dt.datetime) -> str:
    return value.isoformat()


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    error = body["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str)
    assert error["message"].strip()
    assert isinstance(error["fields"], dict)
    if code:
        assert error["code"] == code
    return error


@pytest.fixture(autouse=True)
def _frozen_now():
    """book_meeting refuses starts in the past: the API books relative to the tests' NOW."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(clerk) -> APIClient:
    return client_for(clerk)


def booking(room, hosting_unit, **overrides) -> dict:
    body = {
        "room": room.pk,
        "title": "区发改委季度工作会",
        "hosting_unit": hosting_unit.pk,
        "start": iso(at(TOMORROW, 14)),
        "end": iso(at(TOMORROW, 16)),
        "attendees": 20,
    }
    body.update(overrides)
    return body


# --- the token --------------------------------------------------------------------------------


def test_a_token_is_issued_for_a_username_and_password_and_opens_the_api(clerk):
    client = APIClient()
    response = client.post(
        "/api/auth/token/",
        {"username": "clerk", "password": "pw-for-tests-only"},
        format="json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=clerk).key
    assert client.get("/api/meetings/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/meetings/").status_code == 200


def test_wrong_credentials_are_refused_with_their_own_code(clerk):
    response = APIClient().post(
        "/api/auth/token/", {"username": "clerk", "password": "wrong"}, format="json"
    )
    assert_error(response, 400, "invalid_credentials")
    assert not Token.objects.exists()


def test_a_token_request_without_a_password_names_the_missing_field(db):
    response = APIClient().post("/api/auth/token/", {"username": "clerk"}, format="json")
    error = assert_error(response, 400, "invalid")
    assert set(error["fields"]) == {"password"}


def test_an_unauthenticated_request_is_a_401_that_asks_for_a_token(db):
    response = APIClient().get("/api/meetings/")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


def test_a_wrong_token_is_a_401(db):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-token")
    assert_error(client.get("/api/rooms/"), 401, "authentication_failed")


def test_a_browser_session_works_too(client, clerk, room):
    client.force_login(clerk)
    response = client.get("/api/rooms/")
    assert response.status_code == 200
    assert response.json()["count"] == 1


# --- the catalogue ----------------------------------------------------------------------------


def test_buildings_and_hosting_units_are_listed_with_pagination(api, hosting_unit):
    buildings = api.get("/api/buildings/").json()
    assert set(buildings) == {"count", "next", "previous", "results"}
    assert [b["code"] for b in buildings["results"]] == ["main", "east", "west", "conference"]
    assert buildings["results"][0]["name"] == "主楼"
    units = api.get("/api/hosting-units/").json()
    assert units["results"] == [
        {"id": hosting_unit.pk, "name": "区发展和改革委员会", "short_name": "区发改委"}
    ]


def test_a_room_shows_its_building_in_chinese_and_its_equipment_codes(api, create_room):
    room = create_room(number="501", capacity=40)
    room.equipment.set(Equipment.objects.filter(code__in=["projector", "video_conference"]))
    data = api.get(f"/api/rooms/{room.pk}/").json()
    assert data["id"] == room.pk
    assert data["name"] == room.name
    assert data["building"] == "会议大厦"
    assert data["capacity"] == 40
    assert data["kind"] == "meeting"
    assert sorted(data["equipment"]) == ["projector", "video_conference"]
    # A clerk may subscribe to a room: the JSON carries their private feed link (issue 9).
    assert data["ical_url"].endswith(".ics")


def test_rooms_are_filtered_by_building_capacity_and_all_of_the_equipment(api, create_room):
    east = Building.objects.get(code="east")
    video, projector = (Equipment.objects.get(code=c) for c in ("video_conference", "projector"))
    small = create_room(number="S", capacity=10)
    both = create_room(number="B", capacity=50)
    both.equipment.set([video, projector])
    only_video = create_room(number="V", capacity=50)
    only_video.equipment.set([video])
    in_east = create_room(number="E", capacity=50, building=east)

    def ids(query: str) -> set[int]:
        response = api.get(f"/api/rooms/?{query}")
        assert response.status_code == 200, response.content
        return {room["id"] for room in response.json()["results"]}

    assert ids("") == {small.pk, both.pk, only_video.pk, in_east.pk}
    assert ids("building=east") == ids(f"building={east.pk}") == {in_east.pk}
    assert ids("min_capacity=20") == {both.pk, only_video.pk, in_east.pk}
    assert ids("equipment=video_conference") == {both.pk, only_video.pk}
    assert ids("equipment=video_conference&equipment=projector") == {both.pk}
    assert ids("equipment=video_conference,projector") == {both.pk}
    assert ids("kind=office") == set()


# --- availability -----------------------------------------------------------------------------


def test_availability_lists_free_fitting_meeting_rooms_smallest_first_counting_setup_and_teardown(
    api, create_room, book, room, clerk
):
    """Asked: 8 people, tomorrow 10:15-11:00. `room` (30 seats) is free all day."""
    # Its last meeting ends at 10:00 but its 30-minute teardown occupies it until 10:30.
    teardown_busy = create_room(number="T", capacity=10, setup_minutes=0, teardown_minutes=30)
    book(room=teardown_busy, start=at(TOMORROW, 8), end=at(TOMORROW, 10), attendees=5)
    # Free after 10:00, but its own 30-minute setup would start at 09:45.
    setup_busy = create_room(number="P", capacity=20, setup_minutes=30, teardown_minutes=0)
    book(room=setup_busy, start=at(TOMORROW, 9), end=at(TOMORROW, 10), attendees=5)
    # Occupied until 10:05, and its 10-minute setup starts at 10:05: touching is free.
    touching = create_room(number="F", capacity=25, setup_minutes=10, teardown_minutes=10)
    book(room=touching, start=at(TOMORROW, 9), end=at(TOMORROW, 9, 55), attendees=5)
    # A cancelled meeting frees its room.
    freed = create_room(number="C", capacity=24)
    cancel_meeting(
        book(room=freed, start=at(TOMORROW, 10), end=at(TOMORROW, 11)), by=clerk, reason="改期"
    )
    big = create_room(number="H", capacity=100, setup_minutes=30, teardown_minutes=30)
    create_room(number="tiny", capacity=5)
    create_room(number="out", capacity=22, in_service=False)
    create_room(number="office", capacity=22, kind=Room.Kind.OFFICE)

    response = api.get(
        "/api/rooms/availability/",
        {"start": iso(at(TOMORROW, 10, 15)), "end": iso(at(TOMORROW, 11)), "attendees": 8},
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [room["id"] for room in body["results"]] == [freed.pk, touching.pk, room.pk, big.pk]
    assert body["count"] == 4


def test_availability_takes_building_and_equipment_too(api, create_room):
    video = Equipment.objects.get(code="video_conference")
    plain = create_room(number="A", capacity=30)
    with_video = create_room(number="B", capacity=30)
    with_video.equipment.set([video])
    query = {"start": iso(at(TOMORROW, 14)), "end": iso(at(TOMORROW, 15)), "attendees": 25}
    everything = api.get("/api/rooms/availability/", query).json()["results"]
    assert {room["id"] for room in everything} == {plain.pk, with_video.pk}
    fitted = api.get("/api/rooms/availability/", {**query, "equipment": "video_conference"})
    assert [room["id"] for room in fitted.json()["results"]] == [with_video.pk]
    elsewhere = api.get("/api/rooms/availability/", {**query, "building": "east"})
    assert elsewhere.json()["count"] == 0


def test_availability_answers_each_room_as_the_room_endpoint_shows_it(api, create_room, book):
    """The availability answer is written out without RoomSerializer (for speed) yet documented
    as RoomSerializer: the two must not drift apart."""
    video = Equipment.objects.get(code="video_conference")
    projector, _created = Equipment.objects.get_or_create(
        code="projector", defaults={"name": "投影仪"}
    )
    kitted = create_room(number="K", capacity=12, layouts=["theatre"], setup_minutes=0)
    kitted.equipment.set([video, projector])
    bare = create_room(number="B", capacity=40, layouts=[], teardown_minutes=25)
    taken = create_room(number="T", capacity=20)
    book(room=taken, start=at(TOMORROW, 14), end=at(TOMORROW, 15), attendees=5)
    query = {"start": iso(at(TOMORROW, 14)), "end": iso(at(TOMORROW, 15)), "attendees": 10}
    found = api.get("/api/rooms/availability/", query).json()["results"]
    ids = [room["id"] for room in found]
    assert kitted.pk in ids and bare.pk in ids and taken.pk not in ids
    for room in found:
        assert room == api.get(f"/api/rooms/{room['id']}/").json()
    assert found[ids.index(kitted.pk)]["equipment"] == sorted(
        ["video_conference", "projector"],
        key=lambda code: Equipment.objects.get(code=code).name,
    )
    assert found[ids.index(bare.pk)]["ical_url"]  # a clerk may subscribe to a room's calendar


def test_availability_needs_the_same_queries_for_few_or_many_rooms_and_meetings(
    api, create_room, book
):
    query = {"start": iso(at(TOMORROW, 9)), "end": iso(at(TOMORROW, 18)), "attendees": 10}

    def count() -> int:
        # The first answer makes the clerk's calendar link of each room (feeds: once ever).
        assert api.get("/api/rooms/availability/", query).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            assert api.get("/api/rooms/availability/", query).status_code == 200
        return len(queries)

    create_room(capacity=30)
    few = count()
    video = Equipment.objects.get(code="video_conference")
    for i in range(12):
        extra = create_room(capacity=12 + i)
        extra.equipment.add(video)
        if i % 2:
            book(room=extra, start=at(TOMORROW, 9 + i % 8), end=at(TOMORROW, 10 + i % 8))
    # The token with its user, the rooms with their equipment, the meetings near the window,
    # the clerk's roles and room calendar links (for ical_url).
    assert count() == few <= 5


# --- booking and reading ----------------------------------------------------------------------


def test_a_clerk_books_with_only_the_required_fields_and_gets_201(api, room, hosting_unit):
    response = api.post("/api/meetings/", booking(room, hosting_unit), format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/api/meetings/{meeting.pk}/"
    assert data["id"] == meeting.pk
    assert data["room"] == room.pk
    assert data["room_name"] == room.name
    assert data["building"] == "会议大厦"
    assert data["hosting_unit"] == hosting_unit.pk
    assert data["title"] == "区发改委季度工作会"
    assert data["start"] == "2026-11-28T14:00:00+08:00"
    assert data["end"] == "2026-11-28T16:00:00+08:00"
    assert data["attendees"] == 20
    assert data["leader_rank"] == "none"
    assert data["confidentiality"] == "normal"
    assert data["status"] == "requested"
    assert data["level"] == "C"
    assert data["level_reason"]
    assert data["version"] == 1
    # Contact and phone come from the hosting unit, setup and teardown from the room.
    assert (meeting.contact_name, meeting.contact_phone) == ("李明", "13800138000")
    assert (data["contact_name"], data["contact_phone"]) == ("李明", "13800138000")
    assert (data["setup_minutes"], data["teardown_minutes"]) == (15, 10)
    assert meeting.booked_by.username == "clerk"


def test_times_without_an_offset_are_read_on_the_shanghai_clock(api, room, hosting_unit):
    body = booking(room, hosting_unit, start="2026-11-28T14:00", end="2026-11-28T15:00:00Z")
    data = api.post("/api/meetings/", body, format="json").json()
    assert data["start"] == "2026-11-28T14:00:00+08:00"
    assert data["end"] == "2026-11-28T23:00:00+08:00"


def test_optional_fields_reach_the_service_and_size_the_meeting(api, room, hosting_unit, leader):
    body = booking(
        room,
        hosting_unit,
        leader=leader.pk,
        confidentiality="internal",
        layout="u_shape",
        notes="需要茶歇",
        setup_minutes=45,
        teardown_minutes=0,
        contact_name="赵敏",
        contact_phone="010-1234",
    )
    data = api.post("/api/meetings/", body, format="json").json()
    assert data["leader"] == leader.pk
    assert data["leader_rank"] == "district"  # from the leader
    assert data["level"] == "A"
    assert data["level_reason"] == "区级领导召集"
    assert (data["setup_minutes"], data["teardown_minutes"]) == (45, 0)
    assert data["occupied_from"] == "2026-11-28T13:15:00+08:00"
    assert (data["contact_name"], data["layout"], data["notes"]) == ("赵敏", "u_shape", "需要茶歇")


def test_a_meeting_reads_back_through_its_detail(api, book):
    meeting = book(start=at(TOMORROW, 9), end=at(TOMORROW, 10))
    data = api.get(f"/api/meetings/{meeting.pk}/").json()
    assert data["title"] == meeting.title
    assert data["start"] == "2026-11-28T09:00:00+08:00"
    assert OFFSET.match(data["occupied_until"])


def test_meetings_are_filtered_by_local_date_building_room_status_and_hosting_unit(
    api, book, create_room, hosting_unit
):
    east = Building.objects.get(code="east")
    other_room = create_room(number="E1", building=east)
    other_unit = HostingUnit.objects.create(name="区财政局", short_name="财政局")
    day_one = book(start=at(TOMORROW, 9), end=at(TOMORROW, 10))
    # 00:30 on the 29th in Shanghai is still the 28th in UTC: it belongs to the 29th.
    after_midnight = book(start=at(TOMORROW + dt.timedelta(days=1), 0, 30))
    in_east = book(room=other_room, start=at(TOMORROW, 9), end=at(TOMORROW, 10))
    by_other_unit = book(hosting_unit=other_unit, start=at(TOMORROW, 14), end=at(TOMORROW, 15))
    api.post(f"/api/meetings/{day_one.pk}/confirm/")

    def ids(**query) -> list[int]:
        response = api.get("/api/meetings/", query)
        assert response.status_code == 200, response.content
        return [meeting["id"] for meeting in response.json()["results"]]

    # In time order, then by building (the east building comes before the conference building).
    assert ids() == [in_east.pk, day_one.pk, by_other_unit.pk, after_midnight.pk]
    assert ids(date="2026-11-28") == [in_east.pk, day_one.pk, by_other_unit.pk]
    assert ids(date="2026-11-29") == [after_midnight.pk]
    assert ids(building="east") == ids(building=east.pk) == [in_east.pk]
    assert ids(room=other_room.pk) == [in_east.pk]
    assert ids(status="confirmed") == [day_one.pk]
    assert ids(status="requested,confirmed", date="2026-11-29") == [after_midnight.pk]
    assert ids(hosting_unit=other_unit.pk) == [by_other_unit.pk]
    assert ids(hosting_unit=hosting_unit.pk, building="conference", date="2026-11-28") == [
        day_one.pk
    ]


def test_a_client_reschedules_confirms_and_cancels(api, room, create_room, hosting_unit):
    created = api.post("/api/meetings/", booking(room, hosting_unit), format="json").json()
    url = f"/api/meetings/{created['id']}/"
    bigger = create_room(number="601", capacity=80)

    moved = api.post(
        f"{url}reschedule/",
        {"start": iso(at(TOMORROW, 15)), "end": iso(at(TOMORROW, 17)), "room": bigger.pk},
        format="json",
    )
    assert moved.status_code == 200, moved.content
    assert moved.json()["start"] == "2026-11-28T15:00:00+08:00"
    assert moved.json()["room"] == bigger.pk
    assert moved.json()["version"] == 2

    confirmed = api.post(f"{url}confirm/")
    assert confirmed.status_code == 200
    assert confirmed.json()["status"] == "confirmed"

    cancelled = api.post(f"{url}cancel/", {"reason": "领导临时出差"}, format="json")
    assert cancelled.status_code == 200
    assert cancelled.json()["status"] == "cancelled"
    assert cancelled.json()["cancel_reason"] == "领导临时出差"
    assert Meeting.objects.get().status == MeetingStatus.CANCELLED


def test_rescheduling_without_a_room_keeps_the_room(api, book):
    meeting = book(start=at(TOMORROW, 9), end=at(TOMORROW, 10))
    response = api.post(
        f"/api/meetings/{meeting.pk}/reschedule/",
        {"start": iso(at(TOMORROW, 11)), "end": iso(at(TOMORROW, 12))},
        format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["room"] == meeting.room_id


def test_a_taken_slot_is_a_409_naming_the_other_meetings_window(api, book, room, hosting_unit):
    book(title="已有会议", start=at(TOMORROW, 14), end=at(TOMORROW, 16))
    body = booking(room, hosting_unit, start=iso(at(TOMORROW, 15)), end=iso(at(TOMORROW, 17)))
    error = assert_error(api.post("/api/meetings/", body, format="json"), 409, "conflict")
    assert "已有会议" in error["message"]
    assert "13:45" in error["message"]  # the other meeting's setup from 13:45
    assert "16:10" in error["message"]  # and its teardown until 16:10
    assert "start" in error["fields"]
    assert Meeting.objects.count() == 1


def test_a_reschedule_into_a_taken_slot_is_a_409(api, book):
    book(start=at(TOMORROW, 14), end=at(TOMORROW, 16))
    mine = book(start=at(TOMORROW, 9), end=at(TOMORROW, 10))
    response = api.post(
        f"/api/meetings/{mine.pk}/reschedule/",
        {"start": iso(at(TOMORROW, 15)), "end": iso(at(TOMORROW, 16))},
        format="json",
    )
    assert_error(response, 409, "conflict")
    mine.refresh_from_db()
    assert mine.start == at(TOMORROW, 9)


# --- editing ----------------------------------------------------------------------------------


def test_a_patch_changes_details_through_the_service_and_resizes(api, book):
    meeting = book(attendees=12)
    response = api.patch(
        f"/api/meetings/{meeting.pk}/",
        {"attendees": 25, "leader_rank": "bureau", "version": 1},
        format="json",
    )
    assert response.status_code == 200, response.content
    data = response.json()
    assert (data["attendees"], data["leader_rank"], data["level"]) == (25, "bureau", "B")
    assert data["level_reason"] == "局级领导召集"
    assert data["version"] == 2


def test_a_patch_from_an_old_version_is_a_409_stale(api, book):
    meeting = book()
    first = api.patch(f"/api/meetings/{meeting.pk}/", {"notes": "a"}, format="json")
    assert first.status_code == 200
    response = api.patch(
        f"/api/meetings/{meeting.pk}/", {"notes": "b", "version": 1}, format="json"
    )
    assert_error(response, 409, "stale")
    meeting.refresh_from_db()
    assert meeting.notes == "a"


@pytest.mark.parametrize("field", ["start", "end", "room", "setup_minutes"])
def test_a_patch_of_time_or_room_points_to_reschedule(api, book, field):
    meeting = book()
    value = meeting.room_id if field == "room" else 10 if field == "setup_minutes" else "x"
    response = api.patch(
        f"/api/meetings/{meeting.pk}/", {field: value, "notes": "n"}, format="json"
    )
    error = assert_error(response, 400, "use_reschedule")
    url = f"/api/meetings/{meeting.pk}/reschedule/"
    assert url in error["message"]
    assert url in error["fields"][field]
    meeting.refresh_from_db()
    assert meeting.notes == ""


def test_a_put_is_not_offered(api, book):
    meeting = book()
    response = api.put(f"/api/meetings/{meeting.pk}/", {"notes": "n"}, format="json")
    assert_error(response, 405, "method_not_allowed")


# --- who may do what --------------------------------------------------------------------------


def test_an_attendant_reads_meetings_but_may_not_book_or_change_them(
    attendant, book, room, hosting_unit
):
    meeting = book()
    client = client_for(attendant)
    assert client.get("/api/meetings/").json()["count"] == 1
    assert client.get(f"/api/meetings/{meeting.pk}/").status_code == 200
    refused = client.post("/api/meetings/", booking(room, hosting_unit), format="json")
    assert_error(refused, 403, "permission_denied")
    for action in ("confirm", "cancel", "reschedule"):
        response = client.post(f"/api/meetings/{meeting.pk}/{action}/", {}, format="json")
        assert_error(response, 403, "permission_denied")
    assert_error(client.patch(f"/api/meetings/{meeting.pk}/", {}, format="json"), 403)
    assert Meeting.objects.get().status == MeetingStatus.REQUESTED


def test_an_unknown_meeting_is_a_404(api):
    assert_error(api.get("/api/meetings/999999/"), 404, "not_found")
    assert_error(api.post("/api/meetings/999999/confirm/"), 404, "not_found")


# --- secret meetings --------------------------------------------------------------------------


@pytest.fixture
def secret(book, leader):
    return book(
        title=SECRET_TITLE,
        confidentiality=Confidentiality.SECRET,
        leader=leader,
        attendees=17,
        start=at(TOMORROW, 9),
        end=at(TOMORROW, 10),
    )


def test_a_secret_meetings_details_are_masked_for_a_user_without_the_permission(attendant, secret):
    client = client_for(attendant)
    for url in ("/api/meetings/", f"/api/meetings/{secret.pk}/", "/api/meetings/?date=2026-11-28"):
        response = client.get(url)
        assert response.status_code == 200
        text = response.content.decode()
        assert SECRET_TITLE not in text
        assert "张建国" not in text and "区级领导召集" not in text
        data = response.json()
        data = data["results"][0] if "results" in data else data
        assert data["title"]
        assert data["title"] != SECRET_TITLE
        for field in ("hosting_unit", "attendees", "leader", "leader_rank", "level"):
            assert data[field] is None, field
        assert data["level_reason"] is None
        # What everyone may see: its time and room.
        assert data["start"] == "2026-11-28T09:00:00+08:00"
        assert data["room"] == secret.room_id


def test_a_clerk_sees_the_secret_meetings_details(api, secret, hosting_unit, leader):
    data = api.get(f"/api/meetings/{secret.pk}/").json()
    assert data["title"] == SECRET_TITLE
    assert (data["hosting_unit"], data["attendees"], data["leader"]) == (
        hosting_unit.pk,
        17,
        leader.pk,
    )


def test_filtering_by_hosting_unit_does_not_reveal_a_secret_meetings_unit(
    attendant, api, secret, hosting_unit, book
):
    ordinary = book(start=at(TOMORROW, 14), end=at(TOMORROW, 15))
    query = {"hosting_unit": hosting_unit.pk}
    outsider_sees = client_for(attendant).get("/api/meetings/", query).json()["results"]
    assert [m["id"] for m in outsider_sees] == [ordinary.pk]
    clerk_sees = api.get("/api/meetings/", query).json()["results"]
    assert [m["id"] for m in clerk_sees] == [secret.pk, ordinary.pk]


def test_a_conflict_with_a_secret_meeting_does_not_name_it(make_user, secret, room, hosting_unit):
    # A clerk without the permission to see secrets (e.g. not authorised) may still book.
    clerk = make_user("junior", Role.CLERK)
    clerk.groups.get(name=Role.CLERK).permissions.clear()
    body = booking(room, hosting_unit, start=iso(at(TOMORROW, 9)), end=iso(at(TOMORROW, 11)))
    response = client_for(clerk).post("/api/meetings/", body, format="json")
    error = assert_error(response, 409, "conflict")
    assert SECRET_TITLE not in response.content.decode()
    assert "08:45" in error["message"]


# --- queries ----------------------------------------------------------------------------------


@pytest.mark.parametrize("with_secrets", [False, True], ids=["normal", "every-other-secret"])
def test_the_meeting_list_costs_the_same_queries_for_2_and_20_meetings(
    attendant, book, with_secrets
):
    client = client_for(attendant)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as captured:
            response = client.get("/api/meetings/")
        assert response.status_code == 200
        return len(captured)

    def book_more(count: int) -> None:
        start = Meeting.objects.count()
        for i in range(start, start + count):
            book(
                start=at(TOMORROW + dt.timedelta(days=i), 9),
                confidentiality=(
                    Confidentiality.SECRET if with_secrets and i % 2 else Confidentiality.NORMAL
                ),
            )

    book_more(2)
    few = queries_for_list()
    book_more(18)
    assert client.get("/api/meetings/").json()["count"] == 20
    assert queries_for_list() == few
    # The token with its user, the page's count, the page (rooms and buildings by join); when a
    # secret meeting asks, once per request: the user's permissions (own and groups') and the
    # staff member linked to the user (staffing's authorisation hook).
    assert few == (6 if with_secrets else 3)


# --- language ---------------------------------------------------------------------------------


def test_errors_are_chinese_by_default_and_english_when_asked(db):
    chinese = APIClient().get("/api/meetings/").json()["error"]["message"]
    assert re.search(r"[\u4e00-\u9fff]", chinese)
    english = APIClient().get("/api/meetings/", HTTP_ACCEPT_LANGUAGE="en")
    assert english.json()["error"]["message"] == "Authentication credentials were not provided."
    assert english["Content-Language"] == "en"


def test_a_refusal_of_our_own_follows_the_language_asked(api, book, room, hosting_unit):
    book(start=at(TOMORROW, 14), end=at(TOMORROW, 16))
    body = booking(room, hosting_unit)
    default = assert_error(api.post("/api/meetings/", body, format="json"), 409)
    english = assert_error(
        api.post("/api/meetings/", body, format="json", HTTP_ACCEPT_LANGUAGE="en-GB,en;q=0.8"),
        409,
    )
    assert "Saturday 28 November 2026" in english["message"]
    assert default["message"] != english["message"]
    assert "星期六" in default["message"]
