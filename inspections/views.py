"""The checks board, the check page and the incident pages.

Who may see or complete a check is decided here once (`can_read_checks`, `can_complete`,
`get_check_for`); the API asks the same helpers. Every write is one service call, and a
refusal (CheckError) comes back as a message on the page.
"""

from datetime import timedelta

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bookings import visibility
from bookings.models import Building, Meeting, OrderStatus, Room
from core.errors import DomainError
from core.forms import add_domain_error
from core.roles import Role, has_role, roles_of
from inspections import checklists, incidents, routine, services
from inspections import requests as service_requests
from inspections.models import (
    Check,
    CheckResult,
    CheckStatus,
    Incident,
    IncidentCategory,
    Patrol,
    ServiceRequest,
    Severity,
    Urgency,
)
from inspections.states import state_of
from staffing.access import linked_staff
from staffing.models import Duty, Staff

# Who may complete any check (besides the person responsible for it).
COMPLETE_ROLES = (Role.LOBBY_MANAGER, Role.HOTLINE, Role.SUPERVISOR)
# Who watches the checks board (one "Checks" item in the navigation).
BOARD_ROLES = (
    Role.HOTLINE,
    Role.LOBBY_MANAGER,
    Role.SUPERVISOR,
    Role.GROUP_LEADER,
    Role.ENV_SUPERVISOR,
)
# Who closes incidents.
RESOLVE_ROLES = COMPLETE_ROLES


# --- access -----------------------------------------------------------------------------------


def can_read_checks(user) -> bool:
    """Anyone holding a staff role reads checks and reports incidents."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or roles_of(user))


def can_complete(user, check: Check) -> bool:
    if not can_read_checks(user):
        return False
    if user.is_superuser or has_role(user, *COMPLETE_ROLES):
        return True
    return check.responsible is not None and check.responsible.user_id == user.pk


def can_resolve(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or has_role(user, *RESOLVE_ROLES))
    )


def get_meeting_checks_for(user, meeting_pk: int) -> Meeting:
    """The meeting whose checks the user may read: 404 if missing or its details hidden."""
    if not can_read_checks(user):
        raise PermissionDenied
    meeting = get_object_or_404(Meeting.objects.select_related("room__building"), pk=meeting_pk)
    if not visibility.can_see_details(user, meeting):
        raise Http404
    return meeting


def get_check_for(user, pk: int, *, write: bool = False) -> Check:
    """The check if the user may see it (404 otherwise, secret meetings included); with
    write, if they may complete it (403 otherwise)."""
    if not can_read_checks(user):
        raise PermissionDenied
    check = get_object_or_404(
        Check.objects.select_related("meeting__room__building", "responsible"), pk=pk
    )
    if not visibility.can_see_details(user, check.meeting):
        raise Http404
    if write and not can_complete(user, check):
        raise PermissionDenied
    return check


def get_incident_for(user, pk: int) -> Incident:
    if not can_read_checks(user):
        raise PermissionDenied
    incident = get_object_or_404(
        Incident.objects.select_related("meeting", "room__building", "reported_by"), pk=pk
    )
    if incident.meeting is not None and not visibility.can_see_details(user, incident.meeting):
        raise Http404
    return incident


# --- the checks board -------------------------------------------------------------------------

BOARD_LIMIT = 200


@login_required
def checks_board(request):
    """Every open check, soonest first; lobby managers start with their own building."""
    user = request.user
    if not can_read_checks(user):
        raise PermissionDenied
    now = timezone.now()
    buildings = list(Building.objects.order_by("sort_order", "name"))
    building = None
    chosen = request.GET.get("building", "")
    if chosen.isdigit():
        building = next((b for b in buildings if b.pk == int(chosen)), None)
    elif chosen != "all" and not has_role(user, Role.HOTLINE, Role.SUPERVISOR):
        staff = linked_staff(user)
        if staff is not None and staff.home_building_id is not None:
            building = next((b for b in buildings if b.pk == staff.home_building_id), None)
    checks = (
        Check.objects.filter(status__in=[CheckStatus.PENDING, CheckStatus.NOTIFIED])
        .select_related("meeting__room__building", "responsible")
        .order_by("due_at", "level", "pk")
    )
    if building is not None:
        checks = checks.filter(meeting__room__building=building)
    rows = [
        {
            "check": check,
            "state": state_of(check, now),
            "title": visibility.title_for(user, check.meeting),
        }
        for check in checks[:BOARD_LIMIT]
    ]
    return render(
        request,
        "inspections/board.html",
        {"rows": rows, "buildings": buildings, "building": building, "chosen": chosen},
    )


# --- one check --------------------------------------------------------------------------------


def _posted_items(post, items: list[dict]) -> list[dict]:
    return [
        {
            "text": item["text"],
            "ok": post.get(f"item-{i}-ok") == "on",
            "note": post.get(f"item-{i}-note", "").strip()[:500],
        }
        for i, item in enumerate(items)
    ]


@login_required
def check_detail(request, pk: int):
    check = get_check_for(request.user, pk, write=request.method == "POST")
    # Level 3 carries one line per department's service order, with its state.
    items = checklists.items_for(check)
    previous = {row.get("text"): row for row in check.item_results or []}
    posted = None
    error = None
    if request.method == "POST":
        posted = _posted_items(request.POST, items)
        result = request.POST.get("result") or None
        if result is not None and result not in CheckResult.values:
            result = None
        try:
            services.complete_check(
                check,
                by=request.user,
                items=posted,
                result=result,
                note=request.POST.get("note", "").strip(),
            )
        except DomainError as exc:
            error = exc.message
        else:
            messages.success(request, _("The check is recorded."))
            return redirect("check-detail", pk=check.pk)
    statuses = dict(OrderStatus.choices)
    lines = []
    for i, item in enumerate(items):
        shown = posted[i] if posted is not None else previous.get(item["text"], {})
        lines.append(
            {
                "index": i,
                "text": item["text"],
                "ok": shown.get("ok", False),
                "note": shown.get("note", ""),
                "is_order": "order_id" in item,
                "ready": item.get("ready", True),
                "order_status": statuses.get(item.get("status", ""), ""),
            }
        )
    return render(
        request,
        "inspections/check_detail.html",
        {
            "check": check,
            "state": state_of(check, timezone.now()),
            "title": visibility.title_for(request.user, check.meeting),
            "lines": lines,
            "may_complete": can_complete(request.user, check)
            and check.status in (CheckStatus.PENDING, CheckStatus.NOTIFIED),
            "results": CheckResult.choices,
            "error": error,
            "note": request.POST.get("note", "") if posted is not None else check.note,
        },
        status=400 if error else 200,
    )


# --- incidents --------------------------------------------------------------------------------


class IncidentForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("Category"), choices=IncidentCategory.choices)
    severity = forms.ChoiceField(
        label=gettext_lazy("Severity"), choices=Severity.choices, initial=Severity.MEDIUM
    )
    room = forms.ModelChoiceField(
        label=gettext_lazy("Room"),
        queryset=Room.objects.select_related("building").order_by("building__name", "number"),
        required=False,
    )
    description = forms.CharField(
        label=gettext_lazy("What happened"), widget=forms.Textarea(attrs={"rows": 4})
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=gettext_lazy("How it was resolved"), widget=forms.Textarea(attrs={"rows": 2})
    )


@login_required
def incident_new(request):
    if not can_read_checks(request.user):
        raise PermissionDenied
    meeting = None
    meeting_id = request.GET.get("meeting", "")
    if meeting_id.isdigit():
        meeting = get_meeting_checks_for(request.user, int(meeting_id))
    form = IncidentForm(request.POST or None, initial={"room": meeting.room if meeting else None})
    if request.method == "POST" and form.is_valid():
        try:
            incidents.report_incident(
                by=request.user,
                category=form.cleaned_data["category"],
                severity=form.cleaned_data["severity"],
                description=form.cleaned_data["description"],
                meeting=meeting,
                room=form.cleaned_data["room"],
            )
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(
                request,
                _("The incident is reported; the lobby manager and the hotline are notified."),
            )
            return redirect("incident-list")
    return render(
        request,
        "inspections/incident_form.html",
        {
            "form": form,
            "meeting": meeting,
            "meeting_title": visibility.title_for(request.user, meeting) if meeting else "",
        },
    )


@login_required
def incident_list(request):
    """Open incidents, the oldest first: the longest waiting is the most urgent."""
    if not can_read_checks(request.user):
        raise PermissionDenied
    rows = [
        {
            "incident": incident,
            "meeting_title": visibility.title_for(request.user, incident.meeting)
            if incident.meeting
            else "",
            "hidden": incident.meeting is not None
            and not visibility.can_see_details(request.user, incident.meeting),
        }
        for incident in Incident.objects.filter(resolved_at__isnull=True)
        .select_related("meeting", "room__building", "reported_by")
        .order_by("reported_at", "pk")
    ]
    return render(
        request,
        "inspections/incident_list.html",
        {"rows": rows, "may_resolve": can_resolve(request.user), "resolve_form": ResolveForm()},
    )


@login_required
@require_POST
def incident_resolve(request, pk: int):
    incident = get_incident_for(request.user, pk)
    if not can_resolve(request.user):
        raise PermissionDenied
    form = ResolveForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please say how it was resolved."))
        return redirect("incident-list")
    try:
        incidents.resolve_incident(
            incident, by=request.user, resolution=form.cleaned_data["resolution"]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The incident is resolved."))
    return redirect("incident-list")


@login_required
@require_POST
def routine_tick(request, pk: int):
    """Tick one routine step of the person's own duty from "my duties"; anyone else's is a 404."""
    duty = get_object_or_404(Duty, pk=pk, staff__user=request.user)
    try:
        routine.tick_routine(duty, by=request.user, item=request.POST.get("item", ""))
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Routine step ticked."))
    return redirect("my-duties")


# --- service requests and patrols ---------------------------------------------------------------

# Who logs, takes and completes requests and logs patrols.
REQUEST_ROLES = BOARD_ROLES


def can_handle_requests(user) -> bool:
    return bool(can_read_checks(user) and (user.is_superuser or has_role(user, *REQUEST_ROLES)))


def _staff_choices():
    return Staff.objects.filter(active=True).order_by("name", "pk")


class RequestForm(forms.Form):
    what = forms.CharField(label=gettext_lazy("What is needed"), max_length=200)
    room = forms.ModelChoiceField(
        label=gettext_lazy("Room"),
        queryset=Room.objects.select_related("building").order_by("building__name", "number"),
        required=False,
    )
    where_text = forms.CharField(
        label=gettext_lazy("Where (if not a room)"), max_length=100, required=False
    )
    urgency = forms.ChoiceField(
        label=gettext_lazy("Urgency"), choices=Urgency.choices, initial=Urgency.NORMAL
    )
    caller = forms.CharField(label=gettext_lazy("Caller"), max_length=50, required=False)
    # For an office (visitors at 15:00, tea for four): the request is dispatched at once.
    wanted_at = forms.DateTimeField(
        label=gettext_lazy("For when (offices)"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=gettext_lazy("Empty: now."),
    )
    people = forms.IntegerField(
        label=gettext_lazy("Attendants (offices)"), min_value=1, max_value=6, required=False
    )


class TakeForm(forms.Form):
    staff = forms.ModelChoiceField(label=gettext_lazy("Taken by"), queryset=Staff.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = _staff_choices()


class CompleteForm(forms.Form):
    feedback = forms.CharField(
        label=gettext_lazy("Caller's feedback"), max_length=200, required=False
    )


class PatrolForm(forms.Form):
    room = forms.ModelChoiceField(
        label=gettext_lazy("Room"),
        queryset=Room.objects.select_related("building").order_by("building__name", "number"),
    )
    all_in_order = forms.BooleanField(
        label=gettext_lazy("All in order"), required=False, initial=True
    )
    note = forms.CharField(label=gettext_lazy("Note"), max_length=300, required=False)


@login_required
def request_list(request):
    """Open requests, urgent first, then the longest waiting; today's patrols below."""
    if not can_read_checks(request.user):
        raise PermissionDenied
    open_requests = (
        ServiceRequest.objects.filter(done_at__isnull=True)
        .select_related("room__building", "taken_by", "logged_by")
        .annotate(urgent_first=Case(When(urgency=Urgency.URGENT, then=Value(0)), default=Value(1)))
        .order_by("urgent_first", "logged_at", "pk")
    )
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    patrols = (
        Patrol.objects.filter(at__gte=start, at__lt=start + timedelta(days=1))
        .select_related("room__building", "by", "meeting")
        .order_by("-at", "-pk")
    )
    return render(
        request,
        "inspections/request_list.html",
        {
            "requests": open_requests,
            "patrols": patrols,
            "may_handle": can_handle_requests(request.user),
            "staff_choices": list(_staff_choices()),
        },
    )


@login_required
def request_new(request):
    if not can_handle_requests(request.user):
        raise PermissionDenied
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            req = service_requests.log_request(by=request.user, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The request is logged."))
            if req.office_round_id and req.taken_by_id:
                messages.success(request, req.dispatch_note)
            elif req.office_round_id:
                messages.warning(request, req.dispatch_note or _("Nobody could be sent yet."))
            return redirect("request-list")
    return render(request, "inspections/request_form.html", {"form": form})


def _request_for(user, pk: int) -> ServiceRequest:
    if not can_handle_requests(user):
        raise PermissionDenied
    return get_object_or_404(ServiceRequest, pk=pk)


@login_required
@require_POST
def request_take(request, pk: int):
    req = _request_for(request.user, pk)
    form = TakeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please choose who takes it."))
        return redirect("request-list")
    try:
        service_requests.take_request(req, by=request.user, staff=form.cleaned_data["staff"])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is taken."))
    return redirect("request-list")


@login_required
@require_POST
def request_complete(request, pk: int):
    req = _request_for(request.user, pk)
    form = CompleteForm(request.POST)
    feedback = form.cleaned_data["feedback"] if form.is_valid() else ""
    try:
        service_requests.complete_request(req, by=request.user, feedback=feedback)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is done."))
    return redirect("request-list")


@login_required
def patrol_new(request):
    if not can_handle_requests(request.user):
        raise PermissionDenied
    meeting = None
    meeting_id = request.GET.get("meeting", "")
    if meeting_id.isdigit():
        meeting = get_meeting_checks_for(request.user, int(meeting_id))
    form = PatrolForm(
        request.POST or None,
        initial={"room": meeting.room if meeting else None, "all_in_order": True},
    )
    if request.method == "POST" and form.is_valid():
        try:
            service_requests.log_patrol(by=request.user, meeting=meeting, **form.cleaned_data)
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("The patrol is logged."))
            return redirect("request-list")
    return render(
        request,
        "inspections/patrol_form.html",
        {
            "form": form,
            "meeting": meeting,
            "meeting_title": visibility.title_for(request.user, meeting) if meeting else "",
        },
    )
