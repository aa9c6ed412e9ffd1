from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from offices.models import OFFICE_KINDS, OfficeRound, Recurrence, ServicePlan

WEEKDAYS = [
    (0, _("Monday")),
    (1, _("Tuesday")),
    (2, _("Wednesday")),
    (3, _("Thursday")),
    (4, _("Friday")),
    (5, _("Saturday")),
    (6, _("Sunday")),
]


class ServicePlanForm(forms.ModelForm):
    weekdays = forms.TypedMultipleChoiceField(
        label=_("weekdays"),
        choices=WEEKDAYS,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    class Meta:
        model = ServicePlan
        fields = (
            "room",
            "kind",
            "recurrence",
            "weekdays",
            "start_time",
            "minutes",
            "staff_needed",
            "note",
            "active",
        )

    def clean(self):
        data = super().clean()
        room = data.get("room")
        if room is not None and room.kind not in OFFICE_KINDS:
            self.add_error("room", _("Please choose an office."))
        if data.get("recurrence") == Recurrence.WEEKDAYS and not data.get("weekdays"):
            self.add_error("weekdays", _("Choose at least one weekday."))
        return data


@admin.register(ServicePlan)
class ServicePlanAdmin(admin.ModelAdmin):
    """Plans are configuration: the supervisor edits them here; rounds follow from them."""

    form = ServicePlanForm
    list_display = ("room", "kind", "recurrence", "start_time", "minutes", "staff_needed", "active")
    list_filter = ("kind", "recurrence", "active", "room__building")
    search_fields = ("room__name", "room__number", "note")
    autocomplete_fields = ("room",)


@admin.register(OfficeRound)
class OfficeRoundAdmin(admin.ModelAdmin):
    """Read-only: rounds change through the services (tick-off, cancel), which audit them."""

    list_display = ("start", "end", "room", "kind", "status", "done_at", "escalated_at")
    list_filter = ("status", "kind", "building")
    date_hierarchy = "start"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
