"""The door display (issue 8 point 6): a building's lobby screen behind an unguessable,
revocable link, showing only what the visibility policy's door column allows, and the
supervisor's page that hands the links out."""

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from bookings import services as booking_services
from bookings.models import Building, Confidentiality, HostingUnit, Leader, LeaderRank
from conference import door
from conference.models import DoorLink
from core.models import AuditEntry
from tests.conftest import NOW


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def link(building, supervisor):
    return door.issue_link(building, by=supervisor, now=NOW - dt.timedelta(days=1))


def at(hour: int, minute: int = 0, days: int = 0) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute) + dt.timedelta(days=days)


def early(hour: int, minute: int = 0, days: int = 0, **params):
    """Booking arguments for a meeting at hour:minute on NOW's day (+days), booked the day
    before so that one already running at NOW can be laid down too."""
    start = at(hour, minute, days)
    return {
        "start": start,
        "end": start + dt.timedelta(hours=1),
        "now": NOW - dt.timedelta(days=1),
        **params,
    }


def get_door(client, link, *, rows=False, **headers):
    name = "door-rows" if rows else "door-display"
    return client.get(reverse(name, args=[link.token]), **headers)


# --- the links --------------------------------------------------------------------------------


def test_a_link_is_unguessable_and_live(link):
    assert len(link.token) >= 32
    assert link.is_live


def test_issuing_a_new_link_revokes_the_old_one(building, supervisor, link):
    new = door.issue_link(building, by=supervisor, now=NOW)
    link.refresh_from_db()
    assert link.revoked_at == NOW and link.revoked_by == supervisor
    assert new.is_live and new.token != link.token
    assert list(DoorLink.objects.live().filter(building=building)) == [new]


def test_each_change_of_a_link_leaves_an_audit_row(building, supervisor, link):
    new = door.issue_link(building, by=supervisor, now=NOW)
    door.revoke_link(new, by=supervisor, now=NOW + dt.timedelta(minutes=5))
    door.revoke_link(new, by=supervisor, now=NOW + dt.timedelta(minutes=6))  # no change, no row
    rows = AuditEntry.objects.filter(object_id__in=[str(link.pk), str(new.pk)]).order_by("pk")
    assert [(row.object_id, row.action, row.to_state) for row in rows] == [
        (str(link.pk), "door_link_issued", "live"),
        (str(link.pk), "door_link_revoked", "revoked"),
        (str(new.pk), "door_link_issued", "live"),
        (str(new.pk), "door_link_revoked", "revoked"),
    ]
    assert all(row.actor == supervisor for row in rows)


# --- the public page --------------------------------------------------------------------------


def test_anyone_with_the_link_sees_the_screen_without_logging_in(frozen, client, link, book):
    book(**early(10, title="年度工作部署会"))
    response = get_door(client, link)
    assert response.status_code == 200
    html = response.content.decode()
    assert "会议大厦" in html
    assert "2026年11月27日（星期五）" in html
    assert "09:00" in html  # updated at
    assert "年度工作部署会" in html and "10:00–11:00" in html
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]
    assert response["Referrer-Policy"] == "no-referrer"
    # The htmx refresh of the rows every minute.
    assert (
        f'hx-get="/door/{link.token}/rows/"' in html
        and 'hx-trigger="every 60s, door-refresh"' in html
    )


def test_an_unknown_and_a_revoked_link_both_answer_404(frozen, client, building, supervisor, link):
    door.revoke_link(link, by=supervisor)
    for token in (link.token, "not-a-token", door.new_token()):
        for rows in (False, True):
            response = client.get(reverse("door-rows" if rows else "door-display", args=[token]))
            assert response.status_code == 404, (token, rows)


def test_a_revoked_link_stops_an_open_screen_refreshing(frozen, client, supervisor, link):
    door.revoke_link(link, by=supervisor)
    response = get_door(client, link, rows=True, HTTP_HX_REQUEST="true")
    # 286: htmx swaps in the notice and stops polling. An unknown token answers the same.
    assert response.status_code == 286
    assert 'id="door-gone"' in response.content.decode()
    unknown = client.get(reverse("door-rows", args=["nope"]), HTTP_HX_REQUEST="true")
    assert unknown.status_code == 286 and unknown.content == response.content


def test_the_rows_partial_is_the_board_alone(frozen, client, link, book):
    book(**early(14, title="下午的座谈会"))
    response = get_door(client, link, rows=True, HTTP_HX_REQUEST="true")
    assert response.status_code == 200
    html = response.content.decode()
    assert "下午的座谈会" in html and "<html" not in html
    assert response["Cache-Control"] == "no-store"


def test_the_door_follows_the_visibility_policy(frozen, client, link, book, room, create_room):
    secret_unit = HostingUnit.objects.create(name="市国家保密局", short_name="保密局")
    secret_leader = Leader.objects.create(
        name="赵卫东", title="局长", rank=LeaderRank.DISTRICT, unit=secret_unit
    )
    other = create_room(number="302")
    third = create_room(number="303")
    book(
        **early(
            8,
            30,
            title="涉密专项工作会",
            confidentiality=Confidentiality.SECRET,
            hosting_unit=secret_unit,
            leader=secret_leader,
            leader_rank=LeaderRank.DISTRICT,
            contact_name="钱秘书",
            contact_phone="13911112222",
            notes="请准备保密柜",
            attendees=17,
        )
    )
    book(**early(10, title="内部人事通气会", confidentiality=Confidentiality.INTERNAL, room=other))
    book(**early(11, title="公开政策宣讲会", room=third))
    html = get_door(client, link).content.decode()
    for hidden in (
        "涉密专项工作会",
        "市国家保密局",
        "保密局",
        "赵卫东",
        "钱秘书",
        "13911112222",
        "请准备保密柜",
        "内部人事通气会",
        "区发展和改革委员会",
        "区发改委",
        "李明",
    ):
        assert hidden not in html, hidden
    assert "公开政策宣讲会" in html
    secret_row = html.split(f'id="door-room-{room.pk}"')[1].split("</li>\n  \n")[0]
    assert "会议" in secret_row and "08:30–09:30" in secret_row
    assert "In progress" in secret_row or "进行中" in secret_row
    internal_row = html.split(f'id="door-room-{other.pk}"')[1]
    assert "会议" in internal_row.split("</ul>")[0]


def test_cancelled_and_finished_meetings_never_show(frozen, client, link, book, clerk):
    gone = book(**early(15, title="已取消的协调会"))
    booking_services.cancel_meeting(gone, by=clerk, reason="领导出差", now=NOW)
    book(**early(7, title="早上已结束的会"))
    book(**early(16, title="下午照常的会"))
    html = get_door(client, link).content.decode()
    assert "已取消的协调会" not in html and "早上已结束的会" not in html
    assert "下午照常的会" in html


def test_only_its_own_buildings_meeting_rooms_in_service_show(
    frozen, client, link, book, create_room
):
    other_building = Building.objects.create(code="north", name="北楼")
    elsewhere = create_room(number="N1", building=other_building)
    closed = create_room(number="C1", in_service=False)
    book(**early(10, title="北楼的会", room=elsewhere))
    html = get_door(client, link).content.decode()
    assert "北楼的会" not in html
    assert f'id="door-room-{closed.pk}"' not in html


def test_with_nothing_left_today_the_next_working_days_first_meetings_show(
    frozen, client, link, book
):
    # NOW is a Friday: the next working day is Monday (no holiday table rows in tests).
    book(**early(9, days=3, title="周一例会"))
    book(**early(10, days=1, title="周六不会显示"))  # a Saturday is not a working day
    html = get_door(client, link).content.decode()
    assert 'id="door-nothing-today"' in html
    assert "2026年11月30日（星期一）" in html and "周一例会" in html
    assert "周六不会显示" not in html


def test_the_next_day_waits_while_today_has_meetings_left(frozen, client, link, book):
    book(**early(15, title="今天下午的会"))
    book(**early(9, days=3, title="周一例会"))
    html = get_door(client, link).content.decode()
    assert "今天下午的会" in html and "周一例会" not in html


@pytest.mark.parametrize("meetings", [2, 12])
def test_the_screen_costs_the_same_queries_however_busy(
    frozen, client, link, book, create_room, django_assert_num_queries, meetings
):
    rooms = [create_room(number=f"Q{i}") for i in range(4)]
    for i in range(meetings):
        book(**early(10 + 2 * (i // 4), room=rooms[i % 4], title=f"会议{i}"))
    # The link with its building, the rooms, the working days ahead, the meetings.
    with django_assert_num_queries(4):
        response = get_door(client, link)
    assert response.content.decode().count('class="door-title"') == meetings


# --- the supervisor's page ------------------------------------------------------------------------


def test_only_the_supervisor_manages_the_links(
    client, building, clerk, lobby_manager, attendant, supervisor
):
    url = reverse("door-links")
    response = client.get(url)
    assert response.status_code == 302 and "/login/" in response["Location"]
    for user in (clerk, lobby_manager, attendant):
        client.force_login(user)
        assert client.get(url).status_code == 403, user
        issue = client.post(reverse("door-link-issue", args=[building.pk]))
        assert issue.status_code == 403
    assert not DoorLink.objects.exists()
    client.force_login(supervisor)
    assert client.get(url).status_code == 200


def test_a_superuser_manages_the_links_too(client, make_user):
    client.force_login(make_user("root", is_superuser=True, is_staff=True))
    assert client.get(reverse("door-links")).status_code == 200


def test_the_supervisor_issues_and_revokes_a_link_from_the_page(
    client, building, supervisor, settings
):
    settings.SITE_URL = "https://hy.example.gov.cn"
    client.force_login(supervisor)
    response = client.post(reverse("door-link-issue", args=[building.pk]), follow=True)
    live = DoorLink.objects.live().get(building=building)
    html = response.content.decode()
    assert f"https://hy.example.gov.cn/door/{live.token}/" in html
    again = client.post(reverse("door-link-issue", args=[building.pk]), follow=True)
    newer = DoorLink.objects.live().get(building=building)
    assert newer.pk != live.pk and live.token not in again.content.decode()
    client.post(reverse("door-link-revoke", args=[newer.pk]))
    assert not DoorLink.objects.live().exists()
    assert AuditEntry.objects.filter(action__startswith="door_link_").count() == 4
    assert client.get(reverse("door-link-issue", args=[building.pk])).status_code == 405


def test_the_links_page_needs_csrf(building, supervisor):
    client = Client(enforce_csrf_checks=True)
    client.force_login(supervisor)
    assert client.post(reverse("door-link-issue", args=[building.pk])).status_code == 403
    assert not DoorLink.objects.exists()
