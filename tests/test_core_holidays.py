"""The holiday calendar: seeded from the packages once, read from the table ever after."""

import datetime as dt

import chinese_calendar
import holidays
import pytest

from core.models import CalendarDay, HolidayYear
from core.workdays import is_working_day, seed_calendar_year, working_days_between

D = dt.date


@pytest.fixture
def year_2026(db):
    return seed_calendar_year(2026)


def test_a_seeded_year_chinesecalendar_knows_is_confirmed(year_2026):
    assert year_2026.year == 2026
    assert year_2026.confirmed is True


def test_a_saturday_worked_in_exchange_for_the_spring_festival_is_a_working_day(year_2026):
    assert D(2026, 2, 14).weekday() == 5
    assert is_working_day(D(2026, 2, 14))
    day = CalendarDay.objects.get(date=D(2026, 2, 14))
    assert (day.kind, day.source) == (CalendarDay.Kind.WORKDAY, "chinesecalendar")


def test_spring_festival_and_national_day_are_not_working_days(year_2026):
    assert not is_working_day(D(2026, 2, 17))
    assert not is_working_day(D(2026, 10, 1))
    assert CalendarDay.objects.get(date=D(2026, 10, 1)).kind == CalendarDay.Kind.HOLIDAY


def test_an_ordinary_weekend_is_not_a_working_day_and_an_ordinary_weekday_is(year_2026):
    assert not is_working_day(D(2026, 3, 7))  # Saturday
    assert not is_working_day(D(2026, 3, 8))  # Sunday
    assert is_working_day(D(2026, 3, 9))  # Monday
    assert not CalendarDay.objects.filter(date__range=(D(2026, 3, 7), D(2026, 3, 9))).exists()


def test_working_days_around_national_day_follow_the_adjusted_schedule(year_2026):
    assert working_days_between(D(2026, 9, 28), D(2026, 10, 11)) == [
        D(2026, 9, 28),
        D(2026, 9, 29),
        D(2026, 9, 30),
        D(2026, 10, 8),
        D(2026, 10, 9),
        D(2026, 10, 10),  # Saturday, worked in exchange
    ]


def test_a_year_chinesecalendar_does_not_know_is_flagged_unconfirmed(db):
    with pytest.raises(NotImplementedError):
        chinese_calendar.get_holiday_detail(D(2027, 6, 1))

    year = seed_calendar_year(2027)

    assert year.confirmed is False
    assert HolidayYear.objects.get(year=2027).confirmed is False
    # The fixed public holidays are known all the same.
    assert not is_working_day(D(2027, 1, 1))  # a Friday
    assert not CalendarDay.objects.filter(date__year=2027, kind=CalendarDay.Kind.WORKDAY).exists()


def test_reseeding_a_year_replaces_its_rows_without_duplicating_them(year_2026):
    before = set(CalendarDay.objects.values_list("date", "kind", "source"))

    seed_calendar_year(2026)

    assert set(CalendarDay.objects.values_list("date", "kind", "source")) == before
    assert HolidayYear.objects.filter(year=2026).count() == 1


def test_days_entered_by_hand_survive_reseeding(year_2026):
    # A day off the office decided itself, and a correction of a seeded day.
    CalendarDay.objects.create(
        date=D(2026, 3, 9), kind=CalendarDay.Kind.HOLIDAY, name="机关闭馆", source="manual"
    )
    CalendarDay.objects.filter(date=D(2026, 2, 14)).update(
        kind=CalendarDay.Kind.HOLIDAY, name="本单位不调休", source="manual"
    )

    seed_calendar_year(2026)

    assert not is_working_day(D(2026, 3, 9))
    assert not is_working_day(D(2026, 2, 14))
    assert CalendarDay.objects.get(date=D(2026, 2, 14)).name == "本单位不调休"
    assert CalendarDay.objects.filter(source="manual").count() == 2


def test_seeding_one_year_leaves_other_years_alone(year_2026):
    seed_calendar_year(2027)

    assert CalendarDay.objects.get(date=D(2026, 2, 14)).kind == CalendarDay.Kind.WORKDAY
    assert HolidayYear.objects.get(year=2026).confirmed is True


def test_is_working_day_costs_one_query_and_never_calls_the_packages(
    year_2026, django_assert_num_queries, monkeypatch
):
    def refuse(*args, **kwargs):
        raise AssertionError("requests must read the table, not the holiday packages")

    monkeypatch.setattr(holidays, "China", refuse)
    monkeypatch.setattr(chinese_calendar, "get_holiday_detail", refuse)
    monkeypatch.setattr(chinese_calendar, "is_workday", refuse)

    with django_assert_num_queries(1):
        assert is_working_day(D(2026, 2, 14))
    with django_assert_num_queries(1):
        assert not is_working_day(D(2026, 2, 17))
    with django_assert_num_queries(1):
        assert len(working_days_between(D(2026, 1, 1), D(2026, 12, 31))) == 248


def test_the_table_alone_decides_even_against_the_packages(db):
    # Nothing seeded: the table says only Monday to Friday, whatever the packages know.
    assert is_working_day(D(2026, 10, 1))
    assert not is_working_day(D(2026, 2, 14))
