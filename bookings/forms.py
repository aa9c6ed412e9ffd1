"""Forms for the clerk's pages. They only parse input; the services decide and validate."""

import datetime as dt

from crispy_forms.helper import FormHelper
from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from bookings.models import Confidentiality, HostingUnit, Layout, Leader, LeaderRank, Room


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m-%dT%H:%M", **kwargs)


class RoomChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, room):
        return f"{room.building.name} {room.number} {room.name}（{room.capacity}座）"


def _meeting_rooms():
    return Room.objects.filter(kind=Room.Kind.MEETING).select_related("building")


class MeetingForm(forms.Form):
    room = RoomChoiceField(label=_("Room"), queryset=_meeting_rooms())
    title = forms.CharField(label=_("Title"), max_length=200)
    hosting_unit = forms.ModelChoiceField(
        label=_("Hosting unit"), queryset=HostingUnit.objects.all()
    )
    start = forms.DateTimeField(label=_("Start"), widget=DateTimeLocalInput())
    end = forms.DateTimeField(label=_("End"), widget=DateTimeLocalInput())
    attendees = forms.IntegerField(label=_("Attendees"), min_value=1, max_value=10000)
    leader = forms.ModelChoiceField(
        label=_("Convening leader"), queryset=Leader.objects.all(), required=False
    )
    leader_rank = forms.ChoiceField(
        label=_("Convening leader's rank"),
        choices=LeaderRank.choices,
        initial=LeaderRank.NONE,
        help_text=_("Filled from the leader when one is chosen."),
    )
    confidentiality = forms.ChoiceField(label=_("Confidentiality"), choices=Confidentiality.choices)
    layout = forms.ChoiceField(
        label=_("Layout"), choices=[("", "—"), *Layout.choices], required=False
    )
    contact_name = forms.CharField(
        label=_("Contact"),
        max_length=50,
        required=False,
        help_text=_("Left empty, the hosting unit's contact is used."),
    )
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=30, required=False)
    setup_minutes = forms.IntegerField(
        label=_("Setup minutes"),
        min_value=0,
        max_value=240,
        required=False,
        help_text=_("Left empty, the room's default is used."),
    )
    teardown_minutes = forms.IntegerField(
        label=_("Teardown minutes"), min_value=0, max_value=240, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class EditMeetingForm(MeetingForm):
    """Details only: time and room change through rescheduling."""

    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("room", "start", "end", "setup_minutes", "teardown_minutes"):
            del self.fields[name]


class RescheduleForm(forms.Form):
    room = RoomChoiceField(label=_("Room"), queryset=_meeting_rooms())
    start = forms.DateTimeField(label=_("Start"), widget=DateTimeLocalInput())
    end = forms.DateTimeField(label=_("End"), widget=DateTimeLocalInput())
    version = forms.IntegerField(widget=forms.HiddenInput())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False


def local_input(value: dt.datetime) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%dT%H:%M")
