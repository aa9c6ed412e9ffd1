"""Patrols and phoned-in service requests (issue 5 point 6): logged, tracked until done with who
and when, and refused when someone else got there first."""

import pytest
import time_machine

from bookings.models import Building
from core.models import AuditEntry, Notification
from core.roles import Role
from inspections.errors import CheckError
from inspections.models import Patrol, ServiceRequest
from inspections.requests import complete_request, log_patrol, log_request, take_request
from staffing.models import Position
from tests.conftest import NOW
from tests.staffing_factories import make_staff


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


@pytest.fixture
def managers(make_user, building):
    """A lobby manager of this building and one of another building."""
    here = make_user("lobby-here", Role.LOBBY_MANAGER)
    there = make_user("lobby-there", Role.LOBBY_MANAGER)
    east = Building.objects.create(code="east-r", name="东楼")
    make_staff(position=Position.LOBBY_MANAGER, home_building=building, user=here)
    make_staff(position=Position.LOBBY_MANAGER, home_building=east, user=there)
    return here, there


def audited(obj, action) -> bool:
    return AuditEntry.objects.filter(action=action, object_id=str(obj.pk)).exists()


# --- services ---------------------------------------------------------------------------------


def test_a_patrol_is_logged_and_audited(book, hotline):
    meeting = book()
    patrol = log_patrol(by=hotline, room=meeting.room, meeting=meeting, now=NOW)
    assert patrol.all_in_order and patrol.at == NOW and patrol.by == hotline
    assert audited(patrol, "patrol_logged")


def test_a_patrol_not_in_order_needs_a_note(hotline, room):
    with pytest.raises(CheckError):
        log_patrol(by=hotline, room=room, all_in_order=False, note="  ", now=NOW)
    assert not Patrol.objects.exists()
    patrol = log_patrol(by=hotline, room=room, all_in_order=False, note="地面有水", now=NOW)
    assert patrol.note == "地面有水"


def test_a_request_notifies_the_buildings_lobby_manager_and_the_hotline(hotline, managers, room):
    req = log_request(by=hotline, what="加椅子", room=room, urgency="urgent", caller="王", now=NOW)
    assert req.logged_by == hotline and req.logged_at == NOW
    recipients = set(
        Notification.objects.filter(kind="service_request").values_list(
            "recipient__username", flat=True
        )
    )
    assert recipients == {"hotline", "lobby-here"}
    assert Notification.objects.filter(dedupe_key__startswith=f"request:{req.pk}:").count() == 2
    assert audited(req, "request_logged")


def test_a_request_without_what_is_refused(hotline):
    with pytest.raises(CheckError):
        log_request(by=hotline, what=" ", now=NOW)
    assert not ServiceRequest.objects.exists()


def test_taking_and_completing_record_who_and_when_and_repeats_are_refused(hotline, room):
    staff = make_staff(name="张三")
    req = log_request(by=hotline, what="送茶", room=room, now=NOW)
    take_request(req, by=hotline, staff=staff, now=NOW)
    assert req.taken_by == staff and req.taken_at == NOW
    assert audited(req, "request_taken")
    with pytest.raises(CheckError):
        take_request(req, by=hotline, staff=staff, now=NOW)
    complete_request(req, by=hotline, feedback="满意", now=NOW)
    assert req.done_at == NOW and req.feedback == "满意"
    assert audited(req, "request_done")
    with pytest.raises(CheckError):
        complete_request(req, by=hotline, now=NOW)
    assert AuditEntry.objects.filter(object_id=str(req.pk), action="request_done").count() == 1


# --- pages ------------------------------------------------------------------------------------


def test_the_list_shows_urgent_first_and_todays_patrols(client, hotline, room):
    normal = log_request(by=hotline, what="普通需求", room=room, now=NOW)
    urgent = log_request(by=hotline, what="紧急需求", where_text="领导办公室", urgency="urgent")
    log_patrol(by=hotline, room=room, note="巡查备注")
    client.force_login(hotline)
    response = client.get("/requests/")
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index(f'data-request="{urgent.pk}"') < body.index(f'data-request="{normal.pk}"')
    assert "巡查备注" in body


def test_the_hotline_logs_takes_and_completes_a_request_through_the_pages(client, hotline, room):
    staff = make_staff(name="李四")
    client.force_login(hotline)
    assert client.get("/requests/new/").status_code == 200
    response = client.post(
        "/requests/new/", {"what": "房间太冷", "room": room.pk, "urgency": "normal"}
    )
    assert response.status_code == 302
    req = ServiceRequest.objects.get()
    assert req.what == "房间太冷" and req.room == room
    client.post(f"/requests/{req.pk}/take/", {"staff": staff.pk})
    client.post(f"/requests/{req.pk}/complete/", {"feedback": "好了"})
    req.refresh_from_db()
    assert req.taken_by == staff and req.done_at is not None and req.feedback == "好了"


def test_the_patrol_form_prefills_the_meeting_and_logs_it(client, book, hotline):
    meeting = book()
    client.force_login(hotline)
    url = f"/patrols/new/?meeting={meeting.pk}"
    page = client.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["room"] == meeting.room
    response = client.post(url, {"room": meeting.room.pk, "all_in_order": "on"})
    assert response.status_code == 302
    patrol = Patrol.objects.get()
    assert patrol.meeting == meeting and patrol.room == meeting.room and patrol.by == hotline


@pytest.mark.parametrize("url", ["/requests/new/", "/patrols/new/"])
def test_an_attendant_may_not_log(client, attendant, room, url):
    client.force_login(attendant)
    assert client.get(url).status_code == 403
    assert client.post(url, {"what": "x", "room": room.pk}).status_code == 403
    assert not ServiceRequest.objects.exists() and not Patrol.objects.exists()


def test_an_attendant_may_not_take_or_complete(client, attendant, hotline, room):
    req = log_request(by=hotline, what="x", room=room, now=NOW)
    staff = make_staff()
    client.force_login(attendant)
    assert client.post(f"/requests/{req.pk}/take/", {"staff": staff.pk}).status_code == 403
    assert client.post(f"/requests/{req.pk}/complete/", {}).status_code == 403
    req.refresh_from_db()
    assert req.taken_at is None and req.done_at is None
