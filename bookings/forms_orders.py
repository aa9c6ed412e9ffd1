"""Forms for a meeting's service orders. They parse input; bookings.orders decides and saves.

One form class per kind of order, each turning its fields into the order's `quantity` and
`details` (the shapes documented on ServiceOrder). Name plates add a formset of people.
"""

from crispy_forms.helper import FormHelper
from django import forms
from django.utils.translation import gettext_lazy as _

from bookings.models import LeaderRank, OrderKind
from bookings.orders import state_token

# Rows a clerk can fill on a name-plate sheet in one go.
MAX_PLATES = 60


class OrderForm(forms.Form):
    """The fields every order has. Subclasses add their kind's fields."""

    # The label of the quantity field for kinds that count something; None hides it.
    quantity_label: str | None = None
    quantity_max = 500
    # Checkbox fields stored as booleans in details.
    flags: tuple[str, ...] = ()
    # Other fields stored in details under their own names.
    detail_fields: tuple[str, ...] = ()

    note = forms.CharField(
        label=_("Note for the department"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    # The order's state when the form was shown: a change made meanwhile is refused.
    token = forms.CharField(widget=forms.HiddenInput(), required=False, max_length=64)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.quantity_label:
            self.fields["quantity"] = forms.IntegerField(
                label=self.quantity_label, min_value=0, max_value=self.quantity_max
            )
            self.order_fields(["quantity", *self.flags, *self.detail_fields, "note"])
        self.helper = FormHelper()
        self.helper.form_tag = False

    @classmethod
    def initial_for(cls, order) -> dict:
        initial = {"note": order.note, "token": state_token(order)}
        if cls.quantity_label:
            initial["quantity"] = order.quantity
        for name in (*cls.flags, *cls.detail_fields):
            initial[name] = (order.details or {}).get(name)
        return initial

    def quantity(self) -> int | None:
        return self.cleaned_data.get("quantity") if self.quantity_label else None

    def details(self, current: dict) -> dict | None:
        """The order's new details, keeping items this form does not show; None: unchanged."""
        if not (self.flags or self.detail_fields):
            return None
        details = dict(current or {})
        for name in self.flags:
            details[name] = bool(self.cleaned_data.get(name))
        for name in self.detail_fields:
            details[name] = self.cleaned_data.get(name)
        return details

    def expected_token(self) -> str | None:
        return self.cleaned_data.get("token") or None


class BannerForm(OrderForm):
    detail_fields = ("text",)
    text = forms.CharField(
        label=_("Banner text"),
        max_length=100,
        help_text=_("Exactly as it is to be made; the hosting unit proofreads it."),
    )


class FlowersForm(OrderForm):
    quantity_label = _("Flower arrangements")
    quantity_max = 200


class HostessesForm(OrderForm):
    quantity_label = _("Hostesses")
    quantity_max = 50


class TeaForm(OrderForm):
    flags = ("tea", "water", "fruit", "towels")
    tea = forms.BooleanField(label=_("Tea"), required=False)
    water = forms.BooleanField(label=_("Water"), required=False)
    fruit = forms.BooleanField(label=_("Fruit"), required=False)
    towels = forms.BooleanField(label=_("Paper towels"), required=False)


class AudioVisualForm(OrderForm):
    flags = ("operator", "recording", "video_conference", "interpretation")
    operator = forms.BooleanField(label=_("Operator on site"), required=False)
    recording = forms.BooleanField(label=_("Recording"), required=False)
    video_conference = forms.BooleanField(label=_("Video conference"), required=False)
    interpretation = forms.BooleanField(label=_("Interpretation"), required=False)


class ParkingForm(OrderForm):
    detail_fields = ("vehicles", "guests")
    vehicles = forms.IntegerField(label=_("Vehicles"), min_value=0, max_value=500)
    guests = forms.CharField(
        label=_("Guest list"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("One guest per line: name, unit, licence plate."),
    )

    @classmethod
    def initial_for(cls, order) -> dict:
        initial = super().initial_for(order)
        initial["vehicles"] = initial.get("vehicles") or 0
        return initial


class NamePlatesForm(OrderForm):
    """The note; the people are in PlateFormSet, shown beside it."""


FORMS = {
    OrderKind.BANNER: BannerForm,
    OrderKind.FLOWERS: FlowersForm,
    OrderKind.HOSTESSES: HostessesForm,
    OrderKind.TEA: TeaForm,
    OrderKind.AUDIO_VISUAL: AudioVisualForm,
    OrderKind.PARKING_ACCESS: ParkingForm,
    OrderKind.NAME_PLATES: NamePlatesForm,
}


def form_class_for(kind: str) -> type[OrderForm]:
    """Layout, lighting and air conditioning carry only a note."""
    return FORMS.get(kind, OrderForm)


class PlateForm(forms.Form):
    """One person on the rostrum. An untouched blank row is ignored."""

    name = forms.CharField(
        label=_("Name"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm plate-name"}),
    )
    title = forms.CharField(
        label=_("Post"),
        max_length=40,
        required=False,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm plate-title"}),
    )
    rank = forms.ChoiceField(
        label=_("Rank"),
        choices=LeaderRank.choices,
        initial=LeaderRank.NONE,
        widget=forms.Select(attrs={"class": "form-select form-select-sm plate-rank"}),
    )
    precedence = forms.IntegerField(
        label=_("Precedence"),
        min_value=1,
        max_value=MAX_PLATES,
        required=False,
        widget=forms.NumberInput(
            attrs={"class": "form-control form-control-sm plate-precedence", "min": 1}
        ),
    )

    def clean(self):
        data = super().clean()
        name = (data.get("name") or "").strip()
        others = data.get("title") or data.get("precedence")
        others = others or (data.get("rank") not in (None, "", LeaderRank.NONE))
        if not name and others and not data.get("DELETE"):
            self.add_error("name", _("Enter the name, or clear the row."))
        return data


class BasePlateFormSet(forms.BaseFormSet):
    def add_fields(self, form, index):
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove")
        form.fields["DELETE"].widget.attrs["class"] = "form-check-input plate-delete"

    def plates(self, *, by_rank: bool = False) -> list[dict]:
        """The people in the order the rows were sent (the order on screen), without removed
        or blank rows; with by_rank, the precedence numbers are dropped so rank decides."""
        plates = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            name = (data.get("name") or "").strip()
            if not name or data.get("DELETE"):
                continue
            plates.append(
                {
                    "name": name,
                    "title": (data.get("title") or "").strip(),
                    "rank": data.get("rank") or LeaderRank.NONE,
                    "precedence": None if by_rank else data.get("precedence"),
                }
            )
        return plates


PlateFormSet = forms.formset_factory(
    PlateForm,
    formset=BasePlateFormSet,
    extra=2,
    can_delete=True,
    max_num=MAX_PLATES,
    validate_max=True,
    absolute_max=MAX_PLATES + 10,
)


def plate_initial(order) -> list[dict]:
    """The stored plates in order of precedence, as the formset's rows."""
    plates = sorted(
        (order.details or {}).get("plates") or [],
        key=lambda plate: plate.get("precedence") or 10_000,
    )
    return [
        {
            "name": plate.get("name", ""),
            "title": plate.get("title", ""),
            "rank": plate.get("rank") or LeaderRank.NONE,
            "precedence": plate.get("precedence"),
        }
        for plate in plates
    ]


class AddOrderForm(forms.Form):
    kind = forms.ChoiceField(label=_("Service"), choices=())

    def __init__(self, *args, kinds=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(kind, OrderKind(kind).label) for kind in kinds]
