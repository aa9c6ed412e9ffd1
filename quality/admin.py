"""Inspection templates and their items are edited here; inspections, findings and corrective
actions change only through `quality.services`, so the admin lists them read-only."""

from django.contrib import admin

from quality.models import CorrectiveAction, Inspection, InspectionTemplate, TemplateItem


class TemplateItemInline(admin.TabularInline):
    model = TemplateItem
    extra = 1
    fields = ["position", "text", "weight"]


@admin.register(InspectionTemplate)
class InspectionTemplateAdmin(admin.ModelAdmin):
    list_display = ["name", "applies_to", "active"]
    list_filter = ["applies_to", "active"]
    list_editable = ["active"]
    search_fields = ["name"]
    inlines = [TemplateItemInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ["inspected_at", "building", "room", "meeting", "inspector", "score"]
    list_filter = ["building", "template"]
    list_select_related = ["building", "room__building", "meeting", "inspector"]
    date_hierarchy = "inspected_at"


@admin.register(CorrectiveAction)
class CorrectiveActionAdmin(ReadOnlyAdmin):
    list_display = ["finding", "assignee", "due_on", "status", "closed_at"]
    list_filter = ["status"]
    list_select_related = ["finding", "assignee"]
    date_hierarchy = "due_on"
