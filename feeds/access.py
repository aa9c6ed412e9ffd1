"""Who may subscribe to which calendar: the one place the API, the page and the feed ask.

Rooms: clerks, lobby managers and the supervisor. Hosting units: clerks and the supervisor.
A person's duties: only that person. The feed asks again on every fetch, so a link stops
working when its owner loses the role, is deactivated or is unlinked from the staff member.
"""

from bookings.models import HostingUnit, Room
from core.roles import Role, has_role
from feeds.models import FeedKind
from staffing.access import linked_staff
from staffing.models import Staff

MODELS = {FeedKind.ROOM: Room, FeedKind.UNIT: HostingUnit, FeedKind.STAFF: Staff}


def can_subscribe(user, kind: str, object_id: int) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    if kind == FeedKind.ROOM:
        return user.is_superuser or has_role(user, Role.CLERK, Role.LOBBY_MANAGER, Role.SUPERVISOR)
    if kind == FeedKind.UNIT:
        return user.is_superuser or has_role(user, Role.CLERK, Role.SUPERVISOR)
    if kind == FeedKind.STAFF:
        # Not even the supervisor: a duty calendar is the person's own.
        staff = linked_staff(user)
        return staff is not None and staff.pk == object_id
    return False


def get_calendar_for(user, kind: str, object_id: int):
    """The room, unit or staff member, or None when it does not exist or is not the user's."""
    model = MODELS.get(kind)
    if model is None or not can_subscribe(user, kind, object_id):
        return None
    return model.objects.filter(pk=object_id).first()
