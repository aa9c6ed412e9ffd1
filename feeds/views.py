"""The feed itself (/feeds/<token>.ics, no login: the token is the credential) and the page
where people find, subscribe to and regenerate their calendar links."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.permissions import AllowAny
from rest_framework.renderers import JSONRenderer
from rest_framework.settings import api_settings
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from bookings.models import HostingUnit, Room
from feeds import calendar, services
from feeds.access import MODELS, can_subscribe, get_calendar_for
from feeds.models import FeedKind, FeedLink
from staffing.access import linked_staff


class FeedThrottle(ScopedRateThrottle):
    """The "feed" scope, counted per link rather than per address: a whole office behind one
    NAT address polls its calendars, and a 192-bit token cannot be guessed however fast."""

    def get_rate(self):
        # Read at request time: DRF's class attribute is frozen at import, so a settings
        # change (tests, a reloaded configuration) would otherwise not apply.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": view.kwargs["token"]}


class FirstRenderer(BaseContentNegotiation):
    """Calendar clients send all sorts of Accept headers; errors are JSON whatever they ask."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FeedView(APIView):
    authentication_classes = ()
    permission_classes = (AllowAny,)
    throttle_classes = (FeedThrottle,)
    throttle_scope = "feed"
    renderer_classes = (JSONRenderer,)
    content_negotiation_class = FirstRenderer
    schema = None  # a calendar, not part of the JSON API

    def get(self, request, token: str):
        link = FeedLink.objects.select_related("owner").filter(token=token).first()
        if link is None or not link.is_live:
            raise Http404
        # Asked again on every fetch: a link dies with its owner's right to it.
        obj = get_calendar_for(link.owner, link.kind, link.object_id)
        if obj is None:
            raise Http404
        response = HttpResponse(
            calendar.build(link.kind, obj), content_type="text/calendar; charset=utf-8"
        )
        response["Content-Disposition"] = f'inline; filename="{link.kind}-{link.object_id}.ics"'
        return response


# --- the page ---------------------------------------------------------------------------------


def subscribable(user) -> list[dict]:
    """The calendars this user may subscribe to, each with the live link if there is one."""
    rows = []
    staff = linked_staff(user)
    if staff is not None:
        rows.append((FeedKind.STAFF, staff, _("My duties")))
    if can_subscribe(user, FeedKind.ROOM, 0):
        rooms = Room.objects.filter(in_service=True).select_related("building")
        rows += [(FeedKind.ROOM, room, str(room)) for room in rooms.order_by("building", "number")]
    if can_subscribe(user, FeedKind.UNIT, 0):
        rows += [(FeedKind.UNIT, unit, str(unit)) for unit in HostingUnit.objects.order_by("name")]
    links = {
        (link.kind, link.object_id): link
        for link in FeedLink.objects.filter(owner=user, revoked_at=None)
    }
    result = []
    for kind, obj, label in rows:
        link = links.get((kind, obj.pk))
        url = services.feed_url(link) if link else None
        result.append(
            {
                "kind": kind,
                "kind_label": FeedKind(kind).label,
                "object_id": obj.pk,
                "label": label,
                "url": url,
                "webcal": "webcal://" + url.split("://", 1)[1] if url else None,
            }
        )
    return result


@login_required
def my_calendars(request):
    return render(request, "feeds/calendars.html", {"calendars": subscribable(request.user)})


@login_required
@require_POST
def make_link(request, kind: str, object_id: int):
    if kind not in MODELS:
        raise Http404
    if not can_subscribe(request.user, kind, object_id):
        raise PermissionDenied
    obj = get_calendar_for(request.user, kind, object_id)
    if obj is None:
        raise Http404
    if request.POST.get("action") == "regenerate":
        services.regenerate(request.user, kind, obj)
        messages.success(
            request, _("A new link was made; the old one no longer works. Subscribe again.")
        )
    else:
        services.link_for(request.user, kind, obj)
    return redirect("feeds")
