"""The staffing API under /api/, in the booking API's style (core.api error shape, DRF
pagination): the roster, a meeting's duties, one meeting's dispatch, a duty's state changes
and "my duties", and the office rounds (offices sits below staffing, so their API is here).

Reading is for the staff roles; dispatching for lobby managers and the supervisor, as on the
dispatch page (staffing.views.dispatch.can_dispatch). Every change is the dispatcher's or
staffing.services'; refusals are their DispatchError, a 400 in the error shape.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response

from bookings import visibility
from bookings.access import get_meeting_for
from bookings.api.filters import BoundedDateField, BuildingRefField, parse
from bookings.api.serializers import ical_url
from core.api import ApiViewMixin
from core.roles import Role, has_role
from core.timeutils import day_bounds
from offices import services as office_services
from offices.models import OfficeRound, RoundStatus, ServiceKind
from offices.states import round_state
from staffing import services
from staffing.access import can_acknowledge, can_assign, can_reassign, linked_staff
from staffing.dispatcher import dispatch_meeting
from staffing.models import Duty, DutyRole, DutyStatus, Position, Staff, Team
from staffing.roster import can_view_roster
from staffing.views.dispatch import can_dispatch, unfilled_rows
from staffing.views.rounds import can_view_rounds, rounds_of_day

# Everyone who works here; the bureau's viewers read the meetings, not the roster.
STAFF_ROLES = tuple(role for role in Role if role != Role.BUREAU)


def is_staff_member(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or has_role(user, *STAFF_ROLES))
    )


class IsStaffMember(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return is_staff_member(request.user)


class CanViewRoster(permissions.BasePermission):
    """The roster with phone numbers: the same people as the roster page."""

    def has_permission(self, request, view) -> bool:
        return can_view_roster(request.user)


class CanDispatch(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return can_dispatch(request.user)


# --- serializers ------------------------------------------------------------------------------


class StaffSerializer(serializers.ModelSerializer):
    """The roster as colleagues see it; clearance dates stay on the supervisor's pages."""

    team_name = serializers.CharField(
        source="team.name", read_only=True, default=None, allow_null=True
    )
    home_building_name = serializers.CharField(
        source="home_building.name", read_only=True, default=None, allow_null=True
    )
    ical_url = serializers.SerializerMethodField()

    class Meta:
        model = Staff
        fields = [
            "id",
            "employee_no",
            "name",
            "phone",
            "position",
            "team",
            "team_name",
            "home_building",
            "home_building_name",
            "skills",
            "is_group_leader",
            "is_env_supervisor",
            "active",
            "ical_url",
        ]
        read_only_fields = fields

    def get_ical_url(self, staff) -> str | None:
        return ical_url(self.context.get("request"), "staff", staff)


class DutySerializer(serializers.ModelSerializer):
    staff_name = serializers.CharField(source="staff.name", read_only=True, allow_null=True)

    class Meta:
        model = Duty
        fields = [
            "id",
            "meeting",
            "staff",
            "staff_name",
            "role",
            "status",
            "building",
            "start",
            "end",
            "assigned_at",
            "acknowledged_at",
            "arrived_at",
        ]
        read_only_fields = fields
        # Null for a secret meeting's duties when its details are hidden (MaskedDutySerializer).
        extra_kwargs = {"staff": {"allow_null": True}}


class MaskedDutySerializer(DutySerializer):
    def to_representation(self, duty):
        data = super().to_representation(duty)
        data["staff"] = data["staff_name"] = None
        return data


class UnfilledSerializer(serializers.Serializer):
    role = serializers.CharField()
    count = serializers.IntegerField()
    reason = serializers.CharField()


class DispatchResultSerializer(serializers.Serializer):
    """What POST /api/meetings/<id>/dispatch/ answers (documentation of the view's dict)."""

    meeting = serializers.IntegerField()
    title = serializers.CharField()
    duties = DutySerializer(many=True)
    created = serializers.ListField(child=serializers.IntegerField())
    unfilled = UnfilledSerializer(many=True)


class StaffParams(serializers.Serializer):
    position = serializers.ChoiceField(choices=Position.choices, required=False)
    team = serializers.PrimaryKeyRelatedField(queryset=Team.objects.all(), required=False)
    home_building = BuildingRefField(required=False)


# --- views ------------------------------------------------------------------------------------


class StaffListView(ApiViewMixin, generics.GenericAPIView):
    """GET /api/staff/?position=&team=&home_building= (active people, by employee number)."""

    permission_classes = (CanViewRoster,)

    @extend_schema(parameters=[StaffParams], responses=StaffSerializer(many=True))
    def get(self, request):
        params = parse(StaffParams, request.query_params)
        people = Staff.objects.filter(active=True).select_related("team", "home_building")
        if "position" in params:
            people = people.filter(position=params["position"])
        if "team" in params:
            people = people.filter(team=params["team"])
        if "home_building" in params:
            people = people.filter(home_building=params["home_building"])
        return _paginated(self, request, people.order_by("employee_no", "pk"), StaffSerializer)


def _meeting_duties(meeting):
    return (
        Duty.objects.active()
        .filter(meeting=meeting)
        .select_related("staff")
        .order_by("role", "start", "pk")
    )


class MeetingDutiesView(ApiViewMixin, generics.GenericAPIView):
    """GET /api/meetings/<id>/duties/: the meeting's active duties."""

    permission_classes = (IsStaffMember,)

    @extend_schema(responses=DutySerializer(many=True))
    def get(self, request, pk: int):
        meeting = get_meeting_for(request.user, pk)
        serializer = DutySerializer
        # Who serves a secret meeting is one of its details: masked like the title for a user
        # who may not see them (the dispatchers staff it, so they see the names).
        if not (visibility.can_see_details(request.user, meeting) or can_dispatch(request.user)):
            serializer = MaskedDutySerializer
        return _paginated(self, request, _meeting_duties(meeting), serializer)


class MeetingDispatchView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/meetings/<id>/dispatch/: fill the meeting's open needs; answer with all its
    duties, the ones just created and what is left unfilled with the reason."""

    permission_classes = (CanDispatch,)

    @extend_schema(request=None, responses=DispatchResultSerializer)
    def post(self, request, pk: int):
        meeting = get_meeting_for(request.user, pk)
        result = dispatch_meeting(meeting, by=request.user)
        created = [duty.pk for duty in result.duties]
        unfilled = [
            {"role": row["role"], "count": row["count"], "reason": row["reason"]}
            for row in unfilled_rows(result)
        ]
        return Response(
            {
                "meeting": meeting.pk,
                "title": visibility.title_for(request.user, meeting),
                "duties": DutySerializer(_meeting_duties(meeting), many=True).data,
                "created": created,
                "unfilled": unfilled,
            }
        )


def _paginated(view, request, queryset, serializer_class):
    paginator = view.paginator
    page = paginator.paginate_queryset(queryset, request, view=view)
    data = serializer_class(page, many=True, context={"request": request}).data
    return paginator.get_paginated_response(data)


# --- a duty's state changes (issue 9 point 1): the same services and access as the pages ------


class DutyStateSerializer(serializers.Serializer):
    """One duty after a change or in "my duties": times ISO 8601, the meeting's title as the
    caller may see it (bookings.visibility), a round's title for an office round."""

    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    office_round = serializers.IntegerField(source="office_round_id", allow_null=True)
    title = serializers.SerializerMethodField()
    staff = serializers.IntegerField(source="staff_id")
    staff_name = serializers.CharField(source="staff.name")
    role = serializers.ChoiceField(choices=DutyRole.choices)
    status = serializers.ChoiceField(choices=DutyStatus.choices)
    building = serializers.IntegerField(source="building_id")
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    assigned_at = serializers.DateTimeField()
    acknowledged_at = serializers.DateTimeField(allow_null=True)
    arrived_at = serializers.DateTimeField(allow_null=True)
    released_at = serializers.DateTimeField(allow_null=True)

    def get_title(self, duty) -> str:
        if duty.office_round_id is not None:
            return services.round_title(duty.office_round)
        return visibility.title_for(self.context["request"].user, duty.meeting)


class MineParams(serializers.Serializer):
    mine = serializers.BooleanField(
        help_text=gettext_lazy("Must be true: the caller's own duties (others are on the pages).")
    )

    def validate_mine(self, value: bool) -> bool:
        if not value:
            raise serializers.ValidationError(_("Only your own duties are listed here (mine=1)."))
        return value


class ReleaseSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


class ReassignSerializer(serializers.Serializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.filter(active=True))


def _duty(pk: int) -> Duty:
    # Released duties too: acting on one is the service's conflict (409), not a 404.
    return get_object_or_404(
        Duty.objects.select_related(
            "staff", "meeting__room__building", "office_round__room__building"
        ),
        pk=pk,
    )


def _own_or_assigned_duty(user, pk: int) -> Duty:
    """As "my duties": a duty the caller may not acknowledge is a 404, so duty numbers do not
    tell which exist (staffing.access.can_acknowledge: the person, or whoever assigns)."""
    duty = _duty(pk)
    if not can_acknowledge(user, duty):
        raise Http404
    return duty


def _show_duty(request, duty: Duty) -> Response:
    duty = _duty(duty.pk)  # re-read with its relations after the service's change
    return Response(DutyStateSerializer(duty, context={"request": request}).data)


class MyDutiesView(ApiViewMixin, generics.GenericAPIView):
    """GET /api/duties/?mine=1: the caller's active duties from today on, soonest first (an
    empty list for a login not linked to staff)."""

    @extend_schema(parameters=[MineParams], responses=DutyStateSerializer(many=True))
    def get(self, request):
        parse(MineParams, request.query_params)
        staff = linked_staff(request.user)
        if staff is None:
            duties = Duty.objects.none()
        else:
            first, _after = day_bounds(timezone.localdate())
            duties = (
                Duty.objects.active()
                .filter(staff=staff, end__gt=first)
                .select_related("staff", "meeting", "office_round__room__building")
                .order_by("start", "pk")
            )
        return _paginated(self, request, duties, DutyStateSerializer)


class DutyAcknowledgeView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/duties/<id>/acknowledge/ (the person, or whoever assigns)."""

    @extend_schema(request=None, responses=DutyStateSerializer)
    def post(self, request, pk: int):
        duty = _own_or_assigned_duty(request.user, pk)
        return _show_duty(request, services.acknowledge_duty(duty, by=request.user))


class DutyArrivedView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/duties/<id>/arrived/: check in on arrival (the person, or whoever assigns)."""

    @extend_schema(request=None, responses=DutyStateSerializer)
    def post(self, request, pk: int):
        duty = _own_or_assigned_duty(request.user, pk)
        return _show_duty(request, services.record_arrival(duty, by=request.user))


class DutyReleaseView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/duties/<id>/release/ {reason}: lobby managers and the supervisor, as on the
    dispatch page (staffing.access.can_assign; the hotline hands duties on, it does not
    release them)."""

    @extend_schema(request=ReleaseSerializer, responses=DutyStateSerializer)
    def post(self, request, pk: int):
        if not can_assign(request.user):
            raise PermissionDenied
        duty = _duty(pk)
        body = ReleaseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        duty = services.release_duty(duty, by=request.user, reason=body.validated_data["reason"])
        return _show_duty(request, duty)


class DutyReassignView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/duties/<id>/reassign/ {staff}: answers with the new duty (whoever assigns, and
    the hotline: staffing.access.can_reassign)."""

    @extend_schema(request=ReassignSerializer, responses=DutyStateSerializer)
    def post(self, request, pk: int):
        if not can_reassign(request.user):
            raise PermissionDenied
        duty = _duty(pk)
        if not can_reassign(request.user, duty):
            raise PermissionDenied
        body = ReassignSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        new = services.reassign_duty(duty, by=request.user, staff=body.validated_data["staff"])
        return _show_duty(request, new)


# --- office rounds (offices sits below staffing: its API lives here) -------------------------


class RoundDutySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    staff = serializers.IntegerField(source="staff_id")
    staff_name = serializers.CharField(source="staff.name")
    status = serializers.ChoiceField(choices=DutyStatus.choices)
    arrived_at = serializers.DateTimeField(allow_null=True)


class RoundItemSerializer(serializers.Serializer):
    item = serializers.CharField()
    ok = serializers.BooleanField()


class OfficeRoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.SerializerMethodField()
    room = serializers.IntegerField(source="room_id")
    building = serializers.IntegerField(source="building_id")
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    staff_needed = serializers.IntegerField()
    what = serializers.CharField()
    round_status = serializers.ChoiceField(
        source="status",
        choices=RoundStatus.choices,
        help_text=gettext_lazy("As stored: scheduled, done or cancelled."),
    )
    state = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "As people read it: upcoming, due, missed, done, done_late or cancelled."
        )
    )
    done_at = serializers.DateTimeField(allow_null=True)
    items = RoundItemSerializer(source="item_results", many=True)
    note = serializers.CharField()
    duties = serializers.SerializerMethodField()

    def get_title(self, office_round) -> str:
        return services.round_title(office_round)

    def get_state(self, office_round) -> str:
        return round_state(office_round, timezone.now())

    @extend_schema_field(RoundDutySerializer(many=True))
    def get_duties(self, office_round) -> list:
        duties = getattr(office_round, "active_duties", None)
        if duties is None:
            duties = office_round.duties.active().select_related("staff").order_by("start", "pk")
        return RoundDutySerializer(duties, many=True).data


class RoundsParams(serializers.Serializer):
    date = BoundedDateField(required=False)
    building = BuildingRefField(required=False)


class RoundCompleteSerializer(serializers.Serializer):
    items = serializers.ListField(
        child=serializers.CharField(max_length=40),
        allow_empty=True,
        max_length=50,
        help_text=gettext_lazy("The codes of the ticked checklist items."),
    )
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=300)


class RoundCancelSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=200)


def _round(pk: int) -> OfficeRound:
    return get_object_or_404(OfficeRound.objects.select_related("room__building"), pk=pk)


def _show_round(request, office_round: OfficeRound) -> Response:
    office_round = _round(office_round.pk)
    return Response(OfficeRoundSerializer(office_round, context={"request": request}).data)


def can_complete_round(user, office_round: OfficeRound) -> bool:
    """The person on the round's active duty (as "my duties"), or whoever assigns (lobby
    managers and the supervisor, as on the rounds page)."""
    if can_assign(user):
        return True
    staff = linked_staff(user)
    return staff is not None and office_round.duties.active().filter(staff=staff).exists()


class OfficeRoundListView(ApiViewMixin, generics.GenericAPIView):
    """GET /api/office-rounds/?date=&building=: a day's rounds (default today) with who is on
    each, for the readers of the rounds page."""

    @extend_schema(parameters=[RoundsParams], responses=OfficeRoundSerializer(many=True))
    def get(self, request):
        if not can_view_rounds(request.user):
            raise PermissionDenied
        params = parse(RoundsParams, request.query_params)
        day = params.get("date") or timezone.localdate()
        rounds = rounds_of_day(day, params.get("building"))
        return _paginated(self, request, rounds, OfficeRoundSerializer)


class OfficeRoundCompleteView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/office-rounds/<id>/complete/ {items, note}: tick the round off."""

    @extend_schema(request=RoundCompleteSerializer, responses=OfficeRoundSerializer)
    def post(self, request, pk: int):
        office_round = _round(pk)
        if not can_complete_round(request.user, office_round):
            # Those who read the rounds page know the round exists; to anyone else, as on
            # "my duties", a round that is not theirs does not.
            if can_view_rounds(request.user):
                raise PermissionDenied
            raise Http404
        body = RoundCompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        office_round = office_services.complete_round(
            office_round,
            by=request.user,
            items=body.validated_data["items"],
            note=body.validated_data["note"],
        )
        return _show_round(request, office_round)


class OfficeRoundCancelView(ApiViewMixin, generics.GenericAPIView):
    """POST /api/office-rounds/<id>/cancel/ {reason}: its people are released and told."""

    @extend_schema(request=RoundCancelSerializer, responses=OfficeRoundSerializer)
    def post(self, request, pk: int):
        if not can_assign(request.user):
            raise PermissionDenied
        office_round = _round(pk)
        body = RoundCancelSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        office_round = office_services.cancel_round(
            office_round, by=request.user, reason=body.validated_data["reason"]
        )
        return _show_round(request, office_round)
