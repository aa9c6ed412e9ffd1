"""Meetings and their states."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models.catalogue import (
    MAX_OCCUPANCY,
    HostingUnit,
    Layout,
    Leader,
    LeaderRank,
    Room,
)
from bookings.models.sizing import ServiceLevel


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
    level = models.CharField(
        _("service level"), max_length=1, choices=ServiceLevel.choices, default=ServiceLevel.C
    )
    level_reason = models.CharField(_("why this level"), max_length=100, blank=True)
    series = models.ForeignKey(
        "bookings.MeetingSeries",
        verbose_name=_("series"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="occurrences",
    )
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
