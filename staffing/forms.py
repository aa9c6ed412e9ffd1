"""The roster's forms. They only parse input; staffing.roster queries and imports."""

from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import Building
from staffing.models import Position, Skill, Team


def _select():
    return forms.Select(attrs={"class": "form-select"})


class RosterFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=50,
        widget=forms.TextInput(
            attrs={"class": "form-control", "placeholder": _("Name, number or phone")}
        ),
    )
    position = forms.ChoiceField(
        label=_("Position"),
        required=False,
        choices=[("", _("All positions")), *Position.choices],
        widget=_select(),
    )
    team = forms.ModelChoiceField(
        label=_("Team"),
        queryset=Team.objects.all(),
        required=False,
        empty_label=_("All teams"),
        widget=_select(),
    )
    building = forms.ModelChoiceField(
        label=_("Home building"),
        queryset=Building.objects.all(),
        to_field_name="code",
        required=False,
        empty_label=_("All buildings"),
        widget=_select(),
    )
    skill = forms.ChoiceField(
        label=_("Skill"),
        required=False,
        choices=[("", _("All skills")), *Skill.choices],
        widget=_select(),
    )
    authorised = forms.ChoiceField(
        label=_("Authorised"),
        required=False,
        choices=[("", _("Everyone")), ("yes", _("Authorised")), ("no", _("Not authorised"))],
        widget=_select(),
    )


class RosterImportForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"class": "form-control", "accept": ".xlsx"}),
    )
