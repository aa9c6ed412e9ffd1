"""The door display's pages: the public lobby screen (no login, behind a per-building token)
with its htmx-refreshed rows, and the supervisor's page that issues and revokes the links.

The public pages answer an unknown and a revoked token with the same 404. An open screen
whose link was revoked learns it on its next refresh: htmx polling requests get status 286,
which makes htmx swap in the "link no longer valid" notice and stop polling (same answer for
unknown tokens, so nothing is learned about which tokens once existed); a plain request for
the rows gets the 404.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from bookings.models import Building
from conference import door
from conference.models import DoorLink
from core.names import display_name
from core.roles import Role, has_role
from core.timeutils import format_date, format_time

# htmx stops polling an element whose request is answered with this status.
HTMX_STOP_POLLING = 286


def can_manage_door_links(user) -> bool:
    """The customer-service supervisor (and a superuser) hands out the lobby screens' links."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or has_role(user, Role.SUPERVISOR)


def _public_headers(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    # The token is in the path: never send it on to another site.
    response["Referrer-Policy"] = "no-referrer"
    return response


def _board_context(link: DoorLink) -> dict:
    board = door.door_board(link.building, now=timezone.now())
    return {
        "link": link,
        "board": board,
        "date_label": format_date(board.today),
        "updated_at": format_time(board.now),
        "next_day_label": format_date(board.next_day) if board.next_day else "",
    }


@require_GET
def door_display(request, token: str):
    link = door.live_link(token)
    if link is None:
        raise Http404("no such door link")
    return _public_headers(render(request, "conference/door.html", _board_context(link)))


@require_GET
def door_rows(request, token: str):
    link = door.live_link(token)
    if link is None:
        if request.htmx:
            return _public_headers(
                render(request, "conference/door_gone.html", status=HTMX_STOP_POLLING)
            )
        raise Http404("no such door link")
    return _public_headers(render(request, "conference/door_rows.html", _board_context(link)))


# --- the supervisor's page ----------------------------------------------------------------------


def _require_manager(user) -> None:
    if not can_manage_door_links(user):
        raise PermissionDenied


def public_url(link: DoorLink) -> str:
    return settings.SITE_URL + reverse("door-display", args=[link.token])


@login_required
def door_links(request):
    _require_manager(request.user)
    live = {link.building_id: link for link in DoorLink.objects.live().select_related("created_by")}
    last_revoked = {}
    for link in (
        DoorLink.objects.filter(revoked_at__isnull=False)
        .select_related("revoked_by")
        .order_by("building_id", "-revoked_at")
    ):
        last_revoked.setdefault(link.building_id, link)
    rows = [
        {
            "building": building,
            "live": live.get(building.pk),
            "url": public_url(live[building.pk]) if building.pk in live else "",
            "revoked": last_revoked.get(building.pk),
            "issued_by": display_name(live[building.pk].created_by) if building.pk in live else "",
            "revoked_by": (
                display_name(last_revoked[building.pk].revoked_by)
                if building.pk in last_revoked
                else ""
            ),
        }
        for building in Building.objects.all()
    ]
    return render(request, "conference/door_links.html", {"rows": rows})


@login_required
@require_POST
def door_link_issue(request, building_pk: int):
    _require_manager(request.user)
    building = get_object_or_404(Building, pk=building_pk)
    door.issue_link(building, by=request.user)
    messages.success(
        request,
        _("A new door display link for %(building)s is live; the previous one no longer works.")
        % {"building": building.name},
    )
    return redirect("door-links")


@login_required
@require_POST
def door_link_revoke(request, pk: int):
    _require_manager(request.user)
    link = get_object_or_404(DoorLink, pk=pk)
    door.revoke_link(link, by=request.user)
    messages.success(
        request,
        _("The door display link for %(building)s is revoked.") % {"building": link.building.name},
    )
    return redirect("door-links")
