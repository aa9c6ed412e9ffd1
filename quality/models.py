"""Quality inspections (品质检查): scored checklists of meetings and offices, findings with an
optional photo, and corrective actions assigned to a person with a due date.

Templates and their items are edited in the admin; inspections, findings and actions change only
through `quality.services`, which copy each item's text and weight into the inspection so that
editing a template never rewrites a past score.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models import Building, Meeting, Room
from staffing.models import Staff

# Item scores run from 1 (poor) to 5 (excellent); the inspection's score is out of 100.
MIN_ITEM_SCORE = 1
MAX_ITEM_SCORE = 5


class AppliesTo(models.TextChoices):
    MEETINGS = "meetings", _("Meetings")
    OFFICES = "offices", _("Offices")
    BOTH = "both", _("Meetings and offices")


class InspectionTemplate(models.Model):
    name = models.CharField(_("name"), max_length=100)
    applies_to = models.CharField(
        _("applies to"), max_length=10, choices=AppliesTo.choices, default=AppliesTo.BOTH
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("inspection template")
        verbose_name_plural = _("inspection templates")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name

    def fits(self, *, meeting: bool) -> bool:
        """Whether the template may be used for a meeting (True) or an office (False)."""
        wanted = AppliesTo.MEETINGS if meeting else AppliesTo.OFFICES
        return self.applies_to in (wanted, AppliesTo.BOTH)


class TemplateItem(models.Model):
    template = models.ForeignKey(
        InspectionTemplate,
        verbose_name=_("template"),
        on_delete=models.CASCADE,
        related_name="items",
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("text"), max_length=200)
    weight = models.PositiveSmallIntegerField(
        _("weight"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("template item")
        verbose_name_plural = _("template items")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text


class Inspection(models.Model):
    template = models.ForeignKey(
        InspectionTemplate,
        verbose_name=_("template"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="quality_inspections",
    )
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="quality_inspections"
    )
    # Denormalised from the room: the list pages and the figures group by building without a join.
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+"
    )
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        on_delete=models.PROTECT,
        related_name="quality_inspections",
    )
    inspected_at = models.DateTimeField(_("inspected at"))
    score = models.PositiveSmallIntegerField(
        _("score"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("note"), blank=True)
    staff = models.ManyToManyField(
        Staff, verbose_name=_("staff inspected"), blank=True, related_name="quality_inspections"
    )

    class Meta:
        verbose_name = _("quality inspection")
        verbose_name_plural = _("quality inspections")
        ordering = ["-inspected_at", "-pk"]
        indexes = [
            # The list page (newest first, by period) and the figures (by period).
            models.Index(fields=["inspected_at"], name="quality_insp_at_idx"),
            # The list filtered by building, and the figures by building.
            models.Index(fields=["building", "inspected_at"], name="quality_insp_bldg_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.room} {self.inspected_at:%Y-%m-%d %H:%M}"


class ItemScore(models.Model):
    """One checklist line as scored; the text and weight are copied from the template item."""

    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="scores"
    )
    position = models.PositiveSmallIntegerField(_("position"))
    text = models.CharField(_("text"), max_length=200)
    weight = models.PositiveSmallIntegerField(_("weight"))
    score = models.PositiveSmallIntegerField(
        _("score"),
        validators=[MinValueValidator(MIN_ITEM_SCORE), MaxValueValidator(MAX_ITEM_SCORE)],
    )

    class Meta:
        verbose_name = _("item score")
        verbose_name_plural = _("item scores")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return f"{self.text}: {self.score}"


def photo_path(instance, filename: str) -> str:
    # The service names the file (a random name with the real format's extension).
    return f"quality/findings/{filename}"


class Finding(models.Model):
    inspection = models.ForeignKey(
        Inspection, verbose_name=_("inspection"), on_delete=models.CASCADE, related_name="findings"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.TextField(_("finding"))
    photo = models.ImageField(_("photo"), upload_to=photo_path, blank=True)

    class Meta:
        verbose_name = _("finding")
        verbose_name_plural = _("findings")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.text[:60]


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class CorrectiveAction(models.Model):
    finding = models.ForeignKey(
        Finding, verbose_name=_("finding"), on_delete=models.CASCADE, related_name="actions"
    )
    text = models.CharField(_("what to do"), max_length=300, blank=True)
    assignee = models.ForeignKey(
        Staff,
        verbose_name=_("assignee"),
        on_delete=models.PROTECT,
        related_name="corrective_actions",
    )
    due_on = models.DateField(_("due date"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    closing_note = models.TextField(_("closing note"), blank=True)
    # Set by the overdue sweeper when it claims the action, so the reminder goes out once.
    overdue_notified_at = models.DateTimeField(_("overdue reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("corrective action")
        verbose_name_plural = _("corrective actions")
        ordering = ["due_on", "pk"]
        indexes = [
            # The actions list (open first, soonest due first) and the overdue sweeper.
            models.Index(fields=["status", "due_on"], name="quality_action_status_due_idx"),
            # "My actions" for the assignee.
            models.Index(fields=["assignee", "status"], name="quality_action_assignee_idx"),
            # The figures: raised / closed in a period.
            models.Index(fields=["created_at"], name="quality_action_created_idx"),
            models.Index(fields=["closed_at"], name="quality_action_closed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.assignee.name} {self.due_on:%Y-%m-%d}"

    def is_overdue(self, today) -> bool:
        return self.status == ActionStatus.OPEN and self.due_on < today
