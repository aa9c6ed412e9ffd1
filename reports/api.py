"""The documents API (issue 7 point 8).

    GET  /api/documents/?kind=&date=        the documents the caller may download, newest first
    POST /api/documents/  {"kind", "date"} or {"kind", "meeting"} (name plates, banner),
                          optionally "until" (bureau report of a period)   -> 202 {id, status, ...}
    GET  /api/documents/<id>/               poll it; `download_url` once it is done
    GET  /api/documents/<id>/download/      the .docx (the same token works)

A request never waits for the file: it makes a pending row; a worker (nudged on commit) or the
sweeper generates it. The kinds are daily_notice, weekly_briefing, name_plates, banner and
bureau_report; for a week, any day in it.
"""

from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import generics, permissions, serializers, status
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from bookings.api.filters import parse
from bookings.models import Meeting
from core.api import ApiViewMixin
from reports import access, services
from reports.models import MEETING_KINDS, Document, Kind, Status


class DocumentSerializer(serializers.ModelSerializer):
    download_url = serializers.SerializerMethodField()
    meeting = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)

    class Meta:
        model = Document
        fields = (
            "id",
            "kind",
            "period_start",
            "period_end",
            "meeting",
            "version",
            "status",
            "view",
            "created_at",
            "finished_at",
            "size",
            "checksum",
            "error",
            "download_url",
        )

    def get_download_url(self, document) -> str | None:
        if document.status != Status.DONE:
            return None
        request = self.context.get("request")
        url = reverse("api-document-download", args=[document.pk])
        return request.build_absolute_uri(url) if request else url


class RequestSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices)
    date = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    meeting = serializers.PrimaryKeyRelatedField(
        queryset=Meeting.objects.select_related("room"), required=False
    )


class ListParams(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Kind.choices, required=False)
    date = serializers.DateField(required=False)
    status = serializers.ChoiceField(choices=Status.choices, required=False)


DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


class UsesDocuments(permissions.BasePermission):
    def has_permission(self, request, view) -> bool:
        return access.uses_documents(request.user)


class DocumentListView(ApiViewMixin, generics.GenericAPIView):
    permission_classes = (permissions.IsAuthenticated, UsesDocuments)
    serializer_class = DocumentSerializer

    @extend_schema(parameters=[ListParams], responses=DocumentSerializer(many=True))
    def get(self, request):
        params = parse(ListParams, request.query_params)
        documents = access.visible_documents(request.user)
        if "kind" in params:
            documents = documents.filter(kind=params["kind"])
        if "date" in params:
            day = params["date"]
            documents = documents.filter(period_start__lte=day, period_end__gte=day)
        if "status" in params:
            documents = documents.filter(status=params["status"])
        page = self.paginator.paginate_queryset(
            documents.order_by("-created_at", "-pk"), request, view=self
        )
        data = DocumentSerializer(page, many=True, context={"request": request}).data
        return self.paginator.get_paginated_response(data)

    @extend_schema(request=RequestSerializer, responses={202: DocumentSerializer})
    def post(self, request):
        incoming = RequestSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        meeting = data.get("meeting")
        if not access.can_generate(request.user, data["kind"], meeting):
            raise PermissionDenied
        document = services.request_document(
            by=request.user,
            kind=data["kind"],
            day=data.get("date"),
            until=data.get("until"),
            meeting=meeting if data["kind"] in MEETING_KINDS else None,
        )
        body = DocumentSerializer(document, context={"request": request}).data
        headers = {"Location": reverse("api-document-detail", args=[document.pk])}
        return Response(body, status=status.HTTP_202_ACCEPTED, headers=headers)


def _document_for(user, pk: int) -> Document:
    document = Document.objects.filter(pk=pk).first()
    if document is None or not access.can_download(user, document):
        raise NotFound
    return document


class DocumentDetailView(ApiViewMixin, generics.GenericAPIView):
    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = DocumentSerializer

    def get(self, request, pk: int):
        document = _document_for(request.user, pk)
        return Response(DocumentSerializer(document, context={"request": request}).data)


class DocumentDownloadView(ApiViewMixin, generics.GenericAPIView):
    permission_classes = (permissions.IsAuthenticated,)

    @extend_schema(
        responses={(200, DOCX): OpenApiResponse(OpenApiTypes.BINARY, description="The .docx file.")}
    )
    def get(self, request, pk: int):
        document = _document_for(request.user, pk)
        if document.status != Status.DONE or not document.file:
            raise NotFound
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.filename,
            content_type=DOCX,
        )
