"""What a check asks: the template items for its level and the meeting's service level, and for
level 3 one line per department's service order (the plan: "every department has done its part").

Each item is a dict: `text`, and for order lines `order_id` and `ready` (prepared or delivered).
An order line that is not ready can only pass with a note.
"""

from django.utils.translation import gettext as _

from bookings.models import OrderStatus
from inspections.models import CheckLevel, ChecklistItem

READY_ORDER_STATUSES = (OrderStatus.PREPARED, OrderStatus.DELIVERED)


def order_item_text(order) -> str:
    return _("%(department)s: %(service)s") % {
        "department": order.get_department_display(),
        "service": order.get_kind_display(),
    }


def items_for(check) -> list[dict]:
    """The items a check must tick, in order."""
    meeting = check.meeting
    items = [
        {"text": item.text}
        for item in ChecklistItem.objects.filter(check_level=check.level, active=True)
        if item.applies_to(meeting.level)
    ]
    if check.level == CheckLevel.THREE:
        orders = meeting.orders.exclude(status=OrderStatus.CANCELLED).order_by("department", "kind")
        for order in orders:
            items.append(
                {
                    "text": order_item_text(order),
                    "order_id": order.pk,
                    "status": order.status,
                    "ready": order.status in READY_ORDER_STATUSES,
                }
            )
    return items
