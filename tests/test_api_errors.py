"""Bad input to the booking API (invariant 6, issue 3 points 6 and 7): every refusal is a 4xx in
the one error shape {"error": {"code", "message", "fields"}}, never a 500, and saves nothing.
"""

import datetime as dt

import pytest
import time_machine
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings.models import Meeting
from core.timeutils import at
from tests.conftest import NOW

TOMORROW = NOW.date() + dt.timedelta(days=1)


@pytest.fixture(autouse=True)
def _frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def api(clerk) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clerk).key}")
    return client


@pytest.fixture
def body(room, hosting_unit) -> dict:
    return {
        "room": room.pk,
        "title": "周例会",
        "hosting_unit": hosting_unit.pk,
        "start": at(TOMORROW, 14).isoformat(),
        "end": at(TOMORROW, 15).isoformat(),
        "attendees": 10,
    }


def assert_error(response, status: int, code: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    payload = response.json()
    assert set(payload) == {"error"}
    error = payload["error"]
    assert set(error) == {"code", "message", "fields"}
    assert isinstance(error["message"], str)
    assert error["message"].strip()
    assert isinstance(error["fields"], dict)
    assert all(isinstance(text, str) and text for text in error["fields"].values())
    if code:
        assert error["code"] == code
    return error


def refused_booking(api, data, *, status=400, code="invalid", **kwargs) -> dict:
    error = assert_error(api.post("/api/meetings/", data, **kwargs), status, code)
    assert not Meeting.objects.exists()
    return error


# --- bodies that are not what they should be --------------------------------------------------


def test_a_malformed_json_body_is_a_400(api):
    response = api.post("/api/meetings/", data='{"room": 1,', content_type="application/json")
    assert_error(response, 400, "parse_error")


@pytest.mark.parametrize("raw", ["[]", '"text"', "null", "42", '[{"room": 1}]'])
def test_a_body_that_is_not_an_object_is_a_400(api, book, raw):
    response = api.post("/api/meetings/", data=raw, content_type="application/json")
    assert_error(response, 400, "invalid")
    url = f"/api/meetings/{book().pk}/"
    for method, address in (("patch", url), ("post", f"{url}reschedule/")):
        response = getattr(api, method)(address, data=raw, content_type="application/json")
        assert_error(response, 400, "invalid")


@pytest.mark.parametrize(
    ("content_type", "data"),
    [
        ("text/plain", "room=1"),
        ("application/x-www-form-urlencoded", "room=1&title=x"),
        ("application/xml", "<meeting/>"),
    ],
)
def test_a_body_that_is_not_json_is_a_415(api, content_type, data):
    response = api.post("/api/meetings/", data=data, content_type=content_type)
    assert_error(response, 415, "unsupported_media_type")


def test_missing_fields_are_each_named(api):
    error = refused_booking(api, {}, format="json")
    assert set(error["fields"]) == {"room", "title", "hosting_unit", "start", "end", "attendees"}


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("attendees", "abc"),
        ("attendees", 2.5),
        ("attendees", True),
        ("attendees", 10**12),
        ("attendees", [10]),
        ("room", "x"),
        ("room", 999999),
        ("room", 10**30),
        ("room", True),
        ("room", None),
        ("hosting_unit", 999999),
        ("hosting_unit", {"id": 1}),
        ("leader", "x"),
        ("leader", 999999),
        ("start", "yesterday"),
        ("start", "2026-02-30T10:00:00"),
        ("start", 1764300000),
        ("start", "0001-01-01T00:00:00"),
        ("end", "9999-12-31T23:59:59+14:00"),
        ("title", "会\x00议"),
        ("title", "x" * 201),
        ("title", ["周例会"]),
        ("confidentiality", "topsecret"),
        ("leader_rank", "emperor"),
        ("layout", "circus"),
        ("setup_minutes", -5),
        ("setup_minutes", 100000),
        ("contact_phone", "1" * 31),
    ],
)
def test_a_wrong_type_or_unknown_id_is_a_400_naming_the_field(api, body, field, value):
    error = refused_booking(api, {**body, field: value}, format="json")
    assert field in error["fields"]


def test_an_unknown_key_is_refused_rather_than_ignored(api, body):
    # A misspelt confidentiality must not quietly book an ordinary meeting.
    error = refused_booking(api, {**body, "confidentialty": "secret"}, format="json")
    assert set(error["fields"]) == {"confidentialty"}
    error = refused_booking(api, {**body, "status": "confirmed"}, format="json")
    assert set(error["fields"]) == {"status"}


# --- what the service refuses -----------------------------------------------------------------


def test_an_end_not_after_the_start_is_a_400(api, body):
    error = refused_booking(api, {**body, "end": body["start"]}, format="json")
    assert "end" in error["fields"]


def test_a_meeting_longer_than_12_hours_is_a_400(api, body):
    long = {**body, "start": at(TOMORROW, 7).isoformat(), "end": at(TOMORROW, 19, 1).isoformat()}
    error = refused_booking(api, long, format="json")
    assert "end" in error["fields"]


def test_a_start_in_the_past_is_a_400(api, body):
    past = {**body, "start": at(NOW.date(), 8).isoformat(), "end": at(NOW.date(), 10).isoformat()}
    error = refused_booking(api, past, format="json")
    assert "start" in error["fields"]


def test_too_many_attendees_is_a_400_that_names_rooms_that_fit(api, body, create_room):
    create_room(number="801", name="大会议厅", capacity=200)
    error = refused_booking(api, {**body, "attendees": 150}, format="json")
    assert "attendees" in error["fields"]
    assert "大会议厅" in error["message"]


def test_a_room_out_of_service_or_not_for_meetings_is_a_400(api, body, create_room):
    closed = create_room(number="902", in_service=False)
    office = create_room(number="903", kind="office")
    for room in (closed, office):
        error = refused_booking(api, {**body, "room": room.pk}, format="json")
        assert "room" in error["fields"]


def test_a_blank_title_gets_the_services_message(api, body):
    error = refused_booking(api, {**body, "title": "   "}, format="json")
    assert "title" in error["fields"]


def test_cancelling_without_a_reason_is_a_400(api, book):
    meeting = book()
    response = api.post(f"/api/meetings/{meeting.pk}/cancel/", {}, format="json")
    error = assert_error(response, 400, "reason_required")
    assert "reason" in error["fields"]
    meeting.refresh_from_db()
    assert meeting.is_active


def test_confirming_twice_or_changing_a_cancelled_meeting_is_a_400(api, book):
    meeting = book()
    url = f"/api/meetings/{meeting.pk}/"
    assert api.post(f"{url}confirm/").status_code == 200
    assert_error(api.post(f"{url}confirm/"), 400, "invalid_state")
    assert api.post(f"{url}cancel/", {"reason": "取消"}, format="json").status_code == 200
    assert_error(api.patch(url, {"notes": "x"}, format="json"), 400, "invalid_state")
    moved = {"start": at(TOMORROW, 16).isoformat(), "end": at(TOMORROW, 17).isoformat()}
    assert_error(api.post(f"{url}reschedule/", moved, format="json"), 400, "invalid_state")


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"start": "soon", "end": "later"},
        {"start": "2026-11-28T16:00:00+08:00", "end": "2026-11-28T17:00:00+08:00", "room": "x"},
        {"start": "2026-11-28T16:00:00+08:00", "end": "2026-11-28T17:00:00+08:00", "title": "y"},
    ],
)
def test_a_bad_reschedule_is_a_400(api, book, data):
    meeting = book()
    response = api.post(f"/api/meetings/{meeting.pk}/reschedule/", data, format="json")
    assert_error(response, 400, "invalid")
    assert Meeting.objects.get().version == 1


@pytest.mark.parametrize(
    "data",
    [{"attendees": "many"}, {"hosting_unit": 999999}, {"version": "v1"}, {"status": "confirmed"}],
)
def test_a_bad_patch_is_a_400(api, book, data):
    meeting = book()
    response = api.patch(f"/api/meetings/{meeting.pk}/", data, format="json")
    assert_error(response, 400, "invalid")
    assert Meeting.objects.get().version == 1


def test_a_malformed_patch_body_is_a_400(api, book):
    meeting = book()
    response = api.patch(
        f"/api/meetings/{meeting.pk}/", data="{notes:", content_type="application/json"
    )
    assert_error(response, 400, "parse_error")


# --- query parameters -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "query",
    [
        {"date": "tomorrow"},
        {"date": "2026-13-01"},
        {"date": "9999-12-31"},
        {"building": "nowhere"},
        {"building": "999999"},
        {"building": "a\x00b"},
        {"room": "abc"},
        {"room": "999999"},
        {"room": str(10**30)},
        {"status": "finished"},
        {"status": "requested,bogus"},
        {"hosting_unit": "x"},
    ],
)
def test_a_junk_meeting_filter_is_a_400_naming_it(api, query):
    error = assert_error(api.get("/api/meetings/", query), 400, "invalid")
    assert set(error["fields"]) == set(query)


def test_empty_filters_count_as_absent(api, book):
    book()
    response = api.get("/api/meetings/?date=&building=&status=")
    assert response.status_code == 200
    assert response.json()["count"] == 1


@pytest.mark.parametrize(
    "query",
    [
        {"min_capacity": "-1"},
        {"min_capacity": "lots"},
        {"equipment": "teleporter"},
        {"equipment": "projector,teleporter"},
        {"equipment": "drop table"},
        {"building": "-"},
        {"kind": "cellar"},
    ],
)
def test_a_junk_room_filter_is_a_400_naming_it(api, query):
    error = assert_error(api.get("/api/rooms/", query), 400, "invalid")
    assert set(error["fields"]) == set(query)


GOOD_SLOT = {"start": "2026-11-28T14:00:00+08:00", "end": "2026-11-28T15:00:00+08:00"}


@pytest.mark.parametrize(
    ("query", "fields"),
    [
        ({}, {"start", "end", "attendees"}),
        ({**GOOD_SLOT}, {"attendees"}),
        ({**GOOD_SLOT, "attendees": "abc"}, {"attendees"}),
        ({**GOOD_SLOT, "attendees": "0"}, {"attendees"}),
        ({"start": "noon", "end": GOOD_SLOT["end"], "attendees": "5"}, {"start"}),
        ({"start": GOOD_SLOT["end"], "end": GOOD_SLOT["start"], "attendees": "5"}, {"end"}),
        ({"start": GOOD_SLOT["start"], "end": GOOD_SLOT["start"], "attendees": "5"}, {"end"}),
        (
            {"start": "2026-11-28T06:00:00+08:00", "end": "2026-11-28T18:01:00+08:00"}
            | {"attendees": "5"},
            {"end"},
        ),
        ({"start": "0001-01-01T00:00:00", "end": GOOD_SLOT["end"], "attendees": "5"}, {"start"}),
        ({**GOOD_SLOT, "attendees": "5", "equipment": "teleporter"}, {"equipment"}),
    ],
)
def test_a_bad_availability_query_is_a_400_naming_the_parameters(api, query, fields):
    error = assert_error(api.get("/api/rooms/availability/", query), 400, "invalid")
    assert set(error["fields"]) == fields


def test_a_page_that_does_not_exist_is_a_404(api):
    assert_error(api.get("/api/meetings/?page=abc"), 404, "not_found")
    assert_error(api.get("/api/meetings/?page=99"), 404, "not_found")


# --- addresses and methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/nothing-here/"),
        ("get", "/api/meetings/abc/"),
        ("get", f"/api/meetings/{10**30}/"),
        ("post", "/api/meetings"),  # no trailing slash: no redirect error either
        ("get", "/api/rooms/999999/"),
    ],
)
def test_an_unknown_address_is_a_404_in_the_error_shape(api, method, url):
    assert_error(getattr(api, method)(url), 404, "not_found")


def test_a_method_the_address_does_not_offer_is_a_405(api):
    assert_error(api.delete("/api/rooms/"), 405, "method_not_allowed")
    assert_error(api.post("/api/buildings/", {}, format="json"), 405, "method_not_allowed")


def test_english_when_asked_for_drfs_own_messages(api):
    error = assert_error(
        api.get("/api/meetings/", {"room": "abc"}, HTTP_ACCEPT_LANGUAGE="en"), 400, "invalid"
    )
    assert error["fields"]["room"] == "Incorrect type. Expected pk value, received str."
    chinese = assert_error(api.get("/api/meetings/", {"room": "abc"}), 400, "invalid")
    assert chinese["fields"]["room"] != error["fields"]["room"]
