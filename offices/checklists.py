"""What a round asks of the person, ticked off on the phone: short, per kind of service."""

from django.utils.translation import gettext_lazy as _

from offices.models import ServiceKind

ROUND_ITEMS = {
    ServiceKind.CLEANING: (
        ("desk", _("Desk, chairs and sofa wiped")),
        ("floor", _("Floor vacuumed or mopped")),
        ("bins", _("Waste bins emptied")),
        ("tea_set", _("Tea set washed, disinfected and laid out")),
        ("plants", _("Plants watered, windows and lights checked")),
    ),
    ServiceKind.TEA: (
        ("cups", _("Disinfected cups, tea and boiled water ready")),
        ("served", _("Visitors served")),
        ("cleared", _("Cups cleared and the table wiped")),
    ),
}


def items_for(kind: str) -> tuple[tuple[str, str], ...]:
    return ROUND_ITEMS.get(kind, ())


def codes_for(kind: str) -> tuple[str, ...]:
    return tuple(code for code, _label in items_for(kind))
