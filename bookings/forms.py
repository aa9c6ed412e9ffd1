"""Forms for the clerk's pages. They only parse input; the services decide and validate."""

import datetime as dt

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Column, Fieldset, Layout, Row
from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Confidentiality, HostingUnit, Leader, LeaderRank, Room
from bookings.models import Layout as RoomLayout

# The id of the json_script element that maps leader ids to ranks (read by static/js/app.js).
LEADER_RANKS_ID = "leader-ranks"


class DateTimeLocalInput(forms.DateTimeInput):
    """The browser's own date and time picker; the value travels as 2026-11-27T14:30."""

    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, room):
        return _("%(building)s %(number)s %(name)s (%(capacity)s seats)") % {
            "building": room.building.name,
            "number": room.number,
            "name": room.name,
            "capacity": room.capacity,
        }


def _meeting_rooms():
    return Room.objects.filter(kind=Room.Kind.MEETING, in_service=True).select_related("building")


def _layout(form: forms.Form, *sections) -> Layout:
    """A crispy layout of (legend, rows) sections, keeping only the fields the form has.

    Each row is a tuple of field names shown side by side on wide screens.
    """
    parts = []
    for legend, rows in sections:
        shown = []
        for row in rows:
            names = [name for name in row if name in form.fields]
            if not names:
                continue
            if len(names) == 1:
                shown.append(names[0])
            else:
                shown.append(Row(*(Column(name, css_class="col-md") for name in names)))
        if shown:
            parts.append(Fieldset(legend, *shown))
    hidden = [name for name, f in form.fields.items() if f.widget.is_hidden]
    return Layout(*parts, *hidden)


class MeetingForm(forms.Form):
    room = RoomChoiceField(label=gettext_lazy("Room"), queryset=_meeting_rooms(), empty_label="—")
    title = forms.CharField(label=gettext_lazy("Title"), max_length=200)
    hosting_unit = forms.ModelChoiceField(
        label=gettext_lazy("Hosting unit"), queryset=HostingUnit.objects.all(), empty_label="—"
    )
    start = forms.DateTimeField(label=gettext_lazy("Start"), widget=DateTimeLocalInput())
    end = forms.DateTimeField(label=gettext_lazy("End"), widget=DateTimeLocalInput())
    attendees = forms.IntegerField(label=gettext_lazy("Attendees"), min_value=1, max_value=10000)
    leader = forms.ModelChoiceField(
        label=gettext_lazy("Convening leader"),
        queryset=Leader.objects.all(),
        required=False,
        empty_label="—",
        widget=forms.Select(
            attrs={"data-rank-map": LEADER_RANKS_ID, "data-rank-field": "id_leader_rank"}
        ),
    )
    leader_rank = forms.ChoiceField(
        label=gettext_lazy("Convening leader's rank"),
        choices=LeaderRank.choices,
        initial=LeaderRank.NONE,
        help_text=gettext_lazy("Filled from the leader when one is chosen."),
    )
    confidentiality = forms.ChoiceField(
        label=gettext_lazy("Confidentiality"), choices=Confidentiality.choices
    )
    layout = forms.ChoiceField(
        label=gettext_lazy("Layout"), choices=[("", "—"), *RoomLayout.choices], required=False
    )
    contact_name = forms.CharField(
        label=gettext_lazy("Contact"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("Left empty, the hosting unit's contact is used."),
    )
    contact_phone = forms.CharField(
        label=gettext_lazy("Contact phone"), max_length=30, required=False
    )
    setup_minutes = forms.IntegerField(
        label=gettext_lazy("Setup minutes"),
        min_value=0,
        max_value=240,
        required=False,
        help_text=gettext_lazy("Left empty, the room's default is used."),
    )
    teardown_minutes = forms.IntegerField(
        label=gettext_lazy("Teardown minutes"),
        min_value=0,
        max_value=240,
        required=False,
        help_text=gettext_lazy("Left empty, the room's default is used."),
    )
    notes = forms.CharField(
        label=gettext_lazy("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    # Fields a subclass does without (removed before the layout is built).
    omitted_fields: tuple[str, ...] = ()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in self.omitted_fields:
            del self.fields[name]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = _layout(
            self,
            (
                _("Room and time"),
                [("room",), ("start", "end"), ("setup_minutes", "teardown_minutes")],
            ),
            (
                _("The meeting"),
                [
                    ("title",),
                    ("hosting_unit", "attendees"),
                    ("leader", "leader_rank"),
                    ("confidentiality", "layout"),
                ],
            ),
            (_("Contact and notes"), [("contact_name", "contact_phone"), ("notes",)]),
        )

    def leader_ranks(self) -> dict[str, str]:
        """Leader id -> rank, for the browser to fill the rank when a leader is chosen."""
        return {str(pk): rank for pk, rank in Leader.objects.values_list("pk", "rank")}


class EditMeetingForm(MeetingForm):
    """Details only: time and room change through rescheduling."""

    omitted_fields = ("room", "start", "end", "setup_minutes", "teardown_minutes")

    version = forms.IntegerField(widget=forms.HiddenInput())


class RescheduleForm(forms.Form):
    room = RoomChoiceField(label=gettext_lazy("Room"), queryset=_meeting_rooms(), empty_label="—")
    start = forms.DateTimeField(label=gettext_lazy("Start"), widget=DateTimeLocalInput())
    end = forms.DateTimeField(label=gettext_lazy("End"), widget=DateTimeLocalInput())
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.layout = _layout(self, ("", [("room",), ("start", "end")]))


class CancelForm(forms.Form):
    reason = forms.CharField(label=gettext_lazy("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def local_input(value: dt.datetime) -> str:
    """An aware time as a datetime-local input's value, on the place's clock."""
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
