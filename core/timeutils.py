"""Time helpers. Every stored time is aware; the place's clock is Asia/Shanghai."""

import datetime as dt

from django.utils import timezone, translation
from django.utils.translation import gettext as _

_WEEKDAYS_ZH = "一二三四五六日"


def local(value: dt.datetime) -> dt.datetime:
    return timezone.localtime(value)


def local_date(value: dt.datetime) -> dt.date:
    return timezone.localtime(value).date()


def day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The aware [start, end) of a local calendar day."""
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    return start, timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min))


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An aware local time on `day`."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def format_date(value: dt.date | dt.datetime) -> str:
    """2026年11月27日（星期五） in Chinese; Friday 27 November 2026 in English."""
    if isinstance(value, dt.datetime):
        value = local_date(value)
    if translation.get_language() in ("en", "en-us", "en-gb"):
        return value.strftime("%A %-d %B %Y")
    return f"{value.year}年{value.month}月{value.day}日（星期{_WEEKDAYS_ZH[value.weekday()]}）"


def format_time(value: dt.datetime) -> str:
    """24-hour clock: 14:30."""
    return local(value).strftime("%H:%M")


def format_span(start: dt.datetime, end: dt.datetime) -> str:
    """A date with a time range; an end on another day carries its own date."""
    if local_date(start) == local_date(end):
        return f"{format_date(start)} {format_time(start)}–{format_time(end)}"
    return _("%(start)s to %(end)s") % {
        "start": f"{format_date(start)} {format_time(start)}",
        "end": f"{format_date(end)} {format_time(end)}",
    }
