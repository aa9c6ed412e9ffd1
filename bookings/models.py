"""The catalogue (buildings, rooms, equipment, hosting units, leaders) and meetings."""

from datetime import timedelta

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# A meeting lasts at most this long (longer events are a series); availability queries use
# the bound to stay on an index.
MAX_MEETING = timedelta(hours=12)
MAX_SETUP_MINUTES = 240
# The longest a room can be occupied by one meeting: the meeting plus setup and teardown.
MAX_OCCUPANCY = MAX_MEETING + timedelta(minutes=2 * MAX_SETUP_MINUTES)


class Building(models.Model):
    code = models.SlugField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=50)
    name_en = models.CharField(_("English name"), max_length=50, blank=True)
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("building")
        verbose_name_plural = _("buildings")
        ordering = ["sort_order", "name"]

    def __str__(self) -> str:
        return self.name


class Equipment(models.Model):
    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=50)

    class Meta:
        verbose_name = _("equipment")
        verbose_name_plural = _("equipment")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Layout(models.TextChoices):
    THEATRE = "theatre", _("Theatre")
    CLASSROOM = "classroom", _("Classroom")
    U_SHAPE = "u_shape", _("U-shape")
    BOARDROOM = "boardroom", _("Boardroom")
    ROUND_TABLE = "round_table", _("Round table")


class Room(models.Model):
    class Kind(models.TextChoices):
        MEETING = "meeting", _("Meeting room")
        LEADER_OFFICE = "leader_office", _("Leader's office")
        OFFICE = "office", _("Office")

    building = models.ForeignKey(
        Building, verbose_name=_("building"), on_delete=models.PROTECT, related_name="rooms"
    )
    number = models.CharField(_("room number"), max_length=20)
    name = models.CharField(_("name"), max_length=100)
    floor = models.SmallIntegerField(_("floor"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices, default=Kind.MEETING)
    capacity = models.PositiveIntegerField(_("seats"), validators=[MinValueValidator(1)])
    setup_minutes = models.PositiveSmallIntegerField(
        _("default setup minutes"), default=15, validators=[MaxValueValidator(MAX_SETUP_MINUTES)]
    )
    teardown_minutes = models.PositiveSmallIntegerField(
        _("default teardown minutes"),
        default=10,
        validators=[MaxValueValidator(MAX_SETUP_MINUTES)],
    )
    layouts = models.JSONField(_("layouts"), default=list, blank=True)
    equipment = models.ManyToManyField(Equipment, verbose_name=_("equipment"), blank=True)
    in_service = models.BooleanField(_("in service"), default=True)

    class Meta:
        verbose_name = _("room")
        verbose_name_plural = _("rooms")
        ordering = ["building__sort_order", "floor", "number"]
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="room_number_unique")
        ]

    def __str__(self) -> str:
        return f"{self.building.name} {self.number} {self.name}"

    @property
    def layout_labels(self) -> list[str]:
        return [str(Layout(code).label) for code in self.layouts if code in Layout.values]


class HostingUnit(models.Model):
    """A unit that convenes meetings (会议召开的单位)."""

    name = models.CharField(_("full name"), max_length=100, unique=True)
    short_name = models.CharField(_("short name"), max_length=30)
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_email = models.EmailField(_("contact e-mail"), blank=True)

    class Meta:
        verbose_name = _("hosting unit")
        verbose_name_plural = _("hosting units")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.short_name or self.name


class LeaderRank(models.TextChoices):
    NONE = "none", _("No leader")
    SECTION = "section", _("Section level (科级)")
    DIVISION = "division", _("Division level (处级)")
    BUREAU = "bureau", _("Bureau level (局级)")
    DISTRICT = "district", _("District level (区级)")


# Seniority for sorting: higher is more senior.
RANK_ORDER = {
    LeaderRank.NONE: 0,
    LeaderRank.SECTION: 1,
    LeaderRank.DIVISION: 2,
    LeaderRank.BUREAU: 3,
    LeaderRank.DISTRICT: 4,
}


class Leader(models.Model):
    name = models.CharField(_("name"), max_length=50)
    title = models.CharField(_("post"), max_length=100, blank=True)
    rank = models.CharField(_("rank"), max_length=16, choices=LeaderRank.choices)
    unit = models.ForeignKey(
        HostingUnit, verbose_name=_("unit"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # Sensitive: shown only to authorised staff serving this leader's meetings (issue 3).
    service_notes = models.TextField(_("service notes"), blank=True)

    class Meta:
        verbose_name = _("leader")
        verbose_name_plural = _("leaders")
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name}（{self.title}）" if self.title else self.name


class Confidentiality(models.TextChoices):
    NORMAL = "normal", _("Normal (普通)")
    INTERNAL = "internal", _("Internal (内部)")
    SECRET = "secret", _("Secret (涉密)")


class MeetingStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


class MeetingQuerySet(models.QuerySet):
    def active(self) -> "MeetingQuerySet":
        return self.exclude(status=MeetingStatus.CANCELLED)

    def occupying(self, room_id: int, occupied_from, occupied_until) -> "MeetingQuerySet":
        """Active meetings whose occupied window overlaps [from, until) in one room.

        The one overlap predicate in Python: the services check it before saving (the only
        guard on SQLite, inside an IMMEDIATE transaction) and check_invariants uses it. The
        lower bound on occupied_from keeps the query on the room/time index.
        """
        return self.active().filter(
            room_id=room_id,
            occupied_from__lt=occupied_until,
            occupied_until__gt=occupied_from,
            occupied_from__gt=occupied_from - MAX_OCCUPANCY,
        )


class Meeting(models.Model):
    room = models.ForeignKey(
        Room, verbose_name=_("room"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    hosting_unit = models.ForeignKey(
        HostingUnit, verbose_name=_("hosting unit"), on_delete=models.PROTECT
    )
    contact_name = models.CharField(_("contact"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    start = models.DateTimeField(_("start"))
    end = models.DateTimeField(_("end"))
    attendees = models.PositiveIntegerField(_("attendees"))
    leader = models.ForeignKey(
        Leader,
        verbose_name=_("convening leader"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
    )
    leader_rank = models.CharField(
        _("convening leader's rank"),
        max_length=16,
        choices=LeaderRank.choices,
        default=LeaderRank.NONE,
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=16,
        choices=Confidentiality.choices,
        default=Confidentiality.NORMAL,
    )
    layout = models.CharField(_("layout"), max_length=20, choices=Layout.choices, blank=True)
    setup_minutes = models.PositiveSmallIntegerField(_("setup minutes"))
    teardown_minutes = models.PositiveSmallIntegerField(_("teardown minutes"))
    # Derived by the services from start/end and setup/teardown; stored for the constraint.
    occupied_from = models.DateTimeField(_("occupied from"), editable=False)
    occupied_until = models.DateTimeField(_("occupied until"), editable=False)
    notes = models.TextField(_("notes"), blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=MeetingStatus.choices, default=MeetingStatus.REQUESTED
    )
    cancel_reason = models.CharField(_("reason for cancelling"), max_length=200, blank=True)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    booked_at = models.DateTimeField(_("booked at"))
    # Bumped by every change: a save made from an older version is refused, not merged.
    version = models.PositiveIntegerField(default=1)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["start", "room_id"]
        permissions = [("view_secret_meeting", _("Can see the details of secret meetings"))]
        indexes = [
            # The overlap check and the room's day/week views: one room, a time window.
            models.Index(fields=["room", "occupied_from"], name="meeting_room_time_idx"),
            # Day lists across rooms ("what is on tomorrow?").
            models.Index(fields=["start"], name="meeting_start_idx"),
        ]

    def __str__(self) -> str:
        return f"{timezone.localtime(self.start):%Y-%m-%d %H:%M} {self.title}"

    @property
    def is_active(self) -> bool:
        return self.status != MeetingStatus.CANCELLED
