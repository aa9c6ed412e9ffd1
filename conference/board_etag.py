"""Conditional refresh of the polled boards: an ETag from a cheap fingerprint, 304 when unchanged.

The lobby and hotline boards are fetched by htmx every 30 seconds (the console's every 60) by
every screen all day, and almost every poll would return what the last one did. Building and
rendering a board costs ~20 times a trivial view (two thirds template rendering, the rest ORM
objects); reading the rows it shows as plain tuples costs a few light queries. So each board
view first computes a fingerprint of everything the board renders and answers 304 Not Modified
when the browser's If-None-Match holds it; the browser's XHR then hands htmx the body it
cached, unchanged.

What goes into a fingerprint (see `Fingerprint` and each dashboard's `board_fingerprint`):
- every column of every row the board reads (all concrete fields, not a chosen few: a column
  added to a template later cannot be forgotten here), with the names it shows from joined rows;
  no audit-trail high-water mark, since some changes (the sweeper's pending -> notified) are
  made by queryset.update() without audit rows;
- the viewer: user id, superuser flag, roles, secret-meeting permission and authorisation
  (titles of secret meetings differ per viewer), the language, and for a board with forms the
  CSRF secret (the hotline's forms carry tokens derived from it; a new login rotates it);
- the clock to the minute: states such as "late", countdowns and "As of HH:MM" change with it
  (meeting and check times are whole minutes, so no state changes inside a minute).

The fingerprint is computed before the board is built, so a body is never older than the ETag
it is sent with: a change in between makes the next poll's fingerprint differ and re-renders.
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from functools import wraps

from django.contrib.auth.models import Permission
from django.core.exceptions import EmptyResultSet
from django.db import connection
from django.db.models import Model, Q, QuerySet
from django.middleware.csrf import get_token
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response, patch_cache_control

from core.roles import roles_of
from staffing.models import Staff


def columns(model: type[Model], prefix: str = "") -> list[str]:
    """Every stored column of `model`, as values_list() names (optionally across a relation)."""
    return [f"{prefix}{field.attname}" for field in model._meta.concrete_fields]


# The digest of one query's rows, computed by PostgreSQL (the query is the ORM's own SQL, its
# values passed as parameters); sorted by the row's text, so it does not depend on the plan.
_DIGEST = "(SELECT md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), '')) FROM ({query}) r)"


class Fingerprint:
    """A running hash over labelled parts and query rows; `etag` is its quoted hex digest.

    Rows come two ways: `add_rows` reads them at once (for the ids they lead to), `defer_rows`
    leaves them to `etag`, which on PostgreSQL has the database hash every deferred query in
    one statement (md5 over each row's text, all its columns), one round trip for all of them;
    elsewhere it reads them as `add_rows` does."""

    def __init__(self):
        self._hash = hashlib.blake2b(digest_size=16)
        self._deferred: list[tuple[str, QuerySet]] = []

    def add(self, label: str, *parts) -> None:
        self._hash.update(f"{label}={parts!r};".encode())

    def add_rows(self, label: str, rows: QuerySet) -> list[tuple]:
        """A values_list() queryset, read as tuples (no model instances), in a stable order;
        returns the rows, for the ids they lead to."""
        if not rows.ordered:
            rows = rows.order_by("pk")
        read = list(rows)
        self._hash.update(f"{label}:{read!r};".encode())
        return read

    def defer_rows(self, label: str, rows: QuerySet) -> None:
        """A values_list() queryset whose rows only go into the hash (see the class)."""
        self._deferred.append((label, rows))

    def _hash_deferred(self) -> None:
        deferred, self._deferred = self._deferred, []
        if not deferred:
            return
        if connection.vendor != "postgresql":
            for label, rows in deferred:
                self.add_rows(label, rows)
            return
        parts, params = [], []
        for _label, rows in deferred:
            try:
                sql, query_params = rows.query.get_compiler(using=rows.db).as_sql()
            except EmptyResultSet:  # say, pk__in=[]: no rows, nothing to ask
                parts.append("''")
                continue
            parts.append(_DIGEST.format(query=sql))
            params.extend(query_params)
        with connection.cursor() as cursor:
            cursor.execute("SELECT " + ", ".join(parts), params)
            digests = cursor.fetchone()
        for (label, _rows), digest in zip(deferred, digests, strict=True):
            self.add(label, digest)

    def add_viewer(self, request, now: dt.datetime, *, forms: bool = False) -> None:
        """What differs per viewer and per minute, whatever the board. A board with `forms`
        carries CSRF tokens derived from the session's CSRF secret: the secret is made sure of
        first (as rendering the token would), so the first poll's tag matches the second's."""
        user = request.user
        if forms:
            get_token(request)
        csrf_secret = request.META.get("CSRF_COOKIE", "") if forms else ""
        self.add(
            "viewer",
            user.pk,
            user.is_superuser,
            sorted(roles_of(user)),  # what the viewer may do on the board (resolve, reassign)
            translation.get_language(),
            hashlib.sha256(csrf_secret.encode()).hexdigest(),
        )
        self.add("minute", timezone.localtime(now).strftime("%Y-%m-%d %H:%M %Z"))
        # Secret meetings' titles: the permission (the user's own or a group's) and the
        # authorisation of the linked staff member, read as rows rather than asked.
        self.defer_rows(
            "permissions",
            Permission.objects.filter(Q(user=user) | Q(group__user=user))
            .values_list("pk", "content_type_id", "codename")
            .distinct()
            .order_by("pk"),
        )
        self.defer_rows(
            "own staff", Staff.objects.filter(user_id=user.pk).values_list(*columns(Staff))
        )

    @property
    def etag(self) -> str:
        self._hash_deferred()
        return f'"{self._hash.hexdigest()}"'


def conditional_board(fingerprint: Callable[..., str | None]):
    """Answer a board view with 304 when the request's If-None-Match holds `fingerprint(request,
    *args, **kwargs)`; otherwise run the view and send the ETag with the body. A fingerprint of
    None (a viewer the view will refuse) skips the check. `private, no-cache` lets the browser
    keep the body but makes it ask again on every poll."""

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            etag = fingerprint(request, *args, **kwargs) if request.method == "GET" else None
            if etag is not None:
                not_modified = get_conditional_response(request, etag=etag)
                if not_modified is not None:
                    not_modified.headers["ETag"] = etag
                    patch_cache_control(not_modified, private=True, no_cache=True)
                    return not_modified
            response = view(request, *args, **kwargs)
            if etag is not None and response.status_code == 200:
                response.headers["ETag"] = etag
                patch_cache_control(response, private=True, no_cache=True)
            return response

        return wrapper

    return decorator
