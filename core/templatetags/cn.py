"""Template filters for the place's conventions: 2026年11月27日（星期五）, 14:30."""

from django import template

from core import timeutils

register = template.Library()


@register.filter
def cn_date(value):
    return timeutils.format_date(value) if value else ""


@register.filter
def hm(value):
    return timeutils.format_time(value) if value else ""


@register.filter
def cn_datetime(value):
    return f"{timeutils.format_date(value)} {timeutils.format_time(value)}" if value else ""
