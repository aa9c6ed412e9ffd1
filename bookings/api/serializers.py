"""The booking API's JSON. Read serializers show what the visibility policy allows; write
serializers only parse a body into the arguments of one service call, which decides.
"""

from collections.abc import Mapping

from django.utils.translation import gettext as _
from rest_framework import serializers

from bookings import visibility
from bookings.api.filters import MAX_ATTENDEES, BoundedDateTimeField
from bookings.models import (
    MAX_SETUP_MINUTES,
    Building,
    Confidentiality,
    HostingUnit,
    Layout,
    Leader,
    LeaderRank,
    Meeting,
    Room,
)

# --- the catalogue ----------------------------------------------------------------------------

# The calendar feeds (feeds/, a higher layer) register who gets which subscription address in
# their AppConfig.ready(); until then nobody gets one.
_ical_url = lambda request, kind, obj: None  # noqa: E731 - replaced by feeds


def register_ical_url(hook) -> None:
    global _ical_url
    _ical_url = hook


def ical_url(request, kind: str, obj) -> str | None:
    """The requesting user's own feed address for this calendar, or None."""
    return _ical_url(request, kind, obj)


class BuildingSerializer(serializers.ModelSerializer):
    class Meta:
        model = Building
        fields = ["id", "code", "name", "name_en"]


class HostingUnitSerializer(serializers.ModelSerializer):
    class Meta:
        model = HostingUnit
        fields = ["id", "name", "short_name"]


class LeaderSerializer(serializers.ModelSerializer):
    """A convening leader as the booking form offers them; the service notes stay with the
    staff who serve the leader's meetings (bookings.visibility.can_see_leader_notes)."""

    class Meta:
        model = Leader
        fields = ["id", "name", "title", "rank", "unit"]


class RoomSerializer(serializers.ModelSerializer):
    building = serializers.CharField(source="building.name", read_only=True)
    # Codes, not names: stable for programs, and the same codes the `equipment` filter takes.
    equipment = serializers.SlugRelatedField(many=True, read_only=True, slug_field="code")
    ical_url = serializers.SerializerMethodField()

    class Meta:
        model = Room
        fields = [
            "id",
            "number",
            "name",
            "building",
            "building_id",
            "floor",
            "kind",
            "capacity",
            "equipment",
            "layouts",
            "setup_minutes",
            "teardown_minutes",
            "in_service",
            "ical_url",
        ]

    def get_ical_url(self, room) -> str | None:
        return ical_url(self.context.get("request"), "room", room)


def available_room_json(room: Room, equipment, request) -> dict:
    """RoomSerializer's JSON for a room the availability search found, written out by hand:
    that answer is the hottest read of the API, and a ModelSerializer with a related field per
    room was most of its Python time. `equipment` is the room's Equipment by name (what
    bookings.availability read with the room). tests/test_api_bookings.py holds the two equal;
    the documented schema stays RoomSerializer's."""
    return {
        "id": room.pk,
        "number": room.number,
        "name": room.name,
        "building": room.building.name,
        "building_id": room.building_id,
        "floor": room.floor,
        "kind": room.kind,
        "capacity": room.capacity,
        "equipment": [item.code for item in equipment],
        "layouts": room.layouts,
        "setup_minutes": room.setup_minutes,
        "teardown_minutes": room.teardown_minutes,
        "in_service": room.in_service,
        "ical_url": ical_url(request, "room", room),
    }


# --- meetings: reading ------------------------------------------------------------------------

# What a user who may not see a secret meeting's details gets as null: everything but its time,
# its room and its state (bookings.visibility: "涉密会议", time and room).
DETAIL_FIELDS = (
    "hosting_unit",
    "attendees",
    "leader",
    "leader_rank",
    "layout",
    "contact_name",
    "contact_phone",
    "notes",
    "cancel_reason",
    "level",
    "level_reason",
)


class MeetingSerializer(serializers.ModelSerializer):
    room_name = serializers.CharField(source="room.name", read_only=True)
    building = serializers.CharField(source="room.building.name", read_only=True)
    title = serializers.SerializerMethodField()
    # Declared: DRF drops allow_blank from read-only model fields, so the schema would refuse
    # the "" of a meeting with no layout (found by tests/test_api_fuzz.py).
    layout = serializers.ChoiceField(
        choices=Layout.choices,
        read_only=True,
        allow_blank=True,
        allow_null=True,
        label=Meeting._meta.get_field("layout").verbose_name,
    )

    class Meta:
        model = Meeting
        fields = [
            "id",
            "room",
            "room_name",
            "building",
            "title",
            "hosting_unit",
            "start",
            "end",
            "setup_minutes",
            "teardown_minutes",
            "occupied_from",
            "occupied_until",
            "attendees",
            "leader",
            "leader_rank",
            "confidentiality",
            "layout",
            "contact_name",
            "contact_phone",
            "notes",
            "status",
            "cancel_reason",
            "level",
            "level_reason",
            "series",
            "version",
        ]
        read_only_fields = fields
        # Null when the details are hidden (to_representation): said so for generated clients.
        extra_kwargs = {name: {"allow_null": True} for name in DETAIL_FIELDS}

    def get_title(self, meeting) -> str:
        return visibility.title_for(self.context["request"].user, meeting)

    def to_representation(self, meeting):
        data = super().to_representation(meeting)
        if not visibility.can_see_details(self.context["request"].user, meeting):
            for name in DETAIL_FIELDS:
                data[name] = None
        return data


# --- meetings: writing ------------------------------------------------------------------------


class StrictSerializer(serializers.Serializer):
    """Refuses keys it does not know: a misspelt `confidentialty: "secret"` must not book an
    ordinary meeting, nor `status` in a PATCH be ignored with a 200."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(set(data) - writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown or read-only field.")] for name in unknown}
                )
        return super().to_internal_value(data)


def _room_field(**kwargs):
    # Any room: the service refuses one out of service or not a meeting room, with its words.
    return serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.select_related("building"), **kwargs
    )


def _minutes_field():
    return serializers.IntegerField(
        required=False, allow_null=True, min_value=0, max_value=MAX_SETUP_MINUTES
    )


class _DetailFields(StrictSerializer):
    """The fields book and edit share. Title, attendees and the rest are checked by the service
    (the same words as the booking form); here only their types."""

    title = serializers.CharField(max_length=200, allow_blank=True)
    hosting_unit = serializers.PrimaryKeyRelatedField(queryset=HostingUnit.objects.all())
    attendees = serializers.IntegerField(max_value=MAX_ATTENDEES)
    leader = serializers.PrimaryKeyRelatedField(
        queryset=Leader.objects.all(), required=False, allow_null=True
    )
    leader_rank = serializers.ChoiceField(choices=LeaderRank.choices, required=False)
    confidentiality = serializers.ChoiceField(choices=Confidentiality.choices, required=False)
    layout = serializers.ChoiceField(choices=Layout.choices, required=False, allow_blank=True)
    contact_name = serializers.CharField(max_length=50, required=False, allow_blank=True)
    contact_phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    notes = serializers.CharField(required=False, allow_blank=True)


class BookSerializer(_DetailFields):
    """POST /api/meetings/: the arguments of services.book_meeting. Only room, title, hosting
    unit, start, end and attendees are needed; what is left out takes the service's defaults
    (contact from the hosting unit, setup and teardown from the room, rank from the leader)."""

    room = _room_field()
    start = BoundedDateTimeField()
    end = BoundedDateTimeField()
    setup_minutes = _minutes_field()
    teardown_minutes = _minutes_field()

    def validate(self, attrs):
        # null means "the room's default", as leaving the key out does.
        return {name: value for name, value in attrs.items() if value is not None}


# Time and room change only through /reschedule/, which checks the room is free.
RESCHEDULE_FIELDS = frozenset({"start", "end", "room", "setup_minutes", "teardown_minutes"})


class EditSerializer(_DetailFields):
    """PATCH /api/meetings/<id>/: the details services.edit_meeting may change, and the version
    the client read (a newer one on the server is a 409 "stale")."""

    version = serializers.IntegerField(required=False, min_value=1)


class RescheduleSerializer(StrictSerializer):
    start = BoundedDateTimeField()
    end = BoundedDateTimeField()
    room = _room_field(required=False, allow_null=True)
    setup_minutes = _minutes_field()
    teardown_minutes = _minutes_field()
    version = serializers.IntegerField(required=False, min_value=1)


class CancelSerializer(StrictSerializer):
    # Required by the service, which says so in its own words; here only the type.
    reason = serializers.CharField(required=False, allow_blank=True, max_length=200, default="")
