"""The meeting list's filters. They only parse input; bookings.views.lists queries."""

import datetime as dt

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Building, HostingUnit, MeetingStatus, Room, ServiceLevel

# Status "" means the active meetings (requested and confirmed): what a clerk means by "the
# meetings"; cancelled ones are asked for by name, or all of them.
STATUS_ALL = "all"

# The longest range a list may span: a year and a day, so a whole year fits.
MAX_RANGE = dt.timedelta(days=366)


def period_bounds(code: str, today: dt.date) -> tuple[dt.date, dt.date] | None:
    """The first and last day of a named period; weeks run Monday to Sunday."""
    monday = today - dt.timedelta(days=today.weekday())
    periods = {
        "today": (today, today),
        "tomorrow": (today + dt.timedelta(days=1), today + dt.timedelta(days=1)),
        "this_week": (monday, monday + dt.timedelta(days=6)),
        "next_week": (monday + dt.timedelta(days=7), monday + dt.timedelta(days=13)),
    }
    return periods.get(code)


PERIODS = [
    ("today", gettext_lazy("Today")),
    ("tomorrow", gettext_lazy("Tomorrow")),
    ("this_week", gettext_lazy("This week")),
    ("next_week", gettext_lazy("Next week")),
]


def _date_input():
    return forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d")


class MeetingFilterForm(forms.Form):
    date_from = forms.DateField(label=gettext_lazy("From"), required=False, widget=_date_input())
    date_to = forms.DateField(label=gettext_lazy("To"), required=False, widget=_date_input())
    building = forms.ModelChoiceField(
        label=gettext_lazy("Building"),
        queryset=Building.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("All buildings"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    room = forms.ModelChoiceField(
        label=gettext_lazy("Room"),
        queryset=Room.objects.filter(kind=Room.Kind.MEETING).select_related("building"),
        required=False,
        empty_label=gettext_lazy("All rooms"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    hosting_unit = forms.ModelChoiceField(
        label=gettext_lazy("Hosting unit"),
        queryset=HostingUnit.objects.all(),
        required=False,
        empty_label=gettext_lazy("All units"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[
            ("", gettext_lazy("Requested and confirmed")),
            *MeetingStatus.choices,
            (STATUS_ALL, gettext_lazy("All, cancelled included")),
        ],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    level = forms.ChoiceField(
        label=gettext_lazy("Service level"),
        required=False,
        choices=[("", gettext_lazy("Any level")), *ServiceLevel.choices],
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    q = forms.CharField(
        label=gettext_lazy("Title contains"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"class": "form-control", "type": "search"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["room"].label_from_instance = lambda room: (
            f"{room.building.name} {room.number} {room.name}"
        )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                self.add_error("date_to", _("The last day must not be before the first."))
            elif last - first > MAX_RANGE:
                self.add_error("date_to", _("A list spans at most a year."))
        return data
