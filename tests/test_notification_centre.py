"""The notification centre (issue 5 point 4): a bell with the unread count on every page, the
list of my notifications, and marking one or all read."""

import pytest
import time_machine
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.translation import ngettext

from conference.context_processors import navigation
from core.models import Notification
from core.notifications import notify
from core.roles import Role
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


def send(user, title: str, url: str = "") -> Notification:
    return notify([user], kind="test", title=title, url=url, email=False, now=NOW)[0]


def test_the_list_shows_my_notifications_and_not_others(client, hotline, attendant):
    send(hotline, "一级检查到期")
    send(attendant, "别人的通知")
    client.force_login(hotline)
    body = client.get("/notifications/").content.decode()
    assert "一级检查到期" in body
    assert "别人的通知" not in body


def test_the_bell_shows_the_unread_count_in_words_on_every_page(client, hotline):
    send(hotline, "one")
    send(hotline, "two")
    client.force_login(hotline)
    body = client.get("/today/").content.decode()
    assert 'id="bell"' in body
    bell = body.split('id="bell"')[1].split("</a>")[0]
    # Words, not a coloured dot alone (in the page's language).
    words = ngettext("%(counter)s unread notification", "%(counter)s unread notifications", 2) % {
        "counter": 2
    }
    assert words in bell
    assert client.get("/today/").context["unread_notifications"] == 2


def test_marking_one_read_lowers_the_count(client, hotline):
    first = send(hotline, "one")
    send(hotline, "two")
    client.force_login(hotline)
    response = client.post(f"/notifications/{first.pk}/read/")
    assert response.status_code == 302
    first.refresh_from_db()
    assert first.read_at is not None
    assert client.get("/notifications/").context["unread_notifications"] == 1


def test_opening_a_notification_marks_it_read_and_follows_its_link(client, hotline):
    note = send(hotline, "check due", url="/checks/")
    client.force_login(hotline)
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/checks/"


def test_a_link_to_another_site_is_not_followed(client, hotline):
    note = send(hotline, "odd", url="https://elsewhere.example/")
    client.force_login(hotline)
    response = client.post(f"/notifications/{note.pk}/read/", {"open": "1"})
    assert response["Location"] == "/notifications/"


def test_marking_someone_elses_notification_changes_nothing(client, hotline, attendant):
    theirs = send(attendant, "theirs")
    client.force_login(hotline)
    client.post(f"/notifications/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_mark_all_read_clears_the_bell(client, hotline, attendant):
    send(hotline, "one")
    send(hotline, "two")
    theirs = send(attendant, "theirs")
    client.force_login(hotline)
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(recipient=hotline, read_at__isnull=True).exists()
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_reading_the_list_needs_a_login(client):
    response = client.get("/notifications/")
    assert response.status_code == 302


def test_the_bell_costs_one_count_query(hotline):
    request = RequestFactory().get("/")
    request.user = hotline
    navigation(request)  # roles and staff lookups are cached on the user
    send(hotline, "one")
    with CaptureQueriesContext(connection) as queries:
        context = navigation(request)
    assert context["unread_notifications"] == 1
    assert len(queries) == 1
    assert "COUNT" in queries[0]["sql"].upper()


def test_an_anonymous_page_asks_nothing_for_the_bell(db, django_assert_num_queries):
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with django_assert_num_queries(0):
        assert "unread_notifications" not in navigation(request)


def test_the_lists_query_count_does_not_grow_with_its_rows(client, hotline):
    client.force_login(hotline)
    send(hotline, "one")
    with CaptureQueriesContext(connection) as few:
        client.get("/notifications/")
    for i in range(10):
        send(hotline, f"more {i}")
    with CaptureQueriesContext(connection) as many:
        client.get("/notifications/")
    assert len(many) == len(few)
