"""Who may change duties: one place that every view and API endpoint asks.

Lobby managers and the customer-service supervisor assign, reassign and release duties; the
person holding a duty (or a lobby manager / the supervisor) acknowledges it and checks in.
"""

from django.utils import timezone

from core.roles import Role, has_role
from staffing.models import Duty, Staff


def can_assign(user) -> bool:
    """May put people on meetings, reassign and release their duties."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or has_role(user, Role.LOBBY_MANAGER, Role.SUPERVISOR)


def can_reassign(user, duty: Duty | None = None) -> bool:
    """Who may hand a duty to someone else: whoever assigns, and the service hotline, the hub
    that commands and dispatches (domain.md): when the person on a duty does not answer, the
    hotline sends another. The service validates the new person as for any assignment."""
    if can_assign(user):
        return True
    return bool(getattr(user, "is_authenticated", False)) and has_role(user, Role.HOTLINE)


def can_acknowledge(user, duty: Duty) -> bool:
    """The person themself, or whoever may assign."""
    if not getattr(user, "is_authenticated", False):
        return False
    if duty.staff.user_id is not None and duty.staff.user_id == user.pk:
        return True
    return can_assign(user)


# --- the visibility policy's hooks (registered in StaffingConfig.ready) ----------------------

_NO_STAFF = object()


def linked_staff(user) -> Staff | None:
    """The staff member linked to `user`, looked up once per user object (per request)."""
    cached = getattr(user, "_staffing_staff", None)
    if cached is None:
        staff = None
        fields_cache = getattr(getattr(user, "_state", None), "fields_cache", {})
        if "staff" in fields_cache:
            # Loaded with select_related("staff") (or read before): no query needed.
            staff = fields_cache["staff"]
        elif getattr(user, "pk", None):
            staff = Staff.objects.filter(user_id=user.pk).first()
        cached = staff if staff is not None else _NO_STAFF
        user._staffing_staff = cached
    return None if cached is _NO_STAFF else cached


def is_authorised_now(user) -> bool:
    """A user not linked to staff counts as authorised; staff hold a valid authorisation today."""
    staff = linked_staff(user)
    return staff is None or staff.is_authorised_on(timezone.localdate())


def serves_meeting(user, meeting) -> bool:
    """Whether the user's staff member holds an active duty on `meeting`. The ids of the
    meetings they serve are read once per user object (per request), so a list of secret
    meetings costs one query, not one per row."""
    staff = linked_staff(user)
    if staff is None:
        return False
    served = getattr(user, "_staffing_served", None)
    if served is None:
        served = set(
            Duty.objects.active().filter(staff_id=staff.pk).values_list("meeting_id", flat=True)
        )
        user._staffing_served = served
    return meeting.pk in served
