"""The catalogue: buildings, equipment, rooms, hosting units, leaders."""

from datetime import timedelta

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
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
