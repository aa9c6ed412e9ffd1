"""Calendar links under /api/feeds/ (core.api error shape).

GET  /api/feeds/                            the caller's calendars and their live links
POST /api/feeds/<kind>/<id>/                the caller's link to that calendar (made on first ask)
POST /api/feeds/<kind>/<id>/regenerate/     a new link; the old address answers 404 from now on

Rooms' and staff members' JSON carry the same address as `ical_url`, so most clients never
need these endpoints except to regenerate.
"""

from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api import ApiViewMixin
from feeds import services
from feeds.access import MODELS, can_subscribe, get_calendar_for
from feeds.models import FeedKind
from feeds.views import subscribable


class FeedLinkSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedKind.choices)
    object_id = serializers.IntegerField()
    ical_url = serializers.URLField()


class CalendarSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=FeedKind.choices)
    object_id = serializers.IntegerField()
    label = serializers.CharField()
    ical_url = serializers.URLField(source="url", allow_null=True)


def _calendar_or_refuse(user, kind: str, object_id: int):
    if kind not in MODELS:
        raise Http404
    if not can_subscribe(user, kind, object_id):
        raise PermissionDenied
    obj = get_calendar_for(user, kind, object_id)
    if obj is None:
        raise Http404
    return obj


def _body(link) -> dict:
    return FeedLinkSerializer(
        {"kind": link.kind, "object_id": link.object_id, "ical_url": services.feed_url(link)}
    ).data


class CalendarListView(ApiViewMixin, APIView):
    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = CalendarSerializer

    @extend_schema(responses={200: CalendarSerializer(many=True)})
    def get(self, request):
        return Response(CalendarSerializer(subscribable(request.user), many=True).data)


class FeedLinkView(ApiViewMixin, APIView):
    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = FeedLinkSerializer

    def post(self, request, kind: str, object_id: int):
        obj = _calendar_or_refuse(request.user, kind, object_id)
        return Response(_body(services.link_for(request.user, kind, obj)))


class RegenerateView(ApiViewMixin, APIView):
    permission_classes = (permissions.IsAuthenticated,)
    serializer_class = FeedLinkSerializer

    def post(self, request, kind: str, object_id: int):
        obj = _calendar_or_refuse(request.user, kind, object_id)
        return Response(_body(services.regenerate(request.user, kind, obj)), status=201)


def serializer_ical_url(request, kind: str, obj) -> str | None:
    """The hook behind `ical_url` in the room and staff JSON: the caller's own link, made on
    first ask (the one address a phone user pastes), or None when they may not subscribe.

    The caller's live links of the kind are read once per request, so a list costs one query
    (plus, once per person and calendar ever, the link's creation).
    """
    user = getattr(request, "user", None)
    if request is None or not can_subscribe(user, kind, obj.pk):
        return None
    cache = request.__dict__.setdefault("_feed_links", {})
    if kind not in cache:
        cache[kind] = services.live_links(user, kind)
    link = cache[kind].get(obj.pk)
    if link is None:
        link = cache[kind][obj.pk] = services.link_for(user, kind, obj)
    return services.feed_url(link)
