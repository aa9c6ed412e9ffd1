"""The OpenAPI schema and its docs page (issue 9 points 1-2): complete enough that a generated
client works (every path, every refusal in the one error shape, named enums, paginated lists),
readable anonymously; the docs page for logged-in users under the strict CSP. Also the gap
endpoints a client would hit: leaders, a hosting unit, the incidents list's filters.
"""

import datetime as dt
import json
import re

import pytest
import time_machine
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from bookings.models import Building, Confidentiality, HostingUnit, Leader, LeaderRank
from conference import api_urls
from core.roles import Role
from inspections.incidents import report_incident
from inspections.models import IncidentCategory, Severity
from tests.conftest import NOW

ERROR_REF = "#/components/schemas/Error"


def client_for(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def assert_error(response, status: int) -> dict:
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "fields"}
    return body["error"]


@pytest.fixture
def schema(db) -> dict:
    response = APIClient().get("/api/schema/?format=json")
    assert response.status_code == 200
    return response.json()


# --- the schema -------------------------------------------------------------------------------


def test_the_schema_is_openapi_3_yaml_readable_without_a_login(db):
    response = APIClient().get("/api/schema/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.oai.openapi")
    document = yaml.safe_load(response.content)
    assert document["openapi"].startswith("3.")
    validate_schema(document)


def test_the_json_schema_validates_against_the_openapi_3_specification(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_generating_the_schema_gives_no_warning(db, tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["paths"]


def _routes(patterns, prefix="/api/"):
    for pattern in patterns:
        route = str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, prefix + route)
        elif isinstance(pattern, URLPattern) and route:
            yield prefix + route


def _shape(path: str) -> str:
    """Parameters as {}, anchors and converters gone: Django's and OpenAPI's forms compare."""
    path = path.replace("^", "").replace("$", "")
    path = re.sub(r"<(?:\w+:)?\w+>|\(\?P<\w+>[^)]*\)|\{\w+\}", "{}", path)
    return re.sub(r"/+", "/", path)


def test_every_address_under_api_is_in_the_schema(schema):
    own = {"/api/schema/", "/api/docs/"}
    routes = {_shape(route) for route in _routes(api_urls.urlpatterns)} - own
    documented = {_shape(path) for path in schema["paths"]}
    assert routes, "the resolver walk found nothing"
    assert routes <= documented, sorted(routes - documented)


def _operations(schema):
    for path, methods in schema["paths"].items():
        for method, operation in methods.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                yield path, method, operation


def _refs(response) -> set[str]:
    return {media["schema"].get("$ref") for media in response.get("content", {}).values()} - {None}


def test_every_operation_documents_its_refusals_in_the_shared_error_shape(schema):
    for path, method, operation in _operations(schema):
        errors = {code: r for code, r in operation["responses"].items() if code.startswith("4")}
        assert errors, (method, path)
        for code, response in errors.items():
            assert _refs(response) == {ERROR_REF}, (method, path, code)
    error = schema["components"]["schemas"]["Error"]
    assert error["required"] == ["error"]
    detail = schema["components"]["schemas"][error["properties"]["error"]["$ref"].split("/")[-1]]
    assert set(detail["properties"]) == {"code", "message", "fields"}


def test_operations_that_need_a_login_document_401_and_403_and_writes_409(schema):
    for path, method, operation in _operations(schema):
        if path == "/api/auth/token/":
            continue
        assert {"401", "403"} <= set(operation["responses"]), (method, path)
        if method in {"post", "patch"}:
            assert {"400", "409"} <= set(operation["responses"]), (method, path)


def test_the_token_endpoint_is_documented_with_its_body_and_answer(schema):
    operation = schema["paths"]["/api/auth/token/"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
    request = schema["components"]["schemas"][body.split("/")[-1]]
    assert set(request["required"]) == {"username", "password"}
    answer = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
    assert schema["components"]["schemas"][answer.split("/")[-1]]["required"] == ["token"]
    assert {"400", "429"} <= set(operation["responses"])
    assert "401" not in operation["responses"]


def test_lists_show_the_pagination_envelope(schema):
    for path in ("/api/meetings/", "/api/incidents/", "/api/leaders/", "/api/staff/"):
        response = schema["paths"][path]["get"]["responses"]["200"]
        ref = response["content"]["application/json"]["schema"]["$ref"]
        envelope = schema["components"]["schemas"][ref.split("/")[-1]]
        assert set(envelope["properties"]) == {"count", "next", "previous", "results"}, path


def test_enums_have_one_meaningful_name_each(schema):
    components = schema["components"]["schemas"]
    enums = {name for name, component in components.items() if "enum" in component}
    assert not [name for name in enums if re.search(r"[0-9a-f]{3}Enum$", name)], enums
    expected = {
        "MeetingStatusEnum",
        "CheckStatusEnum",
        "DutyStatusEnum",
        "DocumentStatusEnum",
        "DocumentKindEnum",
        "RoomKindEnum",
        "LeaderRankEnum",
        "ServiceLevelEnum",
        "IncidentCategoryEnum",
    }
    assert expected <= enums
    meeting = components["Meeting"]["properties"]
    assert "#/components/schemas/MeetingStatusEnum" in json.dumps(meeting["status"])


def test_query_filters_are_documented(schema):
    def names(path):
        return {p["name"] for p in schema["paths"][path]["get"].get("parameters", [])}

    assert {"date", "building", "room", "status", "hosting_unit"} <= names("/api/meetings/")
    assert {"open", "date", "building", "category", "severity"} <= names("/api/incidents/")
    assert {"unit", "rank"} <= names("/api/leaders/")
    assert {"kind", "date", "status"} <= names("/api/documents/")
    assert {"start", "end", "attendees"} <= names("/api/rooms/availability/")


# --- the docs page ----------------------------------------------------------------------------


def test_the_docs_page_renders_for_a_logged_in_user_under_the_csp(client, clerk):
    client.force_login(clerk)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    csp = response["Content-Security-Policy"]
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert re.search(r"script-src 'self'(;|$)", csp)
    html = response.content.decode()
    scripts = re.findall(r"<script([^>]*)>", html)
    assert scripts
    for attributes in scripts:
        src = re.search(r'src="([^"]+)"', attributes)
        assert src, "an inline script"
        assert src.group(1).startswith("/") and not src.group(1).startswith("//"), src.group(1)
    script = client.get("/api/docs/?script=")
    assert script.status_code == 200
    assert "javascript" in script["Content-Type"]
    assert "/api/schema/" in script.content.decode()


def test_the_docs_page_sends_an_anonymous_visitor_to_log_in(client, db):
    response = client.get("/api/docs/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


# --- the gap endpoints ------------------------------------------------------------------------


def test_leaders_are_readable_with_filters_but_not_their_service_notes(clerk, leader):
    other_unit = HostingUnit.objects.create(name="区教育局", short_name="教育局")
    Leader.objects.create(name="赵敏", rank=LeaderRank.SECTION, unit=other_unit)
    leader.service_notes = "只喝温水"
    leader.save(update_fields=["service_notes"])
    api = client_for(clerk)

    data = api.get("/api/leaders/").json()
    assert set(data) == {"count", "next", "previous", "results"}
    assert data["count"] == 2
    assert all("service_notes" not in row for row in data["results"])

    by_unit = api.get(f"/api/leaders/?unit={leader.unit_id}").json()["results"]
    assert [row["name"] for row in by_unit] == ["张建国"]
    by_rank = api.get("/api/leaders/?rank=section").json()["results"]
    assert [row["name"] for row in by_rank] == ["赵敏"]
    assert assert_error(api.get("/api/leaders/?rank=emperor"), 400)["fields"]["rank"]

    one = api.get(f"/api/leaders/{leader.pk}/").json()
    assert one == {
        "id": leader.pk,
        "name": "张建国",
        "title": "副区长",
        "rank": "district",
        "unit": leader.unit_id,
    }
    assert_error(api.get("/api/leaders/999999/"), 404)


def test_leaders_and_hosting_units_need_a_login(db, leader):
    assert_error(APIClient().get("/api/leaders/"), 401)
    assert_error(APIClient().get(f"/api/hosting-units/{leader.unit_id}/"), 401)


def test_a_hosting_unit_is_readable_on_its_own(attendant, hosting_unit):
    data = client_for(attendant).get(f"/api/hosting-units/{hosting_unit.pk}/").json()
    assert data == {"id": hosting_unit.pk, "name": "区发展和改革委员会", "short_name": "区发改委"}


@pytest.fixture
def incidents(book, attendant, create_room):
    """Two open incidents, one of a secret meeting (in the conference building), and one in
    another building reported the next day."""
    east = Building.objects.create(code="east-s", name="东楼")
    east_room = create_room(number="E101", building=east)
    secret = book(confidentiality=Confidentiality.SECRET, title="绝密：协调会")
    with time_machine.travel(NOW, tick=False):
        first = report_incident(
            by=attendant,
            meeting=secret,
            category=IncidentCategory.AIR_CONDITIONING,
            severity=Severity.HIGH,
            description="空调不制冷",
            now=NOW,
        )
    later = NOW + dt.timedelta(days=1)
    with time_machine.travel(later, tick=False):
        second = report_incident(
            by=attendant,
            room=east_room,
            category=IncidentCategory.LIGHTING,
            severity=Severity.LOW,
            description="灯不亮",
            now=later,
        )
    return first, second, east


def test_the_incident_list_filters_by_day_building_category_and_severity(incidents, make_user):
    first, second, east = incidents
    api = client_for(make_user("hotline", Role.HOTLINE))

    def ids(query):
        data = api.get(f"/api/incidents/?{query}").json()
        assert set(data) == {"count", "next", "previous", "results"}
        return [row["id"] for row in data["results"]]

    assert ids("") == [first.pk, second.pk]
    assert ids(f"date={NOW.date().isoformat()}") == [first.pk]
    assert ids(f"building={east.code}") == [second.pk]
    assert ids(f"building={east.pk}") == [second.pk]
    assert ids("category=lighting") == [second.pk]
    assert ids("severity=high&open=true") == [first.pk]
    assert ids(f"meeting={first.meeting_id}") == [first.pk]
    assert ids("date=&building=") == [first.pk, second.pk]  # empty counts as absent
    assert assert_error(api.get("/api/incidents/?building=nowhere"), 400)["fields"]["building"]
    assert assert_error(api.get("/api/incidents/?date=1999-01-01"), 400)["fields"]["date"]


def test_a_secret_meetings_incident_keeps_its_description_hidden_in_list_and_detail(
    incidents, make_user
):
    first, second, _east = incidents
    api = client_for(make_user("lobby", Role.LOBBY_MANAGER))
    listed = api.get("/api/incidents/?severity=high").json()["results"]
    assert [(row["id"], row["description"]) for row in listed] == [(first.pk, None)]
    assert_error(api.get(f"/api/incidents/{first.pk}/"), 404)
    shown = api.get(f"/api/incidents/{second.pk}/").json()
    assert shown["description"] == "灯不亮"
    assert re.match(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?\+08:00$", shown["reported_at"])


def test_the_incident_list_needs_a_staff_role(outsider, db):
    assert_error(APIClient().get("/api/incidents/"), 401)
    assert_error(client_for(outsider).get("/api/incidents/"), 403)
