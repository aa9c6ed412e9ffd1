"""Subscription links to calendar feeds: one secret token per subscriber and calendar."""

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class FeedKind(models.TextChoices):
    ROOM = "room", _("Room")
    UNIT = "unit", _("Hosting unit")
    STAFF = "staff", _("My duties")


def new_token() -> str:
    # 24 random bytes, 32 URL-safe characters: the link is the only credential a calendar
    # client can carry, so it must be unguessable.
    return secrets.token_urlsafe(24)


class FeedLink(models.Model):
    """One person's link to one calendar. Links are per person even for a shared calendar
    (a room): revoking one person's link leaves everyone else's subscription working."""

    kind = models.CharField(_("calendar"), max_length=8, choices=FeedKind.choices)
    object_id = models.PositiveIntegerField(_("object"))
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("subscriber"),
        on_delete=models.CASCADE,
        related_name="feed_links",
    )
    token = models.CharField(_("token"), max_length=64, unique=True, default=new_token)
    created_at = models.DateTimeField(_("created at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("calendar link")
        verbose_name_plural = _("calendar links")
        constraints = [
            # At most one live link per person and calendar: get-or-create cannot race into two.
            models.UniqueConstraint(
                fields=["owner", "kind", "object_id"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_feed_link_per_owner_and_calendar",
            ),
        ]
        # The feed itself is found by `token` (unique, so indexed); the owner's links of a
        # kind by the constraint's index (owner first).

    def __str__(self) -> str:
        return f"{self.get_kind_display()} #{self.object_id} · {self.owner}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
