from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from bookings.models import (
    Building,
    Equipment,
    HostingUnit,
    Leader,
    Meeting,
    MeetingSeries,
    PackageItem,
    Room,
    ServiceOrder,
    SizingRule,
)
from core.admin import ReadOnlyAdmin


@admin.register(Building)
class BuildingAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "sort_order")


@admin.register(Equipment)
class EquipmentAdmin(admin.ModelAdmin):
    list_display = ("name", "code")


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ("number", "name", "building", "floor", "kind", "capacity", "in_service")
    list_filter = ("building", "kind", "in_service", "equipment")
    search_fields = ("number", "name")
    filter_horizontal = ("equipment",)


@admin.register(HostingUnit)
class HostingUnitAdmin(admin.ModelAdmin):
    list_display = ("name", "short_name", "contact_name", "contact_phone")
    search_fields = ("name", "short_name")


@admin.register(Leader)
class LeaderAdmin(admin.ModelAdmin):
    list_display = ("name", "title", "rank", "unit")
    list_filter = ("rank",)
    search_fields = ("name",)


@admin.register(Meeting)
class MeetingAdmin(ReadOnlyAdmin):
    """Read-only: meetings change only through bookings.services (audited, signalled)."""

    list_display = ("start", "title", "room", "hosting_unit", "attendees", "status")
    list_filter = ("status", "confidentiality", "room__building")
    search_fields = ("title",)
    date_hierarchy = "start"
    list_select_related = ("room", "room__building", "hosting_unit")


class SizingRuleForm(forms.ModelForm):
    class Meta:
        model = SizingRule
        fields = (
            "position",
            "hosting_unit",
            "min_leader_rank",
            "min_attendees",
            "max_attendees",
            "level",
            "reason",
            "active",
        )

    def clean(self):
        data = super().clean()
        low, high = data.get("min_attendees"), data.get("max_attendees")
        if low and high and low > high:
            self.add_error("max_attendees", _("The most attendees cannot be fewer than the least."))
        return data


@admin.register(SizingRule)
class SizingRuleAdmin(admin.ModelAdmin):
    """The sizing table: the first active rule, by order, whose conditions all hold decides a
    meeting's level. A change applies to meetings booked or re-sized afterwards."""

    form = SizingRuleForm
    list_display = (
        "reason",
        "position",
        "level",
        "hosting_unit",
        "min_leader_rank",
        "min_attendees",
        "max_attendees",
        "active",
    )
    list_display_links = ("reason",)
    list_editable = ("position",)
    list_filter = ("level", "active")
    ordering = ("position", "id")
    list_select_related = ("hosting_unit",)


@admin.register(PackageItem)
class PackageItemAdmin(admin.ModelAdmin):
    """What each level proposes; the clerk edits a meeting's orders afterwards."""

    list_display = ("level", "kind", "quantity", "details")
    list_filter = ("level", "kind")
    ordering = ("level", "kind")


@admin.register(ServiceOrder)
class ServiceOrderAdmin(ReadOnlyAdmin):
    """Read-only: orders change only through bookings.orders (audited)."""

    list_display = ("due_at", "kind", "department", "status", "quantity", "meeting")
    list_filter = ("department", "status", "kind")
    date_hierarchy = "due_at"
    list_select_related = ("meeting",)


@admin.register(MeetingSeries)
class MeetingSeriesAdmin(ReadOnlyAdmin):
    """Read-only: series are booked and changed through the booking services."""

    list_display = ("title", "frequency", "first_date", "until", "count", "created_at")
    list_filter = ("frequency", "working_days_only")
    search_fields = ("title",)
