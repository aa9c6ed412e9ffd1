"""The checks, incidents and service requests API: parse, ask the access helpers of
inspections.views, call the one service, answer. CheckError becomes a 400 in the shared error
shape (core.api)."""

from django.db.models import Case, Value, When
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from bookings import visibility
from bookings.api.filters import BoundedDateField, BoundedDateTimeField, BuildingRefField, parse
from bookings.models import Meeting, Room
from core.api import ApiViewMixin
from core.timeutils import day_bounds
from inspections import incidents, services
from inspections import requests as service_requests
from inspections.models import (
    CheckResult,
    CheckStatus,
    Incident,
    IncidentCategory,
    ServiceRequest,
    Severity,
    Urgency,
)
from inspections.views import (
    _request_for,
    can_handle_requests,
    can_read_checks,
    can_resolve,
    get_check_for,
    get_incident_for,
    get_meeting_checks_for,
)
from staffing.models import Staff

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


class ResolveSerializer(serializers.Serializer):
    resolution = serializers.CharField(max_length=2000)


class IncidentResolveView(_StaffOnly):
    """POST /api/incidents/<id>/resolve/ {resolution}: for those who resolve on the incident
    page (a hidden secret meeting's incident is a 404, as there)."""

    @extend_schema(request=ResolveSerializer, responses=IncidentSerializer)
    def post(self, request, pk: int):
        incident = get_incident_for(request.user, pk)
        if not can_resolve(request.user):
            raise PermissionDenied()
        body = ResolveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        incident = incidents.resolve_incident(
            incident, by=request.user, resolution=body.validated_data["resolution"]
        )
        incident = get_incident_for(request.user, incident.pk)
        return Response(IncidentSerializer(incident, context={"request": request}).data)


# --- service requests phoned in to the hotline --------------------------------------------------


class StaffRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ServiceRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    what = serializers.CharField()
    room = serializers.IntegerField(source="room_id", allow_null=True)
    where_text = serializers.CharField()
    urgency = serializers.ChoiceField(choices=Urgency.choices)
    caller = serializers.CharField()
    request_status = serializers.SerializerMethodField(
        help_text=gettext_lazy("open, taken or done.")
    )
    logged_at = serializers.DateTimeField()
    wanted_at = serializers.DateTimeField(allow_null=True)
    taken_by = serializers.SerializerMethodField()
    taken_at = serializers.DateTimeField(allow_null=True)
    done_at = serializers.DateTimeField(allow_null=True)
    feedback = serializers.CharField()
    office_round = serializers.IntegerField(source="office_round_id", allow_null=True)

    def get_request_status(self, req) -> str:
        if req.done_at is not None:
            return "done"
        return "taken" if req.taken_at is not None else "open"

    @extend_schema_field(StaffRefSerializer(allow_null=True))
    def get_taken_by(self, req) -> dict | None:
        staff = req.taken_by
        return None if staff is None else {"id": staff.pk, "name": staff.name}


class LoggedRequestSerializer(ServiceRequestSerializer):
    dispatch_note = serializers.CharField(
        help_text=gettext_lazy("For an office: who was sent, or why nobody could be.")
    )


class LogRequestSerializer(serializers.Serializer):
    what = serializers.CharField(max_length=200)
    room = serializers.PrimaryKeyRelatedField(
        queryset=Room.objects.all(), required=False, allow_null=True
    )
    where_text = serializers.CharField(max_length=100, required=False, default="", allow_blank=True)
    urgency = serializers.ChoiceField(choices=Urgency.choices, default=Urgency.NORMAL)
    caller = serializers.CharField(max_length=50, required=False, default="", allow_blank=True)
    # Bounded: a year-625 time was stored and then rendered with a pre-1900 offset
    # (+08:05:43) that is no RFC 3339 date-time (found by tests/test_api_fuzz.py).
    wanted_at = BoundedDateTimeField(required=False, allow_null=True)
    people = serializers.IntegerField(min_value=1, max_value=6, required=False, allow_null=True)


class TakeSerializer(serializers.Serializer):
    staff = serializers.PrimaryKeyRelatedField(queryset=Staff.objects.filter(active=True))


class CompleteRequestSerializer(serializers.Serializer):
    feedback = serializers.CharField(max_length=200, required=False, default="", allow_blank=True)


def _show_request(request, req, serializer=ServiceRequestSerializer, **kwargs) -> Response:
    return Response(serializer(req, context={"request": request}).data, **kwargs)


class RequestListView(_StaffOnly):
    """GET /api/requests/: the open requests, urgent first, then the longest waiting (as the
    requests page); POST /api/requests/ logs one (those who handle requests)."""

    @extend_schema(responses=ServiceRequestSerializer(many=True))
    def get(self, request):
        found = (
            ServiceRequest.objects.filter(done_at__isnull=True)
            .select_related("taken_by")
            .annotate(
                urgent_first=Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1))
            )
            .order_by("urgent_first", "logged_at", "pk")
        )
        page = self.paginate_queryset(found)
        data = ServiceRequestSerializer(page, many=True, context={"request": request}).data
        return self.get_paginated_response(data)

    @extend_schema(request=LogRequestSerializer, responses={201: LoggedRequestSerializer})
    def post(self, request):
        if not can_handle_requests(request.user):
            raise PermissionDenied()
        body = LogRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        req = service_requests.log_request(by=request.user, **body.validated_data)
        return _show_request(request, req, LoggedRequestSerializer, status=status.HTTP_201_CREATED)


class RequestTakeView(_StaffOnly):
    """POST /api/requests/<id>/take/ {staff}."""

    @extend_schema(request=TakeSerializer, responses=ServiceRequestSerializer)
    def post(self, request, pk: int):
        req = _request_for(request.user, pk)
        body = TakeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        req = service_requests.take_request(
            req, by=request.user, staff=body.validated_data["staff"]
        )
        return _show_request(request, req)


class RequestCompleteView(_StaffOnly):
    """POST /api/requests/<id>/complete/ {feedback}."""

    @extend_schema(request=CompleteRequestSerializer, responses=ServiceRequestSerializer)
    def post(self, request, pk: int):
        req = _request_for(request.user, pk)
        body = CompleteRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        req = service_requests.complete_request(
            req, by=request.user, feedback=body.validated_data["feedback"]
        )
        return _show_request(request, req)
