"""Booking series: the repeat rule, the plan with its conflicts, booking all or only the free
dates, and changing or cancelling one occurrence or this and all later ones.

Every refusal is shown to save nothing: meetings, series and audit rows stay as they were.
"""

import datetime as dt
from contextlib import contextmanager
from zoneinfo import ZoneInfo

import chinese_calendar
import pytest

from bookings import series as series_services
from bookings import services
from bookings.errors import BookingConflict, BookingError
from bookings.models import Frequency, Meeting, MeetingSeries, MeetingStatus
from bookings.series import MAX_OCCURRENCES, SeriesConflict, plan_series
from core.models import AuditEntry, CalendarDay
from core.timeutils import at, format_date
from core.workdays import seed_calendar_year
from tests.conftest import NOW

D = dt.date
T = dt.time
SHANGHAI = ZoneInfo("Asia/Shanghai")
# Before the National Day holiday of 2026, for the series that run through it.
SEPTEMBER = dt.datetime(2026, 9, 1, 9, 0, tzinfo=SHANGHAI)


def counts() -> tuple[int, int, int]:
    return Meeting.objects.count(), MeetingSeries.objects.count(), AuditEntry.objects.count()


@contextmanager
def nothing_saved():
    before = counts()
    yield
    assert counts() == before


def dates(plan) -> list[dt.date]:
    return [occurrence.date for occurrence in plan]


@pytest.fixture
def calendar_2026(db):
    return seed_calendar_year(2026)


@pytest.fixture
def plan(room):
    """Plan a series in the fixture room, 14:00-16:00, as of NOW unless told otherwise."""

    def make(**rule):
        args = {
            "room": room,
            "start_time": T(14),
            "end_time": T(16),
            "frequency": Frequency.WEEKLY,
            "now": NOW,
            **rule,
        }
        return plan_series(**args)

    return make


@pytest.fixture
def book_series(clerk, room, hosting_unit):
    def make(**params):
        args = {
            "by": clerk,
            "room": room,
            "title": "周例会",
            "hosting_unit": hosting_unit,
            "attendees": 12,
            "start_time": T(14),
            "end_time": T(16),
            "frequency": Frequency.WEEKLY,
            "now": NOW,
            **params,
        }
        return series_services.book_series(**args)

    return make


# --- the rule -------------------------------------------------------------------------------


def test_a_weekly_series_repeats_on_the_chosen_weekdays_until_the_end_date(plan):
    result = plan(first_date=D(2026, 11, 30), weekdays=[4, 2], until=D(2026, 12, 17))

    assert dates(result) == [
        D(2026, 12, 1),
        D(2026, 12, 3),
        D(2026, 12, 8),
        D(2026, 12, 10),
        D(2026, 12, 15),
        D(2026, 12, 17),
    ]
    first = result[0]
    assert (first.start, first.end) == (at(D(2026, 12, 1), 14), at(D(2026, 12, 1), 16))
    # The room's setup (15) and teardown (10) minutes make its occupied window.
    assert first.occupied_from == at(D(2026, 12, 1), 13, 45)
    assert first.occupied_until == at(D(2026, 12, 1), 16, 10)
    assert all(occurrence.is_free for occurrence in result)


def test_a_weekly_series_without_chosen_weekdays_repeats_on_the_first_dates_weekday(plan):
    result = plan(first_date=D(2026, 12, 2), count=3)

    assert dates(result) == [D(2026, 12, 2), D(2026, 12, 9), D(2026, 12, 16)]


def test_every_other_week_skips_the_weeks_between(plan):
    result = plan(first_date=D(2026, 12, 2), weekdays=[1, 3], interval=2, count=4)

    # The Monday of the first week is before the first date, so it is not an occurrence.
    assert dates(result) == [D(2026, 12, 2), D(2026, 12, 14), D(2026, 12, 16), D(2026, 12, 28)]


def test_a_series_for_n_occurrences_has_exactly_n_dates(plan):
    result = plan(frequency=Frequency.DAILY, first_date=D(2026, 12, 3), count=5)

    # Every day, weekend included, when working days only is not asked for.
    assert dates(result) == [D(2026, 12, day) for day in (3, 4, 5, 6, 7)]


def test_a_monthly_series_skips_the_months_without_that_day(plan):
    result = plan(frequency=Frequency.MONTHLY, first_date=D(2026, 12, 31), count=4)

    assert dates(result) == [D(2026, 12, 31), D(2027, 1, 31), D(2027, 3, 31), D(2027, 5, 31)]


def test_a_monthly_series_until_a_date_keeps_the_day_of_the_month(plan):
    result = plan(frequency=Frequency.MONTHLY, first_date=D(2026, 12, 15), until=D(2027, 3, 14))

    assert dates(result) == [D(2026, 12, 15), D(2027, 1, 15), D(2027, 2, 15)]


def test_the_holiday_calendar_of_2026_is_what_the_working_day_tests_assume():
    # National Day 1-7 October; Saturday 10 October is worked in exchange (调休).
    assert not any(chinese_calendar.is_workday(D(2026, 10, day)) for day in range(1, 8))
    assert D(2026, 10, 10).isoweekday() == 6
    assert chinese_calendar.is_workday(D(2026, 10, 10))
    assert not chinese_calendar.is_workday(D(2026, 10, 11))


def test_working_days_only_skips_the_national_day_holiday_and_keeps_the_adjusted_saturday(
    plan, calendar_2026
):
    result = plan(
        frequency=Frequency.DAILY,
        first_date=D(2026, 9, 28),
        until=D(2026, 10, 13),
        working_days_only=True,
        now=SEPTEMBER,
    )

    assert dates(result) == [
        D(2026, 9, 28),
        D(2026, 9, 29),
        D(2026, 9, 30),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),  # the adjusted working Saturday
        D(2026, 10, 12),
        D(2026, 10, 13),
    ]


def test_days_skipped_as_holidays_do_not_count_towards_the_number_of_occurrences(
    plan, calendar_2026
):
    result = plan(
        frequency=Frequency.DAILY,
        first_date=D(2026, 9, 30),
        count=4,
        working_days_only=True,
        now=SEPTEMBER,
    )

    assert dates(result) == [D(2026, 9, 30), D(2026, 10, 8), D(2026, 10, 9), D(2026, 10, 10)]


def test_a_weekly_series_that_hits_a_holiday_skips_it_only_when_working_days_only(
    plan, calendar_2026
):
    rule = {"first_date": D(2026, 9, 17), "weekdays": [4], "count": 4, "now": SEPTEMBER}

    assert dates(plan(**rule)) == [D(2026, 9, 17), D(2026, 9, 24), D(2026, 10, 1), D(2026, 10, 8)]
    assert dates(plan(**rule, working_days_only=True)) == [
        D(2026, 9, 17),
        D(2026, 9, 24),
        D(2026, 10, 8),
        D(2026, 10, 15),
    ]


def test_a_holiday_entered_by_hand_is_skipped_too(plan):
    CalendarDay.objects.create(
        date=D(2026, 12, 9), kind=CalendarDay.Kind.HOLIDAY, name="停电检修", source="manual"
    )

    result = plan(first_date=D(2026, 12, 2), count=3, working_days_only=True)

    assert dates(result) == [D(2026, 12, 2), D(2026, 12, 16), D(2026, 12, 23)]


@pytest.mark.parametrize(
    "ends", [{}, {"until": D(2026, 12, 31), "count": 3}], ids=["neither", "both"]
)
def test_a_series_needs_either_an_end_date_or_a_number_of_occurrences(plan, ends):
    with pytest.raises(BookingError) as refused:
        plan(first_date=D(2026, 12, 2), **ends)

    assert set(refused.value.fields) == {"until", "count"}


def test_a_series_longer_than_the_cap_is_refused_with_a_clear_error(plan):
    with pytest.raises(BookingError) as refused:
        plan(frequency=Frequency.DAILY, first_date=D(2026, 12, 1), until=D(2027, 12, 31))

    assert set(refused.value.fields) == {"until"}
    assert str(MAX_OCCURRENCES) in refused.value.message


def test_more_occurrences_than_the_cap_are_refused(plan):
    with pytest.raises(BookingError) as refused:
        plan(first_date=D(2026, 12, 1), count=MAX_OCCURRENCES + 1)

    assert set(refused.value.fields) == {"count"}


def test_an_end_date_before_the_first_date_is_refused(plan):
    with pytest.raises(BookingError) as refused:
        plan(first_date=D(2026, 12, 10), until=D(2026, 12, 1))

    assert set(refused.value.fields) == {"until"}


def test_times_ending_before_they_start_are_refused(plan):
    with pytest.raises(BookingError) as refused:
        plan(first_date=D(2026, 12, 1), count=2, start_time=T(16), end_time=T(14))

    assert set(refused.value.fields) == {"end_time"}


def test_a_first_occurrence_in_the_past_is_refused(plan):
    # NOW is 09:00 on 27 November: 08:00 that day has passed.
    with pytest.raises(BookingError) as refused:
        plan(first_date=NOW.date(), count=2, start_time=T(8), end_time=T(8, 30))

    assert set(refused.value.fields) == {"first_date"}


def test_a_rule_that_gives_no_date_is_refused(plan):
    # Sundays only, on working days only: an ordinary December has none.
    with pytest.raises(BookingError):
        plan(first_date=D(2026, 12, 1), weekdays=[7], until=D(2026, 12, 31), working_days_only=True)


# --- the plan's conflicts --------------------------------------------------------------------


def test_the_plan_names_the_meeting_in_the_way_counting_setup_and_teardown(plan, book, create_room):
    # Ends 13:40 + 10 minutes' teardown = 13:50, after the series' setup starts (13:45).
    in_the_way = book(start=at(D(2026, 12, 8), 12), end=at(D(2026, 12, 8), 13, 40))
    # Ends 13:30 + 10 = 13:40: clear of it.
    book(start=at(D(2026, 12, 15), 12), end=at(D(2026, 12, 15), 13, 30))
    # Another room, and a cancelled meeting, are never in the way.
    book(room=create_room(), start=at(D(2026, 12, 1), 14), end=at(D(2026, 12, 1), 16))
    cancelled = book(start=at(D(2026, 12, 22), 14), end=at(D(2026, 12, 22), 16))
    services.cancel_meeting(cancelled, by=None, reason="改期", now=NOW)

    result = plan(first_date=D(2026, 12, 1), count=4)

    assert [occurrence.conflict for occurrence in result] == [None, in_the_way, None, None]


def test_the_plan_reads_the_calendar_and_the_meetings_in_one_query_each(
    plan, book, django_assert_num_queries
):
    book(start=at(D(2026, 12, 8), 14), end=at(D(2026, 12, 8), 15))

    with django_assert_num_queries(2):
        result = plan(
            frequency=Frequency.DAILY, first_date=D(2026, 12, 1), count=60, working_days_only=True
        )
    with django_assert_num_queries(1):
        plan(frequency=Frequency.DAILY, first_date=D(2026, 12, 1), count=60)

    assert len(result) == 60
    assert [o.date for o in result if not o.is_free] == [D(2026, 12, 8)]


# --- booking ---------------------------------------------------------------------------------


def test_a_clash_is_reported_by_date_and_nothing_is_booked_when_not_skipping(book, book_series):
    first = book(title="已有的会一", start=at(D(2026, 12, 8), 15), end=at(D(2026, 12, 8), 17))
    second = book(title="已有的会二", start=at(D(2026, 12, 22), 9), end=at(D(2026, 12, 22), 14))

    with nothing_saved(), pytest.raises(SeriesConflict) as refused:
        book_series(first_date=D(2026, 12, 1), weekdays=[2], count=4)

    error = refused.value
    assert isinstance(error, BookingConflict)
    assert error.dates == [D(2026, 12, 8), D(2026, 12, 22)]
    assert [o.conflict for o in error.occurrences] == [first, second]
    assert error.fields["dates"] == ["2026-12-08", "2026-12-22"]
    assert format_date(D(2026, 12, 8)) in error.message
    assert format_date(D(2026, 12, 22)) in error.message
    assert format_date(D(2026, 12, 1)) not in error.message


def test_with_skip_only_the_free_dates_are_booked_each_linked_to_the_series(
    book, book_series, clerk
):
    in_the_way = book(start=at(D(2026, 12, 8), 15), end=at(D(2026, 12, 8), 17))

    series, booked, skipped = book_series(
        first_date=D(2026, 12, 1), weekdays=[2], count=4, skip_conflicts=True
    )

    assert [m.start for m in booked] == [at(D(2026, 12, d), 14) for d in (1, 15, 22)]
    assert [(o.date, o.conflict) for o in skipped] == [(D(2026, 12, 8), in_the_way)]
    assert list(series.occurrences.order_by("start")) == booked
    for meeting in booked:
        meeting.refresh_from_db()
        assert meeting.series == series
        assert meeting.status == MeetingStatus.REQUESTED
        assert meeting.booked_by == clerk
        entry = AuditEntry.objects.for_object(meeting).get()
        assert (entry.action, entry.actor) == ("booked", clerk)
    series_entry = AuditEntry.objects.for_object(series).get()
    assert (series_entry.action, series_entry.actor) == ("series_booked", clerk)
    assert series_entry.changes == {"occurrences": [None, 3], "skipped": [None, 1]}
    assert "2026-12-08" in series_entry.note


def test_a_booked_series_stores_its_rule(book_series, clerk):
    series, booked, _skipped = book_series(
        first_date=D(2026, 11, 30), weekdays=[4, 2, 2], until=D(2026, 12, 10)
    )

    series.refresh_from_db()
    assert series.title == "周例会"
    assert series.frequency == Frequency.WEEKLY
    assert series.weekdays == [2, 4]
    assert (series.first_date, series.until, series.count) == (
        D(2026, 11, 30),
        D(2026, 12, 10),
        None,
    )
    assert series.created_by == clerk
    assert series.created_at == NOW
    assert len(booked) == 4


def test_each_occurrence_is_sized_and_gets_the_service_package_of_a_single_booking(
    book, book_series
):
    single = book(title="周例会", start=at(D(2026, 12, 31), 14), end=at(D(2026, 12, 31), 16))

    _series, booked, _skipped = book_series(first_date=D(2026, 12, 1), weekdays=[2], count=2)

    single_orders = sorted(single.orders.values_list("kind", flat=True))
    for meeting in booked:
        meeting.refresh_from_db()
        assert (meeting.level, meeting.level_reason) == (single.level, single.level_reason)
        assert sorted(meeting.orders.values_list("kind", flat=True)) == single_orders


def test_a_working_day_series_through_national_day_books_the_adjusted_saturday(
    book_series, calendar_2026
):
    _series, booked, skipped = book_series(
        frequency=Frequency.DAILY,
        first_date=D(2026, 9, 28),
        until=D(2026, 10, 12),
        working_days_only=True,
        now=SEPTEMBER,
    )

    days = [m.start.astimezone(SHANGHAI).date() for m in booked]
    assert skipped == []
    assert D(2026, 10, 10) in days
    assert not any(D(2026, 10, 1) <= day <= D(2026, 10, 7) for day in days)
    assert len(days) == 7


def test_bad_meeting_input_refuses_the_whole_series_even_when_skipping(book_series, room):
    with nothing_saved(), pytest.raises(BookingError) as refused:
        book_series(
            first_date=D(2026, 12, 1), count=3, attendees=room.capacity + 1, skip_conflicts=True
        )

    assert "attendees" in refused.value.fields


def test_when_every_date_is_taken_nothing_is_booked_even_when_skipping(book, book_series):
    for day in (1, 8):
        book(start=at(D(2026, 12, day), 14), end=at(D(2026, 12, day), 16))

    with nothing_saved(), pytest.raises(SeriesConflict) as refused:
        book_series(first_date=D(2026, 12, 1), weekdays=[2], count=2, skip_conflicts=True)

    assert refused.value.dates == [D(2026, 12, 1), D(2026, 12, 8)]


@pytest.fixture
def stale_plan(monkeypatch, room, book):
    """A plan made before another clerk took 8 December: booking finds the date taken."""
    fresh = plan_series(
        room=room,
        start_time=T(14),
        end_time=T(16),
        frequency=Frequency.WEEKLY,
        first_date=D(2026, 12, 1),
        count=3,
        now=NOW,
    )
    assert all(occurrence.is_free for occurrence in fresh)
    taken = book(title="抢先的会", start=at(D(2026, 12, 8), 14), end=at(D(2026, 12, 8), 15))
    monkeypatch.setattr(series_services, "plan_series", lambda **rule: fresh)
    return taken


def test_a_date_taken_between_plan_and_booking_rolls_the_whole_series_back(stale_plan, book_series):
    with nothing_saved(), pytest.raises(SeriesConflict) as refused:
        book_series(first_date=D(2026, 12, 1), count=3)

    assert refused.value.dates == [D(2026, 12, 8)]
    assert refused.value.occurrences[0].conflict == stale_plan
    assert format_date(D(2026, 12, 8)) in refused.value.message


def test_a_date_taken_between_plan_and_booking_is_skipped_when_skipping(stale_plan, book_series):
    series, booked, skipped = book_series(first_date=D(2026, 12, 1), count=3, skip_conflicts=True)

    assert [m.start.astimezone(SHANGHAI).day for m in booked] == [1, 15]
    assert [(o.date, o.conflict) for o in skipped] == [(D(2026, 12, 8), stale_plan)]
    assert series.occurrences.count() == 2


# --- one occurrence, or this and all later ---------------------------------------------------


@pytest.fixture
def weekly(book_series):
    """Five Tuesdays from 1 December 2026, 14:00-16:00."""
    _series, booked, _skipped = book_series(first_date=D(2026, 12, 1), weekdays=[2], count=5)
    return booked


def statuses(meetings) -> list[str]:
    return [Meeting.objects.get(pk=m.pk).status for m in meetings]


def test_cancelling_one_occurrence_leaves_the_others_and_its_link(weekly, clerk):
    services.cancel_meeting(weekly[1], by=clerk, reason="领导出差", now=NOW)

    assert statuses(weekly) == ["requested", "cancelled", "requested", "requested", "requested"]
    assert Meeting.objects.get(pk=weekly[1].pk).series_id == weekly[0].series_id


def test_rescheduling_one_occurrence_keeps_it_in_the_series_and_moves_no_other(weekly, clerk):
    services.reschedule_meeting(
        weekly[2], by=clerk, start=at(D(2026, 12, 16), 9), end=at(D(2026, 12, 16), 10), now=NOW
    )

    moved = Meeting.objects.get(pk=weekly[2].pk)
    assert moved.series_id == weekly[0].series_id
    assert moved.start == at(D(2026, 12, 16), 9)
    hours = [Meeting.objects.get(pk=m.pk).start.astimezone(SHANGHAI).hour for m in weekly]
    assert hours == [14, 14, 9, 14, 14]


def test_cancel_this_and_later_cancels_from_that_date_on_one_audit_row_each(weekly, clerk):
    services.cancel_meeting(weekly[3], by=clerk, reason="单独取消", now=NOW)

    cancelled = series_services.cancel_series_from(weekly[2], by=clerk, reason="会议改版", now=NOW)

    assert [m.pk for m in cancelled] == [weekly[2].pk, weekly[4].pk]
    assert statuses(weekly) == ["requested", "requested", "cancelled", "cancelled", "cancelled"]
    for meeting in (weekly[2], weekly[4]):
        entry = AuditEntry.objects.for_object(meeting).order_by("id").last()
        assert (entry.action, entry.actor, entry.note) == ("cancelled", clerk, "会议改版")
    # The one cancelled before keeps its own reason and gets no second row.
    assert Meeting.objects.get(pk=weekly[3].pk).cancel_reason == "单独取消"
    assert AuditEntry.objects.for_object(weekly[3]).filter(action="cancelled").count() == 1
    series_entry = AuditEntry.objects.for_object(weekly[0].series).order_by("id").last()
    assert (series_entry.action, series_entry.note) == ("cancelled_from", "会议改版")


def test_cancel_this_and_later_needs_a_reason(weekly, clerk):
    with nothing_saved(), pytest.raises(BookingError) as refused:
        series_services.cancel_series_from(weekly[2], by=clerk, reason="  ", now=NOW)

    assert "reason" in refused.value.fields
    assert statuses(weekly) == ["requested"] * 5


def test_this_and_later_refuses_a_meeting_outside_a_series(book, clerk):
    single = book()

    with nothing_saved(), pytest.raises(BookingError):
        series_services.cancel_series_from(single, by=clerk, reason="x", now=NOW)
    with nothing_saved(), pytest.raises(BookingError):
        series_services.reschedule_series_from(
            single, by=clerk, start_time=T(9), end_time=T(10), now=NOW
        )


def test_reschedule_this_and_later_moves_only_later_active_ones_on_the_same_dates(weekly, clerk):
    services.cancel_meeting(weekly[3], by=clerk, reason="单独取消", now=NOW)

    moved = series_services.reschedule_series_from(
        weekly[1], by=clerk, start_time=T(9), end_time=T(10, 30), now=NOW
    )

    assert [m.pk for m in moved] == [weekly[1].pk, weekly[2].pk, weekly[4].pk]
    current = [Meeting.objects.get(pk=m.pk) for m in weekly]
    assert [(m.start, m.end) for m in current] == [
        (at(D(2026, 12, 1), 14), at(D(2026, 12, 1), 16)),
        (at(D(2026, 12, 8), 9), at(D(2026, 12, 8), 10, 30)),
        (at(D(2026, 12, 15), 9), at(D(2026, 12, 15), 10, 30)),
        (at(D(2026, 12, 22), 14), at(D(2026, 12, 22), 16)),  # cancelled: left alone
        (at(D(2026, 12, 29), 9), at(D(2026, 12, 29), 10, 30)),
    ]
    for meeting in moved:
        entry = AuditEntry.objects.for_object(meeting).order_by("id").last()
        assert (entry.action, entry.actor) == ("rescheduled", clerk)
    assert AuditEntry.objects.for_object(weekly[0]).count() == 1


def test_reschedule_this_and_later_may_overlap_the_occurrences_own_old_times(weekly, clerk):
    series_services.reschedule_series_from(
        weekly[0], by=clerk, start_time=T(15), end_time=T(17), now=NOW
    )

    assert {Meeting.objects.get(pk=m.pk).start.astimezone(SHANGHAI).hour for m in weekly} == {15}


def test_reschedule_this_and_later_refuses_atomically_on_a_clash(weekly, clerk, book):
    book(title="挡路的会", start=at(D(2026, 12, 29), 9, 30), end=at(D(2026, 12, 29), 11))
    book(title="另一个", start=at(D(2026, 12, 15), 8), end=at(D(2026, 12, 15), 9))

    with nothing_saved(), pytest.raises(SeriesConflict) as refused:
        series_services.reschedule_series_from(
            weekly[1], by=clerk, start_time=T(9), end_time=T(10, 30), now=NOW
        )

    assert refused.value.dates == [D(2026, 12, 15), D(2026, 12, 29)]
    assert format_date(D(2026, 12, 29)) in refused.value.message
    assert {Meeting.objects.get(pk=m.pk).start.astimezone(SHANGHAI).hour for m in weekly} == {14}


def test_reschedule_this_and_later_refuses_when_two_occurrences_would_meet_on_one_date(
    weekly, clerk
):
    # The second was moved by hand onto the third's date, in the morning; moving both back to
    # 14:00 would put them on top of each other, which the services find while moving.
    services.reschedule_meeting(
        weekly[1], by=clerk, start=at(D(2026, 12, 15), 9), end=at(D(2026, 12, 15), 10), now=NOW
    )
    before = counts()

    with pytest.raises(SeriesConflict) as refused:
        series_services.reschedule_series_from(
            weekly[1], by=clerk, start_time=T(13), end_time=T(15), now=NOW
        )

    assert refused.value.dates == [D(2026, 12, 15)]
    assert counts() == before
    assert Meeting.objects.get(pk=weekly[1].pk).start == at(D(2026, 12, 15), 9)
    assert Meeting.objects.get(pk=weekly[2].pk).start == at(D(2026, 12, 15), 14)


def test_reschedule_this_and_later_into_another_room_takes_its_setup_and_teardown(
    weekly, clerk, create_room
):
    hall = create_room(number="501", capacity=80, setup_minutes=60, teardown_minutes=30)

    series_services.reschedule_series_from(
        weekly[3], by=clerk, start_time=T(14), end_time=T(16), room=hall, now=NOW
    )

    current = [Meeting.objects.get(pk=m.pk) for m in weekly]
    assert [m.room_id for m in current] == [weekly[0].room_id] * 3 + [hall.pk] * 2
    assert current[4].occupied_from == at(D(2026, 12, 29), 13)
    assert current[4].occupied_until == at(D(2026, 12, 29), 16, 30)


def test_reschedule_this_and_later_refuses_times_ending_before_they_start(weekly, clerk):
    with nothing_saved(), pytest.raises(BookingError) as refused:
        series_services.reschedule_series_from(
            weekly[1], by=clerk, start_time=T(11), end_time=T(10), now=NOW
        )

    assert set(refused.value.fields) == {"end_time"}
