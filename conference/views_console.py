"""The information-centre console (信息处理中心, issue 8 point 4).

`/console/` is the page, rendered server-side; `/console/board/` is the board alone, which the
page fetches every 60 seconds with htmx and swaps in place; while nothing on it changed, the
board answers 304 Not Modified (conference.board_etag). The one action, "confirm", posts to
`/console/meetings/<pk>/confirm/`, which goes through the same access helper and service as the
meeting page (get_meeting_for(write=True), bookings.services.confirm_meeting) and comes back
to the console with the service's refusal, if any, as a message.

Who: the clerks, the supervisor and superusers; everyone else gets 403.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import services as booking_services
from bookings.access import get_meeting_for
from bookings.visibility import title_for
from conference.board_etag import Fingerprint, conditional_board
from conference.dashboards.console import board_fingerprint, console_board
from core.errors import DomainError
from core.roles import Role, has_role

POLL_SECONDS = 60


def can_use_console(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser or has_role(user, Role.CLERK, Role.SUPERVISOR))


def _context(request) -> dict:
    if not can_use_console(request.user):
        raise PermissionDenied
    context = console_board(timezone.now(), request.user)
    context["poll_seconds"] = POLL_SECONDS
    return context


@login_required
def console(request):
    context = _context(request)
    if getattr(request, "htmx", False):
        return render(request, "conference/console_board.html", context)
    return render(request, "conference/console.html", context)


def _board_etag(request) -> str | None:
    """The board's fingerprint for this viewer and minute; None when the view will refuse.
    Its forms carry CSRF tokens, and who may confirm follows from the viewer's roles."""
    if not can_use_console(request.user):
        return None
    fingerprint = Fingerprint()
    now = timezone.now()
    fingerprint.add_viewer(request, now, forms=True)
    board_fingerprint(fingerprint, now)
    return fingerprint.etag


@login_required
@conditional_board(_board_etag)
def console_board_partial(request):
    return render(request, "conference/console_board.html", _context(request))


@login_required
@require_POST
def confirm(request, pk: int):
    if not can_use_console(request.user):
        raise PermissionDenied
    meeting = get_meeting_for(request.user, pk, write=True)
    try:
        booking_services.confirm_meeting(meeting, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(title)s is confirmed.") % {"title": title_for(request.user, meeting)},
        )
    return redirect("console")
