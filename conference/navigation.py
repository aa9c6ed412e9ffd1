"""What each role sees in the navigation bar: its own pages and nothing else."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookings.access import can_manage_bookings
from bookings.views.orders import can_work_orders


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [NavItem(_("Today"), reverse("home"))]
    if can_manage_bookings(user):
        items.append(NavItem(_("Book a room"), reverse("meeting-new")))
    if can_work_orders(user):
        items.append(NavItem(_("Service orders"), reverse("department-index")))
    if user.is_staff:
        items.append(NavItem(_("Administration"), reverse("admin:index")))
    return items
