"""Every change to calendar links: made on first ask, regenerated on request, both audited."""

from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from core import audit
from feeds.models import FeedLink


def feed_url(link: FeedLink) -> str:
    """The absolute address a calendar client subscribes to."""
    return settings.SITE_URL + reverse("feed", args=[link.token])


def link_for(user, kind: str, obj, *, now: datetime | None = None) -> FeedLink:
    """The user's live link to this calendar, made (and audited) the first time it is asked for.

    The caller has checked access (feeds.access). Safe to call concurrently: the partial unique
    constraint lets only one live link exist, and the loser of a race reads the winner's.
    """
    now = now or timezone.now()
    live = FeedLink.objects.filter(owner=user, kind=kind, object_id=obj.pk, revoked_at=None)
    link = live.first()
    if link is not None:
        return link
    try:
        with transaction.atomic():
            link = FeedLink.objects.create(owner=user, kind=kind, object_id=obj.pk, created_at=now)
            audit.record(link, "created", by=user, to_state="live", now=now)
    except IntegrityError:
        return live.get()
    return link


def regenerate(user, kind: str, obj, *, now: datetime | None = None) -> FeedLink:
    """Revoke the user's live link (its address answers 404 from now on) and make a new one.

    Other people's links to the same calendar are untouched.
    """
    now = now or timezone.now()
    with transaction.atomic():
        old = (
            FeedLink.objects.select_for_update()
            .filter(owner=user, kind=kind, object_id=obj.pk, revoked_at=None)
            .first()
        )
        if old is not None:
            old.revoked_at = now
            old.save(update_fields=["revoked_at"])
            audit.record(old, "revoked", by=user, from_state="live", to_state="revoked", now=now)
        link = FeedLink.objects.create(owner=user, kind=kind, object_id=obj.pk, created_at=now)
        audit.record(link, "created", by=user, to_state="live", now=now)
    return link


def live_links(user, kind: str) -> dict[int, FeedLink]:
    """The user's live links of one kind, by object id: one query for a whole list."""
    links = FeedLink.objects.filter(owner=user, kind=kind, revoked_at=None)
    return {link.object_id: link for link in links}
