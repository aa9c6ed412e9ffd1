"""Staffing needs: how many people of each duty a meeting needs, from the StaffingRule table.

Per duty, the largest matching active rule wins. A rule matches a meeting when the meeting's
level is among the rule's levels and, for `only_if_av` rules, when the meeting has an open
audio-visual order asking for an operator, recording, video conference or interpretation.
count = fixed + ceil(attendees / attendees_per_person) + the quantity of the open order of kind
`count_from_order` (0 when there is none).
"""

import math
from collections import Counter
from collections.abc import Iterable

from django.db.models import Prefetch

from bookings.models import Meeting, OrderKind, ServiceOrder
from bookings.models.orders import OPEN_STATUSES
from staffing.models import Duty, StaffingRule

# The audio-visual order's flags that need an operator in the room.
AV_FLAGS = ("operator", "recording", "video_conference", "interpretation")


def _open_orders(meeting: Meeting) -> dict[str, ServiceOrder]:
    # Reads the prefetched `open_orders` when needs_for_many laid it down; one query otherwise.
    orders = getattr(meeting, "open_orders", None)
    if orders is None:
        orders = list(meeting.orders.filter(status__in=OPEN_STATUSES))
    return {order.kind: order for order in orders}


def _wants_av(orders: dict[str, ServiceOrder]) -> bool:
    av = orders.get(OrderKind.AUDIO_VISUAL)
    return bool(av and any((av.details or {}).get(flag) for flag in AV_FLAGS))


def _rule_count(rule: StaffingRule, meeting: Meeting, orders: dict[str, ServiceOrder]) -> int:
    count = rule.fixed
    if rule.attendees_per_person:
        count += math.ceil(meeting.attendees / rule.attendees_per_person)
    if rule.count_from_order:
        order = orders.get(rule.count_from_order)
        count += order.quantity if order else 0
    return count


def _needs(meeting: Meeting, rules: list[StaffingRule]) -> dict[str, int]:
    orders = _open_orders(meeting)
    wants_av = _wants_av(orders)
    needs: dict[str, int] = {}
    for rule in rules:
        if meeting.level not in (rule.levels or "").upper():
            continue
        if rule.only_if_av and not wants_av:
            continue
        count = _rule_count(rule, meeting, orders)
        if count > needs.get(rule.role, 0):
            needs[rule.role] = count
    return needs


def _rules() -> list[StaffingRule]:
    return list(StaffingRule.objects.filter(active=True))


def needs_for(meeting: Meeting) -> dict[str, int]:
    """{duty role: number of people} for one meeting; roles needing nobody are left out."""
    return _needs(meeting, _rules())


def _with_open_orders(meetings: Iterable[Meeting]) -> list[Meeting]:
    ids = [m.pk for m in meetings]
    return list(
        Meeting.objects.filter(pk__in=ids)
        .select_related("room")
        .prefetch_related(
            Prefetch(
                "orders",
                queryset=ServiceOrder.objects.filter(status__in=OPEN_STATUSES),
                to_attr="open_orders",
            )
        )
        .order_by("start", "pk")
    )


def needs_for_many(meetings: Iterable[Meeting]) -> dict[int, dict[str, int]]:
    """{meeting id: needs} in three queries whatever the number of meetings (meetings with
    their rooms, their open orders, the rules)."""
    rules = _rules()
    return {m.pk: _needs(m, rules) for m in _with_open_orders(meetings)}


def filled_for_many(meeting_ids: Iterable[int]) -> dict[int, Counter]:
    """{meeting id: Counter(role -> active duties)} in one query."""
    filled: dict[int, Counter] = {}
    rows = Duty.objects.active().filter(meeting_id__in=list(meeting_ids))
    for meeting_id, role in rows.values_list("meeting_id", "role"):
        filled.setdefault(meeting_id, Counter())[role] += 1
    return filled


def open_needs(meeting: Meeting) -> dict[str, int]:
    """Needs minus the active duties already held, per role; roles fully staffed are left out."""
    return open_needs_many([meeting])[meeting.pk]


def open_needs_many(meetings: Iterable[Meeting]) -> dict[int, dict[str, int]]:
    meetings = list(meetings)
    needs = needs_for_many(meetings)
    filled = filled_for_many(needs)
    result = {}
    for meeting_id, roles in needs.items():
        have = filled.get(meeting_id, Counter())
        result[meeting_id] = {
            role: count - have[role] for role, count in roles.items() if count > have[role]
        }
    return result
