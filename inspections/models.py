"""The three-level checks before every meeting, their checklists, and incidents.

States (design.md): a check is pending -> notified -> done (result ok / problem), or
cancelled. "Due" (now >= due_at) and "late" (escalated_at set) are derived or time-stamped.
"""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.models import Meeting, Room
from offices.models import OfficeRound
from staffing.models import Staff


class CheckLevel(models.IntegerChoices):
    ONE = 1, _("Level 1: service group leader")
    TWO = 2, _("Level 2: environment supervisor")
    THREE = 3, _("Level 3: service hotline")


# Minutes before the start each level comes due (the plan's 2 h, 1 h, 30 min).
LEVEL_LEAD_MINUTES = {CheckLevel.ONE: 120, CheckLevel.TWO: 60, CheckLevel.THREE: 30}


class CheckStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    NOTIFIED = "notified", _("Notified")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class CheckResult(models.TextChoices):
    OK = "ok", _("All in order")
    PROBLEM = "problem", _("Problem found")


class Check(models.Model):
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="checks"
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=CheckLevel.choices)
    due_at = models.DateTimeField(_("due"))
    status = models.CharField(
        _("status"), max_length=12, choices=CheckStatus.choices, default=CheckStatus.PENDING
    )
    result = models.CharField(_("result"), max_length=10, choices=CheckResult.choices, blank=True)
    # Resolved when the sweeper claims the check, and kept: who was asked is a fact.
    responsible = models.ForeignKey(
        Staff,
        verbose_name=_("responsible"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="checks",
    )
    responsible_note = models.CharField(
        _("how the responsible was found"), max_length=200, blank=True
    )
    notified_at = models.DateTimeField(_("notified at"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_results = models.JSONField(_("checklist"), default=list, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("check")
        verbose_name_plural = _("checks")
        ordering = ["due_at", "level"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "level"], name="one_check_per_level"),
        ]
        indexes = [
            # The notify sweeper: due checks not yet notified.
            models.Index(
                fields=["due_at"],
                name="check_to_notify_idx",
                condition=models.Q(status="pending"),
            ),
            # The escalation sweeper: notified checks not yet done or escalated.
            models.Index(
                fields=["due_at"],
                name="check_to_escalate_idx",
                condition=models.Q(status="notified", escalated_at__isnull=True),
            ),
            # The hotline board: escalated checks still open (re-arming clears escalated_at,
            # so they are all notified); without it the board scans every check.
            models.Index(
                fields=["due_at"],
                name="check_escalated_open_idx",
                condition=models.Q(status="notified", escalated_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_level_display()} · {self.meeting}"


class ChecklistItem(models.Model):
    """One line of a checklist template, per check level and service level (admin-editable)."""

    check_level = models.PositiveSmallIntegerField(_("check level"), choices=CheckLevel.choices)
    service_levels = models.CharField(_("service levels"), max_length=3, default="ABC")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    text = models.CharField(_("item"), max_length=200)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("checklist item")
        verbose_name_plural = _("checklist templates")
        ordering = ["check_level", "position", "id"]

    def __str__(self) -> str:
        return f"{self.check_level}: {self.text}"

    def applies_to(self, level: str) -> bool:
        return level in self.service_levels


class IncidentCategory(models.TextChoices):
    EQUIPMENT = "equipment", _("Equipment")
    LIGHTING = "lighting", _("Lighting")
    AIR_CONDITIONING = "air_conditioning", _("Air conditioning")
    CLEANING = "cleaning", _("Cleaning")
    MEDICAL = "medical", _("Medical")
    SECURITY = "security", pgettext_lazy("incident category", "Security")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Incident(models.Model):
    """An emergency or fault during service (突发事件), or a check that found a problem."""

    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
    )
    # Not named `check`: that would shadow Model.check(), Django's system-check hook.
    found_by_check = models.ForeignKey(
        Check, null=True, blank=True, on_delete=models.SET_NULL, related_name="incidents"
    )
    category = models.CharField(_("category"), max_length=20, choices=IncidentCategory.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MEDIUM
    )
    description = models.TextField(_("what happened"))
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reported_at = models.DateTimeField(_("reported at"))
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    resolution = models.TextField(_("resolution"), blank=True)

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at"]
        indexes = [
            models.Index(
                fields=["reported_at"],
                name="incident_open_idx",
                condition=models.Q(resolved_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()} · {self.reported_at:%Y-%m-%d %H:%M}"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class RoutineTick(models.Model):
    """One step of the small-meeting routine ticked off by the person on the duty."""

    duty = models.ForeignKey(
        "staffing.Duty",
        verbose_name=_("duty"),
        on_delete=models.CASCADE,
        related_name="routine_ticks",
    )
    item = models.CharField(_("item"), max_length=100)
    ticked_at = models.DateTimeField(_("ticked at"))

    class Meta:
        verbose_name = _("routine tick")
        verbose_name_plural = _("routine ticks")
        ordering = ["ticked_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["duty", "item"], name="routine_tick_once"),
        ]

    def __str__(self):
        return f"{self.duty_id} {self.item}"


class Patrol(models.Model):
    """One patrol round (巡查) through a room, usually during a meeting."""

    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="patrols",
    )
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="patrols"
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    all_in_order = models.BooleanField(_("all in order"), default=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("patrol")
        verbose_name_plural = _("patrols")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.room} · {self.at:%Y-%m-%d %H:%M}"


class Urgency(models.TextChoices):
    NORMAL = "normal", _("Normal")
    URGENT = "urgent", _("Urgent")


class ServiceRequest(models.Model):
    """A service request phoned in to the hotline (临时服务需求), tracked until done."""

    what = models.CharField(_("what"), max_length=200)
    room = models.ForeignKey(
        Room,
        verbose_name=_("room"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
    )
    where_text = models.CharField(_("where"), max_length=100, blank=True)
    urgency = models.CharField(
        _("urgency"), max_length=10, choices=Urgency.choices, default=Urgency.NORMAL
    )
    caller = models.CharField(_("caller"), max_length=50, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("logged at"))
    taken_by = models.ForeignKey(
        Staff,
        verbose_name=_("taken by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_requests",
    )
    taken_at = models.DateTimeField(_("taken at"), null=True, blank=True)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    feedback = models.CharField(_("caller's feedback"), max_length=200, blank=True)
    # A request from an office (visitors at 15:00, tea for four) becomes an office round,
    # dispatched at once.
    wanted_at = models.DateTimeField(_("for when"), null=True, blank=True)
    office_round = models.ForeignKey(
        OfficeRound,
        verbose_name=_("office round"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="requests",
    )

    class Meta:
        verbose_name = _("service request")
        verbose_name_plural = _("service requests")
        ordering = ["logged_at"]

    def __str__(self) -> str:
        return f"{self.what} · {self.logged_at:%Y-%m-%d %H:%M}"
