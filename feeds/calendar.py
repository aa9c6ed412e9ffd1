"""The feeds' content (RFC 5545, the icalendar library): a room's, a hosting unit's meetings and
a person's duties, named only as the visibility policy's feed column allows.

Times are written in UTC ("Z"): valid everywhere without a VTIMEZONE; X-WR-TIMEZONE tells
clients which zone to show. Each event keeps its UID for life and its SEQUENCE grows with every
change (a meeting's `version`, bumped by every booking service), so clients update in place; a
cancelled meeting or released duty stays in the feed as STATUS:CANCELLED so clients remove it.
"""

import datetime as dt
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from bookings import visibility
from bookings.models import HostingUnit, Meeting, MeetingStatus, Room
from feeds.models import FeedKind
from staffing.models import Duty, DutyStatus, Staff

# The window a feed covers: recent history for context, half a year ahead for planning.
DAYS_BACK = 30
DAYS_AHEAD = 180

PRODID = "-//Conference service desk//feeds//ZH"

_MEETING_STATUS = {
    MeetingStatus.REQUESTED: "TENTATIVE",
    MeetingStatus.CONFIRMED: "CONFIRMED",
    MeetingStatus.CANCELLED: "CANCELLED",
}


def build(kind: str, obj, *, now: dt.datetime | None = None) -> bytes:
    now = now or timezone.now()
    lo, hi = now - dt.timedelta(days=DAYS_BACK), now + dt.timedelta(days=DAYS_AHEAD)
    if kind == FeedKind.ROOM:
        return _meetings_calendar(str(obj), _room_meetings(obj, lo, hi), now)
    if kind == FeedKind.UNIT:
        return _meetings_calendar(str(obj), _unit_meetings(obj, lo, hi), now)
    if kind == FeedKind.STAFF:
        return _duties_calendar(obj, lo, hi, now)
    raise ValueError(kind)


def _room_meetings(room: Room, lo, hi):
    # meeting_room_time_idx: one room, a window of occupied_from.
    return (
        Meeting.objects.filter(room=room, occupied_from__gte=lo, occupied_from__lt=hi)
        .select_related("room__building")
        .order_by("start", "pk")
    )


def _unit_meetings(unit: HostingUnit, lo, hi):
    # The hosting_unit foreign key's index, then the window.
    return (
        Meeting.objects.filter(hosting_unit=unit, start__gte=lo, start__lt=hi)
        .select_related("room__building")
        .order_by("start", "pk")
    )


def _calendar(name: str) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", name)
    cal.add("x-wr-timezone", settings.TIME_ZONE)
    return cal


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _host() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _meetings_calendar(name: str, meetings, now) -> bytes:
    cal = _calendar(name)
    host = _host()
    for meeting in meetings:
        event = Event()
        event.add("uid", f"meeting-{meeting.pk}@{host}")
        event.add("dtstamp", _utc(now))
        event.add("sequence", meeting.version - 1)
        event.add("dtstart", _utc(meeting.start))
        event.add("dtend", _utc(meeting.end))
        event.add("summary", visibility.public_title(meeting))
        event.add("location", str(meeting.room))
        event.add("status", _MEETING_STATUS[meeting.status])
        cal.add_component(event)
    return cal.to_ical()


def _duties_calendar(staff: Staff, lo, hi, now) -> bytes:
    cal = _calendar(_("Duties: %(name)s") % {"name": staff.name})
    host = _host()
    # duty_staff_time_idx: one person, a window of start (arrival).
    duties = (
        Duty.objects.filter(staff=staff, start__gte=lo, start__lt=hi)
        .select_related("meeting__room__building", "office_round__room__building")
        .order_by("start", "pk")
    )
    for duty in duties:
        if duty.meeting is not None:
            what = visibility.public_title(duty.meeting)
            place = duty.meeting.room
            # The meeting's changes move the duty (staffing's receivers); releasing it adds one.
            sequence = duty.meeting.version - 1
        else:
            what = duty.office_round.get_kind_display()
            place = duty.office_round.room
            sequence = 0
        released = duty.status == DutyStatus.RELEASED
        event = Event()
        event.add("uid", f"duty-{duty.pk}@{host}")
        event.add("dtstamp", _utc(now))
        event.add("sequence", sequence + (1 if released else 0))
        # From arrival (30 minutes before the meeting), not from the meeting's start.
        event.add("dtstart", _utc(duty.start))
        event.add("dtend", _utc(duty.end))
        event.add("summary", _("Service: %(what)s") % {"what": what})
        event.add("location", str(place))
        event.add("status", "CANCELLED" if released else "CONFIRMED")
        cal.add_component(event)
    return cal.to_ical()
