"""Service orders: what each department prepares for a meeting, and by when."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models.meetings import Meeting
from bookings.models.sizing import ServiceLevel


class Department(models.TextChoices):
    MEETING_SERVICE = "meeting_service", _("Meeting service")
    AUDIO_CONTROL = "audio_control", _("Audio control")
    ENVIRONMENT = "environment", _("Environment")
    ENGINEERING = "engineering", _("Engineering")
    SECURITY = "security", _("Security")


class OrderKind(models.TextChoices):
    BANNER = "banner", _("Banner (会标)")
    NAME_PLATES = "name_plates", _("Name plates")
    LAYOUT = "layout", _("Venue layout")
    FLOWERS = "flowers", _("Flowers")
    HOSTESSES = "hostesses", _("Etiquette hostesses")
    TEA = "tea", _("Tea, water and fruit")
    AUDIO_VISUAL = "audio_visual", _("Audio-visual")
    LIGHTING_AC = "lighting_ac", _("Lighting and air conditioning")
    PARKING_ACCESS = "parking_access", _("Parking and guest access")


# Which department fulfils each kind of order.
KIND_DEPARTMENT = {
    OrderKind.BANNER: Department.MEETING_SERVICE,
    OrderKind.NAME_PLATES: Department.MEETING_SERVICE,
    OrderKind.LAYOUT: Department.MEETING_SERVICE,
    OrderKind.HOSTESSES: Department.MEETING_SERVICE,
    OrderKind.TEA: Department.MEETING_SERVICE,
    OrderKind.FLOWERS: Department.ENVIRONMENT,
    OrderKind.AUDIO_VISUAL: Department.AUDIO_CONTROL,
    OrderKind.LIGHTING_AC: Department.ENGINEERING,
    OrderKind.PARKING_ACCESS: Department.SECURITY,
}

# How long before the start each kind must be ready: the banner is made the day before, the
# room is laid out before the level-1 check (2 h), tea is set when attendants arrive (30 min).
KIND_LEAD_MINUTES = {
    OrderKind.BANNER: 24 * 60,
    OrderKind.NAME_PLATES: 4 * 60,
    OrderKind.LAYOUT: 2 * 60,
    OrderKind.FLOWERS: 2 * 60,
    OrderKind.AUDIO_VISUAL: 60,
    OrderKind.LIGHTING_AC: 60,
    OrderKind.PARKING_ACCESS: 60,
    OrderKind.HOSTESSES: 30,
    OrderKind.TEA: 30,
}


class OrderStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged")
    PREPARED = "prepared", _("Prepared")
    DELIVERED = "delivered", _("Delivered")
    CANCELLED = "cancelled", _("Cancelled")


# The only forward moves; anything else is refused by the order services.
NEXT_STATUS = {
    OrderStatus.REQUESTED: OrderStatus.ACKNOWLEDGED,
    OrderStatus.ACKNOWLEDGED: OrderStatus.PREPARED,
    OrderStatus.PREPARED: OrderStatus.DELIVERED,
}
OPEN_STATUSES = (OrderStatus.REQUESTED, OrderStatus.ACKNOWLEDGED, OrderStatus.PREPARED)


class ServiceOrder(models.Model):
    """One service for one meeting, routed to its department. One order per kind per meeting.

    `details` holds what the kind needs: banner {"text"}; name plates {"plates": [{"name",
    "title", "rank", "seat"}]}; audio-visual {"operator", "recording", "video_conference",
    "interpretation"}; tea {"tea", "water", "fruit", "towels"}; parking {"vehicles", "guests"}.
    """

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="orders"
    )
    kind = models.CharField(_("service"), max_length=20, choices=OrderKind.choices)
    department = models.CharField(_("department"), max_length=20, choices=Department.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=OrderStatus.choices, default=OrderStatus.REQUESTED
    )
    due_at = models.DateTimeField(_("due"))
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("created"))
    updated_at = models.DateTimeField(_("updated"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("service order")
        verbose_name_plural = _("service orders")
        ordering = ["due_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "kind"], name="one_order_per_kind"),
        ]
        indexes = [
            # A department's queue: its open orders by due time.
            models.Index(fields=["department", "status", "due_at"], name="order_queue_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.meeting}"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class PackageItem(models.Model):
    """The default service package a level proposes; the clerk edits the orders afterwards."""

    level = models.CharField(_("service level"), max_length=1, choices=ServiceLevel.choices)
    kind = models.CharField(_("service"), max_length=20, choices=OrderKind.choices)
    quantity = models.PositiveIntegerField(_("quantity"), default=0)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("package item")
        verbose_name_plural = _("default service packages")
        ordering = ["level", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["level", "kind"], name="one_package_item_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.level}: {self.get_kind_display()}"
