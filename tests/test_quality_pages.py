"""The quality pages: who may open what, the form end to end through the test client, the
photo behind the access check, the meeting-page panel and pinned query counts."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Building
from core.roles import Role
from quality import services
from quality.models import ActionStatus, CorrectiveAction, Inspection
from staffing.models import Position
from tests import test_quality_services as shared
from tests.conftest import NOW
from tests.staffing_factories import make_staff
from tests.test_quality_services import all_scored, png_bytes, record_with_action, upload

# The services tests' fixtures: the default checklist, an office, a scratch MEDIA_ROOT.
checklist = shared.checklist
office = shared.office
media = shared.media

LIST_PAGES = ["quality-inspection-list", "quality-inspection-new", "quality-action-list"]


@pytest.fixture
def east(db):
    return Building.objects.create(code="east-q", name="东楼", sort_order=2)


@pytest.fixture
def home_manager(lobby_manager, building):
    """A lobby manager whose staff record ties them to the conference building."""
    make_staff(user=lobby_manager, position=Position.LOBBY_MANAGER, home_building=building)
    return lobby_manager


@pytest.fixture
def cleaner(make_user, building):
    login = make_user("cleaner", Role.ATTENDANT)
    make_staff(user=login, name="李娟", home_building=building)
    return login


@pytest.fixture
def open_action(supervisor, checklist, office, cleaner):
    _inspection, action = record_with_action(supervisor, checklist, office, cleaner.staff)
    return action


# --- the access matrix -----------------------------------------------------------------------


@pytest.mark.parametrize("name", LIST_PAGES)
def test_anonymous_users_are_sent_to_log_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302
    assert "/login/" in response["Location"]


@pytest.mark.parametrize(
    ("persona", "expected"),
    [
        (
            "supervisor",
            {
                "quality-inspection-list": 200,
                "quality-inspection-new": 200,
                "quality-action-list": 200,
            },
        ),
        (
            "home_manager",
            {
                "quality-inspection-list": 200,
                "quality-inspection-new": 200,
                "quality-action-list": 200,
            },
        ),
        # A lobby manager not tied to a building inspects nothing.
        (
            "lobby_manager",
            {
                "quality-inspection-list": 403,
                "quality-inspection-new": 403,
                "quality-action-list": 403,
            },
        ),
        # The assignee sees their own actions, nothing else.
        (
            "cleaner",
            {
                "quality-inspection-list": 403,
                "quality-inspection-new": 403,
                "quality-action-list": 200,
            },
        ),
        (
            "attendant",
            {
                "quality-inspection-list": 403,
                "quality-inspection-new": 403,
                "quality-action-list": 403,
            },
        ),
        (
            "clerk",
            {
                "quality-inspection-list": 403,
                "quality-inspection-new": 403,
                "quality-action-list": 403,
            },
        ),
        (
            "outsider",
            {
                "quality-inspection-list": 403,
                "quality-inspection-new": 403,
                "quality-action-list": 403,
            },
        ),
    ],
)
def test_who_may_open_the_quality_pages(client, request, persona, expected):
    user = request.getfixturevalue(persona)
    client.force_login(user)
    got = {name: client.get(reverse(name)).status_code for name in LIST_PAGES}
    assert got == expected


def test_one_inspection_is_seen_by_those_who_inspect_its_building(
    client, supervisor, home_manager, open_action, cleaner, make_user, east, outsider
):
    inspection = open_action.finding.inspection
    url = reverse("quality-inspection-detail", args=[inspection.pk])
    photo_url = reverse("quality-finding-photo", args=[open_action.finding_id])
    other_manager = make_user("lobby-east-2", Role.LOBBY_MANAGER)
    make_staff(user=other_manager, position=Position.LOBBY_MANAGER, home_building=east)
    for user, status in [
        (supervisor, 200),
        (home_manager, 200),
        (other_manager, 403),
        (cleaner, 403),  # the assignee sees the action on the actions page, not the inspection
        (outsider, 403),
    ]:
        client.force_login(user)
        assert client.get(url).status_code == status, user.username
    # No photo on this finding: those who may see it get a 404, the others a 403.
    client.force_login(outsider)
    assert client.get(photo_url).status_code == 403
    client.force_login(cleaner)
    assert client.get(photo_url).status_code == 404


def test_the_assignee_sees_and_closes_their_own_action(client, open_action, cleaner):
    client.force_login(cleaner)
    page = client.get(reverse("quality-action-list")).content.decode()
    assert f'id="action-{open_action.pk}"' in page
    assert "茶杯摆放不整齐" in page
    response = client.post(
        reverse("quality-action-close", args=[open_action.pk]), {"note": "已按标准摆放"}
    )
    assert response.status_code == 302
    open_action.refresh_from_db()
    assert open_action.status == ActionStatus.DONE
    assert open_action.closed_by == cleaner
    # A second close is refused with a message, not an error page.
    response = client.post(
        reverse("quality-action-close", args=[open_action.pk]), {"note": "再关一次"}, follow=True
    )
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()


def test_others_may_not_close_an_action(client, open_action, attendant, make_user, east):
    make_staff(user=attendant)  # staff, but not the assignee
    other_manager = make_user("lobby-east-2", Role.LOBBY_MANAGER)
    make_staff(user=other_manager, position=Position.LOBBY_MANAGER, home_building=east)
    for user in (attendant, other_manager):
        client.force_login(user)
        response = client.post(
            reverse("quality-action-close", args=[open_action.pk]), {"note": "不是我的"}
        )
        assert response.status_code == 403
        page = client.get(reverse("quality-action-list")).content.decode()
        assert f'id="action-{open_action.pk}"' not in page
    open_action.refresh_from_db()
    assert open_action.status == ActionStatus.OPEN


def test_a_lobby_manager_of_another_building_cannot_post_an_inspection(
    client,
    book,
    checklist,
    make_user,
    east,
):
    meeting = book(start=NOW + dt.timedelta(hours=1))
    other_manager = make_user("lobby-east-2", Role.LOBBY_MANAGER)
    make_staff(user=other_manager, position=Position.LOBBY_MANAGER, home_building=east)
    client.force_login(other_manager)
    with time_machine.travel(NOW, tick=False):
        response = client.post(
            reverse("quality-inspection-new"),
            {"meeting": meeting.pk, "template": checklist.pk, **_scores(checklist, 5)},
        )
    # The meeting is not among theirs: they are sent back to choose.
    assert response.status_code == 200
    assert b'id="inspection-choose"' in response.content
    assert Inspection.objects.count() == 0


# --- the form end to end ---------------------------------------------------------------------


def _scores(template, value):
    return {f"score-{pk}": value for pk in all_scored(template)}


def test_the_supervisor_records_an_inspection_with_a_photo_and_an_action(
    client,
    supervisor,
    book,
    checklist,
    cleaner,
    media,
):
    meeting = book(start=NOW + dt.timedelta(hours=1))
    client.force_login(supervisor)
    with time_machine.travel(NOW, tick=False):
        choose = client.get(reverse("quality-inspection-new"))
        assert meeting.title in choose.content.decode()
        form = client.get(reverse("quality-inspection-new"), {"meeting": meeting.pk})
        assert form.status_code == 200
        assert b'name="finding-0-photo"' in form.content
        data = {
            "meeting": meeting.pk,
            "template": checklist.pk,
            **_scores(checklist, 4),
            "note": "整体良好",
            "staff": [cleaner.staff.pk],
            "finding-0-text": "茶水温度不够",
            "finding-0-photo": upload(png_bytes()),
            "finding-0-action": "会前十分钟重新烧水",
            "finding-0-assignee": cleaner.staff.pk,
            "finding-0-due_on": "2026-11-28",
        }
        response = client.post(reverse("quality-inspection-new"), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    inspection = Inspection.objects.get()
    assert response["Location"] == reverse("quality-inspection-detail", args=[inspection.pk])
    assert inspection.score == 75
    assert list(inspection.staff.all()) == [cleaner.staff]
    action = CorrectiveAction.objects.get()
    assert action.assignee == cleaner.staff
    assert action.due_on == dt.date(2026, 11, 28)
    detail = client.get(response["Location"]).content.decode()
    assert "茶水温度不够" in detail
    photo_url = reverse("quality-finding-photo", args=[action.finding_id])
    assert photo_url in detail
    photo = client.get(photo_url)
    assert photo.status_code == 200
    assert photo["Content-Type"] == "image/png"
    # The assignee may see the photo of their action.
    client.force_login(cleaner)
    assert client.get(photo_url).status_code == 200


def test_a_form_with_mistakes_comes_back_with_messages_at_the_fields(
    client,
    supervisor,
    book,
    checklist,
    cleaner,
):
    meeting = book(start=NOW + dt.timedelta(hours=1))
    client.force_login(supervisor)
    items = list(checklist.items.all())
    data = {"meeting": meeting.pk, "template": checklist.pk, **_scores(checklist, 4)}
    del data[f"score-{items[2].pk}"]
    data.update({"finding-0-text": "灯不亮", "finding-0-assignee": cleaner.staff.pk})
    with time_machine.travel(NOW, tick=False):
        response = client.post(reverse("quality-inspection-new"), data)
    assert response.status_code == 400
    page = response.content.decode()
    assert f'id="score-{items[2].pk}-error"' in page
    assert 'id="finding-0-due_on-error"' in page
    # What was typed is kept.
    assert "灯不亮" in page
    assert f'id="score-{items[0].pk}-4" value="4" autocomplete="off" checked' in page
    assert Inspection.objects.count() == 0


def test_the_meeting_page_shows_its_inspections_to_inspectors(
    client,
    supervisor,
    clerk,
    book,
    checklist,
):
    with time_machine.travel(NOW, tick=False):
        meeting = book(start=NOW + dt.timedelta(hours=1))
        services.record_inspection(
            by=supervisor, template=checklist, meeting=meeting, scores=all_scored(checklist, 5)
        )
        client.force_login(supervisor)
        page = client.get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
        assert 'id="quality-inspections"' in page
        assert f"{reverse('quality-inspection-new')}?meeting={meeting.pk}" in page
        client.force_login(clerk)
        page = client.get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
        assert 'id="quality-inspections"' not in page


# --- query counts ----------------------------------------------------------------------------


def _lay_inspections(n, *, by, template, room, assignee):
    for i in range(n):
        record_with_action(by, template, room, assignee, now=NOW - dt.timedelta(hours=i + 1))


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


def test_the_inspections_list_costs_the_same_queries_for_2_or_12_rows(
    client,
    supervisor,
    checklist,
    office,
    cleaner,
    django_assert_num_queries,
):
    client.force_login(supervisor)
    url = reverse("quality-inspection-list") + "?period=all"
    _lay_inspections(2, by=supervisor, template=checklist, room=office, assignee=cleaner.staff)
    few = _count(client, url)
    _lay_inspections(10, by=supervisor, template=checklist, room=office, assignee=cleaner.staff)
    many = _count(client, url)
    assert few == many
    # session, user, groups (roles), buildings, inspections, the bell.
    with django_assert_num_queries(6):
        client.get(url)


def test_the_actions_list_costs_the_same_queries_for_2_or_12_rows(
    client,
    supervisor,
    home_manager,
    checklist,
    office,
    cleaner,
    django_assert_num_queries,
):
    _lay_inspections(2, by=supervisor, template=checklist, room=office, assignee=cleaner.staff)
    counts = {}
    for user in (supervisor, home_manager, cleaner):
        client.force_login(user)
        counts[user.username] = _count(client, reverse("quality-action-list"))
    _lay_inspections(10, by=supervisor, template=checklist, room=office, assignee=cleaner.staff)
    for user in (supervisor, home_manager, cleaner):
        client.force_login(user)
        assert _count(client, reverse("quality-action-list")) == counts[user.username]
        page = client.get(reverse("quality-action-list")).content.decode()
        assert page.count('class="card mb-2 action"') == 12
    client.force_login(cleaner)
    # session, user, groups (roles), the linked staff, actions, the bell.
    with django_assert_num_queries(6):
        client.get(reverse("quality-action-list"))


def test_the_checklist_is_edited_in_the_admin_with_its_items_inline(client, make_user, checklist):
    admin = make_user("admin-q", is_staff=True, is_superuser=True)
    client.force_login(admin)
    page = client.get(reverse("admin:quality_inspectiontemplate_change", args=[checklist.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "items-TOTAL_FORMS" in body
    assert "茶水服务" in body
    # Inspections are recorded through the service only: read-only in the admin.
    assert client.get(reverse("admin:quality_inspection_add")).status_code == 403
