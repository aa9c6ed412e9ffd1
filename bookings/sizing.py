"""Sizing: a meeting's service level from the hosting unit, the attendees and the leader's rank.

The rules are a table edited in the admin (SizingRule): the first active one, by position, whose
conditions all hold decides. The meeting stores the level and the rule's reason, so it can show
why ("A：区级领导召集") even after the table changes.
"""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from bookings.models import RANK_ORDER, LeaderRank, ServiceLevel, SizingRule


@dataclass(frozen=True)
class Sizing:
    level: str
    reason: str


def size(*, hosting_unit_id: int | None, attendees: int, leader_rank: str) -> Sizing:
    """The level of a meeting with these inputs (one query)."""
    rank = RANK_ORDER.get(leader_rank, 0)
    for rule in SizingRule.objects.filter(active=True).order_by("position", "id"):
        if rule.hosting_unit_id and rule.hosting_unit_id != hosting_unit_id:
            continue
        if rule.min_leader_rank and rank < RANK_ORDER[LeaderRank(rule.min_leader_rank)]:
            continue
        if rule.min_attendees and attendees < rule.min_attendees:
            continue
        if rule.max_attendees and attendees > rule.max_attendees:
            continue
        return Sizing(rule.level, rule.reason)
    # The seeded table ends with a catch-all rule; this covers a table emptied by hand.
    return Sizing(ServiceLevel.C, _("no sizing rule matched"))


def size_meeting(meeting) -> bool:
    """Set the meeting's level and reason from its inputs; True when either changed."""
    sizing = size(
        hosting_unit_id=meeting.hosting_unit_id,
        attendees=meeting.attendees,
        leader_rank=meeting.leader_rank,
    )
    changed = (meeting.level, meeting.level_reason) != (sizing.level, sizing.reason)
    meeting.level, meeting.level_reason = sizing.level, sizing.reason
    return changed
