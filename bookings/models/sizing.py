"""Sizing: the service level of a meeting, decided by an ordered rule table (editable in admin)."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models.catalogue import HostingUnit, LeaderRank


class ServiceLevel(models.TextChoices):
    A = "A", _("A (major)")
    B = "B", _("B (medium)")
    C = "C", _("C (small)")


class SizingRule(models.Model):
    """One row of the table: the first active rule, by position, whose conditions all hold wins.

    An empty condition matches anything. `reason` is what the meeting shows as the why
    ("A: convened by a district leader").
    """

    position = models.PositiveIntegerField(_("order"), default=0)
    hosting_unit = models.ForeignKey(
        HostingUnit,
        verbose_name=_("hosting unit"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        help_text=_("Empty: any hosting unit."),
    )
    min_leader_rank = models.CharField(
        _("convening leader's rank at least"),
        max_length=16,
        choices=LeaderRank.choices,
        blank=True,
        help_text=_("Empty: any rank."),
    )
    min_attendees = models.PositiveIntegerField(
        _("attendees at least"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    max_attendees = models.PositiveIntegerField(
        _("attendees at most"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    level = models.CharField(_("service level"), max_length=1, choices=ServiceLevel.choices)
    reason = models.CharField(
        _("reason shown"),
        max_length=100,
        help_text=_("Shown on the meeting, e.g. “convened by a district leader”."),
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("sizing rule")
        verbose_name_plural = _("sizing rules")
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return f"{self.position}. {self.level}: {self.reason}"
