from django.contrib import admin

from bookings.models import Building, Equipment, HostingUnit, Leader, Meeting, Room
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
