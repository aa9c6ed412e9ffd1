import datetime as dt

from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.utils.translation import gettext_lazy as _

from core.models import AuditEntry, CalendarDay, HolidayYear, Notification, OutboxEmail
from core.timeutils import day_bounds


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never changed here: changes go through the services, which audit them."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class DateRangeFilter(admin.FieldListFilter):
    """From one local day to another, both included: `?at_from=2026-11-01&at_to=2026-11-30`.

    Django's own date filter offers fixed spans only, and its raw `at__gte` parameters take naive
    datetimes; here the days become aware bounds in the site's time zone, so the filter stays a
    plain range on the indexed column.
    """

    template = "admin/core/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.from_param = f"{field_path}_from"
        self.to_param = f"{field_path}_to"
        super().__init__(field, request, params, model, model_admin, field_path)
        self.title = _("date range")

    def expected_parameters(self):
        return [self.from_param, self.to_param]

    def _day(self, param: str) -> dt.date | None:
        value = self.used_parameters.get(param)
        if isinstance(value, list):
            value = value[-1] if value else None
        if not value:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError as error:
            raise IncorrectLookupParameters(error) from error

    def queryset(self, request, queryset):
        first, last = self._day(self.from_param), self._day(self.to_param)
        if first:
            queryset = queryset.filter(**{f"{self.field_path}__gte": day_bounds(first)[0]})
        if last:
            queryset = queryset.filter(**{f"{self.field_path}__lt": day_bounds(last)[1]})
        return queryset

    def choices(self, changelist):
        mine = {self.from_param, self.to_param}
        yield {
            "from_param": self.from_param,
            "to_param": self.to_param,
            "from_value": self._raw(self.from_param),
            "to_value": self._raw(self.to_param),
            # The other filters and the search stay as they are when a range is applied.
            "kept": [
                (name, value) for name, value in changelist.params.items() if name not in mine
            ],
            "clear_url": changelist.get_query_string(remove=list(mine)),
        }

    def _raw(self, param: str) -> str:
        value = self.used_parameters.get(param) or ""
        return value[-1] if isinstance(value, list) and value else value


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """The auditor's view of the trail: narrowed by what happened, to what kind of object, by
    whom, over which days and between which states; searched by object, person or note."""

    list_display = (
        "at",
        "actor_name",
        "action",
        "content_type",
        "object_repr",
        "from_state",
        "to_state",
    )
    list_filter = (
        "action",
        ("content_type", admin.RelatedOnlyFieldListFilter),
        ("actor", admin.RelatedOnlyFieldListFilter),
        ("at", DateRangeFilter),
        "from_state",
        "to_state",
    )
    # `object_id` exactly, so "42" finds meeting 42 and not 142 or 420.
    search_fields = ("object_repr", "=object_id", "actor_name", "actor__username", "note")
    search_help_text = _("Search by object, person (name or username) or note.")
    date_hierarchy = "at"
    # The object type column would otherwise cost a query per row; the actor column is the stored
    # name, so joining the users (Django's default here) would be waste.
    list_select_related = ("content_type",)
    # The trail grows without bound; a COUNT(*) of all of it on every filtered page is waste.
    show_full_result_count = False
    list_per_page = 50


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
