"""The feedback API: the supervisor's reply to a complaint, as on the complaint's page.

Who may reply is feedback.access (get_complaint_for: 403 for anyone but the supervisor, 404 if
it does not exist); the change is feedback.services.reply, whose refusals core.api turns into a
400 in the error shape.
"""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from bookings import visibility
from core.api import ApiViewMixin
from feedback import services
from feedback.access import get_complaint_for
from feedback.models import ComplaintStatus


class ComplaintSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    meeting = serializers.IntegerField(source="meeting_id")
    meeting_title = serializers.SerializerMethodField()
    complaint_status = serializers.ChoiceField(source="status", choices=ComplaintStatus.choices)
    opened_at = serializers.DateTimeField()
    reply_due = serializers.DateTimeField()
    reply = serializers.CharField()
    replied_at = serializers.DateTimeField(allow_null=True)

    def get_meeting_title(self, complaint) -> str:
        return visibility.title_for(self.context["request"].user, complaint.meeting)


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(max_length=4000)


class ComplaintReplyView(ApiViewMixin, GenericAPIView):
    """POST /api/complaints/<id>/reply/ {text}: recorded, and e-mailed to the hosting unit's
    contact when an address is known."""

    @extend_schema(request=ReplySerializer, responses=ComplaintSerializer)
    def post(self, request, pk: int):
        complaint = get_complaint_for(request.user, pk)
        body = ReplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.reply(complaint, by=request.user, text=body.validated_data["text"])
        complaint = get_complaint_for(request.user, pk)
        return Response(ComplaintSerializer(complaint, context={"request": request}).data)
