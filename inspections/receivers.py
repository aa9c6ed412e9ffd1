"""Checks follow their meeting: connected in InspectionsConfig.ready() to bookings.signals.

Each receiver runs inside the meeting service's transaction (design.md), so the checks change
atomically with the meeting. Nothing here leaves the database.
"""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.visibility import title_for
from core.notifications import notify
from inspections import services
from staffing.models import Duty, DutyRole

# Changes that touch what every level confirmed (time and place).
_TIME_OR_ROOM = {"start", "end", "room"}
# Changes that touch what level 1 confirmed (the arrangement: who attends, who convenes).
_DETAILS = {"attendees", "leader", "leader_rank"}


def create_checks(sender, *, meeting, by, now, **kwargs) -> None:
    """Promise: a booked meeting has its three checks (due 120/60/30 minutes before the start;
    already past due when booked late, never skipped)."""
    services.ensure_checks(meeting, now=now, by=by)


def move_checks(sender, *, meeting, by, now, changes=None, **kwargs) -> None:
    """Promise: after a reschedule the open checks are due at their new times (a notified one
    whose new time is ahead goes back to pending, to be notified again then); done checks are
    re-opened when the change touches what they confirmed. The people who were told about a
    moved or re-opened check, and the meeting's lead, hear of it."""
    changed = set(changes or {})
    time_or_room = bool(changed & _TIME_OR_ROOM)
    details = bool(changed & _DETAILS)
    if not (time_or_room or details):
        return
    touched = services.move_checks(
        meeting, by=by, now=now, time_or_room_changed=time_or_room, details_changed=details
    )
    if touched:
        _tell(meeting, touched, now=now)


def cancel_checks(sender, *, meeting, by, now, reason="", **kwargs) -> None:
    """Promise: a cancelled meeting has no open check."""
    services.cancel_checks(meeting, by=by, now=now, reason=reason)


def _tell(meeting, touched, *, now) -> None:
    users = {c.responsible.user for c in touched if c.responsible and c.responsible.user_id}
    lead = (
        Duty.objects.active()
        .filter(meeting=meeting, role=DutyRole.LEAD, staff__user__isnull=False)
        .select_related("staff__user")
        .first()
    )
    if lead:
        users.add(lead.staff.user)
    lines = [
        _("%(level)s: now due %(due)s (%(status)s)")
        % {
            "level": c.get_level_display(),
            "due": timezone.localtime(c.due_at).strftime("%Y-%m-%d %H:%M"),
            "status": c.get_status_display(),
        }
        for c in touched
    ]
    for user in {u.pk: u for u in users if u.is_active}.values():
        notify(
            [user],
            kind="check_moved",
            title=_("Checks changed with the meeting: %(meeting)s")
            % {"meeting": title_for(user, meeting)},
            body="\n".join(lines),
            url=reverse("meeting-detail", args=[meeting.pk]),
            now=now,
        )
