"""Office service (领导办公室的服务工作): standing service plans of offices and their rounds.

A plan says what an office gets and when (the leaders' offices cleaned every working morning
before 08:30, ordinary offices on set weekdays). Each occurrence is a round: a row with its own
window, which staffing dispatches as duties (Duty.office_round) through the same validator as
meetings, which the person ticks off from "my duties", and which the sweeper escalates when its
window has passed undone. A request phoned in from an office (visitors at 15:00, tea for four)
becomes a round without a plan, dispatched at once.

States: a round is scheduled -> done, or cancelled. "Missed" is derived (its window is over and
it is not done) and stamped by the sweeper in escalated_at, as checks are.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Building, Room

OFFICE_KINDS = (Room.Kind.LEADER_OFFICE, Room.Kind.OFFICE)


class ServiceKind(models.TextChoices):
    CLEANING = "cleaning", _("Cleaning round")
    TEA = "tea", _("Tea and visitor service")


class Recurrence(models.TextChoices):
    DAILY = "daily", _("Every day, weekends and holidays too")
    WORKING_DAYS = "working_days", _("Every working day")
    WEEKDAYS = "weekdays", _("On set weekdays (working days only)")


class ServicePlan(models.Model):
    room = models.ForeignKey(
        Room,
        verbose_name=_("office"),
        on_delete=models.CASCADE,
        related_name="service_plans",
        limit_choices_to={"kind__in": OFFICE_KINDS},
    )
    kind = models.CharField(_("service"), max_length=12, choices=ServiceKind.choices)
    recurrence = models.CharField(
        _("recurrence"),
        max_length=16,
        choices=Recurrence.choices,
        default=Recurrence.WORKING_DAYS,
    )
    # Monday = 0 ... Sunday = 6; read only for Recurrence.WEEKDAYS.
    weekdays = models.JSONField(_("weekdays"), default=list, blank=True)
    start_time = models.TimeField(_("starts at"))
    minutes = models.PositiveSmallIntegerField(
        _("minutes"), default=30, validators=[MinValueValidator(5), MaxValueValidator(8 * 60)]
    )
    staff_needed = models.PositiveSmallIntegerField(
        _("people"), default=1, validators=[MinValueValidator(1), MaxValueValidator(6)]
    )
    note = models.CharField(_("note"), max_length=200, blank=True)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("office service plan")
        verbose_name_plural = _("office service plans")
        ordering = ["room", "start_time"]

    def __str__(self) -> str:
        return f"{self.room} · {self.get_kind_display()} {self.start_time:%H:%M}"


class RoundStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class RoundQuerySet(models.QuerySet):
    def active(self) -> "RoundQuerySet":
        return self.exclude(status=RoundStatus.CANCELLED)


class OfficeRound(models.Model):
    plan = models.ForeignKey(
        ServicePlan,
        verbose_name=_("plan"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="rounds",
    )
    room = models.ForeignKey(
        Room, verbose_name=_("office"), on_delete=models.PROTECT, related_name="office_rounds"
    )
    # Denormalised from the room, as on duties: dashboards and figures count by building.
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("service"), max_length=12, choices=ServiceKind.choices)
    start = models.DateTimeField(_("starts at"))
    end = models.DateTimeField(_("due by"))
    staff_needed = models.PositiveSmallIntegerField(_("people"), default=1)
    # A leader's office is served only by authorised staff (授权上岗).
    needs_authorisation = models.BooleanField(_("authorised staff only"), default=False)
    what = models.CharField(_("what"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RoundStatus.choices, default=RoundStatus.SCHEDULED
    )
    created_at = models.DateTimeField(_("created at"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    item_results = models.JSONField(_("checklist"), default=list, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    objects = RoundQuerySet.as_manager()

    class Meta:
        verbose_name = _("office round")
        verbose_name_plural = _("office rounds")
        ordering = ["start", "id"]
        constraints = [
            # Generating a week's rounds twice makes them once.
            models.UniqueConstraint(fields=["plan", "start"], name="one_round_per_plan_and_start"),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="round_ends_after_start"
            ),
        ]
        indexes = [
            # A day's rounds (dispatcher, dashboards, figures).
            models.Index(fields=["start"], name="round_start_idx"),
            # The escalation sweeper: scheduled rounds whose window is over.
            models.Index(
                fields=["end"],
                name="round_to_escalate_idx",
                condition=models.Q(status="scheduled", escalated_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return (
            f"{self.room} · {self.get_kind_display()} {timezone.localtime(self.start):%m-%d %H:%M}"
        )

    @property
    def done_on_time(self) -> bool:
        return self.done_at is not None and self.done_at <= self.end
