"""Office service pages: the round card on 我的任务 with its checklist, the office rounds page
(who may see and change it, states in words, pinned queries) and the hotline's request from a
leader's office, dispatched at once."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.models import Notification
from core.roles import Role
from core.timeutils import at
from inspections.models import ServiceRequest
from offices import services as office_services
from offices.checklists import items_for
from offices.models import RoundStatus
from offices.states import STATES
from staffing import services
from staffing.models import DutyRole, DutyStatus, Position
from tests import test_office_rounds as shared
from tests.conftest import NOW
from tests.staffing_factories import make_staff
from tests.test_office_rounds import TODAY, TOMORROW, all_items, round_on

pytestmark = pytest.mark.django_db

# The room factories of the service tests.
leader_office = shared.leader_office
office = shared.office


@pytest.fixture(autouse=True)
def _frozen_clock():
    # Friday 27 November 2026 09:00 in Shanghai.
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def person(attendant):
    return make_staff(user=attendant, name="李娟")


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


def on_round(office_round, staff, by):
    return services.assign_round_duty(
        office_round, by=by, staff=staff, now=NOW - dt.timedelta(hours=3)
    )


# --- my duties ------------------------------------------------------------------------------


def test_my_duties_shows_a_round_card_with_its_checklist(
    client, attendant, person, office, supervisor
):
    today = round_on(office, TODAY, 9, 0, note="重点擦拭会客桌")
    tomorrow = round_on(office, TOMORROW, 8, 0)
    first = on_round(today, person, supervisor)
    second = on_round(tomorrow, person, supervisor)
    client.force_login(attendant)
    html = client.get(reverse("my-duties")).content.decode()
    assert f'id="duty-{first.pk}"' in html and f'id="duty-{second.pk}"' in html
    assert html.index(f'id="duty-{first.pk}"') < html.index(f'id="duty-{second.pk}"')
    assert str(today.get_kind_display()) in html and "805" in html and "综合科办公室" in html
    assert "重点擦拭会客桌" in html
    assert str(DutyRole.OFFICE.label) in html
    assert reverse("my-duty-round-done", args=[first.pk]) in html
    for code, label in items_for(today.kind):
        assert f'id="round-{first.pk}-{code}"' in html
        assert str(label) in html
    assert "09:00" in html and "09:40" in html
    # A round is not a meeting: no small-meeting routine on its card.
    assert html.count('class="duty-routine') == 0


def test_ticking_a_round_off_from_the_phone_marks_it_done(
    client, attendant, person, office, supervisor
):
    office_round = round_on(office, TODAY, 8, 45)
    duty = on_round(office_round, person, supervisor)
    client.force_login(attendant)
    response = client.post(
        reverse("my-duty-round-done", args=[duty.pk]), {"items": all_items(office_round)}
    )
    assert response.status_code == 302
    assert response["Location"].endswith(f"#duty-{duty.pk}")
    office_round.refresh_from_db()
    assert (office_round.status, office_round.done_by, office_round.done_at) == (
        RoundStatus.DONE,
        attendant,
        NOW,
    )
    html = client.get(reverse("my-duties")).content.decode()
    assert "alert-success" in html
    assert 'class="list-unstyled small mb-2 round-results"' in html
    assert reverse("my-duty-round-done", args=[duty.pk]) not in html


def test_an_unticked_item_without_a_note_comes_back_as_a_message(
    client, attendant, person, office, supervisor
):
    office_round = round_on(office, TODAY, 8, 45)
    duty = on_round(office_round, person, supervisor)
    client.force_login(attendant)
    url = reverse("my-duty-round-done", args=[duty.pk])
    response = client.post(url, {"items": all_items(office_round)[:2]}, follow=True)
    assert "alert-danger" in response.content.decode()
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED
    client.post(url, {"items": all_items(office_round)[:2], "note": "地毯在送洗"})
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.DONE and office_round.note == "地毯在送洗"
    html = client.get(reverse("my-duties")).content.decode()
    assert "地毯在送洗" in html and "✗" in html


def test_another_persons_round_duty_is_a_404(client, make_user, person, office, supervisor):
    office_round = round_on(office, TODAY, 8, 45)
    duty = on_round(office_round, person, supervisor)
    other = make_user("other-attendant", Role.ATTENDANT)
    make_staff(user=other)
    client.force_login(other)
    url = reverse("my-duty-round-done", args=[duty.pk])
    assert client.post(url, {"items": all_items(office_round)}).status_code == 404
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED


def test_a_released_round_duty_or_a_meeting_duty_cannot_tick_a_round(
    client, attendant, person, office, supervisor, book
):
    office_round = round_on(office, TODAY, 8, 45)
    duty = on_round(office_round, person, supervisor)
    services.release_duty(duty, by=supervisor, reason="换人", now=NOW)
    meeting = book(start=at(TODAY, 14), end=at(TODAY, 15))
    meeting_duty = services.assign_duty(
        meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW
    )
    client.force_login(attendant)
    for pk in (duty.pk, meeting_duty.pk):
        url = reverse("my-duty-round-done", args=[pk])
        assert client.post(url, {"items": all_items(office_round)}).status_code == 404
    assert client.get(reverse("my-duty-round-done", args=[meeting_duty.pk])).status_code == 405
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED


def test_my_duties_costs_the_same_queries_with_rounds_as_without(
    client, attendant, person, office, supervisor, book
):
    client.force_login(attendant)
    meeting = book(start=at(TOMORROW, 14), end=at(TOMORROW, 15))
    services.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    client.get(reverse("my-duties"))  # warm caches (session, content types)
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("my-duties"))
    for day, hour in ((TODAY, 10), (TODAY, 16), (TOMORROW, 9)):
        on_round(round_on(office, day, hour), person, supervisor)
    done = round_on(office, TODAY, 8, 30)
    on_round(done, person, supervisor)
    office_services.complete_round(done, by=attendant, items=all_items(done), now=NOW)
    with CaptureQueriesContext(connection) as many:
        html = client.get(reverse("my-duties")).content.decode()
    assert html.count('class="card duty-card') == 5
    assert len(many) == len(one), [q["sql"] for q in many]


# --- the office rounds page -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("roles", "status"),
    [
        ((Role.ATTENDANT,), 403),
        ((Role.CLERK,), 403),
        ((), 403),
        ((Role.LOBBY_MANAGER,), 200),
        ((Role.SUPERVISOR,), 200),
        ((Role.HOTLINE,), 200),
        ((Role.GROUP_LEADER,), 200),
    ],
)
def test_who_may_see_the_office_rounds_page(client, make_user, roles, status):
    client.force_login(make_user(None, *roles))
    assert client.get(reverse("office-rounds")).status_code == status


def test_anonymous_visitors_are_sent_to_the_login_page(client, db):
    response = client.get(reverse("office-rounds"))
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.parametrize("roles", [(Role.ATTENDANT,), (Role.CLERK,), (Role.HOTLINE,)])
def test_only_lobby_managers_and_the_supervisor_dispatch_or_cancel(
    client, make_user, office, roles
):
    office_round = round_on(office, TODAY, 10)
    client.force_login(make_user(None, *roles))
    data = {"day": TODAY.isoformat(), "building": ""}
    assert client.post(reverse("office-rounds-dispatch"), data).status_code == 403
    cancel = reverse("office-round-cancel", args=[office_round.pk])
    assert client.post(cancel, {**data, "reason": "x"}).status_code == 403
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED
    html = client.get(reverse("office-rounds")).content.decode()
    assert 'id="rounds-dispatch-button"' not in html


def a_day_of_rounds(office, leader_office, supervisor, attendant):
    """Rounds in every state today: done on time, done late, missed, due, upcoming, cancelled."""
    done = round_on(office, TODAY, 7, 0)
    office_services.complete_round(done, by=attendant, items=all_items(done), now=at(TODAY, 7, 30))
    late = round_on(office, TODAY, 7, 30)
    office_services.complete_round(late, by=attendant, items=all_items(late), now=NOW)
    missed = round_on(leader_office, TODAY, 7, 40)
    due = round_on(office, TODAY, 8, 45)
    upcoming = round_on(leader_office, TODAY, 15)
    cancelled = round_on(office, TODAY, 16)
    office_services.cancel_round(cancelled, by=supervisor, reason="取消", now=NOW)
    return {
        "done": done,
        "done_late": late,
        "missed": missed,
        "due": due,
        "upcoming": upcoming,
        "cancelled": cancelled,
    }


def test_the_page_shows_each_rounds_state_in_words_and_who_is_on_it(
    client, office, leader_office, supervisor, attendant, person
):
    rounds = a_day_of_rounds(office, leader_office, supervisor, attendant)
    cleared = make_staff(name="赵授权", authorised=True, phone="13900001111")
    on_round(rounds["upcoming"], cleared, supervisor)
    client.force_login(supervisor)
    response = client.get(reverse("office-rounds"), {"day": TODAY.isoformat()})
    html = response.content.decode()
    for code, office_round in rounds.items():
        assert f'id="round-{office_round.pk}" data-state="{code}"' in html, code
        assert str(STATES[code]) in html
    assert "赵授权" in html and "tel:13900001111" in html
    summary = {code: count for code, _label, count in response.context["summary"]}
    assert summary == dict.fromkeys(STATES, 1)
    # Only the rounds still to be done lack someone: the missed and the due one.
    assert html.count('class="text-danger round-missing"') == 2
    assert 'id="rounds-dispatch-button"' in html


def test_the_page_costs_a_fixed_number_of_queries_however_many_rounds(
    client, office, leader_office, supervisor, attendant, django_assert_num_queries
):
    client.force_login(supervisor)
    url = reverse("office-rounds")
    query = {"day": TODAY.isoformat()}
    on_round(round_on(office, TODAY, 10), make_staff(), supervisor)
    client.get(url, query)  # warm caches (session, content types)
    # Session, user, roles, linked staff, rounds, their duties, unread notifications and the
    # buildings of the filter.
    with django_assert_num_queries(8):
        client.get(url, query)
    a_day_of_rounds(office, leader_office, supervisor, attendant)
    for hour in (11, 12, 13):
        on_round(round_on(office, TODAY, hour), make_staff(), supervisor)
    with django_assert_num_queries(8):
        response = client.get(url, query)
    assert len(response.context["rows"]) == 10


def test_the_dispatch_button_fills_the_days_open_rounds(
    client, office, leader_office, supervisor, building
):
    cleared = make_staff(name="授权甲", authorised=True, home_building=building)
    plain = make_staff(name="普通乙", home_building=building)
    leader_round = round_on(leader_office, TODAY, 10)
    office_round = round_on(office, TODAY, 10)
    client.force_login(supervisor)
    response = client.post(
        reverse("office-rounds-dispatch"),
        {"day": TODAY.isoformat(), "building": building.pk},
        follow=True,
    )
    assert response.status_code == 200
    assert "alert-success" in response.content.decode()
    assert leader_round.duties.active().get().staff == cleared
    assert office_round.duties.active().get().staff == plain
    html = response.content.decode()
    assert "授权甲" in html and "普通乙" in html


def test_the_cancel_button_cancels_the_round_and_releases_its_person(
    client, office, supervisor, make_user
):
    user = make_user("cleaner", Role.ATTENDANT)
    cleaner = make_staff(user=user)
    office_round = round_on(office, TODAY, 10)
    duty = on_round(office_round, cleaner, supervisor)
    client.force_login(supervisor)
    url = reverse("office-round-cancel", args=[office_round.pk])
    response = client.post(url, {"day": TODAY.isoformat(), "building": ""})
    assert response.status_code == 302
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED  # no reason: refused
    response = client.post(url, {"day": TODAY.isoformat(), "building": "", "reason": "领导开会"})
    assert response.status_code == 302 and f"day={TODAY.isoformat()}" in response["Location"]
    office_round.refresh_from_db()
    duty.refresh_from_db()
    assert office_round.status == RoundStatus.CANCELLED
    assert duty.status == DutyStatus.RELEASED
    assert Notification.objects.filter(kind="duty_released", recipient=user).exists()


# --- a request from a leader's office -------------------------------------------------------


def test_the_hotline_logs_a_leaders_office_request_and_an_authorised_attendant_is_sent(
    client, hotline, leader_office, building
):
    make_staff(name="未授权丙", home_building=building)
    cleared = make_staff(name="授权丁", authorised=True, home_building=building)
    client.force_login(hotline)
    response = client.post(
        reverse("request-new"),
        {
            "what": "15:00 来访客人，备茶四位",
            "room": leader_office.pk,
            "urgency": "normal",
            "wanted_at": "2026-11-27T15:00",
            "people": "1",
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "授权丁" in response.content.decode()
    req = ServiceRequest.objects.get()
    assert req.taken_by == cleared and req.taken_at == NOW
    office_round = req.office_round
    assert office_round.needs_authorisation
    assert office_round.start == at(TODAY, 14, 45)
    duty = office_round.duties.active().get()
    assert duty.staff == cleared and duty.role == DutyRole.OFFICE


def test_a_leaders_office_request_nobody_authorised_can_take_says_why(
    client, hotline, leader_office, building
):
    make_staff(name="未授权丙", home_building=building)
    client.force_login(hotline)
    response = client.post(
        reverse("request-new"),
        {
            "what": "送茶",
            "room": leader_office.pk,
            "urgency": "normal",
            "wanted_at": "2026-11-27T15:00",
        },
        follow=True,
    )
    assert "alert-warning" in response.content.decode()
    req = ServiceRequest.objects.get()
    assert req.taken_by is None and req.office_round is not None
    assert not req.office_round.duties.exists()


def test_a_request_from_a_meeting_room_makes_no_round(client, hotline, room):
    client.force_login(hotline)
    client.post(reverse("request-new"), {"what": "加椅子", "room": room.pk, "urgency": "normal"})
    req = ServiceRequest.objects.get()
    assert req.office_round is None and req.taken_by is None


def test_the_lobby_manager_dispatches_the_whole_day_from_the_dispatch_page_too(
    client, lobby_manager, office, building
):
    make_staff(user=lobby_manager, position=Position.LOBBY_MANAGER, home_building=building)
    worker = make_staff(home_building=building)
    office_round = round_on(office, TOMORROW, 10)
    client.force_login(lobby_manager)
    client.post(reverse("dispatch-run"), {"day": TOMORROW.isoformat(), "building": building.pk})
    assert office_round.duties.active().get().staff == worker
