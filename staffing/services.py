"""Every change to duties. Pages, the API, the dispatcher and the meeting receivers call these.

Each service owns its transaction, takes the acting user as `by`, validates through
staffing.validation.DutyBook (the same rules the dispatcher uses), writes an audit row per
state change and notifies the person on commit-safe rows (core.notifications.notify).
Refusals raise DispatchError with every reason.
"""

from datetime import datetime

from bookings.models import Meeting
from staffing.models import Duty, Staff


def assign_duty(
    meeting: Meeting, *, by, staff: Staff, role: str, now: datetime | None = None
) -> Duty:
    """Put `staff` on `meeting` with `role` (window: arrival 30 min before start -> end +
    teardown). Raises DispatchError listing every broken rule; the PostgreSQL exclusion
    constraint backs the overlap rule against races (mapped to DispatchError too)."""
    raise NotImplementedError


def acknowledge_duty(duty: Duty, *, by, now: datetime | None = None) -> Duty:
    """The person (or their lobby manager) acknowledges an assigned duty."""
    raise NotImplementedError


def record_arrival(duty: Duty, *, by, now: datetime | None = None) -> Duty:
    """The person checks in on arrival (late arrival visible by arrived_at > start)."""
    raise NotImplementedError


def release_duty(duty: Duty, *, by, reason: str, now: datetime | None = None) -> Duty:
    """Take a person off a duty; they are notified."""
    raise NotImplementedError


def reassign_duty(duty: Duty, *, by, staff: Staff, now: datetime | None = None) -> Duty:
    """Hand a duty to another person with the same validation; both are notified."""
    raise NotImplementedError
