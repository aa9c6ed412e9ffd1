"""Query parameters of the booking API: parsed and validated like a body (junk is a 400 in the
error shape, never a 500 or a silently empty list), then applied.

The parameter serializers only parse; what a free room is comes from bookings.availability (the
search page's own question) and what a user may see of a meeting from bookings.visibility.
"""

import datetime as dt
import re

from django.utils.translation import gettext as _
from rest_framework import serializers

from bookings import availability, visibility
from bookings.models import (
    Building,
    Confidentiality,
    Equipment,
    HostingUnit,
    LeaderRank,
    MeetingStatus,
    Room,
)
from core.timeutils import day_bounds

# Times and days outside this range are typing errors, and near the ends of Python's calendar
# the occupied window (start - setup, end + teardown) would overflow into a 500.
EARLIEST = dt.date(2000, 1, 1)
LATEST = dt.date(2100, 12, 31)
MAX_ATTENDEES = 10000  # as the booking form

_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")


def check_in_range(day: dt.date) -> None:
    if not EARLIEST <= day <= LATEST:
        raise serializers.ValidationError(
            _("Please give a date between %(first)s and %(last)s.")
            % {"first": EARLIEST.isoformat(), "last": LATEST.isoformat()}
        )


class BoundedDateTimeField(serializers.DateTimeField):
    """ISO 8601; a time without an offset is read on the place's clock (Asia/Shanghai)."""

    def to_internal_value(self, value):
        try:
            parsed = super().to_internal_value(value)
        except OverflowError:
            # DRF's own check of a naive time near year 1 overflows converting it to UTC.
            self.fail("overflow")
        check_in_range(parsed.date())
        return parsed


class BoundedDateField(serializers.DateField):
    def to_internal_value(self, value):
        parsed = super().to_internal_value(value)
        check_in_range(parsed)
        return parsed


class CodeListField(serializers.ListField):
    """Codes given repeated (`?equipment=a&equipment=b`) or as one comma list (`a,b`)."""

    child = serializers.CharField(allow_blank=True)

    def to_internal_value(self, data):
        if isinstance(data, str):
            data = [data]
        items = super().to_internal_value(data)
        codes = [code.strip() for item in items for code in item.split(",") if code.strip()]
        bad = [code for code in codes if not _SLUG.match(code)]
        if bad:
            raise serializers.ValidationError(
                _("Not a code: %(codes)s.") % {"codes": ", ".join(bad)}
            )
        return list(dict.fromkeys(codes))


class BuildingRefField(serializers.CharField):
    """A building by id or by code; an unknown one is refused, not an empty result."""

    def to_internal_value(self, data):
        ref = super().to_internal_value(data)
        building = None
        if ref.isdigit() and len(ref) < 19:
            building = Building.objects.filter(pk=int(ref)).first()
        if building is None and _SLUG.match(ref):
            building = Building.objects.filter(code=ref).first()
        if building is None:
            raise serializers.ValidationError(_("Unknown building: %(ref)s.") % {"ref": ref[:50]})
        return building


class StatusListField(CodeListField):
    def to_internal_value(self, data):
        statuses = super().to_internal_value(data)
        bad = [value for value in statuses if value not in MeetingStatus.values]
        if bad:
            raise serializers.ValidationError(
                _("Unknown status: %(values)s. Use %(known)s.")
                % {"values": ", ".join(bad), "known": ", ".join(MeetingStatus.values)}
            )
        return statuses


def parse(serializer_class, query_params) -> dict:
    """The validated parameters, or a ValidationError naming each bad one (a 400).

    An empty parameter (`?date=&building=`, as forms and query builders send) counts as absent.
    """
    data = query_params.copy()
    for key in list(data):
        values = [value for value in data.getlist(key) if value.strip()]
        if values:
            data.setlist(key, values)
        else:
            del data[key]
    params = serializer_class(data=data)
    params.is_valid(raise_exception=True)
    return params.validated_data


# --- rooms ------------------------------------------------------------------------------------


class _RoomChoiceParams(serializers.Serializer):
    building = BuildingRefField(required=False)
    equipment = CodeListField(required=False)

    def validate_equipment(self, codes: list[str]) -> list[str]:
        known = set(Equipment.objects.filter(code__in=codes).values_list("code", flat=True))
        unknown = [code for code in codes if code not in known]
        if unknown:
            raise serializers.ValidationError(
                _("Unknown equipment: %(codes)s.") % {"codes": ", ".join(unknown)}
            )
        return codes


class RoomParams(_RoomChoiceParams):
    min_capacity = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ATTENDEES)
    kind = serializers.ChoiceField(choices=Room.Kind.choices, required=False)


def filter_rooms(rooms, params: dict):
    if "building" in params:
        rooms = rooms.filter(building=params["building"])
    if "min_capacity" in params:
        rooms = rooms.filter(capacity__gte=params["min_capacity"])
    if "kind" in params:
        rooms = rooms.filter(kind=params["kind"])
    # All of them: one join per code (a room holds each piece of equipment once, so no
    # duplicate rows).
    for code in params.get("equipment", ()):
        rooms = rooms.filter(equipment__code=code)
    return rooms


class AvailabilityParams(_RoomChoiceParams):
    """Meeting rooms only; `attendees` is the capacity asked for. Whether the window can be
    booked at all (end after start, at most 12 hours) bookings.availability decides."""

    start = BoundedDateTimeField()
    end = BoundedDateTimeField()
    attendees = serializers.IntegerField(min_value=1, max_value=MAX_ATTENDEES)


def free_rooms(params: dict, *, user) -> list[availability.Candidate]:
    """The rooms the search page would offer, in its order (bookings.availability: the smallest
    that fits first, setup and teardown counted with each room's own defaults), each with its
    equipment."""
    found = availability.free_rooms(
        params["start"],
        params["end"],
        params["attendees"],
        equipment=params.get("equipment", ()),
        building=params.get("building"),
        user=user,
        near_miss_limit=0,
    )
    return found.fitting


# --- leaders ---------------------------------------------------------------------------------


class LeaderParams(serializers.Serializer):
    unit = serializers.PrimaryKeyRelatedField(queryset=HostingUnit.objects.all(), required=False)
    rank = serializers.ChoiceField(choices=LeaderRank.choices, required=False)


def filter_leaders(leaders, params: dict):
    if "unit" in params:
        leaders = leaders.filter(unit=params["unit"])
    if "rank" in params:
        leaders = leaders.filter(rank=params["rank"])
    return leaders


# --- meetings ---------------------------------------------------------------------------------


class MeetingParams(serializers.Serializer):
    date = BoundedDateField(required=False)
    building = BuildingRefField(required=False)
    room = serializers.PrimaryKeyRelatedField(queryset=Room.objects.all(), required=False)
    status = StatusListField(required=False)
    hosting_unit = serializers.PrimaryKeyRelatedField(
        queryset=HostingUnit.objects.all(), required=False
    )


def filter_meetings(meetings, params: dict, *, user):
    if "date" in params:
        # The local day (Asia/Shanghai): meetings starting on it, as the day lists count them.
        first, after = day_bounds(params["date"])
        meetings = meetings.filter(start__gte=first, start__lt=after)
    if "building" in params:
        meetings = meetings.filter(room__building=params["building"])
    if "room" in params:
        meetings = meetings.filter(room=params["room"])
    if params.get("status"):
        meetings = meetings.filter(status__in=params["status"])
    if "hosting_unit" in params:
        meetings = _without_hidden_matches(
            meetings.filter(hosting_unit=params["hosting_unit"]), user
        )
    return meetings


def _without_hidden_matches(meetings, user):
    """A filter on a detail (the hosting unit) must not tell which secret meetings match it, or
    the masked field could be read back by filtering; so the secret matches the user may not
    see in detail are left out, decided one by one by the visibility policy."""
    hidden = [
        meeting.pk
        for meeting in meetings.filter(confidentiality=Confidentiality.SECRET)
        if not visibility.can_see_details(user, meeting)
    ]
    return meetings.exclude(pk__in=hidden) if hidden else meetings
