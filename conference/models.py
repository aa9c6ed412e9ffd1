"""The conference package's own rows: the door display's per-building links (issue 8)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class DoorLinkQuerySet(models.QuerySet):
    def live(self) -> "DoorLinkQuerySet":
        return self.filter(revoked_at__isnull=True)


class DoorLink(models.Model):
    """An unguessable address of one building's lobby screen; no login, revocable.

    At most one live link per building (a partial unique constraint): issuing a new one
    revokes the old, so "the" link of a building is never ambiguous on the management page.
    """

    building = models.ForeignKey(
        "bookings.Building",
        verbose_name=_("building"),
        on_delete=models.CASCADE,
        related_name="door_links",
    )
    # secrets.token_urlsafe(24): 32 characters, about 192 bits. Unique, so indexed: the public
    # page looks its link up by token on every request.
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("issued at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("issued by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("revoked by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = DoorLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("door display link")
        verbose_name_plural = _("door display links")
        ordering = ["building", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["building"],
                condition=Q(revoked_at__isnull=True),
                name="door_link_one_live_per_building",
            )
        ]

    def __str__(self) -> str:
        # Never the token: this string lands in the audit log and the admin.
        return f"{self.building} · {timezone.localtime(self.created_at):%Y-%m-%d %H:%M}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None
