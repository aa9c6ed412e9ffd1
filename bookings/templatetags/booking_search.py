"""{% quick_search %}: the availability search's short form, for the clerk's home page."""

from django import template
from django.utils import timezone

from bookings.forms_search import presets
from bookings.models import Equipment

register = template.Library()


@register.inclusion_tag("bookings/_quick_search.html")
def quick_search():
    """Attendees, equipment and a choice of half-day: one click from home to the free rooms."""
    return {
        "equipment": list(Equipment.objects.order_by("name")),
        "presets": presets(timezone.now()),
    }
