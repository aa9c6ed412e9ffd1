"""The service hotline's board (服务热线): a page rendered server-side, a partial polled every
30 s (answered 304 Not Modified while nothing on it changed: conference.board_etag), and
one-click actions that call the same services and access helpers as everywhere else."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from conference.board_etag import Fingerprint, conditional_board
from conference.dashboards.hotline import board_fingerprint, hotline_board
from core.errors import DomainError
from core.roles import Role, has_role
from inspections import incidents
from inspections import requests as service_requests
from inspections.views import _request_for, can_resolve, get_incident_for
from staffing import services as staffing_services
from staffing.access import can_reassign
from staffing.models import Duty, Staff

BOARD_ROLES = (Role.HOTLINE, Role.SUPERVISOR, Role.LOBBY_MANAGER)


def can_watch_hotline(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or has_role(user, *BOARD_ROLES))


def _context(request) -> dict:
    user = request.user
    context = hotline_board(timezone.now(), user)
    context.update(
        may_resolve=can_resolve(user),
        may_handle_requests=True,  # everyone who watches the board handles requests
        may_reassign=can_reassign(user),
        staff_choices=list(Staff.objects.filter(active=True).order_by("name", "pk")),
        default_resolution=_("Handled by the service hotline"),
    )
    return context


@login_required
def board_page(request):
    if not can_watch_hotline(request.user):
        raise PermissionDenied
    return render(request, "conference/hotline.html", _context(request))


def _board_etag(request) -> str | None:
    """The board's fingerprint for this viewer and minute; None when the view will refuse.
    What the viewer may do (resolve, reassign) follows from their groups, in `add_viewer`."""
    if not can_watch_hotline(request.user):
        return None
    fingerprint = Fingerprint()
    now = timezone.now()
    fingerprint.add_viewer(request, now, forms=True)
    board_fingerprint(fingerprint, now)
    return fingerprint.etag


@login_required
@conditional_board(_board_etag)
def board_partial(request):
    if not can_watch_hotline(request.user):
        raise PermissionDenied
    return render(request, "conference/hotline_board.html", _context(request))


def _back():
    return redirect("hotline")


@login_required
@require_POST
def resolve_incident(request, pk: int):
    if not can_watch_hotline(request.user):
        raise PermissionDenied
    incident = get_incident_for(request.user, pk)
    if not can_resolve(request.user):
        raise PermissionDenied
    try:
        incidents.resolve_incident(
            incident, by=request.user, resolution=request.POST.get("resolution", "")
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The incident is resolved."))
    return _back()


@login_required
@require_POST
def take_request(request, pk: int):
    if not can_watch_hotline(request.user):
        raise PermissionDenied
    req = _request_for(request.user, pk)
    staff = Staff.objects.filter(pk=request.POST.get("staff") or 0, active=True).first()
    if staff is None:
        messages.error(request, _("Please choose who takes it."))
        return _back()
    try:
        service_requests.take_request(req, by=request.user, staff=staff)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is taken."))
    return _back()


@login_required
@require_POST
def complete_request(request, pk: int):
    if not can_watch_hotline(request.user):
        raise PermissionDenied
    req = _request_for(request.user, pk)
    try:
        service_requests.complete_request(
            req, by=request.user, feedback=request.POST.get("feedback", "")[:200]
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The request is done."))
    return _back()


@login_required
@require_POST
def reassign_duty(request, pk: int):
    if not can_watch_hotline(request.user):
        raise PermissionDenied
    duty = get_object_or_404(Duty.objects.select_related("staff", "meeting"), pk=pk)
    if not can_reassign(request.user, duty):
        raise PermissionDenied
    staff = Staff.objects.filter(pk=request.POST.get("staff") or 0, active=True).first()
    if staff is None:
        messages.error(request, _("Please choose who takes the duty."))
        return _back()
    try:
        new = staffing_services.reassign_duty(duty, by=request.user, staff=staff)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("The duty is reassigned to %(name)s.") % {"name": new.staff.name}
        )
    return _back()
