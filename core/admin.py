from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from core.models import AuditEntry, CalendarDay, HolidayYear, Notification, OutboxEmail


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: changes go through the services, which audit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_name", "action", "object_repr", "from_state", "to_state")
    list_filter = ("action", "content_type")
    search_fields = ("object_repr", "actor_name", "note")
    date_hierarchy = "at"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "recipient", "kind", "title", "read_at")
    list_filter = ("kind",)


@admin.register(OutboxEmail)
class OutboxEmailAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "to", "subject", "sent_at", "attempts")


@admin.register(HolidayYear)
class HolidayYearAdmin(admin.ModelAdmin):
    list_display = ("year", "confirmed", "note")
    list_editable = ("confirmed",)


@admin.register(CalendarDay)
class CalendarDayAdmin(admin.ModelAdmin):
    list_display = ("date", "kind", "name", "source", "year_state")
    list_filter = ("kind", "source")
    date_hierarchy = "date"
    readonly_fields = ("source",)

    @admin.display(description=_("year"))
    def year_state(self, obj):
        year = HolidayYear.objects.filter(year=obj.date.year).first()
        if year is None or not year.confirmed:
            return _("unconfirmed")
        return _("confirmed")

    def save_model(self, request, obj, form, change):
        # A day entered or corrected by hand survives the next seeding from the packages.
        obj.source = "manual"
        super().save_model(request, obj, form, change)
