"""The lobby manager's building dashboard (issue 8 point 2).

`/lobby/` is the page; `/lobby/board/` is the board alone, which the page fetches every 30
seconds with htmx and swaps in place, so the page (and any script state) stays. The board
answers 304 Not Modified while nothing it shows has changed (conference.board_etag).

Who sees which building:
- a lobby manager sees their home building (Staff.home_building) and only that one: asking for
  another building with ?building= quietly shows their own (a wall screen set up with a wrong
  link still shows the right board); without a home building they get 403;
- the supervisor and a superuser may switch between buildings (?building=<id>), starting with
  their own home building (the supervisor is the Main building's lobby manager);
- the service hotline may look at any building, read-only (the board has no actions);
- everyone else gets 403.
"""

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render, resolve_url
from django.urls import reverse
from django.utils import timezone

from bookings.models import Building
from conference.board_etag import Fingerprint, conditional_board
from conference.dashboards.lobby import board_fingerprint, building_board
from core.roles import Role, has_role
from staffing.access import linked_staff

POLL_SECONDS = 30


def _may_switch(user) -> bool:
    return bool(user.is_superuser) or has_role(user, Role.SUPERVISOR, Role.HOTLINE)


def _building_for(request) -> tuple[Building, list[Building]]:
    """The building to show and the buildings the viewer may switch between ([] if none)."""
    user = request.user
    staff = linked_staff(user)
    home_id = staff.home_building_id if staff else None
    if _may_switch(user):
        buildings = list(Building.objects.order_by("sort_order", "name"))
        if not buildings:
            raise PermissionDenied
        wanted = request.GET.get("building", "")
        chosen = next((b for b in buildings if str(b.pk) == wanted), None)
        chosen = chosen or next((b for b in buildings if b.pk == home_id), buildings[0])
        return chosen, buildings
    if has_role(user, Role.LOBBY_MANAGER) and home_id is not None:
        return staff.home_building, []
    raise PermissionDenied


def _context(request) -> dict:
    building, buildings = _building_for(request)
    board = building_board(building, timezone.now(), request.user)
    board.update(
        buildings=buildings,
        read_only=_read_only(request.user),
        poll_seconds=POLL_SECONDS,
    )
    return board


@login_required
def lobby(request):
    context = _context(request)
    if getattr(request, "htmx", False):
        return render(request, "conference/lobby_board.html", context)
    return render(request, "conference/lobby.html", context)


def _board_etag(request) -> str | None:
    """The board's fingerprint for this viewer and minute; None when the view will refuse."""
    if not request.user.is_authenticated:
        return None
    try:
        building, buildings = _building_for(request)
    except PermissionDenied:
        return None
    fingerprint = Fingerprint()
    now = timezone.now()
    fingerprint.add_viewer(request, now)
    fingerprint.add("read_only", _read_only(request.user), [b.pk for b in buildings])
    board_fingerprint(fingerprint, building, now)
    return fingerprint.etag


def _read_only(user) -> bool:
    return not (user.is_superuser or has_role(user, Role.SUPERVISOR)) and not has_role(
        user, Role.LOBBY_MANAGER
    )


@conditional_board(_board_etag)
def lobby_board(request):
    if not request.user.is_authenticated:
        # A wall screen whose session ran out: htmx would swap the login page into the board;
        # send the whole page to the login instead.
        if getattr(request, "htmx", False):
            login = f"{resolve_url(settings.LOGIN_URL)}?next={reverse('lobby')}"
            return HttpResponse(status=204, headers={"HX-Redirect": login})
        return redirect_to_login(request.get_full_path())
    return render(request, "conference/lobby_board.html", _context(request))
