"""Invariant 5: every state change leaves one audit row, and the trail and meetings are read-only
outside the services (the model and its querysets refuse updates and deletes; the admin refuses
every change and lists the trail with the filters an auditor needs)."""

import datetime as dt

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.test import RequestFactory
from django.urls import reverse

from bookings import services
from bookings.models import Meeting, MeetingStatus
from core import audit
from core.models import AuditEntry
from core.timeutils import at
from tests.conftest import NOW

DAY = dt.date(2026, 11, 30)


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def admin_request(superuser):
    request = RequestFactory().get("/admin/")
    request.user = superuser
    return request


def trail(meeting) -> list[tuple]:
    return list(
        AuditEntry.objects.for_object(meeting)
        .order_by("id")
        .values_list("action", "actor__username", "from_state", "to_state")
    )


# --- one row per state change -------------------------------------------------------------


def test_a_meetings_life_leaves_one_audit_row_per_state_change(book, clerk, supervisor):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))
    services.confirm_meeting(meeting, by=supervisor, now=NOW)
    services.edit_meeting(meeting, by=clerk, attendees=20, now=NOW)
    services.reschedule_meeting(meeting, by=clerk, start=at(DAY, 14), end=at(DAY, 15), now=NOW)
    services.cancel_meeting(meeting, by=supervisor, reason="领导另有安排", now=NOW)

    assert trail(meeting) == [
        ("booked", "clerk", "", MeetingStatus.REQUESTED),
        ("confirmed", "supervisor", MeetingStatus.REQUESTED, MeetingStatus.CONFIRMED),
        ("edited", "clerk", "", ""),
        ("rescheduled", "clerk", "", ""),
        ("cancelled", "supervisor", MeetingStatus.CONFIRMED, MeetingStatus.CANCELLED),
    ]


def test_a_reschedule_records_old_and_new_times_in_local_time(book, clerk):
    meeting = book(start=at(DAY, 10), end=at(DAY, 11))

    services.reschedule_meeting(meeting, by=clerk, start=at(DAY, 14), end=at(DAY, 15), now=NOW)

    changes = AuditEntry.objects.for_object(meeting).first().changes
    assert changes["start"] == ["2026-11-30T10:00:00+08:00", "2026-11-30T14:00:00+08:00"]
    assert changes["end"] == ["2026-11-30T11:00:00+08:00", "2026-11-30T15:00:00+08:00"]


def test_the_trail_keeps_the_actors_name_after_the_account_is_deleted(book, make_user):
    temp = make_user("temp-clerk", first_name="晓燕", last_name="王")
    meeting = book(by=temp)

    temp.delete()

    entry = AuditEntry.objects.for_object(meeting).get()
    assert entry.actor is None
    assert entry.actor_name == "王晓燕"  # family name first, as written in Chinese


def test_record_names_the_system_when_no_user_acts(book):
    meeting = book()

    entry = audit.record(meeting, "swept", by=None, note="sweeper", now=NOW)

    assert (entry.actor, entry.actor_name, entry.at) == (None, "system", NOW)
    assert AuditEntry.objects.for_object(meeting).count() == 2


# --- append-only --------------------------------------------------------------------------


def test_an_audit_entry_cannot_be_changed_once_written(book):
    entry = AuditEntry.objects.for_object(book()).get()
    entry.action = "forged"

    with pytest.raises(ValueError, match="append-only"):
        entry.save()

    entry.refresh_from_db()
    assert entry.action == "booked"


def test_an_audit_entry_cannot_be_deleted(book):
    entry = AuditEntry.objects.for_object(book()).get()

    with pytest.raises(ValueError, match="append-only"):
        entry.delete()

    assert AuditEntry.objects.filter(pk=entry.pk).exists()


@pytest.mark.parametrize(
    "attempt",
    [
        pytest.param(lambda rows: rows.update(action="forged"), id="update"),
        pytest.param(lambda rows: rows.delete(), id="delete"),
        pytest.param(
            lambda rows: AuditEntry.objects.bulk_update(
                [_forged(entry) for entry in rows], ["action"]
            ),
            id="bulk_update",
        ),
        pytest.param(
            lambda rows: AuditEntry.objects.update_or_create(
                pk=rows[0].pk, defaults={"action": "forged"}
            ),
            id="update_or_create",
        ),
    ],
)
def test_the_trail_cannot_be_rewritten_in_bulk_either(attempt, book):
    meeting = book()
    rows = AuditEntry.objects.for_object(meeting)

    with pytest.raises(ValueError, match="append-only"):
        attempt(rows)

    assert trail(meeting) == [("booked", "clerk", "", MeetingStatus.REQUESTED)]


def _forged(entry: AuditEntry) -> AuditEntry:
    entry.action = "forged"
    return entry


def test_appending_to_the_trail_still_works_one_row_or_many(book):
    meeting = book()
    template = AuditEntry.objects.for_object(meeting).get()

    audit.record(meeting, "noted", by=None, now=NOW)
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(
                at=NOW,
                actor_name="system",
                content_type=template.content_type,
                object_id=template.object_id,
                object_repr=template.object_repr,
                action=action,
            )
            for action in ("imported", "imported")
        ]
    )

    assert [row[0] for row in trail(meeting)] == ["booked", "noted", "imported", "imported"]


# --- the admin is read-only ---------------------------------------------------------------


@pytest.mark.parametrize("model", [Meeting, AuditEntry])
def test_the_admin_refuses_to_add_change_or_delete(model, admin_request, book):
    model_admin = admin.site._registry[model]
    meeting = book()
    obj = meeting if model is Meeting else AuditEntry.objects.for_object(meeting).get()

    assert model_admin.has_view_permission(admin_request, obj)
    assert not model_admin.has_add_permission(admin_request)
    assert not model_admin.has_change_permission(admin_request, obj)
    assert not model_admin.has_delete_permission(admin_request, obj)


def test_a_superuser_sees_a_meeting_in_the_admin_but_cannot_change_it(client, superuser, book):
    meeting = book(title="原标题")
    client.force_login(superuser)
    url = reverse("admin:bookings_meeting_change", args=[meeting.pk])

    shown = client.get(url)
    posted = client.post(url, {"title": "后台改的标题", "attendees": 3})

    assert shown.status_code == 200
    assert "原标题" in shown.content.decode()
    assert posted.status_code == 403
    meeting.refresh_from_db()
    assert (meeting.title, meeting.version) == ("原标题", 1)


def test_a_superuser_cannot_add_or_delete_meetings_in_the_admin(client, superuser, book):
    meeting = book()
    client.force_login(superuser)

    add = client.get(reverse("admin:bookings_meeting_add"))
    delete = client.post(
        reverse("admin:bookings_meeting_delete", args=[meeting.pk]), {"post": "yes"}
    )

    assert (add.status_code, delete.status_code) == (403, 403)
    assert Meeting.objects.filter(pk=meeting.pk).exists()


def test_a_superuser_cannot_change_or_delete_the_audit_trail_in_the_admin(client, superuser, book):
    entry = AuditEntry.objects.for_object(book()).get()
    client.force_login(superuser)
    change = reverse("admin:core_auditentry_change", args=[entry.pk])

    shown = client.get(change)
    posted = client.post(change, {"action": "forged"})
    deleted = client.post(reverse("admin:core_auditentry_delete", args=[entry.pk]), {"post": "yes"})
    bulk = client.post(
        reverse("admin:core_auditentry_changelist"),
        {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"},
    )

    assert shown.status_code == 200
    assert (posted.status_code, deleted.status_code) == (403, 403)
    assert bulk.status_code != 500
    entry.refresh_from_db()  # raises DoesNotExist had any of them deleted it
    assert entry.action == "booked"


# --- the admin lists the trail for an auditor ------------------------------------------------

CHANGELIST = "admin:core_auditentry_changelist"


@pytest.fixture
def varied_trail(make_user, room, superuser):
    """Five rows differing in action, object type, actor, day and states, written as the
    services write them."""
    clerk = make_user("auditor-clerk", first_name="丽", last_name="陈")
    boss = make_user("auditor-boss", first_name="刚", last_name="赵")
    rows = {
        "booked": audit.record(
            room, "booked", by=clerk, to_state="requested", now=NOW - dt.timedelta(days=40)
        ),
        "confirmed": audit.record(
            room,
            "confirmed",
            by=boss,
            from_state="requested",
            to_state="confirmed",
            now=NOW - dt.timedelta(days=3),
        ),
        "cancelled": audit.record(
            room,
            "cancelled",
            by=boss,
            from_state="confirmed",
            to_state="cancelled",
            note="领导另有安排",
            now=NOW - dt.timedelta(days=1),
        ),
        "user": audit.record(clerk, "role_added", by=boss, note="加入接待组", now=NOW),
        "system": audit.record(room, "swept", by=None, now=NOW),
    }
    return {"rows": rows, "clerk": clerk, "boss": boss}


def _listed(client, **params) -> set[int]:
    response = client.get(reverse(CHANGELIST), params)
    assert response.status_code == 200  # an unknown parameter would redirect with ?e=1
    return {entry.pk for entry in response.context["cl"].result_list}


def _pks(varied_trail, *names) -> set[int]:
    return {varied_trail["rows"][name].pk for name in names}


def test_the_audit_list_narrows_by_each_filter(client, superuser, varied_trail):
    client.force_login(superuser)
    user_type = varied_trail["rows"]["user"].content_type_id

    assert _listed(client) == _pks(varied_trail, *varied_trail["rows"])
    assert _listed(client, action="confirmed") == _pks(varied_trail, "confirmed")
    assert _listed(client, content_type__id__exact=user_type) == _pks(varied_trail, "user")
    assert _listed(client, actor__id__exact=varied_trail["boss"].pk) == _pks(
        varied_trail, "confirmed", "cancelled", "user"
    )
    assert _listed(client, actor__isnull="True") == _pks(varied_trail, "system")
    assert _listed(client, from_state="confirmed") == _pks(varied_trail, "cancelled")
    assert _listed(client, to_state="confirmed") == _pks(varied_trail, "confirmed")
    # Both days included: 11-24 holds "confirmed", 11-26 "cancelled"; 11-27 is left out.
    assert _listed(client, at_from="2026-11-24", at_to="2026-11-26") == _pks(
        varied_trail, "confirmed", "cancelled"
    )
    assert _listed(client, at_from="2026-11-27") == _pks(varied_trail, "user", "system")
    assert _listed(client, at_to="2026-10-31") == _pks(varied_trail, "booked")
    assert _listed(client, at__year=2026, at__month=10) == _pks(varied_trail, "booked")


def test_a_day_boundary_of_the_range_is_midnight_in_the_site_time_zone(client, superuser, room):
    # 23:30 on the 26th in Shanghai is 15:30 UTC the same day; 00:30 on the 27th is still the
    # 26th in UTC, so a range computed in UTC would put it on the wrong side.
    late = audit.record(room, "late", by=None, now=at(dt.date(2026, 11, 26), 23, 30))
    early = audit.record(room, "early", by=None, now=at(dt.date(2026, 11, 27), 0, 30))
    client.force_login(superuser)

    assert _listed(client, at_to="2026-11-26") == {late.pk}
    assert _listed(client, at_from="2026-11-27") == {early.pk}


def test_a_date_range_that_is_not_a_date_is_refused_not_a_server_error(client, superuser):
    client.force_login(superuser)

    response = client.get(reverse(CHANGELIST), {"at_from": "yesterday"})

    assert response.status_code == 302
    assert response.url.endswith("?e=1")


def test_the_date_range_form_keeps_the_other_filters(client, superuser, varied_trail):
    client.force_login(superuser)

    page = client.get(reverse(CHANGELIST), {"action": "confirmed", "at_from": "2026-11-01"})

    html = page.content.decode()
    assert '<input type="hidden" name="action" value="confirmed">' in html
    assert 'name="at_from" value="2026-11-01"' in html


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("第301会议室", ("booked", "confirmed", "cancelled", "system")),  # the object, as shown
        ("赵刚", ("confirmed", "cancelled", "user")),  # the actor's name
        ("auditor-boss", ("confirmed", "cancelled", "user")),  # the actor's username
        ("领导另有安排", ("cancelled",)),  # the note
    ],
)
def test_the_audit_list_is_searched_by_object_actor_and_note(
    client, superuser, varied_trail, query, expected
):
    client.force_login(superuser)

    assert _listed(client, q=query) == _pks(varied_trail, *expected)


def test_the_audit_list_finds_an_object_by_its_exact_id(client, superuser):
    # Unsaved accounts stand in for objects 42, 142 and 420: only the id matters to the trail.
    rows = {
        pk: audit.record(get_user_model()(pk=pk, username=name), "noted", by=None, now=NOW)
        for pk, name in ((42, "alpha"), (142, "beta"), (420, "gamma"))
    }
    client.force_login(superuser)

    assert _listed(client, q="42") == {rows[42].pk}


def test_the_audit_list_makes_the_same_few_queries_for_five_rows_or_fifty(
    client, superuser, varied_trail, book, django_assert_num_queries
):
    client.force_login(superuser)
    client.get(reverse(CHANGELIST))  # session and content types warmed, as on a second visit

    # session, user, the menu's groups and unread notifications; filters (object types,
    # actors, action, from, to); date hierarchy x2; the page and its count (the full count is off)
    with django_assert_num_queries(13):
        few = client.get(reverse(CHANGELIST))
    objects = [varied_trail["clerk"], varied_trail["boss"], superuser, book()]
    for i in range(44):
        audit.record(objects[i % 4], f"action-{i % 7}", by=objects[i % 3], now=NOW)
    with django_assert_num_queries(13):
        many = client.get(reverse(CHANGELIST))

    assert len(few.context["cl"].result_list) == 5
    assert len(many.context["cl"].result_list) == 50
    assert len({entry.content_type_id for entry in many.context["cl"].result_list}) >= 3
