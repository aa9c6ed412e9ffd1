"""While the database is unreachable, every request gets a clear 503, never a traceback.

Django turns an exception raised below a middleware into a response before the middleware
above sees it (each one is wrapped by `convert_exception_to_response`), so this middleware
cannot simply catch OperationalError around `get_response`: the view's error, or the session
middleware's, arrives here as a finished 500. The `got_request_exception` signal is sent while
that exception is being handled, so a receiver notes the database error on the request and the
middleware swaps the 500 for the 503 page (or the API's JSON error shape under /api/).

Recovery needs nothing from here: Django opens a connection per request when the last one was
closed, and drops a persistent connection (CONN_MAX_AGE) that raised an error or fails its
health check (CONN_HEALTH_CHECKS) before reusing it.

Placed above SessionMiddleware: the session and the user are loaded from the database, and
their errors must be caught too. The page is rendered without a request context, so no
context processor (the user menu, the navigation) touches the database.
"""

import logging
import sys

from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from core.api import error_body
from core.middleware import choose_language

log = logging.getLogger(__name__)

# Seconds a client is asked to wait: a PostgreSQL restart or fail-over takes about this long.
RETRY_AFTER_SECONDS = 30
# Connection refused, server gone away, connection closed under us. Every one is transient
# from the client's point of view; other database errors (integrity, programming) are bugs
# and stay a 500.
DATABASE_DOWN = (OperationalError, InterfaceError)
_FLAG = "_database_unavailable"


def _note_database_error(sender, request=None, **kwargs) -> None:
    error = sys.exc_info()[1]
    if request is not None and isinstance(error, DATABASE_DOWN):
        setattr(request, _FLAG, error)


class DatabaseUnavailableMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        # Connected here, not in an AppConfig: the receiver only matters with this middleware.
        got_request_exception.connect(
            _note_database_error, dispatch_uid="core.unavailable.note_database_error"
        )

    def __call__(self, request):
        response = self.get_response(request)
        error = getattr(request, _FLAG, None)
        if error is None:
            return response
        log.warning("database unavailable, answered 503 for %s: %s", request.path, error)
        return unavailable_response(request)


def unavailable_response(request) -> HttpResponse:
    """The 503 answer in the user's language: an HTML page, or the API's error shape."""
    with translation.override(choose_language(request)):
        if request.path.startswith("/api/"):
            message = _("The service is briefly unavailable. Please try again in a minute.")
            response = JsonResponse(error_body("unavailable", message), status=503)
        else:
            html = render_to_string(
                "503.html", {"retry_after": RETRY_AFTER_SECONDS, "path": request.path}
            )
            response = HttpResponse(html, status=503)
        response.headers["Content-Language"] = translation.get_language()
    response.headers["Retry-After"] = str(RETRY_AFTER_SECONDS)
    # A proxy or browser must not keep the outage page in place of the real one.
    response.headers["Cache-Control"] = "no-store"
    return response
