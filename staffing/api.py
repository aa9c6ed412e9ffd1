"""The staffing API under /api/, in the booking API's style (core.api error shape, DRF
pagination): the roster, a meeting's duties, and one meeting's dispatch.

Reading is for the staff roles; dispatching for lobby managers and the supervisor, as on the
dispatch page (staffing.views.dispatch.can_dispatch). Every change is the dispatcher's or
staffing.services'; refusals are their DispatchError, a 400 in the error shape.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, permissions, serializers
from rest_framework.response import Response

from bookings import visibility
from bookings.access import get_meeting_for
from bookings.api.filters import BuildingRefField, parse
from bookings.api.serializers import ical_url
from core.api import ApiViewMixin
from core.roles import Role, has_role
from staffing.dispatcher import dispatch_meeting
from staffing.models import Duty, Position, Staff, Team
from staffing.roster import can_view_roster
from staffing.views.dispatch import can_dispatch, unfilled_rows

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

    team_name = serializers.CharField(source="team.name", read_only=True, default=None)
    home_building_name = serializers.CharField(
        source="home_building.name", read_only=True, default=None
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
