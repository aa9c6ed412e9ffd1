"""Hand assignments through staffing.services: every hard rule refuses with a reason, and every
state change leaves an audit row and tells the person."""

import datetime as dt

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse
from django.utils import translation

from bookings.models import Building, Confidentiality
from core.models import AuditEntry, Notification
from core.timeutils import at
from staffing import access, services
from staffing.errors import DispatchConflict, DispatchError
from staffing.models import Absence, AbsenceKind, Duty, DutyRole, DutyStatus, Skill
from tests.conftest import NOW
from tests.staffing_factories import make_staff

DAY = dt.date(2026, 11, 28)


def audit_actions(duty: Duty) -> list[str]:
    return list(
        AuditEntry.objects.filter(
            content_type=ContentType.objects.get_for_model(Duty), object_id=str(duty.pk)
        )
        .order_by("pk")
        .values_list("action", flat=True)
    )


@pytest.fixture(autouse=True)
def _english():
    """The refusals are matched in English, whatever the translators later add."""
    with translation.override("en"):
        yield


@pytest.fixture
def meeting(book):
    return book(start=at(DAY, 10), end=at(DAY, 12))


@pytest.fixture
def other_building(db):
    return Building.objects.create(code="annex", name="附楼", name_en="Annex")


def assign(meeting, staff, role=DutyRole.ATTENDANT, *, by=None):
    return services.assign_duty(meeting, by=by, staff=staff, role=role, now=NOW)


# --- assigning --------------------------------------------------------------------------------


def test_an_assignment_covers_arrival_to_teardown_is_audited_and_tells_the_person(
    meeting, make_user, lobby_manager
):
    user = make_user("xiaoli")
    person = make_staff(user=user)

    duty = assign(meeting, person, by=lobby_manager)

    assert duty.status == DutyStatus.ASSIGNED
    assert duty.start == at(DAY, 9, 30)
    assert duty.end == at(DAY, 12, 10)  # the room's 10 minutes of teardown
    assert duty.building_id == meeting.room.building_id
    assert duty.assigned_by == lobby_manager
    assert audit_actions(duty) == ["duty_assigned"]
    note = Notification.objects.get(recipient=user)
    assert note.kind == "duty_assigned"
    assert note.url == reverse("meeting-detail", args=[meeting.pk])


def test_an_overlapping_duty_of_the_same_person_is_refused(book, meeting, create_room):
    person = make_staff()
    assign(meeting, person)
    clash = book(start=at(DAY, 11), end=at(DAY, 13), room=create_room())

    with pytest.raises(DispatchError, match="already has a duty from 09:30 to 12:10") as info:
        assign(clash, person)

    assert "staff" in info.value.fields
    assert Duty.objects.filter(meeting=clash).count() == 0


def test_a_duty_during_an_absence_is_refused(meeting):
    person = make_staff()
    Absence.objects.create(staff=person, kind=AbsenceKind.SICK, start=at(DAY, 8), end=at(DAY, 10))

    with pytest.raises(DispatchError, match="absent"):
        assign(meeting, person)


def test_a_duty_outside_the_persons_shifts_is_refused(meeting):
    person = make_staff(days=[DAY + dt.timedelta(days=5)])

    with pytest.raises(DispatchError, match="not on shift"):
        assign(meeting, person)


def test_a_secret_meeting_is_refused_to_someone_not_authorised(book):
    secret = book(start=at(DAY, 10), end=at(DAY, 12), confidentiality=Confidentiality.SECRET)

    with pytest.raises(DispatchError, match="not authorised"):
        assign(secret, make_staff(authorised=False))
    assert assign(secret, make_staff(authorised=True)).status == DutyStatus.ASSIGNED


def test_an_authorisation_that_ends_before_the_meeting_day_is_refused(book):
    secret = book(start=at(DAY, 10), end=at(DAY, 12), confidentiality=Confidentiality.SECRET)
    expiring = make_staff(authorised=True, authorised_until=DAY - dt.timedelta(days=1))

    with pytest.raises(DispatchError, match="not authorised"):
        assign(secret, expiring)


def test_an_audio_duty_needs_the_audio_skill(meeting):
    with pytest.raises(DispatchError, match="audio-control skill"):
        assign(meeting, make_staff(skills=[Skill.TEA]), DutyRole.AUDIO)
    duty = assign(meeting, make_staff(skills=[Skill.AUDIO]), DutyRole.AUDIO)
    assert duty.role == DutyRole.AUDIO


def test_a_lead_must_be_a_service_group_leader(meeting):
    with pytest.raises(DispatchError, match="not a service group leader"):
        assign(meeting, make_staff(), DutyRole.LEAD)


def test_a_second_lead_on_one_meeting_is_refused(meeting):
    assign(meeting, make_staff(is_group_leader=True), DutyRole.LEAD)

    with pytest.raises(DispatchError, match="already has a lead"):
        assign(meeting, make_staff(is_group_leader=True), DutyRole.LEAD)


def test_one_person_cannot_hold_two_duties_on_one_meeting(meeting):
    person = make_staff(skills=[Skill.AUDIO])
    assign(meeting, person)

    with pytest.raises(DispatchError, match="already has a duty on this meeting"):
        assign(meeting, person, DutyRole.AUDIO)


def test_a_lead_across_buildings_at_the_same_time_is_refused(
    book, meeting, create_room, other_building
):
    leader = make_staff(is_group_leader=True)
    assign(meeting, leader, DutyRole.LEAD)
    elsewhere = book(start=at(DAY, 10), end=at(DAY, 12), room=create_room(building=other_building))

    with pytest.raises(DispatchError, match="another building"):
        assign(elsewhere, leader, DutyRole.LEAD)


def test_a_group_leader_leads_three_concurrent_meetings_in_one_building_but_not_four(
    book, create_room, settings
):
    settings.LEAD_MAX_CONCURRENT = 3
    leader = make_staff(is_group_leader=True)
    meetings = [book(start=at(DAY, 10), end=at(DAY, 12), room=create_room()) for _ in range(4)]

    for m in meetings[:3]:
        assign(m, leader, DutyRole.LEAD)
    with pytest.raises(DispatchError, match="already leads 3 concurrent meetings"):
        assign(meetings[3], leader, DutyRole.LEAD)

    assert Duty.objects.active().filter(staff=leader).count() == 3


def test_a_lead_still_may_not_overlap_the_same_persons_other_duty(book, meeting, create_room):
    leader = make_staff(is_group_leader=True)
    assign(meeting, leader)
    other = book(start=at(DAY, 11), end=at(DAY, 13), room=create_room())

    with pytest.raises(DispatchError, match="already has a duty"):
        assign(other, leader, DutyRole.LEAD)


def test_a_cancelled_or_finished_meeting_takes_no_duties(book, meeting, clerk):
    from bookings.services import cancel_meeting

    cancel_meeting(meeting, by=clerk, reason="改期", now=NOW)
    with pytest.raises(DispatchError, match="cancelled"):
        assign(meeting, make_staff())

    later = book(start=at(DAY, 14), end=at(DAY, 15))
    with pytest.raises(DispatchError, match="over"):
        services.assign_duty(
            later, by=None, staff=make_staff(), role=DutyRole.ATTENDANT, now=at(DAY, 16)
        )


# --- the duty's life --------------------------------------------------------------------------


def test_acknowledging_and_arriving_are_audited_once(meeting, make_user):
    user = make_user("xiaowang")
    duty = assign(meeting, make_staff(user=user))

    services.acknowledge_duty(duty, by=user, now=NOW)
    services.acknowledge_duty(duty, by=user, now=NOW)  # a repeat is a no-op
    services.record_arrival(duty, by=user, now=at(DAY, 9, 25))
    services.record_arrival(duty, by=user, now=at(DAY, 9, 40))

    duty.refresh_from_db()
    assert duty.status == DutyStatus.ACKNOWLEDGED
    assert duty.acknowledged_at == NOW
    assert duty.arrived_at == at(DAY, 9, 25)
    assert audit_actions(duty) == ["duty_assigned", "duty_acknowledged", "duty_arrived"]


def test_releasing_needs_a_reason_is_audited_and_tells_the_person(meeting, make_user, supervisor):
    user = make_user("xiaozhao")
    duty = assign(meeting, make_staff(user=user))

    with pytest.raises(DispatchError, match="reason"):
        services.release_duty(duty, by=supervisor, reason=" ", now=NOW)
    services.release_duty(duty, by=supervisor, reason="临时调岗", now=NOW)

    duty.refresh_from_db()
    assert (duty.status, duty.release_reason, duty.released_at) == (
        DutyStatus.RELEASED,
        "临时调岗",
        NOW,
    )
    assert audit_actions(duty) == ["duty_assigned", "duty_released"]
    assert list(
        Notification.objects.filter(recipient=user).order_by("pk").values_list("kind", flat=True)
    ) == ["duty_assigned", "duty_released"]
    with pytest.raises(DispatchConflict):
        services.acknowledge_duty(duty, by=user, now=NOW)


def test_reassigning_hands_the_duty_over_without_the_acknowledgement(
    meeting, make_user, lobby_manager
):
    old_user, new_user = make_user("old"), make_user("new")
    duty = assign(meeting, make_staff(user=old_user))
    services.acknowledge_duty(duty, by=old_user, now=NOW)
    newcomer = make_staff(user=new_user)

    new = services.reassign_duty(duty, by=lobby_manager, staff=newcomer, now=NOW)

    duty.refresh_from_db()
    assert duty.status == DutyStatus.RELEASED
    assert (new.staff, new.role, new.status) == (newcomer, duty.role, DutyStatus.ASSIGNED)
    assert audit_actions(duty)[-1] == "duty_released"
    assert audit_actions(new) == ["duty_assigned"]
    assert Notification.objects.filter(recipient=old_user, kind="duty_released").exists()
    assert Notification.objects.filter(recipient=new_user, kind="duty_assigned").exists()


def test_a_refused_reassignment_leaves_the_duty_where_it_was(meeting, lobby_manager):
    duty = assign(meeting, make_staff())
    absent = make_staff()
    Absence.objects.create(staff=absent, kind=AbsenceKind.LEAVE, start=at(DAY, 0), end=at(DAY, 23))

    with pytest.raises(DispatchError, match="absent"):
        services.reassign_duty(duty, by=lobby_manager, staff=absent, now=NOW)

    duty.refresh_from_db()
    assert duty.status == DutyStatus.ASSIGNED
    assert Duty.objects.active().filter(meeting=meeting).count() == 1


def test_lobby_managers_assign_and_the_person_acknowledges(
    meeting, make_user, lobby_manager, supervisor, attendant, clerk
):
    duty = assign(meeting, make_staff(user=attendant))

    assert access.can_assign(lobby_manager) and access.can_assign(supervisor)
    assert not access.can_assign(attendant) and not access.can_assign(clerk)
    assert access.can_acknowledge(attendant, duty)
    assert access.can_acknowledge(lobby_manager, duty)
    assert not access.can_acknowledge(clerk, duty)


def test_the_duty_invariants_hold_after_the_services(meeting, book, create_room):
    from core.invariants import run_all

    assign(meeting, make_staff(is_group_leader=True), DutyRole.LEAD)
    released = assign(meeting, make_staff())
    services.release_duty(released, by=None, reason="不需要", now=NOW)

    breaches = {name: found for name, found in run_all().items() if name.startswith("staffing")}
    assert breaches and all(found == [] for found in breaches.values())


def test_the_meeting_page_shows_needed_against_filled_with_who_holds_each_duty(
    client, meeting, supervisor, rf
):
    from staffing.panels import staffing_panel

    leader = make_staff(is_group_leader=True, name="组长甲")
    services.assign_duty(meeting, by=supervisor, staff=leader, role=DutyRole.LEAD, now=NOW)
    request = rf.get("/")
    request.user = supervisor
    _template, context = staffing_panel(request, meeting)
    # 12 attendees: one lead (filled) and one attendant (one per 20 attendees, still open).
    table = {row["role"]: (row["needed"], row["filled"], row["short"]) for row in context["rows"]}
    assert table == {DutyRole.LEAD.label: (1, 1, 0), DutyRole.ATTENDANT.label: (1, 0, 1)}
    client.force_login(supervisor)
    page = client.get(reverse("meeting-detail", args=[meeting.pk])).content.decode()
    assert "组长甲" in page[page.index('id="staffing"') :]
