"""The roster in the admin: people, teams, shifts, absences and staffing rules are edited here;
duties are read-only (they change through staffing.services, design.md invariant 5)."""

from django.contrib import admin

from staffing.models import Absence, Duty, Shift, Staff, StaffingRule, Team


class ShiftInline(admin.TabularInline):
    model = Shift
    extra = 0


class AbsenceInline(admin.TabularInline):
    model = Absence
    extra = 0


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    list_display = ("employee_no", "name", "position", "team", "home_building", "active")
    list_filter = ("position", "team", "home_building", "is_group_leader", "active")
    search_fields = ("employee_no", "name", "phone")
    raw_id_fields = ("user",)
    inlines = [ShiftInline, AbsenceInline]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "building")


@admin.register(Shift)
class ShiftAdmin(admin.ModelAdmin):
    list_display = ("staff", "kind", "start", "end", "hotline")
    list_filter = ("kind", "hotline")
    date_hierarchy = "start"
    raw_id_fields = ("staff",)


@admin.register(Absence)
class AbsenceAdmin(admin.ModelAdmin):
    list_display = ("staff", "kind", "start", "end")
    list_filter = ("kind",)
    raw_id_fields = ("staff",)


@admin.register(StaffingRule)
class StaffingRuleAdmin(admin.ModelAdmin):
    list_display = ("role", "levels", "fixed", "attendees_per_person", "count_from_order", "active")
    list_filter = ("role", "active")


@admin.register(Duty)
class DutyAdmin(admin.ModelAdmin):
    list_display = ("staff", "role", "meeting", "building", "start", "end", "status")
    list_filter = ("status", "role", "building")
    date_hierarchy = "start"
    list_select_related = ("staff", "meeting", "building")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
