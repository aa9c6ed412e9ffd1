"""Working days by the holiday calendar table: holidays and adjusted working days (调休).

Requests read only the table; the `holidays` and `chinesecalendar` packages are called only by
`seed_calendar_year`, from the `seed_holidays` command (and the demo loader).
"""

import datetime as dt
from collections.abc import Iterable

from django.db import transaction

from core.models import CalendarDay, HolidayYear


def is_working_day(day: dt.date) -> bool:
    return working_days_between(day, day) == [day]


def working_days_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """Every working day from `first` to `last` inclusive, in one query."""
    exceptions = dict(
        CalendarDay.objects.filter(date__range=(first, last)).values_list("date", "kind")
    )
    days = []
    day = first
    while day <= last:
        kind = exceptions.get(day)
        if kind == CalendarDay.Kind.WORKDAY or (kind is None and day.weekday() < 5):
            days.append(day)
        day += dt.timedelta(days=1)
    return days


def seed_calendar_year(year: int) -> HolidayYear:
    """Fill a year from the packages: public holidays, then 调休 where chinesecalendar knows it.

    A year chinesecalendar does not know yet keeps only the fixed holidays and stays flagged
    "unconfirmed" in the admin. Rows entered by hand (source "manual") are never overwritten.
    """
    import chinese_calendar
    import holidays

    rows: dict[dt.date, tuple[str, str, str]] = {}
    for day, name in holidays.China(years=year, language="zh_CN").items():
        rows[day] = (CalendarDay.Kind.HOLIDAY, str(name), "holidays")
    confirmed = True
    try:
        for day in _days_of(year):
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            if day.weekday() >= 5 and not on_holiday:
                rows[day] = (CalendarDay.Kind.WORKDAY, "调休上班", "chinesecalendar")
            elif day.weekday() < 5 and on_holiday:
                rows[day] = (CalendarDay.Kind.HOLIDAY, _zh_holiday(name), "chinesecalendar")
    except NotImplementedError:
        confirmed = False
    with transaction.atomic():
        manual = set(
            CalendarDay.objects.filter(date__year=year, source="manual").values_list(
                "date", flat=True
            )
        )
        CalendarDay.objects.filter(date__year=year).exclude(source="manual").delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(date=day, kind=kind, name=name[:100], source=source)
            for day, (kind, name, source) in sorted(rows.items())
            if day not in manual
        )
        holiday_year, _created = HolidayYear.objects.update_or_create(
            year=year, defaults={"confirmed": confirmed}
        )
    return holiday_year


_ZH_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _zh_holiday(name: str | None) -> str:
    return _ZH_NAMES.get(name or "", name or "节假日")


def _days_of(year: int) -> Iterable[dt.date]:
    day = dt.date(year, 1, 1)
    while day.year == year:
        yield day
        day += dt.timedelta(days=1)
