"""The checks and incidents API: parse, ask the access helpers of inspections.views, call the
one service, answer. CheckError becomes a 400 in the shared error shape (core.api)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from bookings import visibility
from bookings.api.filters import BoundedDateField, BuildingRefField, parse
from bookings.models import Meeting, Room
from core.api import ApiViewMixin
from core.timeutils import day_bounds
from inspections import incidents, services
from inspections.models import CheckResult, CheckStatus, Incident, IncidentCategory, Severity
from inspections.views import (
    can_read_checks,
    get_check_for,
    get_incident_for,
    get_meeting_checks_for,
)

# --- JSON -------------------------------------------------------------------------------------


class ResponsibleSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CheckSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    level = serializers.IntegerField()
    due_at = serializers.DateTimeField()
    # ChoiceField for the schema's enum; it shows the stored code as the CharField did.
    status = serializers.ChoiceField(choices=CheckStatus.choices)
    result = serializers.SerializerMethodField()
    responsible = serializers.SerializerMethodField()
    escalated = serializers.SerializerMethodField()
    done_at = serializers.DateTimeField(allow_null=True)
    items = serializers.JSONField(source="item_results")
    note = serializers.CharField()

    @extend_schema_field(serializers.ChoiceField(choices=CheckResult.choices, allow_null=True))
    def get_result(self, check) -> str | None:
        return check.result or None

    @extend_schema_field(ResponsibleSerializer(allow_null=True))
    def get_responsible(self, check) -> dict | None:
        staff = check.responsible
        return None if staff is None else {"id": staff.pk, "name": staff.name}

    def get_escalated(self, check) -> bool:
        return check.escalated_at is not None


class ItemSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=200)
    ok = serializers.BooleanField()
    note = serializers.CharField(max_length=500, allow_blank=True, required=False, default="")


class CompleteSerializer(serializers.Serializer):
    items = ItemSerializer(many=True, allow_empty=True)
    result = serializers.ChoiceField(choices=CheckResult.choices, required=False, allow_null=True)
    note = serializers.CharField(allow_blank=True, required=False, default="", max_length=2000)


class IncidentSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id", allow_null=True)
    room = serializers.IntegerField(source="room_id", allow_null=True)
    # ChoiceFields for the schema's enums; they show the stored codes as CharFields did.
    category = serializers.ChoiceField(choices=IncidentCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices)
    description = serializers.SerializerMethodField()
    reported_at = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)
    resolution = serializers.CharField()
    open = serializers.BooleanField(source="is_open")

    def get_description(self, incident) -> str | None:
        # A secret meeting's incident shows that it exists, not what happened.
        user = self.context["request"].user
        if incident.meeting is not None and not visibility.can_see_details(user, incident.meeting):
            return None
        return incident.description


class ReportSerializer(serializers.Serializer):
    category = serializers.ChoiceField(choices=IncidentCategory.choices)
    severity = serializers.ChoiceField(choices=Severity.choices, default=Severity.MEDIUM)
    description = serializers.CharField(max_length=4000)
    meeting = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(), required=False, allow_null=True
    )


class OpenParams(serializers.Serializer):
    open = serializers.BooleanField(required=False, allow_null=True, default=None)


class IncidentParams(OpenParams):
    """The incidents list's filters: open or resolved, reported on a local day, in a building
    or a room, of a meeting, by category or severity."""

    date = BoundedDateField(required=False)
    building = BuildingRefField(required=False)
    room = serializers.PrimaryKeyRelatedField(queryset=Room.objects.all(), required=False)
    meeting = serializers.IntegerField(required=False, min_value=1)
    category = serializers.ChoiceField(choices=IncidentCategory.choices, required=False)
    severity = serializers.ChoiceField(choices=Severity.choices, required=False)


def filter_incidents(found, params: dict):
    # Time, place, kind and severity show on every incident, so filtering on them tells nothing
    # the list does not already say; the description (masked for secret meetings) is no filter.
    if params.get("open") is not None:
        found = found.filter(resolved_at__isnull=params["open"])
    if "date" in params:
        first, after = day_bounds(params["date"])
        found = found.filter(reported_at__gte=first, reported_at__lt=after)
    if "building" in params:
        found = found.filter(room__building=params["building"])
    for name in ("room", "meeting", "category", "severity"):
        if name in params:
            found = found.filter(**{name: params[name]})
    return found


# --- views ------------------------------------------------------------------------------------


class _StaffOnly(ApiViewMixin, GenericAPIView):
    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not can_read_checks(request.user):
            raise PermissionDenied()


class MeetingChecksView(_StaffOnly):
    """GET /api/meetings/<id>/checks/: the meeting's checks, level by level."""

    # Three rows at most, answered as a plain list (never paginated): said so to the schema.
    pagination_class = None

    @extend_schema(responses=CheckSerializer(many=True))
    def get(self, request, pk: int):
        meeting = get_meeting_checks_for(request.user, pk)
        checks = meeting.checks.select_related("responsible").order_by("level")
        return Response(CheckSerializer(checks, many=True).data)


class CompleteCheckView(_StaffOnly):
    """POST /api/checks/<id>/complete/ {items: [{text, ok, note}], result, note}."""

    @extend_schema(request=CompleteSerializer, responses=CheckSerializer)
    def post(self, request, pk: int):
        check = get_check_for(request.user, pk, write=True)
        body = CompleteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        check = services.complete_check(
            check,
            by=request.user,
            items=[dict(item) for item in body.validated_data["items"]],
            result=body.validated_data.get("result") or None,
            note=body.validated_data["note"],
        )
        check.refresh_from_db()
        return Response(CheckSerializer(check).data)


class IncidentListView(_StaffOnly):
    """GET /api/incidents/?open=true&date=&building=&room=&meeting=&category=&severity=
    (oldest first); POST /api/incidents/ reports one."""

    @extend_schema(parameters=[IncidentParams], responses=IncidentSerializer(many=True))
    def get(self, request):
        params = parse(IncidentParams, request.query_params)
        found = Incident.objects.select_related("meeting").order_by("reported_at", "pk")
        found = filter_incidents(found, params)
        page = self.paginate_queryset(found)
        data = IncidentSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(request=ReportSerializer, responses={201: IncidentSerializer})
    def post(self, request):
        body = ReportSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        args = dict(body.validated_data)
        meeting_id = args.pop("meeting", None)
        meeting = None
        if meeting_id is not None:
            if not Meeting.objects.filter(pk=meeting_id).exists():
                raise serializers.ValidationError({"meeting": [_("No such meeting.")]})
            meeting = get_meeting_checks_for(request.user, meeting_id)
        incident = incidents.report_incident(by=request.user, meeting=meeting, **args)
        return Response(
            IncidentSerializer(incident, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
            headers={"Location": reverse("api-incident-detail", args=[incident.pk])},
        )


class IncidentDetailView(_StaffOnly):
    """GET /api/incidents/<id>/ (404 for a secret meeting's incident whose details are hidden,
    as on the incident page)."""

    @extend_schema(responses=IncidentSerializer)
    def get(self, request, pk: int):
        incident = get_incident_for(request.user, pk)
        return Response(IncidentSerializer(incident, context={"request": request}).data)
