"""Forms for booking a series and changing "this and all later". They only parse input;
bookings.series decides and validates (the rule, the times, the dates taken)."""

from crispy_forms.bootstrap import InlineCheckboxes, InlineRadios
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.forms import MeetingForm, RoomChoiceField, _meeting_rooms
from bookings.models import Frequency
from bookings.series import MAX_INTERVAL, MAX_OCCURRENCES

# ISO weekday numbers, Monday first (the place's weeks start on Monday), with Django's names.
WEEKDAY_CHOICES = [(number + 1, WEEKDAYS[number]) for number in range(7)]


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%d", **kwargs)


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


def _time_field(label) -> forms.TimeField:
    return forms.TimeField(label=label, widget=TimeInput())


class SeriesForm(MeetingForm):
    """The meeting's fields (times of day instead of start and end) and the repeat rule."""

    omitted_fields = ("start", "end")

    first_date = forms.DateField(label=gettext_lazy("First date"), widget=DateInput())
    start_time = _time_field(gettext_lazy("Starts at"))
    end_time = _time_field(gettext_lazy("Ends at"))
    frequency = forms.ChoiceField(
        label=gettext_lazy("Repeats"),
        choices=Frequency.choices,
        initial=Frequency.WEEKLY,
        widget=forms.RadioSelect,
    )
    interval = forms.IntegerField(
        label=gettext_lazy("Every"),
        min_value=1,
        max_value=MAX_INTERVAL,
        initial=1,
        help_text=gettext_lazy("1: every day, week or month; 2: every other one."),
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("On"),
        choices=WEEKDAY_CHOICES,
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Weekly only. None ticked: the weekday of the first date."),
    )
    until = forms.DateField(
        label=gettext_lazy("Until"),
        required=False,
        widget=DateInput(),
        help_text=gettext_lazy("Give an end date or a number of occurrences."),
    )
    count = forms.IntegerField(
        label=gettext_lazy("Number of occurrences"),
        min_value=1,
        max_value=MAX_OCCURRENCES,
        required=False,
    )
    working_days_only = forms.BooleanField(
        label=gettext_lazy("Working days only"),
        required=False,
        help_text=gettext_lazy(
            "Skips weekends and public holidays, keeps adjusted working days (调休); "
            "skipped days do not count towards the number of occurrences."
        ),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Times of day, not datetimes: the dates come from the rule.
        self.helper.layout = Layout(
            Fieldset(
                _("Room and time"),
                "room",
                Row(
                    Column("start_time", css_class="col-md"),
                    Column("end_time", css_class="col-md"),
                ),
                Row(
                    Column("setup_minutes", css_class="col-md"),
                    Column("teardown_minutes", css_class="col-md"),
                ),
            ),
            Fieldset(
                _("Repeat"),
                Row(
                    Column("first_date", css_class="col-md"),
                    Column(InlineRadios("frequency"), css_class="col-md"),
                    Column("interval", css_class="col-md-3"),
                ),
                InlineCheckboxes("weekdays"),
                Row(Column("until", css_class="col-md"), Column("count", css_class="col-md")),
                "working_days_only",
            ),
            Fieldset(
                _("The meeting"),
                "title",
                Row(
                    Column("hosting_unit", css_class="col-md"),
                    Column("attendees", css_class="col-md"),
                ),
                Row(
                    Column("leader", css_class="col-md"),
                    Column("leader_rank", css_class="col-md"),
                ),
                Row(
                    Column("confidentiality", css_class="col-md"),
                    Column("layout", css_class="col-md"),
                ),
            ),
            Fieldset(
                _("Contact and notes"),
                Row(
                    Column("contact_name", css_class="col-md"),
                    Column("contact_phone", css_class="col-md"),
                ),
                "notes",
            ),
        )

    def rule(self) -> dict:
        """The arguments of series.plan_series."""
        data = self.cleaned_data
        return {
            "room": data["room"],
            "start_time": data["start_time"],
            "end_time": data["end_time"],
            "first_date": data["first_date"],
            "frequency": data["frequency"],
            "weekdays": data["weekdays"],
            "interval": data["interval"],
            "until": data["until"],
            "count": data["count"],
            "working_days_only": data["working_days_only"],
            "setup_minutes": data["setup_minutes"],
            "teardown_minutes": data["teardown_minutes"],
        }

    def booking(self) -> dict:
        """The arguments of series.book_series, but `by`, `skip_conflicts` and `now`."""
        data = self.cleaned_data
        meeting = {
            name: data[name]
            for name in (
                "title",
                "hosting_unit",
                "attendees",
                "contact_name",
                "contact_phone",
                "leader",
                "leader_rank",
                "confidentiality",
                "layout",
                "notes",
            )
        }
        return {**self.rule(), **meeting}


class SeriesRescheduleForm(forms.Form):
    start_time = _time_field(gettext_lazy("Starts at"))
    end_time = _time_field(gettext_lazy("Ends at"))
    room = RoomChoiceField(
        label=gettext_lazy("Room"),
        queryset=_meeting_rooms(),
        required=False,
        empty_label=gettext_lazy("Each keeps its room"),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = Layout(
            Row(Column("start_time", css_class="col-md"), Column("end_time", css_class="col-md")),
            "room",
        )
