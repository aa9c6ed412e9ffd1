"""Invariant 5: every state change leaves one audit row, and the trail and meetings are read-only
outside the services (the model refuses updates and deletes; the admin refuses every change)."""

import datetime as dt

import pytest
from django.contrib import admin
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
