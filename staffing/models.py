"""The roster: staff, their clearance, shifts, absences, duties on meetings, staffing rules."""

import datetime as dt

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.models import Building, Meeting, OrderKind
from offices.models import OfficeRound


class Position(models.TextChoices):
    SUPERVISOR = "supervisor", _("Customer-service supervisor")
    LOBBY_MANAGER = "lobby_manager", _("Lobby manager")
    CLERK = "clerk", _("Information-centre clerk")
    AUDIO_TECH = "audio_tech", _("Audio-control technician")
    ATTENDANT = "attendant", _("Meeting-service attendant")


class Skill(models.TextChoices):
    ETIQUETTE = "etiquette", _("Etiquette / hostess")
    TEA = "tea", _("Tea service")
    AUDIO = "audio", _("Audio control")
    CLEANING = "cleaning", _("Cleaning")
    RECEPTION = "reception", _("Reception")


class Team(models.Model):
    name = models.CharField(_("name"), max_length=50, unique=True)
    building = models.ForeignKey(
        Building, verbose_name=_("building"), null=True, blank=True, on_delete=models.SET_NULL
    )

    class Meta:
        verbose_name = _("team")
        verbose_name_plural = _("teams")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Staff(models.Model):
    employee_no = models.CharField(_("employee number"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    position = models.CharField(_("position"), max_length=20, choices=Position.choices)
    team = models.ForeignKey(
        Team, verbose_name=_("team"), null=True, blank=True, on_delete=models.SET_NULL
    )
    home_building = models.ForeignKey(
        Building,
        verbose_name=_("home building"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    skills = models.JSONField(_("skills"), default=list, blank=True)
    is_group_leader = models.BooleanField(_("service group leader"), default=False)
    is_env_supervisor = models.BooleanField(_("environment supervisor"), default=False)
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="staff",
    )
    active = models.BooleanField(_("active"), default=True)
    # Clearance (保密, 授权上岗).
    background_checked_on = models.DateField(_("background check"), null=True, blank=True)
    no_criminal_record_on = models.DateField(
        _("no-criminal-record certificate"), null=True, blank=True
    )
    guarantor = models.CharField(_("guarantor"), max_length=50, blank=True)
    confidentiality_trained_on = models.DateField(
        _("confidentiality training"), null=True, blank=True
    )
    authorised_until = models.DateField(_("authorised until"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        ordering = ["employee_no"]

    def __str__(self) -> str:
        return f"{self.name}（{self.employee_no}）"

    def has_skill(self, skill: str) -> bool:
        return skill in (self.skills or [])

    def is_authorised_on(self, day: dt.date) -> bool:
        """Authorised to work where confidential information is seen (授权上岗): checked,
        certified, trained, and the authorisation has not run out."""
        return bool(
            self.background_checked_on
            and self.no_criminal_record_on
            and self.confidentiality_trained_on
            and self.authorised_until
            and self.authorised_until >= day
        )


class ShiftKind(models.TextChoices):
    DAY = "day", pgettext_lazy("shift", "Day")
    EVENING = "evening", _("Evening")
    NIGHT = "night", _("Night")
    ON_CALL = "on_call", _("On call")


class Shift(models.Model):
    staff = models.ForeignKey(
        Staff, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="shifts"
    )
    kind = models.CharField(_("shift"), max_length=10, choices=ShiftKind.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    # The information-centre clerks staff the service hotline in shifts.
    hotline = models.BooleanField(_("hotline shift"), default=False)

    class Meta:
        verbose_name = _("shift")
        verbose_name_plural = _("shifts")
        ordering = ["start"]
        indexes = [
            # "Is this person on shift during [start, end)?" and "who is on shift now?"
            models.Index(fields=["staff", "start"], name="shift_staff_idx"),
            models.Index(fields=["start", "end"], name="shift_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_kind_display()} {self.start:%Y-%m-%d}"


class AbsenceKind(models.TextChoices):
    LEAVE = "leave", _("Leave")
    SICK = "sick", _("Sick")
    TRAINING = "training", _("Training")


class Absence(models.Model):
    staff = models.ForeignKey(
        Staff, verbose_name=_("staff member"), on_delete=models.CASCADE, related_name="absences"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=AbsenceKind.choices)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("absence")
        verbose_name_plural = _("absences")
        ordering = ["start"]
        indexes = [models.Index(fields=["staff", "start"], name="absence_staff_idx")]

    def __str__(self) -> str:
        return f"{self.staff} {self.get_kind_display()}"


class DutyRole(models.TextChoices):
    LEAD = "lead", _("Lead")
    ATTENDANT = "attendant", _("Attendant")
    HOSTESS = "hostess", _("Etiquette hostess")
    AUDIO = "audio", _("Audio operator")
    RECEPTION = "reception", _("Reception")
    OFFICE = "office", _("Office service")


class DutyStatus(models.TextChoices):
    ASSIGNED = "assigned", _("Assigned")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    RELEASED = "released", _("Released")


class DutyQuerySet(models.QuerySet):
    def active(self) -> "DutyQuerySet":
        return self.exclude(status=DutyStatus.RELEASED)


class Duty(models.Model):
    """A person on a meeting (from arrival, 30 minutes before the start, to end + teardown) or
    on an office round (its window). Exactly one of `meeting` and `office_round` is set."""

    staff = models.ForeignKey(
        Staff, verbose_name=_("staff member"), on_delete=models.PROTECT, related_name="duties"
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="duties",
    )
    office_round = models.ForeignKey(
        OfficeRound,
        verbose_name=_("office round"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="duties",
    )
    role = models.CharField(_("duty"), max_length=12, choices=DutyRole.choices)
    # Denormalised from the meeting's room: the lead rule ("one building") and the building
    # dashboards read it without a join.
    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateTimeField(_("arrival"))
    end = models.DateTimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=12, choices=DutyStatus.choices, default=DutyStatus.ASSIGNED
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived at"), null=True, blank=True)
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    release_reason = models.CharField(_("why released"), max_length=200, blank=True)

    objects = DutyQuerySet.as_manager()

    class Meta:
        verbose_name = _("duty")
        verbose_name_plural = _("duties")
        ordering = ["start", "id"]
        constraints = [
            # One active duty per person per meeting.
            models.UniqueConstraint(
                fields=["meeting", "staff"],
                condition=~models.Q(status="released"),
                name="one_active_duty_per_person_and_meeting",
            ),
            models.UniqueConstraint(
                fields=["office_round", "staff"],
                condition=~models.Q(status="released"),
                name="one_active_duty_per_person_and_round",
            ),
            models.CheckConstraint(
                condition=models.Q(meeting__isnull=True) ^ models.Q(office_round__isnull=True),
                name="duty_on_a_meeting_or_a_round",
            ),
        ]
        indexes = [
            # The overlap check and "my duties": one person, a time window.
            models.Index(fields=["staff", "start"], name="duty_staff_time_idx"),
            # A day's duties across people (dispatcher, dashboards).
            models.Index(fields=["start"], name="duty_start_idx"),
        ]

    def __str__(self) -> str:
        return (
            f"{self.staff.name} · {self.get_role_display()} · {self.meeting or self.office_round}"
        )


class StaffingRule(models.Model):
    """How many people of one duty a meeting needs. Per duty, the largest matching rule wins.

    count = fixed + ceil(attendees / attendees_per_person) + the quantity of `count_from_order`
    (when the meeting has that order open). `only_if_av` restricts the rule to meetings with
    an audio-visual order asking for an operator, recording, video conference or interpretation.
    """

    role = models.CharField(_("duty"), max_length=12, choices=DutyRole.choices)
    levels = models.CharField(
        _("service levels"), max_length=3, default="ABC", help_text=_("e.g. ABC, AB or A.")
    )
    fixed = models.PositiveSmallIntegerField(_("fixed number"), default=0)
    attendees_per_person = models.PositiveSmallIntegerField(
        _("one per this many attendees"), null=True, blank=True
    )
    count_from_order = models.CharField(
        _("number from the order"), max_length=20, choices=OrderKind.choices, blank=True
    )
    only_if_av = models.BooleanField(_("only when audio-visual service is ordered"), default=False)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("staffing rule")
        verbose_name_plural = _("staffing rules")
        ordering = ["role", "id"]

    def __str__(self) -> str:
        return f"{self.get_role_display()} ({self.levels})"
