"""The booking API's views: parse, call the one service, answer with the meeting.

Who may do what is bookings.access (can_manage_bookings for every write, get_meeting_for for
every meeting), what they see is bookings.visibility; refusals are the services' BookingError
and BookingConflict, which core.api turns into 400 and 409 in the error shape.
"""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, permissions, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from bookings import services
from bookings.access import can_manage_bookings, get_meeting_for
from bookings.api import filters
from bookings.api.serializers import (
    RESCHEDULE_FIELDS,
    BookSerializer,
    BuildingSerializer,
    CancelSerializer,
    EditSerializer,
    HostingUnitSerializer,
    LeaderSerializer,
    MeetingSerializer,
    RescheduleSerializer,
    RoomSerializer,
    available_room_json,
)
from bookings.errors import BookingError
from bookings.models import Building, HostingUnit, Leader, Meeting, Room
from core.api import ApiViewMixin


class CanManageBookingsOrReadOnly(permissions.BasePermission):
    """Everyone logged in reads; clerks and the supervisor write (as on the pages)."""

    def has_permission(self, request, view) -> bool:
        if not (request.user and request.user.is_authenticated):
            return False
        return request.method in permissions.SAFE_METHODS or can_manage_bookings(request.user)


class BuildingViewSet(ApiViewMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    queryset = Building.objects.order_by("sort_order", "name", "pk")
    serializer_class = BuildingSerializer


class HostingUnitViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    queryset = HostingUnit.objects.order_by("name", "pk")
    serializer_class = HostingUnitSerializer
    lookup_value_regex = r"\d+"


@extend_schema_view(list=extend_schema(parameters=[filters.LeaderParams]))
class LeaderViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """The convening leaders the booking form offers (?unit=, ?rank=), by name."""

    queryset = Leader.objects.order_by("name", "pk")
    serializer_class = LeaderSerializer
    lookup_value_regex = r"\d+"

    def list(self, request, *args, **kwargs):
        params = filters.parse(filters.LeaderParams, request.query_params)
        leaders = filters.filter_leaders(self.get_queryset(), params)
        page = self.paginate_queryset(leaders)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=[filters.RoomParams]),
    availability=extend_schema(
        parameters=[filters.AvailabilityParams], responses=RoomSerializer(many=True)
    ),
)
class RoomViewSet(ApiViewMixin, viewsets.ReadOnlyModelViewSet):
    """Rooms of every kind (see `kind`); availability only finds meeting rooms in service."""

    serializer_class = RoomSerializer
    lookup_value_regex = r"\d+"

    def get_queryset(self):
        rooms = Room.objects.select_related("building").prefetch_related("equipment")
        return rooms.order_by("building__sort_order", "building__name", "floor", "number", "pk")

    def list(self, request, *args, **kwargs):
        params = filters.parse(filters.RoomParams, request.query_params)
        return self._page(filters.filter_rooms(self.get_queryset(), params))

    @action(detail=False, methods=["get"])
    def availability(self, request):
        """?start=<iso>&end=<iso>&attendees=<n> (and optionally building, equipment)."""
        params = filters.parse(filters.AvailabilityParams, request.query_params)
        page = self.paginate_queryset(filters.free_rooms(params, user=request.user))
        # RoomSerializer's JSON (the documented response), without a serializer per room.
        rooms = [available_room_json(c.room, c.equipment, request) for c in page]
        return self.get_paginated_response(rooms)

    def _page(self, rooms):
        page = self.paginate_queryset(rooms)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


@extend_schema_view(
    list=extend_schema(parameters=[filters.MeetingParams]),
    create=extend_schema(request=BookSerializer, responses={201: MeetingSerializer}),
    partial_update=extend_schema(request=EditSerializer, responses=MeetingSerializer),
    confirm=extend_schema(request=None, responses=MeetingSerializer),
    reschedule=extend_schema(request=RescheduleSerializer, responses=MeetingSerializer),
    cancel=extend_schema(request=CancelSerializer, responses=MeetingSerializer),
)
class MeetingViewSet(
    ApiViewMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Meetings: list (filters date, building, room, status, hosting_unit), book, read, change
    details (PATCH), and the actions confirm, reschedule and cancel."""

    # Every answer is the meeting as MeetingSerializer shows it to this user; each write's body
    # has its own serializer, which is also what OPTIONS (and later a schema) describe.

    permission_classes = (CanManageBookingsOrReadOnly,)
    http_method_names = ["get", "post", "patch", "head", "options"]
    lookup_value_regex = r"\d+"
    _input_serializers = {
        "create": BookSerializer,
        "partial_update": EditSerializer,
        "reschedule": RescheduleSerializer,
        "cancel": CancelSerializer,
    }

    def get_serializer_class(self):
        if self.action == "metadata" and self.request.method == "POST":
            return BookSerializer  # OPTIONS describes the body a POST takes
        return self._input_serializers.get(self.action, MeetingSerializer)

    def get_queryset(self):
        # Everything the JSON shows: room and building by join, the rest are ids on the row.
        return Meeting.objects.select_related("room__building").order_by(
            "start", "room__building__sort_order", "room__number", "pk"
        )

    def get_object(self):
        """Through the access helper: 404 if it does not exist, 403 if it may not be changed."""
        write = self.request.method not in permissions.SAFE_METHODS
        return get_meeting_for(self.request.user, int(self.kwargs["pk"]), write=write)

    def list(self, request, *args, **kwargs):
        params = filters.parse(filters.MeetingParams, request.query_params)
        meetings = filters.filter_meetings(self.get_queryset(), params, user=request.user)
        page = self.paginate_queryset(meetings)
        return self.get_paginated_response(self._show(page, many=True))

    def create(self, request, *args, **kwargs):
        args = self._parse(request.data)
        meeting = services.book_meeting(by=request.user, **args)
        return Response(
            self._show(meeting),
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-meeting-detail", args=[meeting.pk])},
        )

    def partial_update(self, request, *args, **kwargs):
        meeting = self.get_object()
        _refuse_time_and_room(request.data, meeting)
        changes = self._parse(request.data, partial=True)
        version = changes.pop("version", None)
        meeting = services.edit_meeting(
            meeting, by=request.user, expected_version=version, **changes
        )
        return Response(self._show(meeting))

    @action(detail=True, methods=["post"])
    def confirm(self, request, pk=None):
        meeting = services.confirm_meeting(self.get_object(), by=request.user)
        return Response(self._show(meeting))

    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        meeting = self.get_object()
        args = self._parse(request.data)
        meeting = services.reschedule_meeting(
            meeting,
            by=request.user,
            start=args["start"],
            end=args["end"],
            room=args.get("room"),
            setup_minutes=args.get("setup_minutes"),
            teardown_minutes=args.get("teardown_minutes"),
            expected_version=args.get("version"),
        )
        return Response(self._show(meeting))

    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        meeting = self.get_object()
        args = self._parse(request.data)
        meeting = services.cancel_meeting(meeting, by=request.user, reason=args["reason"])
        return Response(self._show(meeting))

    def _parse(self, data, **kwargs) -> dict:
        serializer = self.get_serializer(data=data, **kwargs)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def _show(self, meeting, **kwargs):
        return MeetingSerializer(meeting, context=self.get_serializer_context(), **kwargs).data


def _refuse_time_and_room(data, meeting) -> None:
    """A PATCH changes details only; moving a meeting must check the new slot is free."""
    asked = sorted(RESCHEDULE_FIELDS & set(data)) if hasattr(data, "keys") else []
    if not asked:
        return
    url = reverse("api-meeting-reschedule", args=[meeting.pk])
    raise BookingError(
        _("Time and room change through %(url)s (POST start, end and optionally room).")
        % {"url": url},
        code="use_reschedule",
        fields={name: _("Use %(url)s to change this.") % {"url": url} for name in asked},
    )
