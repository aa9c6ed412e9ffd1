"""Forms of the availability search and of booking straight from its results.

They only parse input; bookings.availability answers and bookings.services books.
"""

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Building, Equipment, HostingUnit, Leader, LeaderRank, Room
from core.timeutils import at


class _ReadOnceChoiceIterator(forms.models.ModelChoiceIterator):
    """Reads the choices with one ordinary query, kept on the field's queryset, where Django
    streams them through a server-side cursor (on PostgreSQL DECLARE, FETCH and CLOSE: three
    round trips for a dozen rows, on every search page). The view reuses the rows read."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.queryset:
            yield self.choice(obj)


class _ChoiceField(forms.ModelChoiceField):
    iterator = _ReadOnceChoiceIterator


class _MultipleChoiceField(forms.ModelMultipleChoiceField):
    iterator = _ReadOnceChoiceIterator


# The halves of a working day the presets stand for ("tomorrow afternoon").
MORNING = (dt.time(9, 0), dt.time(12, 0))
AFTERNOON = (dt.time(14, 30), dt.time(17, 30))


def presets(now: dt.datetime) -> list[tuple[str, str]]:
    """The quick choices of time offered now: (code, label); a half-day already begun is left
    out, since nothing can be booked in the past."""
    today = timezone.localtime(now)
    choices = []
    if today.time() < MORNING[0]:
        choices.append(("today_am", _("This morning")))
    if today.time() < AFTERNOON[0]:
        choices.append(("today_pm", _("This afternoon")))
    choices += [("tomorrow_am", _("Tomorrow morning")), ("tomorrow_pm", _("Tomorrow afternoon"))]
    return choices


def resolve_preset(code: str, now: dt.datetime) -> tuple[dt.date, dt.time, dt.time] | None:
    """The date and times a preset stands for, or None for an unknown code."""
    day_part, _sep, half = code.partition("_")
    if day_part not in ("today", "tomorrow") or half not in ("am", "pm"):
        return None
    day = timezone.localdate(now) + dt.timedelta(days=1 if day_part == "tomorrow" else 0)
    start, end = MORNING if half == "am" else AFTERNOON
    return day, start, end


class RoomSearchForm(forms.Form):
    date = forms.DateField(
        label=gettext_lazy("Date"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}, format="%Y-%m-%d"),
    )
    start = forms.TimeField(
        label=gettext_lazy("From"),
        widget=forms.TimeInput(
            attrs={"type": "time", "class": "form-control", "step": 300}, format="%H:%M"
        ),
    )
    end = forms.TimeField(
        label=gettext_lazy("To"),
        widget=forms.TimeInput(
            attrs={"type": "time", "class": "form-control", "step": 300}, format="%H:%M"
        ),
    )
    attendees = forms.IntegerField(
        label=gettext_lazy("Attendees"),
        min_value=1,
        max_value=10000,
        widget=forms.NumberInput(attrs={"class": "form-control", "min": 1}),
    )
    equipment = _MultipleChoiceField(
        label=gettext_lazy("Equipment needed"),
        queryset=Equipment.objects.all(),
        to_field_name="code",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    building = _ChoiceField(
        label=gettext_lazy("Building"),
        queryset=Building.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=gettext_lazy("Any building"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )

    def full_clean(self):
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()

    def clean(self):
        data = super().clean()
        day, start, end = data.get("date"), data.get("start"), data.get("end")
        if day and start and end:
            data["start_at"] = at(day, start.hour, start.minute)
            # An end at or before the start runs past midnight only when written as 24:00,
            # which time inputs cannot send: treat it as a mistake.
            data["end_at"] = at(day, end.hour, end.minute)
            if data["end_at"] <= data["start_at"]:
                self.add_error("end", _("The end must be after the start."))
        return data


class QuickBookForm(forms.Form):
    """Book a result without opening the full form: what the search already knows, plus the
    few things every booking needs. What is left empty goes to the full form, prefilled."""

    room = _ChoiceField(
        queryset=Room.objects.filter(kind=Room.Kind.MEETING), widget=forms.HiddenInput
    )
    start = forms.DateTimeField(widget=forms.HiddenInput)
    end = forms.DateTimeField(widget=forms.HiddenInput)
    attendees = forms.IntegerField(min_value=1, max_value=10000, widget=forms.HiddenInput)
    title = forms.CharField(
        label=gettext_lazy("Title"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control", "autocomplete": "off"}),
    )
    leader = _ChoiceField(
        label=gettext_lazy("Convening leader"),
        queryset=Leader.objects.select_related("unit"),
        required=False,
        empty_label="—",
    )
    leader_rank = forms.ChoiceField(
        label=gettext_lazy("Convening leader's rank"),
        choices=LeaderRank.choices,
        initial=LeaderRank.NONE,
        required=False,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    hosting_unit = _ChoiceField(
        label=gettext_lazy("Hosting unit"),
        queryset=HostingUnit.objects.all(),
        required=False,
        empty_label="—",
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    # The search's own query string, to go back to the same results after a refusal.
    search = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, rank_map_id: str = "", unit_map_id: str = "", **kwargs):
        super().__init__(*args, prefix="book", **kwargs)
        # Choosing the leader fills the rank (static/js/app.js) and, when the leader belongs
        # to a unit, the hosting unit (static/js/calendar.js).
        self.fields["leader"].widget.attrs.update(
            {
                "class": "form-select",
                "data-rank-map": rank_map_id,
                "data-rank-field": self["leader_rank"].auto_id,
                "data-unit-map": unit_map_id,
                "data-unit-field": self["hosting_unit"].auto_id,
            }
        )


def booking_query(data: dict) -> dict:
    """The full booking form's query string for what is known: nothing needs re-typing."""
    query = {
        "room": data["room"].pk,
        "start": timezone.localtime(data["start"]).strftime("%Y-%m-%dT%H:%M"),
        "end": timezone.localtime(data["end"]).strftime("%Y-%m-%dT%H:%M"),
        "attendees": data["attendees"],
    }
    if data.get("title"):
        query["title"] = data["title"]
    if data.get("hosting_unit"):
        query["hosting_unit"] = data["hosting_unit"].pk
    if data.get("leader"):
        query["leader"] = data["leader"].pk
    if data.get("leader_rank") and data["leader_rank"] != LeaderRank.NONE:
        query["leader_rank"] = data["leader_rank"]
    return query
