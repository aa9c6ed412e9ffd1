"""The documents page: generate a document, watch it being made, download any version; and the
print-friendly HTML page of each kind, built from the same data as the Word file.

Generating goes through reports.services.request_document (a pending row; a worker or the
sweeper makes the file), so the page never waits for a document. While some row on the page is
still waiting, the table refreshes itself (htmx polling) until every row is ready or failed.
"""

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings import visibility
from bookings.models import Meeting
from core.errors import DomainError
from reports import access, services
from reports.builders import BuildRequest, builder
from reports.models import MEETING_KINDS, Document, Kind, Status

PAGE_SIZE = 50


class GenerateForm(forms.Form):
    kind = forms.ChoiceField(
        label=gettext_lazy("Document"),
        choices=Kind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    day = forms.DateField(
        label=gettext_lazy("Date (for a week: any day in it)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    until = forms.DateField(
        label=gettext_lazy("Until (report of a period)"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    meeting = forms.ModelChoiceField(
        label=gettext_lazy("Meeting (name plates, banner)"),
        queryset=Meeting.objects.none(),
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [
            (kind, label) for kind, label in Kind.choices if kind in access.kinds_for(user)
        ] or Kind.choices
        today = timezone.localdate()
        start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
        self.fields["meeting"].queryset = (
            Meeting.objects.active()
            .filter(start__gte=start, start__lt=start + dt.timedelta(days=8))
            .select_related("room__building")
            .order_by("start")
        )
        self.user = user
        self.fields["meeting"].label_from_instance = self._meeting_label

    def _meeting_label(self, meeting: Meeting) -> str:
        start = timezone.localtime(meeting.start)
        title = visibility.title_for(self.user, meeting)
        return f"{start:%m-%d %H:%M} {meeting.room.building.name}{meeting.room.number} {title}"


def _documents_for(user, kind: str = ""):
    documents = access.visible_documents(user).select_related("meeting", "requested_by")
    if kind:
        documents = documents.filter(kind=kind)
    return documents.order_by("-created_at", "-pk")[:PAGE_SIZE]


@login_required
def document_list(request):
    if not access.uses_documents(request.user):
        raise PermissionDenied
    kind = request.GET.get("kind", "")
    if kind not in Kind.values:
        kind = ""
    form = GenerateForm(user=request.user, initial={"day": timezone.localdate()})
    documents = list(_documents_for(request.user, kind))
    context = {
        "form": form,
        "documents": documents,
        "kind": kind,
        "kinds": Kind.choices,
        "waiting": any(d.status in (Status.PENDING, Status.RUNNING) for d in documents),
        "may_generate": bool(access.kinds_for(request.user)),
    }
    if request.htmx:
        return render(request, "reports/_document_rows.html", context)
    return render(request, "reports/documents.html", context)


@login_required
def document_generate(request):
    if request.method != "POST":
        return redirect("documents")
    form = GenerateForm(request.POST, user=request.user)
    if not form.is_valid():
        messages.error(request, _("Please check the form."))
        return redirect("documents")
    data = form.cleaned_data
    if not access.can_generate(request.user, data["kind"], data.get("meeting")):
        raise PermissionDenied  # includes a meeting whose details the user may not see
    meeting = data.get("meeting")
    try:
        document = services.request_document(
            by=request.user,
            kind=data["kind"],
            day=data.get("day"),
            until=data.get("until"),
            meeting=meeting if data["kind"] in MEETING_KINDS else None,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect("documents")
    messages.success(
        request,
        _("%(document)s version %(version)s is being generated.")
        % {"document": document.get_kind_display(), "version": document.version},
    )
    return redirect("documents")


@login_required
def document_download(request, pk: int):
    document = get_object_or_404(Document, pk=pk)
    if not access.can_download(request.user, document):
        raise Http404  # not telling which documents exist
    if document.status != Status.DONE or not document.file:
        raise Http404
    return FileResponse(
        document.file.open("rb"),
        as_attachment=True,
        filename=document.filename,
        content_type="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    )


@login_required
def document_print(request, kind: str):
    """The print-friendly HTML page of a document kind for a day / week / meeting, generated
    live for the person looking (their own view of the visibility policy)."""
    if kind not in Kind.values:
        raise Http404
    meeting = None
    if kind in MEETING_KINDS:
        meeting = get_object_or_404(Meeting, pk=_int(request.GET.get("meeting")))
        if not visibility.can_see_details(request.user, meeting):
            raise PermissionDenied
        start = end = timezone.localdate(meeting.start)
    else:
        day = _date(request.GET.get("date")) or timezone.localdate()
        start, end = services.period_for(kind, day)
        until = _date(request.GET.get("until"))
        if kind == Kind.BUREAU_REPORT and until and 0 <= (until - start).days <= 92:
            end = until
    if not access.can_generate(request.user, kind, meeting):
        raise PermissionDenied
    module = builder(kind)
    data = module.collect(
        BuildRequest(
            kind=kind,
            period_start=start,
            period_end=end,
            viewer=request.user,
            now=timezone.now(),
            meeting_id=meeting.pk if meeting else None,
        )
    )
    return render(request, module.TEMPLATE, data)


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


def _date(value) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None
