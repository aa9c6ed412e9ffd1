"""A booking series: the repeat rule. Each occurrence is a Meeting of its own with a link here."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Frequency(models.TextChoices):
    DAILY = "daily", _("Daily")
    WEEKLY = "weekly", _("Weekly")
    MONTHLY = "monthly", _("Monthly")


class MeetingSeries(models.Model):
    title = models.CharField(_("title"), max_length=200)
    frequency = models.CharField(_("repeats"), max_length=10, choices=Frequency.choices)
    # Weekly: ISO weekday numbers 1 (Monday) to 7 (Sunday).
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    interval = models.PositiveSmallIntegerField(_("every"), default=1)
    first_date = models.DateField(_("first date"))
    until = models.DateField(_("until"), null=True, blank=True)
    count = models.PositiveSmallIntegerField(_("occurrences"), null=True, blank=True)
    working_days_only = models.BooleanField(_("working days only"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.title} ({self.get_frequency_display()})"
