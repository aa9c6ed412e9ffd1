"""The document archive: every generation of a document is a row, run by a sweeper.

A row is pending -> running -> done (file and checksum stored) or failed (error kept). Scheduled
generations (the notice at 16:30 for the next day and 07:00 for the same day, the briefing on
Monday 08:00) carry a unique `slot`, so a slot is generated once however many beats or workers
see it. Regenerating makes a new version; nothing is overwritten.

Confidentiality (issue 7 point 7): a document is generated for one viewer, and the row records
which view its file holds: `view` is "user:<id>" for one generated on request, "role:<role>"
for a scheduled one (its audience's role).
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    DAILY_NOTICE = "daily_notice", _("Daily service notice")
    WEEKLY_BRIEFING = "weekly_briefing", _("Weekly business briefing")
    NAME_PLATES = "name_plates", _("Name plates")
    BANNER = "banner", _("Banner text")
    BUREAU_REPORT = "bureau_report", _("Meeting-arrangement report")


# Kinds made for one meeting; the others are made for a period (a day or a week).
MEETING_KINDS = (Kind.NAME_PLATES, Kind.BANNER)


class Status(models.TextChoices):
    PENDING = "pending", _("Waiting")
    RUNNING = "running", _("Being generated")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")


class Document(models.Model):
    kind = models.CharField(_("document"), max_length=20, choices=Kind.choices)
    # The period: one day for the notice, Monday-Sunday for the briefing, any range for the
    # bureau report; for name plates and the banner, the meeting's day.
    period_start = models.DateField(_("first day"))
    period_end = models.DateField(_("last day"))
    meeting = models.ForeignKey(
        "bookings.Meeting",
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="documents",
    )
    version = models.PositiveIntegerField(_("version"))
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The schedule slot, e.g. "daily_notice:2026-11-28:16:30"; blank for one made on request.
    slot = models.CharField(_("schedule"), max_length=60, blank=True)
    view = models.CharField(_("generated for"), max_length=40)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("requested at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="documents/%Y/%m/", blank=True)
    size = models.PositiveIntegerField(_("size"), null=True, blank=True)
    checksum = models.CharField(_("SHA-256"), max_length=64, blank=True)
    # What the next version compares itself with (the notice marks rows changed since the
    # previous issued version of the same day) and the summary figures shown on the page.
    snapshot = models.JSONField(_("snapshot"), default=dict, blank=True)
    summary = models.JSONField(_("summary"), default=dict, blank=True)

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["slot"], condition=~models.Q(slot=""), name="one_document_per_slot"
            ),
            # Versions count per period (notice, briefing, report) or per meeting (plates,
            # banner): two requests at once cannot both become version 2.
            models.UniqueConstraint(
                fields=["kind", "period_start", "period_end", "version"],
                condition=models.Q(meeting__isnull=True),
                name="one_version_per_period",
            ),
            models.UniqueConstraint(
                fields=["kind", "meeting", "version"],
                condition=models.Q(meeting__isnull=False),
                name="one_version_per_meeting",
            ),
        ]
        indexes = [
            # The sweeper: waiting rows, oldest first.
            models.Index(
                fields=["created_at"],
                name="document_waiting_idx",
                condition=models.Q(status__in=("pending", "running")),
            ),
            # The documents page and "the previous version of this day".
            models.Index(fields=["kind", "period_start", "-version"], name="document_kind_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.period_start} v{self.version}"

    @property
    def filename(self) -> str:
        """The name the download is saved as: 每日服务通知-2026-11-28-v2.docx style."""
        label = {
            Kind.DAILY_NOTICE: "每日服务通知",
            Kind.WEEKLY_BRIEFING: "每周业务简报",
            Kind.NAME_PLATES: "名牌",
            Kind.BANNER: "会标",
            Kind.BUREAU_REPORT: "会务安排情况",
        }[self.kind]
        if self.meeting_id:
            return f"{label}-{self.period_start:%Y-%m-%d}-{self.meeting_id}-v{self.version}.docx"
        if self.period_start == self.period_end:
            return f"{label}-{self.period_start:%Y-%m-%d}-v{self.version}.docx"
        return (
            f"{label}-{self.period_start:%Y-%m-%d}-{self.period_end:%Y-%m-%d}-v{self.version}.docx"
        )
