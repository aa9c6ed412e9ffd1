"""The pages people use: role homes, navigation, and the clerk's booking pages end to end.

Wording comes from the translation catalogue, so these tests never compare UI text with a
literal; they look for ids, data, dates from core.timeutils, and for the same gettext output
the page was built from.
"""

import datetime as dt
import json
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings import services, visibility
from bookings.forms import LEADER_RANKS_ID
from bookings.history import ACTION_LABELS, field_label, history_of, state_label
from bookings.models import Confidentiality, LeaderRank, Meeting, MeetingStatus
from core import audit
from core.models import AuditEntry
from core.roles import Role
from tests.conftest import NOW

TODAY = NOW.date()


def local(hour: int, minute: int = 0, *, days: int = 0) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute) + dt.timedelta(days=days)


def field_value(value: dt.datetime) -> str:
    """A time as a datetime-local input sends it."""
    return value.strftime("%Y-%m-%dT%H:%M")


@pytest.fixture
def clock():
    """The requests run at NOW (Friday 2026-11-27 09:00 in Shanghai)."""
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def as_user(client):
    def login(user):
        client.force_login(user)
        return client

    return login


def booking_data(room, hosting_unit, **overrides) -> dict:
    data = {
        "room": room.pk,
        "title": "全区安全生产工作会议",
        "hosting_unit": hosting_unit.pk,
        "start": field_value(local(14)),
        "end": field_value(local(16)),
        "attendees": 20,
        "leader": "",
        "leader_rank": LeaderRank.NONE,
        "confidentiality": Confidentiality.NORMAL,
        "layout": "",
        "contact_name": "",
        "contact_phone": "",
        "setup_minutes": "",
        "teardown_minutes": "",
        "notes": "",
    }
    data.update(overrides)
    return data


def errors_of(response) -> list[str]:
    form = response.context["form"]
    return [str(e) for e in form.non_field_errors()] + [
        str(e) for name in form.errors for e in form.errors[name]
    ]


# --- reaching the pages -----------------------------------------------------------------------


@pytest.mark.django_db
def test_an_anonymous_visitor_is_sent_to_the_login_page(client):
    for url in (reverse("home"), reverse("meeting-new")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("login"))


@pytest.mark.django_db
def test_the_login_form_logs_a_clerk_in_and_lands_on_home(client, clerk):
    page = client.get(reverse("login"))
    assert page.status_code == 200
    assert 'id="login-form"' in page.content.decode()
    response = client.post(reverse("login"), {"username": "clerk", "password": "pw-for-tests-only"})
    assert response.status_code == 302
    assert response["Location"] == reverse("home")
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_shows_the_login_form_again(client, clerk):
    response = client.post(reverse("login"), {"username": "clerk", "password": "wrong"})
    assert response.status_code == 200
    assert response.context["form"].errors
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_logging_out_takes_a_post_and_ends_the_session(as_user, clerk):
    client = as_user(clerk)
    assert client.get(reverse("logout")).status_code == 405
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("login")
    assert client.get(reverse("home")).status_code == 302


PERSONAS = ["clerk", "supervisor", "lobby_manager", "attendant", "outsider"]


@pytest.mark.parametrize("persona", PERSONAS)
def test_each_persona_reaches_a_home_that_names_its_role(request, as_user, clock, persona):
    user = request.getfixturevalue(persona)
    response = as_user(user).get(reverse("today"))
    assert response.status_code == 200
    html = response.content.decode()
    role = response.context["role"]
    heading = re.search(r'<h1[^>]*id="home-heading"[^>]*>(.*?)</h1>', html, re.S).group(1)
    if persona == "outsider":
        assert role is None
    else:
        assert str(role.label) in heading
    assert "2026年11月27日（星期五）" in html


@pytest.mark.parametrize(
    ("roles", "lands_on"),
    [
        ((Role.CLERK,), "home"),
        ((Role.CLERK, Role.LOBBY_MANAGER), "home"),  # a clerk's desk is today's meetings
        ((Role.SUPERVISOR, Role.LOBBY_MANAGER), "overview"),
        ((Role.LOBBY_MANAGER,), "lobby"),
        ((Role.HOTLINE,), "hotline"),
        ((Role.GROUP_LEADER,), "my-duties"),
        ((Role.ENV_SUPERVISOR,), "my-duties"),
        ((Role.ATTENDANT,), "my-duties"),
        ((Role.AUDIO_TECH,), "my-duties"),
        ((Role.BUREAU,), "home"),
        ((), "home"),
    ],
)
def test_each_role_lands_on_its_own_page(make_user, as_user, clock, roles, lands_on):
    response = as_user(make_user(None, *roles)).get(reverse("home"))
    if lands_on == "home":
        assert response.status_code == 200
        assert 'id="home-heading"' in response.content.decode()
    else:
        assert response.status_code == 302
        assert response["Location"] == reverse(lands_on)


@pytest.mark.parametrize(
    "role", [Role.HOTLINE, Role.GROUP_LEADER, Role.ENV_SUPERVISOR, Role.AUDIO_TECH, Role.BUREAU]
)
def test_every_other_role_reaches_its_home_too(make_user, as_user, clock, role):
    response = as_user(make_user(None, role)).get(reverse("today"))
    assert response.status_code == 200
    assert response.context["role"] == role
    assert 'id="book-a-room"' not in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "books"),
    [("clerk", True), ("supervisor", True), ("attendant", False), ("outsider", False)],
)
def test_only_clerks_and_the_supervisor_see_book_a_room(request, as_user, persona, books):
    response = as_user(request.getfixturevalue(persona)).get(reverse("today"))
    html = response.content.decode()
    nav = re.search(r'<ul[^>]*id="nav-items"[^>]*>(.*?)</ul>', html, re.S).group(1)
    assert ('id="book-a-room"' in html) is books
    assert (f'href="{reverse("meeting-new")}"' in nav) is books
    assert f'href="{reverse("home")}"' in nav
    assert reverse("admin:index") not in nav


def test_the_administration_link_is_shown_to_staff_only(make_user, as_user):
    staff = make_user("staff", Role.CLERK, is_staff=True)
    html = as_user(staff).get(reverse("today")).content.decode()
    assert f'href="{reverse("admin:index")}"' in html


def test_the_navigation_names_a_chinese_user_family_name_first(as_user, clerk):
    html = as_user(clerk).get(reverse("today")).content.decode()
    assert re.search(r'id="current-user">王晓燕', html)


def test_home_lists_todays_meetings_with_times_on_the_24_hour_clock(as_user, clerk, book, clock):
    book(title="上午的会", start=local(10), end=local(11, 30), now=NOW)
    book(title="明天的会", start=local(10, days=1), end=local(11, days=1), now=NOW)
    html = as_user(clerk).get(reverse("today")).content.decode()
    assert "上午的会" in html
    assert "10:00–11:30" in html
    assert "明天的会" not in html


def test_cancelled_meetings_leave_the_home_list(as_user, clerk, book, clock):
    meeting = book(title="取消的会", start=local(10), end=local(11), now=NOW)
    services.cancel_meeting(meeting, by=clerk, reason="改期", now=NOW)
    html = as_user(clerk).get(reverse("today")).content.decode()
    assert "取消的会" not in html
    assert 'id="no-meetings"' in html


# --- booking through the form ----------------------------------------------------------------


def test_the_booking_form_is_prefilled_from_the_query(as_user, clerk, room, clock):
    url = reverse("meeting-new")
    response = as_user(clerk).get(
        url,
        {"room": room.pk, "start": "2026-11-27T14:00", "end": "2026-11-27T15:30", "attendees": 8},
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert 'type="datetime-local"' in html
    assert 'value="2026-11-27T14:00"' in html
    assert 'value="2026-11-27T15:30"' in html
    assert f'<option value="{room.pk}" selected>' in html
    assert 'value="8"' in html


def test_the_booking_form_tolerates_junk_in_the_query(as_user, clerk, clock):
    response = as_user(clerk).get(
        reverse("meeting-new"), {"room": "x", "start": "2026-02-30T10:00", "attendees": "-3"}
    )
    assert response.status_code == 200


def test_the_booking_form_carries_the_leaders_ranks_for_the_browser(as_user, clerk, leader, clock):
    html = as_user(clerk).get(reverse("meeting-new")).content.decode()
    select = re.search(r'<select[^>]*name="leader"[^>]*>', html).group(0)
    assert f'data-rank-map="{LEADER_RANKS_ID}"' in select
    assert 'data-rank-field="id_leader_rank"' in select
    script = re.search(
        rf'<script id="{LEADER_RANKS_ID}" type="application/json">(.*?)</script>', html, re.S
    )
    assert json.loads(script.group(1)) == {str(leader.pk): LeaderRank.DISTRICT}


def test_a_clerk_books_a_meeting_through_the_form(as_user, clerk, room, hosting_unit, clock):
    response = as_user(clerk).post(
        reverse("meeting-new"), booking_data(room, hosting_unit, title="  全区安全生产工作会议 ")
    )
    meeting = Meeting.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("meeting-detail", args=[meeting.pk])
    assert meeting.title == "全区安全生产工作会议"
    assert meeting.status == MeetingStatus.REQUESTED
    assert meeting.start == local(14)
    assert meeting.booked_by == clerk
    # Left empty on the form: the hosting unit's contact and the room's setup are used.
    assert meeting.contact_name == hosting_unit.contact_name
    assert meeting.setup_minutes == room.setup_minutes
    entry = AuditEntry.objects.for_object(meeting).get()
    assert (entry.action, entry.actor, entry.to_state) == ("booked", clerk, "requested")


def test_choosing_a_leader_sets_the_rank_even_without_the_browser(
    as_user, clerk, room, hosting_unit, leader, clock
):
    as_user(clerk).post(
        reverse("meeting-new"),
        booking_data(room, hosting_unit, leader=leader.pk, leader_rank=LeaderRank.NONE),
    )
    assert Meeting.objects.get().leader_rank == LeaderRank.DISTRICT


def test_an_end_before_the_start_is_refused_on_the_form_and_nothing_is_saved(
    as_user, clerk, room, hosting_unit, clock
):
    response = as_user(clerk).post(
        reverse("meeting-new"),
        booking_data(room, hosting_unit, start=field_value(local(16)), end=field_value(local(14))),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["end"]
    assert 'class="invalid-feedback' in response.content.decode()
    assert not Meeting.objects.exists()
    assert not AuditEntry.objects.exists()


def test_a_start_in_the_past_is_refused(as_user, clerk, room, hosting_unit, clock):
    response = as_user(clerk).post(
        reverse("meeting-new"),
        booking_data(room, hosting_unit, start=field_value(local(8)), end=field_value(local(9))),
    )
    assert response.status_code == 200
    assert response.context["form"].errors["start"]
    assert not Meeting.objects.exists()


def test_a_missing_field_is_refused_by_the_form(as_user, clerk, room, hosting_unit, clock):
    response = as_user(clerk).post(
        reverse("meeting-new"), booking_data(room, hosting_unit, title="", start="")
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) >= {"title", "start"}
    assert not Meeting.objects.exists()


def test_an_overlapping_booking_names_the_meeting_in_the_way(
    as_user, clerk, room, hosting_unit, book, clock
):
    book(title="已有的协调会", start=local(13), end=local(14, 30), now=NOW)
    response = as_user(clerk).post(
        reverse("meeting-new"),
        booking_data(room, hosting_unit, start=field_value(local(14)), end=field_value(local(15))),
    )
    assert response.status_code == 200
    assert any("已有的协调会" in error for error in errors_of(response))
    assert "已有的协调会" in response.content.decode()
    assert Meeting.objects.count() == 1


def test_an_overlap_with_a_secret_meeting_does_not_reveal_it(
    as_user, make_user, room, hosting_unit, book, clock
):
    book(
        title="涉密专题会",
        start=local(13),
        end=local(14, 30),
        confidentiality=Confidentiality.SECRET,
        now=NOW,
    )
    clerk_without_clearance = make_user("clerk2", Role.CLERK)
    visibility.register_authorisation_check(lambda user: user.username != "clerk2")
    try:
        response = as_user(clerk_without_clearance).post(
            reverse("meeting-new"),
            booking_data(
                room, hosting_unit, start=field_value(local(14)), end=field_value(local(15))
            ),
        )
    finally:
        visibility.register_authorisation_check(lambda user: True)
    assert response.status_code == 200
    assert errors_of(response)
    assert "涉密专题会" not in response.content.decode()


@pytest.mark.parametrize("persona", ["attendant", "outsider", "lobby_manager"])
def test_only_booking_roles_may_use_the_booking_pages(
    request, as_user, book, room, hosting_unit, clock, persona
):
    meeting = book(start=local(14), end=local(15), now=NOW)
    client = as_user(request.getfixturevalue(persona))
    pk = meeting.pk
    assert client.get(reverse("meeting-new")).status_code == 403
    assert client.post(reverse("meeting-new"), booking_data(room, hosting_unit)).status_code == 403
    assert client.get(reverse("meeting-edit", args=[pk])).status_code == 403
    assert client.get(reverse("meeting-reschedule", args=[pk])).status_code == 403
    assert client.post(reverse("meeting-confirm", args=[pk])).status_code == 403
    assert client.post(reverse("meeting-cancel", args=[pk]), {"reason": "x"}).status_code == 403
    reschedule = {
        "room": room.pk,
        "start": field_value(local(16)),
        "end": field_value(local(17)),
        "version": meeting.version,
    }
    assert client.post(reverse("meeting-reschedule", args=[pk]), reschedule).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED
    assert meeting.start == local(14)
    assert AuditEntry.objects.for_object(meeting).count() == 1
    # They still see that it exists, without the controls.
    detail = client.get(reverse("meeting-detail", args=[pk]))
    assert detail.status_code == 200
    assert 'id="meeting-actions"' not in detail.content.decode()
    assert 'id="cancel-form"' not in detail.content.decode()


def test_an_unknown_meeting_is_not_found(as_user, clerk):
    assert as_user(clerk).get(reverse("meeting-detail", args=[999999])).status_code == 404


# --- the meeting's life through the pages ----------------------------------------------------


def test_a_clerk_confirms_a_requested_meeting(as_user, clerk, book, clock):
    meeting = book(start=local(14), end=local(15), now=NOW)
    client = as_user(clerk)
    assert client.get(reverse("meeting-confirm", args=[meeting.pk])).status_code == 405
    response = client.post(reverse("meeting-confirm", args=[meeting.pk]), follow=True)
    assert response.redirect_chain == [(reverse("meeting-detail", args=[meeting.pk]), 302)]
    assert [m.level_tag for m in response.context["messages"]] == ["success"]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    # Confirming twice is refused with a message, not an error page.
    again = client.post(reverse("meeting-confirm", args=[meeting.pk]), follow=True)
    assert again.status_code == 200
    assert [m.level_tag for m in again.context["messages"]] == ["error"]


def test_a_clerk_edits_a_meetings_details(as_user, clerk, book, hosting_unit, leader, clock):
    meeting = book(start=local(14), end=local(15), now=NOW)
    client = as_user(clerk)
    form = client.get(reverse("meeting-edit", args=[meeting.pk]))
    assert form.status_code == 200
    assert 'name="start"' not in form.content.decode()  # time and room: reschedule
    data = {
        "title": "改名后的会议",
        "hosting_unit": hosting_unit.pk,
        "attendees": 25,
        "leader": leader.pk,
        "leader_rank": LeaderRank.NONE,
        "confidentiality": Confidentiality.INTERNAL,
        "layout": "u_shape",
        "contact_name": "赵六",
        "contact_phone": "13900139000",
        "notes": "",
        "version": meeting.version,
    }
    response = client.post(reverse("meeting-edit", args=[meeting.pk]), data)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.title, meeting.attendees, meeting.leader_rank) == (
        "改名后的会议",
        25,
        LeaderRank.DISTRICT,
    )
    entry = AuditEntry.objects.for_object(meeting).first()
    assert entry.action == "edited"
    assert set(entry.changes) >= {"title", "attendees", "leader", "confidentiality"}


def test_a_stale_edit_is_refused_and_overwrites_nothing(
    as_user, clerk, supervisor, book, hosting_unit, clock
):
    meeting = book(title="原来的标题", start=local(14), end=local(15), now=NOW)
    client = as_user(clerk)
    form = client.get(reverse("meeting-edit", args=[meeting.pk])).context["form"]
    stale_version = form.initial["version"]
    # Meanwhile the supervisor changes the meeting.
    services.edit_meeting(meeting, by=supervisor, title="主管改过的标题", attendees=18, now=NOW)
    response = client.post(
        reverse("meeting-edit", args=[meeting.pk]),
        {
            "title": "办事员的标题",
            "hosting_unit": hosting_unit.pk,
            "attendees": 12,
            "leader": "",
            "leader_rank": LeaderRank.NONE,
            "confidentiality": Confidentiality.NORMAL,
            "layout": "",
            "version": stale_version,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    meeting.refresh_from_db()
    assert meeting.title == "主管改过的标题"
    assert meeting.attendees == 18
    assert AuditEntry.objects.for_object(meeting).filter(action="edited").count() == 1


def test_a_clerk_reschedules_a_meeting(as_user, clerk, book, create_room, clock):
    meeting = book(start=local(14), end=local(15), now=NOW)
    other_room = create_room(number="502", capacity=40)
    client = as_user(clerk)
    form = client.get(reverse("meeting-reschedule", args=[meeting.pk]))
    assert 'value="2026-11-27T14:00"' in form.content.decode()
    response = client.post(
        reverse("meeting-reschedule", args=[meeting.pk]),
        {
            "room": other_room.pk,
            "start": "2026-11-27T16:00",
            "end": "2026-11-27T17:30",
            "version": meeting.version,
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.room, meeting.start, meeting.end) == (other_room, local(16), local(17, 30))
    assert AuditEntry.objects.for_object(meeting).first().action == "rescheduled"


def test_a_reschedule_onto_a_taken_slot_is_refused(as_user, clerk, book, room, clock):
    book(title="下午的会", start=local(16), end=local(17), now=NOW)
    meeting = book(start=local(14), end=local(15), now=NOW)
    response = as_user(clerk).post(
        reverse("meeting-reschedule", args=[meeting.pk]),
        {
            "room": room.pk,
            "start": "2026-11-27T16:30",
            "end": "2026-11-27T17:30",
            "version": meeting.version,
        },
    )
    assert response.status_code == 200
    assert any("下午的会" in error for error in errors_of(response))
    meeting.refresh_from_db()
    assert meeting.start == local(14)


def test_a_clerk_cancels_a_meeting_with_a_reason(as_user, clerk, book, clock):
    meeting = book(start=local(14), end=local(15), now=NOW)
    client = as_user(clerk)
    refused = client.post(reverse("meeting-cancel", args=[meeting.pk]), {"reason": "  "})
    assert refused.status_code == 400
    assert refused.context["cancel_form"].errors["reason"]
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED
    response = client.post(reverse("meeting-cancel", args=[meeting.pk]), {"reason": "领导另有安排"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
    assert meeting.cancel_reason == "领导另有安排"
    # A cancelled meeting has no edit or reschedule page any more.
    for name in ("meeting-edit", "meeting-reschedule"):
        back = client.get(reverse(name, args=[meeting.pk]))
        assert back.status_code == 302
        assert back["Location"] == reverse("meeting-detail", args=[meeting.pk])


def test_the_history_reads_as_what_happened(as_user, clerk, book, create_room, clock):
    client = as_user(clerk)
    meeting = book(start=local(14), end=local(15), now=NOW)
    client.post(reverse("meeting-confirm", args=[meeting.pk]))
    meeting.refresh_from_db()
    client.post(
        reverse("meeting-reschedule", args=[meeting.pk]),
        {
            "room": meeting.room_id,
            "start": "2026-11-27T15:00",
            "end": "2026-11-27T16:00",
            "version": meeting.version,
        },
    )
    client.post(reverse("meeting-cancel", args=[meeting.pk]), {"reason": "领导另有安排"})
    response = client.get(reverse("meeting-detail", args=[meeting.pk]))
    history = response.context["history"]
    assert [line.action for line in history] == ["booked", "confirmed", "rescheduled", "cancelled"]
    html = response.content.decode()
    ol = re.search(r'<ol[^>]*id="history"[^>]*>(.*?)</ol>', html, re.S).group(1)
    assert ol.count('class="list-group-item history-entry') == 4
    for action in ("booked", "confirmed", "rescheduled", "cancelled"):
        assert str(ACTION_LABELS[action]) in ol
    # States by their labels, changed fields by their names, times as 2026年11月27日（星期五）.
    assert f"{state_label('requested')} → {state_label('confirmed')}" in ol
    assert f"{state_label('confirmed')} → {state_label('cancelled')}" in ol
    assert field_label("start") in ol
    assert "2026年11月27日（星期五） 14:00 → 15:00" in ol  # moved within the day
    assert "2026年11月27日（星期五） 09:00" in ol  # when it happened
    assert "领导另有安排" in ol
    assert AuditEntry.objects.for_object(meeting).first().actor_name in ol
    assert ">requested<" not in ol
    assert ">rescheduled<" not in ol


def test_the_history_names_what_an_edit_changed(clerk, book, leader, clock):
    meeting = book(start=local(14), end=local(15), now=NOW)
    services.edit_meeting(
        meeting, by=clerk, leader=leader, confidentiality=Confidentiality.INTERNAL, now=NOW
    )
    (booked, edited) = history_of(meeting)
    assert booked.to_state == state_label("requested") and not booked.from_state
    changes = {change.field: change for change in edited.changes}
    assert changes["confidentiality"].label == field_label("confidentiality")
    assert changes["confidentiality"].old == str(Confidentiality.NORMAL.label)
    assert changes["confidentiality"].new == str(Confidentiality.INTERNAL.label)
    assert changes["leader_rank"].new == str(LeaderRank.DISTRICT.label)
    assert changes["leader"].old == "—"
    assert changes["leader"].new == str(leader)


def test_the_history_keeps_words_it_does_not_know(clerk, book, clock):
    meeting = book(start=local(14), end=local(15), now=NOW)
    audit.record(meeting, "swept", by=None, changes={"gone_field": ("a", "b")}, now=NOW)
    line = history_of(meeting)[-1]
    assert line.action_label == "swept"
    assert line.actor != "system"  # translated
    assert (line.changes[0].label, line.changes[0].old, line.changes[0].new) == (
        "gone_field",
        "a",
        "b",
    )


# --- who sees what ----------------------------------------------------------------------------


def test_a_secret_meetings_title_is_hidden_from_an_attendant(as_user, attendant, book, clock):
    meeting = book(
        title="涉密专题会",
        start=local(14),
        end=local(15),
        confidentiality=Confidentiality.SECRET,
        now=NOW,
    )
    client = as_user(attendant)
    hidden_title = visibility.title_for(attendant, meeting)
    home = client.get(reverse("today")).content.decode()
    assert "涉密专题会" not in home
    assert hidden_title in home
    assert "区发改委" not in home  # the hosting unit is a detail too
    detail = client.get(reverse("meeting-detail", args=[meeting.pk]))
    html = detail.content.decode()
    assert detail.status_code == 200
    assert "涉密专题会" not in html
    assert "区发展和改革委员会" not in html
    assert hidden_title in html
    assert "14:00–15:00" in html  # time and room stay visible
    assert 'id="history"' not in html


def test_a_clerk_sees_the_secret_meetings_title(as_user, clerk, book, clock):
    book(
        title="涉密专题会",
        start=local(14),
        end=local(15),
        confidentiality=Confidentiality.SECRET,
        now=NOW,
    )
    assert "涉密专题会" in as_user(clerk).get(reverse("today")).content.decode()


def test_a_clerk_without_clearance_cannot_change_a_secret_meeting(as_user, make_user, book, clock):
    meeting = book(
        title="涉密专题会",
        start=local(14),
        end=local(15),
        confidentiality=Confidentiality.SECRET,
        now=NOW,
    )
    clerk_without_clearance = make_user("clerk2", Role.CLERK)
    visibility.register_authorisation_check(lambda user: user.username != "clerk2")
    try:
        client = as_user(clerk_without_clearance)
        edit = client.get(reverse("meeting-edit", args=[meeting.pk]))
        reschedule = client.get(reverse("meeting-reschedule", args=[meeting.pk]))
    finally:
        visibility.register_authorisation_check(lambda user: True)
    assert edit.status_code == 403
    assert reschedule.status_code == 403
    assert "涉密专题会" not in edit.content.decode() + reschedule.content.decode()


def test_home_needs_the_same_number_of_queries_for_two_or_ten_meetings(
    as_user, attendant, book, create_room, clock
):
    client = as_user(attendant)

    def lay_down(count: int) -> None:
        for i in range(count):
            book(
                room=create_room(),
                start=local(10 + i % 8),
                end=local(11 + i % 8),
                confidentiality=Confidentiality.SECRET if i % 3 == 0 else Confidentiality.NORMAL,
                now=NOW,
            )

    def count_queries() -> int:
        client.get(reverse("today"))  # warm the session and content-type caches
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("today"))
        assert response.status_code == 200
        return len(queries)

    lay_down(2)
    with_two = count_queries()
    lay_down(8)
    with_ten = count_queries()
    assert len(client.get(reverse("today")).context["rows"]) == 10
    assert with_ten == with_two, (with_two, with_ten)
    # session, user, groups, permissions (x2), the linked staff record, meetings
    assert with_ten <= 8  # + the bell's unread count


def test_home_query_count_is_pinned_for_a_clerk(
    as_user, clerk, book, clock, django_assert_max_num_queries
):
    for hour in (10, 12, 14, 16):
        book(start=local(hour), end=local(hour + 1), now=NOW)
    client = as_user(clerk)
    client.get(reverse("today"))
    with django_assert_max_num_queries(6):
        client.get(reverse("today"))


# --- the admin --------------------------------------------------------------------------------


def test_the_admin_shows_a_meeting_read_only_even_to_a_superuser(make_user, as_user, book, clock):
    meeting = book(start=local(14), end=local(15), now=NOW)
    admin = make_user("root", is_staff=True, is_superuser=True)
    client = as_user(admin)
    url = reverse("admin:bookings_meeting_change", args=[meeting.pk])
    response = client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert meeting.title in html
    assert 'name="_save"' not in html
    assert 'name="title"' not in html
    assert client.post(url, {"title": "改过"}).status_code == 403
    assert client.get(reverse("admin:bookings_meeting_add")).status_code == 403
    meeting.refresh_from_db()
    assert meeting.title != "改过"
