"""The demo's office service: the `attendant` login has a cleaning round (保洁) today and
tomorrow on 我的任务, this week's leaders'-office rounds are dispatched to authorised staff only,
and nobody holds overlapping duties."""

import datetime as dt
import itertools

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.db import transaction
from django.test import override_settings
from django.urls import reverse

from bookings.models import Room
from conference import demo
from core.timeutils import day_bounds
from offices.models import OfficeRound, RoundStatus, ServiceKind, ServicePlan
from staffing.invariants import no_duty_during_absence, no_overlapping_duties
from staffing.models import Duty, DutyRole
from tests.conftest import NOW

TODAY = NOW.date()
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module at NOW, rolled back when the module ends (each
    test's own transaction nests in it as a savepoint)."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with time_machine.travel(NOW, tick=False), override_settings(DEBUG=True):
                demo.load(now=NOW)
        except BaseException:
            _roll_back(outer)
            raise
    yield
    with django_db_blocker.unblock():
        _roll_back(outer)


def _roll_back(outer) -> None:
    transaction.set_rollback(True)
    outer.__exit__(None, None, None)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def test_the_attendant_sees_a_cleaning_round_today_and_tomorrow(demo_loaded, db, client):
    attendant = get_user_model().objects.get(username="attendant")
    client.force_login(attendant)
    response = client.get(reverse("my-duties"))
    assert response.status_code == 200
    rounds = {
        card.day: card.office_round
        for _day, cards in response.context["groups"]
        for card in cards
        if card.office_round is not None
    }
    assert set(rounds) == {TODAY, TODAY + dt.timedelta(days=1)}
    assert all(r.kind == ServiceKind.CLEANING for r in rounds.values())
    html = response.content.decode()
    assert html.count("js-round-done") + html.count("round-results") >= 2
    assert str(ServiceKind.CLEANING.label) in html


def test_every_office_has_a_plan_and_the_leaders_offices_are_cleaned_each_working_day(
    demo_loaded, db
):
    offices = Room.objects.filter(kind__in=(Room.Kind.LEADER_OFFICE, Room.Kind.OFFICE))
    assert offices.exists()
    assert not offices.exclude(service_plans__isnull=False).exists()
    leaders = Room.objects.filter(kind=Room.Kind.LEADER_OFFICE)
    start, _end = day_bounds(MONDAY)
    week = OfficeRound.objects.filter(
        kind=ServiceKind.CLEANING,
        room__in=leaders,
        start__gte=start,
        start__lt=start + dt.timedelta(days=7),
    )
    # Monday to Friday, one round per leader's office each day, all before 08:30.
    assert week.count() == 5 * leaders.count()
    assert all(r.end.astimezone(NOW.tzinfo).time() <= dt.time(8, 30) for r in week)
    assert ServicePlan.objects.filter(room__in=leaders).count() == leaders.count()


def test_this_weeks_leaders_office_rounds_are_filled_by_authorised_staff_only(demo_loaded, db):
    start, _end = day_bounds(MONDAY)
    rounds = OfficeRound.objects.filter(
        needs_authorisation=True, start__gte=start, start__lt=start + dt.timedelta(days=7)
    ).exclude(status=RoundStatus.CANCELLED)
    assert rounds.exists()
    duties = Duty.objects.active().filter(office_round__in=rounds).select_related("staff")
    # Every round of the week has its people (the past ones were dispatched that morning).
    filled = {d.office_round_id for d in duties}
    assert filled == set(rounds.values_list("pk", flat=True))
    for duty in duties:
        assert duty.role == DutyRole.OFFICE
        assert duty.staff.is_authorised_on(duty.start.astimezone(NOW.tzinfo).date()), duty


def test_nobody_holds_overlapping_duties_or_works_while_absent(demo_loaded, db):
    assert list(no_overlapping_duties()) == []
    assert list(no_duty_during_absence()) == []
    # The check again, directly, across meetings and rounds alike.
    by_person: dict[int, list[tuple]] = {}
    for staff_id, s, e in Duty.objects.active().values_list("staff_id", "start", "end"):
        by_person.setdefault(staff_id, []).append((s, e))
    leads = set(
        Duty.objects.active().filter(role=DutyRole.LEAD).values_list("staff_id", "start", "end")
    )
    for staff_id, windows in by_person.items():
        windows.sort()
        for (s1, e1), (s2, e2) in itertools.pairwise(windows):
            if s2 < e1:
                both_leads = (staff_id, s1, e1) in leads and (staff_id, s2, e2) in leads
                assert both_leads, (staff_id, s1, e1, s2, e2)


def test_the_past_rounds_are_done_and_one_missed_round_awaits_the_sweeper(demo_loaded, db):
    past = OfficeRound.objects.filter(end__lte=NOW).exclude(status=RoundStatus.CANCELLED)
    undone = past.filter(status=RoundStatus.SCHEDULED)
    assert undone.count() == 1
    assert past.filter(status=RoundStatus.DONE).count() == past.count() - 1


def test_the_tea_request_from_a_leaders_office_was_sent_to_an_authorised_attendant(demo_loaded, db):
    from inspections.models import ServiceRequest

    req = ServiceRequest.objects.filter(office_round__isnull=False).get()
    assert req.office_round.needs_authorisation
    assert req.taken_by is not None
    assert req.taken_by.is_authorised_on(TODAY)
