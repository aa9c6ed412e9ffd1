"""ChecklistItem is edited here; checks and incidents change only through the services, so the
admin lists them read-only (design.md, invariant 5)."""

from django.contrib import admin

from inspections.models import Check, ChecklistItem, Incident


@admin.register(ChecklistItem)
class ChecklistItemAdmin(admin.ModelAdmin):
    list_display = ["check_level", "position", "text", "service_levels", "active"]
    list_filter = ["check_level", "active"]
    list_editable = ["position", "active"]
    search_fields = ["text"]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Check)
class CheckAdmin(ReadOnlyAdmin):
    list_display = [
        "meeting",
        "level",
        "due_at",
        "status",
        "result",
        "responsible",
        "notified_at",
        "escalated_at",
        "done_at",
    ]
    list_filter = ["status", "level", "result"]
    list_select_related = ["meeting", "responsible"]
    date_hierarchy = "due_at"


@admin.register(Incident)
class IncidentAdmin(ReadOnlyAdmin):
    list_display = ["reported_at", "category", "severity", "room", "meeting", "resolved_at"]
    list_filter = ["category", "severity"]
    list_select_related = ["room", "meeting"]
    date_hierarchy = "reported_at"
