"""Access helpers: the one place that decides who may see or change a meeting."""

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from bookings import visibility
from bookings.models import Meeting
from core.roles import Role, has_role


def can_manage_bookings(user) -> bool:
    """Clerks and the supervisor book, confirm, reschedule and cancel."""
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or has_role(user, Role.CLERK, Role.SUPERVISOR))
    )


def get_meeting_for(user, pk: int, *, write: bool = False) -> Meeting:
    """The meeting if the user may see it (404 otherwise); with write, if they may change it.

    Every logged-in user sees that a meeting exists (time and room); its details pass through
    bookings.visibility. Changing needs the booking role and the right to see the meeting's details.
    """
    if not getattr(user, "is_authenticated", False):
        raise PermissionDenied
    meeting = get_object_or_404(
        Meeting.objects.select_related("room", "room__building", "hosting_unit", "leader"), pk=pk
    )
    if write and not (can_manage_bookings(user) and visibility.can_see_details(user, meeting)):
        raise PermissionDenied
    return meeting


# Who works the department queues. There is no department membership yet (the roster comes
# with staffing): until then the desk's own roles and every serving role may see and move
# any department's orders. Narrow this to the department's staff when the roster exists.
QUEUE_ROLES = (
    Role.CLERK,
    Role.SUPERVISOR,
    Role.LOBBY_MANAGER,
    Role.HOTLINE,
    Role.GROUP_LEADER,
    Role.ENV_SUPERVISOR,
    Role.AUDIO_TECH,
    Role.ATTENDANT,
)


def can_work_orders(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and (user.is_superuser or has_role(user, *QUEUE_ROLES))
    )
