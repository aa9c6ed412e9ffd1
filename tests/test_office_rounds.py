"""Office service (issue 6 point 1): plans make rounds on the right days, once; rounds become
duties through the same validator and dispatcher as meetings; they are ticked off, cancelled
and, when missed, escalated like a late check."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from bookings.models import Building, Room
from core.models import AuditEntry, CalendarDay, Notification
from core.roles import Role
from core.timeutils import at
from inspections.office_rounds import escalate_missed_rounds
from offices import services as office_services
from offices.checklists import codes_for
from offices.errors import OfficeError, RoundConflict
from offices.models import OfficeRound, Recurrence, RoundStatus, ServiceKind, ServicePlan
from offices.states import round_state
from staffing import services
from staffing.dispatcher import dispatch_day, dispatch_rounds
from staffing.errors import DispatchError
from staffing.invariants import no_overlapping_duties
from staffing.models import Duty, DutyRole, DutyStatus, Position, Shift
from staffing.office_rounds import plan_office_rounds
from staffing.validation import DutyBook, Proposal
from tests.conftest import NOW, on_postgres
from tests.staffing_factories import make_staff

pytestmark = pytest.mark.django_db

TODAY = NOW.date()  # Friday 27 November 2026
TOMORROW = TODAY + dt.timedelta(days=1)  # Saturday
MONDAY = TODAY - dt.timedelta(days=TODAY.weekday())  # 23 November
SUNDAY = MONDAY + dt.timedelta(days=6)
MINUTE = dt.timedelta(minutes=1)
FAST = 0.2


# --- factories (shared with the page, demo and browser tests) ------------------------------


@pytest.fixture
def leader_office(create_room):
    return create_room(
        number="801", name="区长办公室", kind=Room.Kind.LEADER_OFFICE, floor=8, capacity=4
    )


@pytest.fixture
def office(create_room):
    return create_room(number="805", name="综合科办公室", kind=Room.Kind.OFFICE, floor=8)


def make_plan(room, **fields) -> ServicePlan:
    values = {
        "kind": ServiceKind.CLEANING,
        "recurrence": Recurrence.WORKING_DAYS,
        "start_time": dt.time(7, 40),
        "minutes": 40,
    }
    values.update(fields)
    return ServicePlan.objects.create(room=room, **values)


def round_on(room, day: dt.date, hour: int = 7, minute: int = 0, **fields) -> OfficeRound:
    """One round of a daily plan of `room` on `day` at hour:minute, made by the service."""
    plan = make_plan(room, recurrence=Recurrence.DAILY, start_time=dt.time(hour, minute), **fields)
    (office_round,) = office_services.generate_rounds(day, day, plans=[plan], now=NOW)
    return office_round


def local_days(rounds) -> list[dt.date]:
    return sorted(r.start.astimezone(NOW.tzinfo).date() for r in rounds)


def all_items(office_round) -> list[str]:
    return list(codes_for(office_round.kind))


# --- plans make rounds --------------------------------------------------------------------


def test_a_leaders_office_is_cleaned_every_working_morning_before_half_past_eight(leader_office):
    plan = make_plan(leader_office)
    rounds = office_services.generate_rounds(MONDAY, SUNDAY, now=NOW)
    assert local_days(rounds) == [MONDAY + dt.timedelta(days=n) for n in range(5)]
    first = min(rounds, key=lambda r: r.start)
    assert first.start == at(MONDAY, 7, 40) and first.end == at(MONDAY, 8, 20)
    assert all(r.needs_authorisation and r.plan == plan for r in rounds)
    assert all(
        r.kind == ServiceKind.CLEANING and r.building == leader_office.building for r in rounds
    )


def test_holidays_and_adjusted_working_days_come_from_the_calendar(leader_office):
    make_plan(leader_office)
    wednesday, saturday = MONDAY + dt.timedelta(days=2), MONDAY + dt.timedelta(days=5)
    CalendarDay.objects.create(date=wednesday, kind=CalendarDay.Kind.HOLIDAY, name="假日")
    CalendarDay.objects.create(date=saturday, kind=CalendarDay.Kind.WORKDAY, name="调休上班")
    rounds = office_services.generate_rounds(MONDAY, SUNDAY, now=NOW)
    expected = [MONDAY + dt.timedelta(days=n) for n in (0, 1, 3, 4, 5)]
    assert local_days(rounds) == expected


def test_an_ordinary_office_is_cleaned_on_its_set_weekdays_unless_they_are_holidays(office):
    make_plan(office, recurrence=Recurrence.WEEKDAYS, weekdays=[0, 2, 4], start_time=dt.time(7, 30))
    CalendarDay.objects.create(date=MONDAY + dt.timedelta(days=2), kind=CalendarDay.Kind.HOLIDAY)
    rounds = office_services.generate_rounds(MONDAY, SUNDAY, now=NOW)
    assert local_days(rounds) == [MONDAY, MONDAY + dt.timedelta(days=4)]
    assert not any(r.needs_authorisation for r in rounds)


def test_a_daily_plan_runs_on_weekends_and_holidays_too(office):
    make_plan(office, recurrence=Recurrence.DAILY)
    CalendarDay.objects.create(date=MONDAY, kind=CalendarDay.Kind.HOLIDAY)
    rounds = office_services.generate_rounds(MONDAY, SUNDAY, now=NOW)
    assert local_days(rounds) == [MONDAY + dt.timedelta(days=n) for n in range(7)]


def test_generating_the_same_week_twice_makes_each_round_once_with_one_audit_row(leader_office):
    make_plan(leader_office)
    first = office_services.generate_rounds(MONDAY, SUNDAY, now=NOW)
    assert office_services.generate_rounds(MONDAY, SUNDAY, now=NOW) == []
    assert OfficeRound.objects.count() == len(first) == 5
    assert AuditEntry.objects.filter(action="round_planned").count() == 5


def test_inactive_plans_and_rooms_out_of_service_make_no_rounds(leader_office, office):
    make_plan(leader_office, active=False)
    make_plan(office)
    office.in_service = False
    office.save(update_fields=["in_service"])
    assert office_services.generate_rounds(MONDAY, SUNDAY, now=NOW) == []


# --- the validator --------------------------------------------------------------------------


def test_a_leaders_office_is_served_only_by_authorised_staff(leader_office, supervisor):
    office_round = round_on(leader_office, TOMORROW, 10)
    plain = make_staff(name="未授权")
    with translation.override("en"), pytest.raises(DispatchError) as refused:
        services.assign_round_duty(office_round, by=supervisor, staff=plain, now=NOW)
    assert "not authorised to serve a leader's office" in str(refused.value.message)
    assert not office_round.duties.exists()
    cleared = make_staff(name="已授权", authorised=True)
    duty = services.assign_round_duty(office_round, by=supervisor, staff=cleared, now=NOW)
    assert (duty.role, duty.office_round, duty.meeting) == (DutyRole.OFFICE, office_round, None)
    assert (duty.start, duty.end) == (office_round.start, office_round.end)
    assert AuditEntry.objects.filter(action="duty_assigned", object_id=str(duty.pk)).exists()


def test_an_ordinary_office_takes_anyone_on_shift(office, supervisor):
    office_round = round_on(office, TOMORROW, 10)
    duty = services.assign_round_duty(office_round, by=supervisor, staff=make_staff(), now=NOW)
    assert duty.status == DutyStatus.ASSIGNED


def test_a_round_overlapping_a_meeting_duty_is_refused(office, book, supervisor):
    person = make_staff(name="忙人")
    meeting = book(start=at(TOMORROW, 10), end=at(TOMORROW, 11))
    services.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    office_round = round_on(office, TOMORROW, 9, 45)
    with translation.override("en"), pytest.raises(DispatchError) as refused:
        services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)
    assert "already has a duty from 09:30" in str(refused.value.message)
    assert not office_round.duties.exists()


def test_a_meeting_duty_overlapping_a_round_is_refused(office, book, supervisor):
    person = make_staff(name="忙人")
    office_round = round_on(office, TOMORROW, 10)
    services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)
    meeting = book(start=at(TOMORROW, 10, 30), end=at(TOMORROW, 11, 30))
    with pytest.raises(DispatchError):
        services.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    # Nor as the lead: a lead may overlap other leads, never a round.
    leader = make_staff(name="组长", is_group_leader=True)
    services.assign_round_duty(round_on(office, TOMORROW, 14), by=supervisor, staff=leader, now=NOW)
    later = book(start=at(TOMORROW, 14, 30), end=at(TOMORROW, 15, 30))
    with pytest.raises(DispatchError):
        services.assign_duty(later, by=supervisor, staff=leader, role=DutyRole.LEAD, now=NOW)
    assert not Duty.objects.filter(meeting__in=[meeting, later]).exists()


def test_a_round_next_to_a_meeting_duty_is_fine(office, book, supervisor):
    person = make_staff()
    meeting = book(start=at(TOMORROW, 10), end=at(TOMORROW, 11))
    services.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    office_round = round_on(office, TOMORROW, 8, 50, minutes=40)  # ends 09:30, the arrival
    assert services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)


def test_a_round_off_shift_or_during_an_absence_is_refused(office, supervisor):
    from staffing.models import Absence, AbsenceKind

    office_round = round_on(office, TOMORROW, 10)
    off = make_staff(days=[TODAY])
    away = make_staff()
    Absence.objects.create(
        staff=away, kind=AbsenceKind.SICK, start=at(TOMORROW, 0), end=at(TOMORROW, 23)
    )
    with translation.override("en"):
        with pytest.raises(DispatchError) as refused:
            services.assign_round_duty(office_round, by=supervisor, staff=off, now=NOW)
        assert "not on shift" in str(refused.value.message)
        with pytest.raises(DispatchError) as refused:
            services.assign_round_duty(office_round, by=supervisor, staff=away, now=NOW)
        assert "absent" in str(refused.value.message)


def test_the_same_person_twice_on_a_round_is_refused(office, supervisor):
    office_round = round_on(office, TOMORROW, 10, staff_needed=2)
    person = make_staff()
    services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)
    with pytest.raises(DispatchError):
        services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)
    assert office_round.duties.count() == 1


def test_a_round_that_is_over_done_or_cancelled_takes_nobody(office, supervisor):
    over = round_on(office, TODAY, 7)
    done = round_on(office, TOMORROW, 9)
    office_services.complete_round(done, by=supervisor, items=all_items(done), now=at(TOMORROW, 9))
    cancelled = round_on(office, TOMORROW, 12)
    office_services.cancel_round(cancelled, by=supervisor, reason="领导出差", now=NOW)
    person = make_staff()
    for office_round in (over, done, cancelled):
        with pytest.raises(DispatchError):
            services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)
    assert not person.duties.exists()


def test_one_duty_on_a_round_and_a_meeting_at_once_is_refused_by_the_database(office, book):
    office_round = round_on(office, TOMORROW, 10)
    meeting = book(start=at(TOMORROW, 10), end=at(TOMORROW, 11))
    person = make_staff()
    with pytest.raises(IntegrityError), transaction.atomic():
        Duty.objects.create(
            staff=person,
            meeting=meeting,
            office_round=office_round,
            role=DutyRole.OFFICE,
            building=office_round.building,
            start=office_round.start,
            end=office_round.end,
            assigned_at=NOW,
        )


def test_the_database_refuses_a_round_duty_overlapping_a_meeting_duty(office, book, supervisor):
    if not on_postgres():
        pytest.skip("the exclusion constraint is PostgreSQL's; SQLite relies on the validator")
    person = make_staff()
    meeting = book(start=at(TOMORROW, 10), end=at(TOMORROW, 11))
    services.assign_duty(meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW)
    office_round = round_on(office, TOMORROW, 10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Duty.objects.create(
            staff=person,
            office_round=office_round,
            role=DutyRole.OFFICE,
            building=office_round.building,
            start=office_round.start,
            end=office_round.end,
            assigned_at=NOW,
        )


def test_a_round_duty_is_reassigned_only_to_someone_authorised(leader_office, supervisor):
    office_round = round_on(leader_office, TOMORROW, 10)
    first = make_staff(authorised=True)
    duty = services.assign_round_duty(office_round, by=supervisor, staff=first, now=NOW)
    with pytest.raises(DispatchError):
        services.reassign_duty(duty, by=supervisor, staff=make_staff(), now=NOW)
    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED
    second = make_staff(authorised=True)
    new = services.reassign_duty(duty, by=supervisor, staff=second, now=NOW)
    assert new.office_round == office_round and new.staff == second
    assert list(office_round.duties.active()) == [new]


# --- the dispatcher -------------------------------------------------------------------------


def assert_every_duty_valid() -> None:
    for duty in Duty.objects.active().select_related("meeting__room", "office_round"):
        book = DutyBook.load(
            duty.start - dt.timedelta(days=1),
            duty.end + dt.timedelta(days=1),
            exclude_duty_ids=[duty.pk],
        )
        if duty.office_round_id:
            proposal = Proposal.for_round(duty.staff_id, duty.office_round)
        else:
            proposal = Proposal.for_meeting(duty.staff_id, duty.meeting, duty.role)
        assert book.refusals(proposal) == [], duty
    assert list(no_overlapping_duties()) == []


def test_a_day_with_meetings_and_rounds_is_filled_without_overlaps(
    book, leader_office, supervisor, building
):
    make_staff(is_group_leader=True, home_building=building)
    plain = make_staff(home_building=building)
    cleared = make_staff(home_building=building, authorised=True)
    meeting = book(start=at(TOMORROW, 10), end=at(TOMORROW, 11), attendees=12)
    office_round = round_on(leader_office, TOMORROW, 9, 45)
    result = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    assert result.unfilled == []
    assert office_round.duties.active().get().staff == cleared
    assert meeting.duties.active().get(role=DutyRole.ATTENDANT).staff == plain
    assert_every_duty_valid()
    again = dispatch_day(TOMORROW, by=supervisor, now=NOW, seconds=FAST)
    assert (again.filled, again.needed) == (0, 0)


def test_a_round_nobody_may_serve_is_explained(leader_office, supervisor):
    make_staff()  # on shift, but not authorised
    office_round = round_on(leader_office, TOMORROW, 10)
    with translation.override("en"):
        result = dispatch_rounds([office_round], by=supervisor, now=NOW, seconds=0)
    (unfilled,) = result.unfilled
    assert (unfilled.office_round, unfilled.meeting, unfilled.role) == (
        office_round,
        None,
        DutyRole.OFFICE,
    )
    assert unfilled.missing == 1
    assert unfilled.reason == (
        "no free attendant for office service in 会议大厦 10:00–10:40: "
        "nobody on the roster is authorised (授权上岗)"
    )


def test_dispatching_rounds_leaves_meetings_alone(book, office, supervisor, building):
    make_staff(is_group_leader=True, home_building=building)
    make_staff(home_building=building)
    meeting = book(start=at(TOMORROW, 14), end=at(TOMORROW, 15), attendees=12)
    office_round = round_on(office, TOMORROW, 10, staff_needed=1)
    result = dispatch_rounds([office_round], by=supervisor, now=NOW, seconds=0)
    assert [d.office_round for d in result.duties] == [office_round]
    assert not meeting.duties.exists()


def test_the_weekly_job_makes_and_fills_the_rounds_once(leader_office, office, supervisor):
    make_plan(leader_office, recurrence=Recurrence.DAILY, start_time=dt.time(10))
    make_plan(office, recurrence=Recurrence.DAILY, start_time=dt.time(10))
    make_staff(authorised=True)
    make_staff()
    first = plan_office_rounds(by=supervisor, now=NOW)
    assert first.created == 14  # two plans, seven days
    # The staff's shifts cover today and the next two days: six rounds can be filled.
    assert first.dispatch.filled == 6
    assert_every_duty_valid()
    again = plan_office_rounds(by=supervisor, now=NOW)
    assert (again.created, again.dispatch.filled) == (0, 0)
    assert Duty.objects.count() == 6


def test_the_beat_runs_the_planner_and_the_escalation_through_thin_tasks(settings, monkeypatch):
    from inspections import office_rounds as escalation
    from inspections import tasks as inspection_tasks
    from staffing import tasks as staffing_tasks

    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["plan-office-rounds"]["task"] == "staffing.tasks.plan_office_rounds"
    assert schedule["escalate-missed-rounds"]["task"] == "inspections.tasks.escalate_missed_rounds"
    monkeypatch.setattr(escalation, "escalate_missed_rounds", lambda: 4)
    assert inspection_tasks.escalate_missed_rounds() == 4
    assert staffing_tasks.plan_office_rounds() == 0  # nothing planned, nothing filled


# --- cancelling -----------------------------------------------------------------------------


def test_cancelling_a_round_releases_its_duties_and_tells_the_people(office, supervisor, make_user):
    user = make_user("cleaner", Role.ATTENDANT)
    person = make_staff(user=user)
    office_round = round_on(office, TOMORROW, 10)
    duty = services.assign_round_duty(office_round, by=supervisor, staff=person, now=NOW)
    office_services.cancel_round(office_round, by=supervisor, reason="领导出差", now=NOW)
    duty.refresh_from_db()
    assert duty.status == DutyStatus.RELEASED and duty.release_reason == "领导出差"
    assert office_round.status == RoundStatus.CANCELLED
    released = Notification.objects.get(kind="duty_released", recipient=user)
    assert released.body == "领导出差"
    entry = AuditEntry.objects.get(action="round_cancelled")
    assert (entry.actor, entry.note, entry.to_state) == (supervisor, "领导出差", "cancelled")
    # The person is free again for another duty at that time.
    assert services.assign_round_duty(
        round_on(office, TOMORROW, 10, 15), by=supervisor, staff=person, now=NOW
    )


def test_a_cancel_without_a_reason_or_a_second_cancel_is_refused(office, supervisor):
    office_round = round_on(office, TOMORROW, 10)
    with pytest.raises(OfficeError):
        office_services.cancel_round(office_round, by=supervisor, reason="  ", now=NOW)
    office_services.cancel_round(office_round, by=supervisor, reason="取消", now=NOW)
    with pytest.raises(RoundConflict):
        office_services.cancel_round(office_round, by=supervisor, reason="再取消", now=NOW)
    assert AuditEntry.objects.filter(action="round_cancelled").count() == 1


# --- ticking off ----------------------------------------------------------------------------


def test_a_round_ticked_off_in_full_is_done_on_time_with_an_audit_row(office, attendant):
    office_round = round_on(office, TODAY, 8, 50)
    done = office_services.complete_round(
        office_round, by=attendant, items=all_items(office_round), now=NOW
    )
    assert (done.status, done.done_at, done.done_by) == (RoundStatus.DONE, NOW, attendant)
    assert all(row["ok"] for row in done.item_results)
    assert [row["item"] for row in done.item_results] == all_items(office_round)
    assert round_state(done, NOW) == "done"
    entry = AuditEntry.objects.get(action="round_done", object_id=str(office_round.pk))
    assert (entry.actor, entry.from_state, entry.to_state, entry.note) == (
        attendant,
        "scheduled",
        "done",
        "",
    )


def test_an_unticked_item_needs_a_note(office, attendant):
    office_round = round_on(office, TODAY, 8, 50)
    some = all_items(office_round)[:-1]
    with pytest.raises(OfficeError) as refused:
        office_services.complete_round(office_round, by=attendant, items=some, note=" ", now=NOW)
    assert "note" in refused.value.fields
    office_round.refresh_from_db()
    assert office_round.status == RoundStatus.SCHEDULED
    done = office_services.complete_round(
        office_round, by=attendant, items=some, note="绿植已枯，报修", now=NOW
    )
    assert [row["ok"] for row in done.item_results] == [True] * len(some) + [False]
    assert done.note == "绿植已枯，报修"


def test_an_unknown_item_is_refused(office, attendant):
    office_round = round_on(office, TODAY, 8, 50)
    with pytest.raises(OfficeError):
        office_services.complete_round(
            office_round, by=attendant, items=[*all_items(office_round), "sing"], now=NOW
        )


def test_ticking_off_twice_is_refused_and_audited_once(office, attendant):
    office_round = round_on(office, TODAY, 8, 50)
    office_services.complete_round(
        office_round, by=attendant, items=all_items(office_round), now=NOW
    )
    with pytest.raises(RoundConflict):
        office_services.complete_round(
            office_round, by=attendant, items=all_items(office_round), now=NOW + MINUTE
        )
    office_round.refresh_from_db()
    assert office_round.done_at == NOW
    assert AuditEntry.objects.filter(action="round_done").count() == 1


def test_a_cancelled_round_cannot_be_ticked_off(office, attendant, supervisor):
    office_round = round_on(office, TODAY, 8, 50)
    office_services.cancel_round(office_round, by=supervisor, reason="取消", now=NOW)
    with pytest.raises(RoundConflict):
        office_services.complete_round(
            office_round, by=attendant, items=all_items(office_round), now=NOW
        )


def test_a_round_done_after_its_window_is_done_late(office, attendant):
    office_round = round_on(office, TODAY, 7, 40)  # 07:40-08:20
    done = office_services.complete_round(
        office_round, by=attendant, items=all_items(office_round), now=NOW
    )
    assert not done.done_on_time and round_state(done, NOW) == "done_late"
    assert AuditEntry.objects.get(action="round_done").note == "late"


def test_a_round_more_than_an_hour_ahead_cannot_be_ticked_off(office, attendant):
    office_round = round_on(office, TODAY, 11)
    with pytest.raises(OfficeError):
        office_services.complete_round(
            office_round, by=attendant, items=all_items(office_round), now=NOW
        )


def test_the_state_in_words_follows_the_clock(office, supervisor):
    office_round = round_on(office, TODAY, 10)
    assert round_state(office_round, NOW) == "upcoming"
    assert round_state(office_round, at(TODAY, 10, 5)) == "due"
    assert round_state(office_round, at(TODAY, 10, 40)) == "missed"
    office_services.cancel_round(office_round, by=supervisor, reason="取消", now=NOW)
    assert round_state(office_round, at(TODAY, 10, 40)) == "cancelled"


# --- the escalation sweeper -----------------------------------------------------------------


@pytest.fixture
def people_to_tell(make_user, building, supervisor):
    """The building's lobby manager, one of another building, and the supervisor."""
    here = make_user("lobby-here", Role.LOBBY_MANAGER)
    there = make_user("lobby-there", Role.LOBBY_MANAGER)
    east = Building.objects.create(code="east-o", name="东楼")
    make_staff(position=Position.LOBBY_MANAGER, home_building=building, user=here)
    make_staff(position=Position.LOBBY_MANAGER, home_building=east, user=there)
    make_staff(position=Position.SUPERVISOR, user=supervisor)
    return here, there


def test_a_missed_round_is_escalated_once_after_the_grace(
    office, settings, supervisor, make_user, people_to_tell
):
    settings.CHECK_ESCALATE_MINUTES = 10
    here, _there = people_to_tell
    cleaner = make_user("cleaner", Role.ATTENDANT)
    person = make_staff(user=cleaner, name="王保洁")
    office_round = round_on(office, TODAY, 7, 40)
    services.assign_round_duty(office_round, by=supervisor, staff=person, now=at(TODAY, 7))
    end = office_round.end

    assert escalate_missed_rounds(now=end + 9 * MINUTE) == 0
    assert escalate_missed_rounds(now=end + 10 * MINUTE) == 1
    assert escalate_missed_rounds(now=end + 11 * MINUTE) == 0
    assert escalate_missed_rounds(now=end + 60 * MINUTE) == 0

    office_round.refresh_from_db()
    assert office_round.escalated_at == end + 10 * MINUTE
    missed = Notification.objects.filter(kind="round_missed")
    assert {n.recipient for n in missed} == {here, supervisor, cleaner}
    assert missed.count() == 3
    assert all("王保洁" in n.body for n in missed)
    assert missed.get(recipient=here).dedupe_key == f"round:{office_round.pk}:missed:{here.pk}"


def test_done_and_cancelled_rounds_are_never_escalated(
    office, attendant, supervisor, people_to_tell
):
    done = round_on(office, TODAY, 7, 40)
    office_services.complete_round(done, by=attendant, items=all_items(done), now=done.end)
    cancelled = round_on(office, TODAY, 7, 30)
    office_services.cancel_round(cancelled, by=supervisor, reason="取消", now=at(TODAY, 7))
    assert escalate_missed_rounds(now=NOW + dt.timedelta(hours=3)) == 0
    assert not Notification.objects.filter(kind="round_missed").exists()


def test_a_missed_round_nobody_was_on_still_reaches_the_managers(office, people_to_tell):
    here, _there = people_to_tell
    office_round = round_on(office, TODAY, 7, 40)
    assert escalate_missed_rounds(now=NOW) == 1
    recipients = set(
        Notification.objects.filter(kind="round_missed").values_list("recipient", flat=True)
    )
    assert here.pk in recipients
    assert OfficeRound.objects.get(pk=office_round.pk).escalated_at == NOW


def test_a_bad_round_is_skipped_and_the_others_are_escalated(office, monkeypatch, people_to_tell):
    from inspections import office_rounds as sweeper

    bad = round_on(office, TODAY, 7, 0)
    good = round_on(office, TODAY, 7, 40)
    real = sweeper.notify

    def notify(recipients, **kwargs):
        if kwargs["dedupe_key"] == sweeper.late_key(bad):
            raise RuntimeError("broken row")
        return real(recipients, **kwargs)

    monkeypatch.setattr(sweeper, "notify", notify)
    assert escalate_missed_rounds(now=NOW) == 1
    bad.refresh_from_db()
    good.refresh_from_db()
    assert bad.escalated_at is None and good.escalated_at == NOW


def test_visitors_at_three_are_served_by_someone_whose_day_shift_ends_at_half_past(
    leader_office, supervisor
):
    """The issue's own example: a request for 15:00 runs 14:45-15:30, inside a 07:00-15:30
    day shift, so a day-shift attendant can be sent (an hour's window would straddle the shift
    change and nobody could be)."""
    person = make_staff(authorised=True, days=[])
    Shift.objects.create(staff=person, kind="day", start=at(TOMORROW, 7), end=at(TOMORROW, 15, 30))
    office_round = office_services.request_round(
        by=supervisor, room=leader_office, what="来访四位，备茶", when=at(TOMORROW, 15), now=NOW
    )
    assert (office_round.start, office_round.end) == (at(TOMORROW, 14, 45), at(TOMORROW, 15, 30))
    result = dispatch_rounds([office_round], by=supervisor, now=NOW, seconds=0)
    assert [duty.staff for duty in result.duties] == [person]
