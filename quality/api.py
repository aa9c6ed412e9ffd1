"""The quality API: closing a corrective action, as on the action's page.

Who may close is quality.access (get_action_for with close=True: 404 if it does not exist,
403 for anyone but its assignee or whoever inspects its building); the change is
quality.services.close_action, whose refusals core.api turns into 400 / 409 in the error shape.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from core.api import ApiViewMixin
from quality import services
from quality.access import get_action_for
from quality.models import ActionStatus


class CorrectiveActionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    finding = serializers.IntegerField(source="finding_id")
    text = serializers.CharField()
    assignee = serializers.IntegerField(source="assignee_id")
    assignee_name = serializers.CharField(source="assignee.name")
    due_on = serializers.DateField()
    action_status = serializers.ChoiceField(source="status", choices=ActionStatus.choices)
    created_at = serializers.DateTimeField()
    closed_at = serializers.DateTimeField(allow_null=True)
    closing_note = serializers.CharField()


class CloseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000)


class CorrectiveActionCloseView(ApiViewMixin, GenericAPIView):
    """POST /api/corrective-actions/<id>/close/ {note}: what was done."""

    @extend_schema(request=CloseSerializer, responses=CorrectiveActionSerializer)
    def post(self, request, pk: int):
        action = get_action_for(request.user, pk, close=True)
        body = CloseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.close_action(action, by=request.user, note=body.validated_data["note"])
        action = get_action_for(request.user, pk)
        return Response(CorrectiveActionSerializer(action).data)
