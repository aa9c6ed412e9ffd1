"""Service orders: proposed from the level's package, routed to the department that fulfils them,
due by their lead time, edited by the clerk and moved requested -> acknowledged -> prepared ->
delivered by the department; they follow the meeting when it moves or is cancelled. Also the
invariants `check_invariants` keeps over orders and series.
"""

import datetime as dt
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from bookings import orders, services
from bookings.errors import BookingConflict, BookingError
from bookings.invariants import (
    no_open_orders_of_cancelled_meetings,
    orders_due_before_start,
    orders_routed_to_their_department,
    series_have_occurrences,
)
from bookings.models import (
    KIND_DEPARTMENT,
    KIND_LEAD_MINUTES,
    Department,
    Frequency,
    LeaderRank,
    Meeting,
    MeetingSeries,
    MeetingStatus,
    OrderKind,
    OrderStatus,
    PackageItem,
    ServiceOrder,
)
from core.models import AuditEntry
from tests.conftest import NOW


@pytest.fixture
def hall(create_room):
    return create_room(number="多功能厅", capacity=200)


@pytest.fixture
def major(book, hall, leader):
    """A level-A meeting (district leader) tomorrow at 10:00, with the whole package."""
    return book(room=hall, leader=leader, attendees=40, start=NOW + dt.timedelta(days=1, hours=1))


def order_of(meeting: Meeting, kind: str) -> ServiceOrder:
    return meeting.orders.get(kind=kind)


def audit_actions(obj) -> list[str]:
    return list(AuditEntry.objects.for_object(obj).order_by("id").values_list("action", flat=True))


# --- the proposed package --------------------------------------------------------------------


def test_each_proposed_order_goes_to_its_department_due_by_its_lead_time(major):
    proposed = list(major.orders.all())
    assert {o.kind for o in proposed} == set(
        PackageItem.objects.filter(level="A").values_list("kind", flat=True)
    )
    for order in proposed:
        assert order.department == KIND_DEPARTMENT[order.kind]
        lead = dt.timedelta(minutes=KIND_LEAD_MINUTES[order.kind])
        assert order.due_at == major.start - lead
        assert order.status == OrderStatus.REQUESTED
        assert audit_actions(order) == ["order_requested"]


def test_the_package_fills_the_banner_from_the_title(major):
    assert order_of(major, OrderKind.BANNER).details["text"] == major.title


def test_a_small_meeting_gets_the_small_package(book):
    meeting = book(attendees=8)
    assert meeting.level == "C"
    assert set(meeting.orders.values_list("kind", flat=True)) == {"layout", "tea"}


def test_the_banner_is_due_the_day_before_and_tea_half_an_hour_before(major):
    assert order_of(major, OrderKind.BANNER).due_at == major.start - dt.timedelta(days=1)
    assert order_of(major, OrderKind.TEA).due_at == major.start - dt.timedelta(minutes=30)


# --- the clerk's edits -----------------------------------------------------------------------


def test_a_clerk_adds_a_service_the_package_lacks(book, clerk):
    meeting = book(attendees=8)
    order = orders.add_order(
        meeting, by=clerk, kind=OrderKind.FLOWERS, quantity=3, note="绿植为主", now=NOW
    )
    assert order.department == Department.ENVIRONMENT
    assert order.quantity == 3
    assert order.due_at == meeting.start - dt.timedelta(hours=2)
    assert audit_actions(order) == ["order_requested"]


def test_a_second_order_of_the_same_kind_is_refused(book, clerk):
    meeting = book(attendees=8)
    with pytest.raises(BookingError) as refused:
        orders.add_order(meeting, by=clerk, kind=OrderKind.TEA, now=NOW)
    assert refused.value.code == "duplicate"
    assert meeting.orders.filter(kind=OrderKind.TEA).count() == 1


@pytest.mark.parametrize(("kind", "quantity"), [("coffee", 1), (OrderKind.FLOWERS, -1)])
def test_an_unknown_service_or_a_negative_quantity_is_refused_and_nothing_saved(
    book, clerk, kind, quantity
):
    meeting = book(attendees=8)
    count = ServiceOrder.objects.count()
    with pytest.raises(BookingError):
        orders.add_order(meeting, by=clerk, kind=kind, quantity=quantity, now=NOW)
    assert ServiceOrder.objects.count() == count


def test_a_cancelled_meeting_takes_no_new_orders(book, clerk):
    meeting = book(attendees=8)
    services.cancel_meeting(meeting, by=clerk, reason="取消", now=NOW)
    with pytest.raises(BookingError) as refused:
        orders.add_order(meeting, by=clerk, kind=OrderKind.FLOWERS, now=NOW)
    assert refused.value.code == "invalid_state"


def test_ordering_a_cancelled_service_again_reopens_the_same_order_with_its_history(book, clerk):
    meeting = book(attendees=8)
    tea = order_of(meeting, OrderKind.TEA)
    orders.cancel_order(tea, by=clerk, now=NOW)
    again = orders.add_order(meeting, by=clerk, kind=OrderKind.TEA, quantity=1, now=NOW)
    assert again.pk == tea.pk
    assert again.status == OrderStatus.REQUESTED
    assert audit_actions(again) == ["order_requested", "order_cancelled", "order_requested"]
    last = AuditEntry.objects.for_object(again).order_by("id").last()
    assert (last.from_state, last.to_state) == ("cancelled", "requested")


def test_editing_an_order_changes_only_what_was_sent_and_audits_it_readably(major, clerk):
    tea = order_of(major, OrderKind.TEA)
    orders.update_order(
        tea,
        by=clerk,
        details={**tea.details, "fruit": False},
        note="  领导喝绿茶  ",
        now=NOW,
    )
    tea.refresh_from_db()
    assert tea.details["fruit"] is False
    assert tea.details["tea"] is True
    assert tea.note == "领导喝绿茶"
    entry = AuditEntry.objects.for_object(tea).filter(action="order_edited").get()
    assert entry.changes == {"details.fruit": [True, False], "note": ["", "领导喝绿茶"]}
    assert entry.actor == clerk


def test_saving_an_unchanged_order_writes_nothing(major, clerk):
    tea = order_of(major, OrderKind.TEA)
    orders.update_order(tea, by=clerk, details=dict(tea.details), note=tea.note, now=NOW)
    assert audit_actions(tea) == ["order_requested"]


def test_name_plates_are_seated_by_rank_and_counted(major, clerk):
    plates = order_of(major, OrderKind.NAME_PLATES)
    orders.update_order(
        plates,
        by=clerk,
        details={
            "plates": [
                {"name": "刘科长", "title": "科长", "rank": LeaderRank.SECTION},
                {"name": "张建国", "title": "副区长", "rank": LeaderRank.DISTRICT},
                {"name": "", "title": "空行"},
                {"name": "王局长", "title": "局长", "rank": LeaderRank.BUREAU},
            ]
        },
        now=NOW,
    )
    plates.refresh_from_db()
    seated = plates.details["plates"]
    assert [(p["name"], p["precedence"], p["seat"]) for p in seated] == [
        ("张建国", 1, 2),
        ("王局长", 2, 3),
        ("刘科长", 3, 1),
    ]
    assert plates.quantity == 3
    entry = AuditEntry.objects.for_object(plates).filter(action="order_edited").get()
    assert set(entry.changes) == {"quantity", "details.plates"}


def test_a_plate_with_an_unknown_rank_is_refused_and_nothing_saved(major, clerk):
    plates = order_of(major, OrderKind.NAME_PLATES)
    before = dict(plates.details)
    with pytest.raises(BookingError):
        orders.update_order(
            plates, by=clerk, details={"plates": [{"name": "甲", "rank": "emperor"}]}, now=NOW
        )
    plates.refresh_from_db()
    assert plates.details == before


def test_a_negative_number_of_vehicles_is_refused(major, clerk):
    parking = order_of(major, OrderKind.PARKING_ACCESS)
    with pytest.raises(BookingError) as refused:
        orders.update_order(parking, by=clerk, details={"vehicles": -2, "guests": ""}, now=NOW)
    assert "vehicles" in refused.value.fields


def test_a_negative_quantity_is_refused_and_nothing_is_half_saved(major, clerk):
    flowers = order_of(major, OrderKind.FLOWERS)
    with pytest.raises(BookingError):
        orders.update_order(flowers, by=clerk, quantity=-1, note="changed", now=NOW)
    flowers.refresh_from_db()
    assert flowers.note == ""
    assert audit_actions(flowers) == ["order_requested"]


def test_a_due_time_after_the_start_is_refused(major, clerk):
    banner = order_of(major, OrderKind.BANNER)
    with pytest.raises(BookingError):
        orders.update_order(banner, by=clerk, due_at=major.start + dt.timedelta(minutes=1), now=NOW)


def test_an_order_changed_meanwhile_is_not_overwritten(major, clerk, make_user):
    other = make_user("clerk-b", first_name="丽", last_name="赵")
    banner = order_of(major, OrderKind.BANNER)
    read = orders.state_token(banner)
    orders.update_order(banner, by=other, details={"text": "第一稿"}, now=NOW)
    with pytest.raises(BookingConflict) as refused:
        orders.update_order(
            banner, by=clerk, details={"text": "第二稿"}, expected_token=read, now=NOW
        )
    assert "赵丽" in refused.value.message
    banner.refresh_from_db()
    assert banner.details["text"] == "第一稿"
    # Read afresh, the same save goes through.
    orders.update_order(
        banner,
        by=clerk,
        details={"text": "第二稿"},
        expected_token=orders.state_token(banner),
        now=NOW,
    )
    banner.refresh_from_db()
    assert banner.details["text"] == "第二稿"


def test_a_step_taken_by_the_department_also_makes_an_open_form_stale(major, clerk, attendant):
    tea = order_of(major, OrderKind.TEA)
    read = orders.state_token(tea)
    orders.advance_order(tea, by=attendant, to_status="acknowledged", now=NOW)
    with pytest.raises(BookingConflict):
        orders.update_order(tea, by=clerk, note="加柠檬", expected_token=read, now=NOW)


def test_a_cancelled_or_delivered_order_can_no_longer_be_changed(major, clerk):
    tea = order_of(major, OrderKind.TEA)
    orders.cancel_order(tea, by=clerk, now=NOW)
    with pytest.raises(BookingError):
        orders.update_order(tea, by=clerk, note="太晚了", now=NOW)
    with pytest.raises(BookingError):
        orders.cancel_order(tea, by=clerk, now=NOW)
    banner = order_of(major, OrderKind.BANNER)
    for step in ("acknowledged", "prepared", "delivered"):
        orders.advance_order(banner, by=clerk, to_status=step, now=NOW)
    with pytest.raises(BookingError):
        orders.update_order(banner, by=clerk, details={"text": "改"}, now=NOW)


# --- the departments -------------------------------------------------------------------------


def test_an_order_moves_one_step_at_a_time_and_each_step_is_audited(major, attendant):
    banner = order_of(major, OrderKind.BANNER)
    for step in ("acknowledged", "prepared", "delivered"):
        banner = orders.advance_order(banner, by=attendant, to_status=step, now=NOW)
        assert banner.status == step
        assert banner.updated_by == attendant
    assert audit_actions(banner) == [
        "order_requested",
        "order_acknowledged",
        "order_prepared",
        "order_delivered",
    ]


@pytest.mark.parametrize("target", ["prepared", "delivered", "requested", "cancelled", "done"])
def test_a_skip_or_a_step_back_is_refused(major, attendant, target):
    banner = order_of(major, OrderKind.BANNER)
    with pytest.raises(BookingError) as refused:
        orders.advance_order(banner, by=attendant, to_status=target, now=NOW)
    assert refused.value.code == "invalid_state"
    banner.refresh_from_db()
    assert banner.status == OrderStatus.REQUESTED


def test_a_step_someone_else_already_took_is_refused(major, attendant, lobby_manager):
    banner = order_of(major, OrderKind.BANNER)
    stale = ServiceOrder.objects.get(pk=banner.pk)
    orders.advance_order(banner, by=lobby_manager, to_status="acknowledged", now=NOW)
    with pytest.raises(BookingError):
        orders.advance_order(stale, by=attendant, to_status="acknowledged", now=NOW)
    assert audit_actions(banner).count("order_acknowledged") == 1


def test_a_department_queue_lists_open_orders_of_active_meetings_soonest_first(
    book, clerk, hall, leader
):
    later = book(room=hall, leader=leader, start=NOW + dt.timedelta(days=2))
    sooner = book(room=hall, leader=leader, start=NOW + dt.timedelta(days=1))
    gone = book(room=hall, leader=leader, start=NOW + dt.timedelta(days=3))
    services.cancel_meeting(gone, by=clerk, reason="取消", now=NOW)
    delivered = order_of(sooner, OrderKind.FLOWERS)
    for step in ("acknowledged", "prepared", "delivered"):
        orders.advance_order(delivered, by=clerk, to_status=step, now=NOW)

    queue = list(orders.open_orders_of(Department.MEETING_SERVICE))
    assert {o.meeting_id for o in queue} == {later.pk, sooner.pk}
    assert [o.due_at for o in queue] == sorted(o.due_at for o in queue)
    assert all(o.department == Department.MEETING_SERVICE for o in queue)
    environment = list(orders.open_orders_of(Department.ENVIRONMENT))
    assert [o.meeting_id for o in environment] == [later.pk]


# --- following the meeting -------------------------------------------------------------------


def test_rescheduling_moves_open_orders_and_leaves_delivered_ones(major, clerk):
    banner = order_of(major, OrderKind.BANNER)
    for step in ("acknowledged", "prepared", "delivered"):
        orders.advance_order(banner, by=clerk, to_status=step, now=NOW)
    delivered_due = banner.due_at
    new_start = major.start + dt.timedelta(days=1)
    services.reschedule_meeting(
        major, by=clerk, start=new_start, end=new_start + dt.timedelta(hours=2), now=NOW
    )
    tea = order_of(major, OrderKind.TEA)
    assert tea.due_at == new_start - dt.timedelta(minutes=30)
    assert "order_moved" in audit_actions(tea)
    banner.refresh_from_db()
    assert banner.due_at == delivered_due


def test_cancelling_the_meeting_cancels_its_open_orders_and_keeps_delivered_ones(major, clerk):
    banner = order_of(major, OrderKind.BANNER)
    for step in ("acknowledged", "prepared", "delivered"):
        orders.advance_order(banner, by=clerk, to_status=step, now=NOW)
    services.cancel_meeting(major, by=clerk, reason="领导出差", now=NOW)
    statuses = dict(major.orders.values_list("kind", "status"))
    assert statuses.pop(OrderKind.BANNER) == OrderStatus.DELIVERED
    assert set(statuses.values()) == {OrderStatus.CANCELLED}


def test_a_failed_booking_leaves_no_orders(book, room):
    book(start=NOW + dt.timedelta(days=1))
    count = ServiceOrder.objects.count()
    with pytest.raises(BookingError):
        book(attendees=room.capacity + 1, start=NOW + dt.timedelta(days=4))
    assert ServiceOrder.objects.count() == count


# --- check_invariants over orders and series -------------------------------------------------


def run_check_invariants() -> tuple[bool, str]:
    out = StringIO()
    try:
        call_command("check_invariants", stdout=out)
    except CommandError:
        return False, out.getvalue()
    return True, out.getvalue()


def test_orders_booked_through_the_services_break_no_invariant(major, book, clerk):
    services.cancel_meeting(book(start=NOW + dt.timedelta(days=3)), by=clerk, reason="x", now=NOW)
    series = MeetingSeries.objects.create(
        title="周例会", frequency=Frequency.WEEKLY, first_date=NOW.date(), created_at=NOW
    )
    Meeting.objects.filter(pk=major.pk).update(series=series)
    assert list(orders_due_before_start()) == []
    assert list(no_open_orders_of_cancelled_meetings()) == []
    assert list(orders_routed_to_their_department()) == []
    assert list(series_have_occurrences()) == []
    ok, _out = run_check_invariants()
    assert ok, _out


def test_an_open_order_due_after_its_meeting_starts_is_a_breach(major):
    tea = order_of(major, OrderKind.TEA)
    ServiceOrder.objects.filter(pk=tea.pk).update(due_at=major.start + dt.timedelta(minutes=5))
    [breach] = orders_due_before_start()
    assert f"order {tea.pk}" in breach
    ok, out = run_check_invariants()
    assert not ok
    assert f"order {tea.pk}" in out


def test_a_delivered_order_due_late_is_history_not_a_breach(major, clerk):
    tea = order_of(major, OrderKind.TEA)
    ServiceOrder.objects.filter(pk=tea.pk).update(
        due_at=major.start + dt.timedelta(minutes=5), status=OrderStatus.DELIVERED
    )
    assert list(orders_due_before_start()) == []


def test_an_open_order_of_a_cancelled_meeting_is_a_breach(major):
    Meeting.objects.filter(pk=major.pk).update(status=MeetingStatus.CANCELLED)
    breaches = list(no_open_orders_of_cancelled_meetings())
    assert len(breaches) == major.orders.count()
    assert all(f"meeting {major.pk}" in breach for breach in breaches)
    assert not run_check_invariants()[0]


def test_an_order_routed_to_the_wrong_department_is_a_breach(major):
    tea = order_of(major, OrderKind.TEA)
    ServiceOrder.objects.filter(pk=tea.pk).update(department=Department.SECURITY)
    [breach] = orders_routed_to_their_department()
    assert f"order {tea.pk}" in breach
    assert Department.MEETING_SERVICE in breach
    assert not run_check_invariants()[0]


def test_a_series_without_any_occurrence_is_a_breach(db):
    series = MeetingSeries.objects.create(
        title="空的系列", frequency=Frequency.DAILY, first_date=NOW.date(), created_at=NOW
    )
    assert list(series_have_occurrences()) == [f"series {series.pk} has no occurrence"]
    ok, out = run_check_invariants()
    assert not ok
    assert f"series {series.pk}" in out
