"""Brute-force lockout (django-axes): the answer a locked-out client gets, and its audit row.

Axes counts failed logins per username + IP address (settings: AXES_*). The login page and the
API token endpoint both authenticate through `django.contrib.auth.authenticate` with the request,
so one lockout covers both; this module decides what the locked-out client sees and records
the lockout in the audit trail.
"""

import logging

from django.contrib.auth import get_user_model
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from core.api import error_body

log = logging.getLogger(__name__)


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: 429 with Retry-After; JSON in the API's error shape under /api/,
    the lockout page elsewhere."""
    from axes.helpers import get_cool_off

    cool_off = get_cool_off(request)
    minutes = max(1, int(cool_off.total_seconds() // 60)) if cool_off else None
    if minutes:
        message = _("Too many failed log-in attempts. Try again in %(minutes)s minutes.") % {
            "minutes": minutes
        }
    else:
        message = _("Too many failed log-in attempts. Ask an administrator to unlock the account.")
    if request.path_info.startswith("/api/"):
        response = JsonResponse(error_body("locked_out", message), status=429)
    else:
        response = render(request, "registration/lockout.html", {"message": message}, status=429)
    if cool_off:
        response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response


def audit_lockout(sender, request, username, ip_address, **kwargs) -> None:
    """Receiver of axes' `user_locked_out`: one audit row when a lockout begins.

    Axes sends the signal again for every attempt refused during the lockout; those are already
    in axes' own failure log, so only the attempt that triggered the lockout (axes counted its
    failures on that request) is recorded. The row is about the account: against the User when
    the username exists; a guessed username has no row to hang it on, so it is only logged.
    """
    from core.audit import record

    if getattr(request, "axes_failures_since_start", None) is None:
        return
    user = get_user_model().objects.filter(username=username).first() if username else None
    if user is None:
        log.warning("Lockout of unknown username %r from %s", username, ip_address)
        return
    record(
        user,
        "locked_out",
        by=None,
        to_state="locked_out",
        note=f"IP {ip_address}, {request.path_info}",
    )
