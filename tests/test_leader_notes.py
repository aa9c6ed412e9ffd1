"""Leaders: choosing the convening leader sets the rank; the leader's service notes (tea, seating,
habits) reach only authorised staff serving that leader's meeting, and nowhere else; a meeting
convened by a district leader is reported to the bureau's viewers at once (及时通报).
"""

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from bookings import services, visibility
from bookings.models import Confidentiality, Leader, LeaderRank, Meeting, OrderKind
from core.models import Notification
from core.roles import Role
from tests.conftest import NOW

NOTES = "喜喝龙井，水温八十度；座位靠窗；不喜空调过冷"


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def hooks():
    """Lets a test stand in for staffing's hooks, and puts the previous ones back afterwards."""
    saved = visibility._is_authorised, visibility._serves_meeting
    yield visibility
    visibility.register_authorisation_check(saved[0])
    visibility.register_duty_check(saved[1])


@pytest.fixture
def noted_leader(leader):
    leader.service_notes = NOTES
    leader.save(update_fields=["service_notes"])
    return leader


@pytest.fixture
def served(book, noted_leader, clock):
    """A meeting convened by the leader with notes, tomorrow."""
    return book(leader=noted_leader, title="区长办公会", start=NOW + dt.timedelta(days=1))


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_superuser=True, is_staff=True)


def page(client, user, url) -> str:
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


def meeting_page(client, user, meeting) -> str:
    return page(client, user, reverse("meeting-detail", args=[meeting.pk]))


# --- who sees the notes -----------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk", "supervisor", "superuser", "attendant", "outsider"])
def test_until_staffing_says_who_serves_nobody_sees_the_notes(client, request, served, persona):
    user = request.getfixturevalue(persona)
    assert not visibility.can_see_leader_notes(user, served)
    html = meeting_page(client, user, served)
    assert NOTES not in html
    assert 'id="leader-notes"' not in html


def test_authorised_staff_serving_the_meeting_see_the_notes(client, hooks, attendant, served):
    hooks.register_duty_check(lambda user, meeting: user == attendant and meeting == served)
    assert visibility.can_see_leader_notes(attendant, served)
    html = meeting_page(client, attendant, served)
    panel = re.search(r'<section[^>]*id="leader-notes".*?</section>', html, re.S).group(0)
    assert NOTES in panel


def test_serving_another_meeting_of_the_leader_is_not_enough(
    client, hooks, attendant, served, book, noted_leader
):
    other = book(leader=noted_leader, start=NOW + dt.timedelta(days=2))
    hooks.register_duty_check(lambda user, meeting: meeting == served)
    assert not visibility.can_see_leader_notes(attendant, other)
    assert NOTES not in meeting_page(client, attendant, other)


@pytest.mark.parametrize("persona", ["clerk", "supervisor", "superuser"])
def test_rank_or_permissions_do_not_open_the_notes_without_serving(
    client, hooks, request, served, persona
):
    user = request.getfixturevalue(persona)
    hooks.register_duty_check(lambda who, meeting: who.username == "attendant")
    assert not visibility.can_see_leader_notes(user, served)
    assert NOTES not in meeting_page(client, user, served)


def test_serving_without_a_valid_authorisation_does_not_show_the_notes(
    client, hooks, attendant, served
):
    hooks.register_duty_check(lambda user, meeting: True)
    hooks.register_authorisation_check(lambda user: user != attendant)
    assert not visibility.can_see_leader_notes(attendant, served)
    assert NOTES not in meeting_page(client, attendant, served)


def test_authorised_staff_serving_a_secret_meeting_see_it_and_the_notes(
    client, hooks, attendant, book, noted_leader, clock
):
    secret = book(
        leader=noted_leader,
        title="涉密协调会",
        confidentiality=Confidentiality.SECRET,
        start=NOW + dt.timedelta(days=1),
    )
    assert NOTES not in meeting_page(client, attendant, secret)
    hooks.register_duty_check(lambda user, meeting: user == attendant and meeting == secret)
    html = meeting_page(client, attendant, secret)
    assert "涉密协调会" in html
    assert NOTES in html


def test_a_meeting_without_a_leader_has_no_notes_to_show(hooks, attendant, book, clock):
    hooks.register_duty_check(lambda user, meeting: True)
    meeting = book(start=NOW + dt.timedelta(days=1))
    assert not visibility.can_see_leader_notes(attendant, meeting)


def test_an_anonymous_visitor_never_sees_the_notes(hooks, served):
    from django.contrib.auth.models import AnonymousUser

    hooks.register_duty_check(lambda user, meeting: True)
    assert not visibility.can_see_leader_notes(AnonymousUser(), served)


def test_the_notes_appear_in_no_other_output_even_for_those_who_serve(
    client, hooks, clerk, served, noted_leader
):
    """The worst case: the clerk serves every meeting. Only the meeting page shows the notes."""
    hooks.register_duty_check(lambda user, meeting: True)
    assert NOTES in meeting_page(client, clerk, served)
    plates = served.orders.get(kind=OrderKind.NAME_PLATES)
    urls = [
        reverse("home"),
        reverse("meeting-new"),
        reverse("meeting-edit", args=[served.pk]),
        reverse("meeting-reschedule", args=[served.pk]),
        reverse("order-edit", args=[served.pk, plates.pk]),
        reverse("department-index"),
        *(
            reverse("department-queue", args=[code])
            for code in served.orders.values_list("department", flat=True).distinct()
        ),
    ]
    for url in urls:
        assert NOTES not in page(client, clerk, url), url
    # Nor in anything stored for others to read: notifications, orders, the audit trail.
    assert not Notification.objects.filter(body__contains="龙井").exists()
    assert not Notification.objects.filter(title__contains="龙井").exists()
    for order in served.orders.all():
        assert "龙井" not in str(order.details) + order.note


# --- choosing the leader sets the rank -----------------------------------------------------------


def test_booking_with_a_leader_takes_the_leaders_rank_whatever_was_sent(book, noted_leader):
    meeting = book(leader=noted_leader, leader_rank=LeaderRank.SECTION)
    assert meeting.leader_rank == LeaderRank.DISTRICT
    assert meeting.level == "A"


def test_changing_the_leader_takes_the_new_leaders_rank(book, clerk, noted_leader, hosting_unit):
    meeting = book(leader=noted_leader)
    bureau_chief = Leader.objects.create(
        name="孙立", title="局长", rank=LeaderRank.BUREAU, unit=hosting_unit
    )
    services.edit_meeting(
        meeting, by=clerk, leader=bureau_chief, leader_rank=LeaderRank.DISTRICT, now=NOW
    )
    meeting.refresh_from_db()
    assert (meeting.leader, meeting.leader_rank, meeting.level) == (bureau_chief, "bureau", "B")


def test_without_a_leader_the_rank_typed_by_the_clerk_is_kept(book):
    meeting = book(leader_rank=LeaderRank.BUREAU)
    assert meeting.leader is None
    assert meeting.leader_rank == LeaderRank.BUREAU


# --- the bureau is told about district-level meetings at once -----------------------------------


@pytest.fixture
def bureau_viewer(make_user):
    return make_user("bureau-office", Role.BUREAU, email="office@bureau.example")


def district_notes(user) -> list[Notification]:
    return list(Notification.objects.filter(recipient=user, kind="district_meeting").order_by("id"))


def test_the_bureau_is_notified_when_a_district_meeting_is_booked_changed_moved_or_cancelled(
    book, clerk, bureau_viewer, noted_leader, attendant
):
    meeting = book(leader=noted_leader, title="全区经济形势分析会")
    assert len(district_notes(bureau_viewer)) == 1
    services.edit_meeting(meeting, by=clerk, attendees=20, now=NOW)
    assert len(district_notes(bureau_viewer)) == 2
    start = meeting.start + dt.timedelta(days=1)
    services.reschedule_meeting(
        meeting, by=clerk, start=start, end=start + dt.timedelta(hours=2), now=NOW
    )
    assert len(district_notes(bureau_viewer)) == 3
    services.cancel_meeting(meeting, by=clerk, reason="领导另有安排", now=NOW)
    notes = district_notes(bureau_viewer)
    assert len(notes) == 4
    assert all("全区经济形势分析会" in note.title for note in notes)
    assert all(note.url == reverse("meeting-detail", args=[meeting.pk]) for note in notes)
    assert all(NOTES not in note.title + note.body for note in notes)
    # Only the bureau is told; the other roles are not.
    assert not Notification.objects.filter(recipient=attendant).exists()
    assert not Notification.objects.filter(recipient=clerk).exists()


def test_meetings_below_district_level_notify_nobody(book, clerk, bureau_viewer):
    meeting = book(leader_rank=LeaderRank.BUREAU)
    services.edit_meeting(meeting, by=clerk, attendees=20, now=NOW)
    start = meeting.start + dt.timedelta(days=1)
    services.reschedule_meeting(
        meeting, by=clerk, start=start, end=start + dt.timedelta(hours=2), now=NOW
    )
    services.cancel_meeting(meeting, by=clerk, reason="改期", now=NOW)
    assert not Notification.objects.exists()


def test_a_meeting_raised_to_or_lowered_from_district_level_is_reported(
    book, clerk, bureau_viewer, noted_leader
):
    meeting = book(leader_rank=LeaderRank.BUREAU)
    services.edit_meeting(meeting, by=clerk, leader=noted_leader, now=NOW)
    assert len(district_notes(bureau_viewer)) == 1
    services.edit_meeting(meeting, by=clerk, leader=None, leader_rank=LeaderRank.NONE, now=NOW)
    assert len(district_notes(bureau_viewer)) == 2


def test_the_bureau_is_told_of_a_secret_district_meeting_without_its_title(
    book, bureau_viewer, noted_leader
):
    meeting = book(leader=noted_leader, title="涉密常委会", confidentiality=Confidentiality.SECRET)
    [note] = district_notes(bureau_viewer)
    assert "涉密常委会" not in note.title
    assert visibility.title_for(bureau_viewer, meeting) in note.title


def test_a_refused_booking_tells_the_bureau_nothing(book, room, bureau_viewer, noted_leader):
    with pytest.raises(Exception):  # noqa: B017 - any refusal: nothing may be left behind
        book(leader=noted_leader, attendees=room.capacity + 1)
    assert not Notification.objects.exists()
    assert not Meeting.objects.exists()
