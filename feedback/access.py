"""Who may see and do what with feedback: the one place views and panels ask.

- The printed feedback card (QR and link) of a meeting: clerks, lobby managers, the supervisor,
  and the staff serving that meeting (an attendant hands the card over), provided they may see
  the meeting's details.
- Answers, complaints and replies: the customer-service supervisor (and superusers).
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404

from bookings import visibility
from bookings.models import Meeting
from core.roles import Role, has_role
from feedback.models import Complaint
from staffing.access import serves_meeting

CARD_ROLES = (Role.CLERK, Role.LOBBY_MANAGER, Role.SUPERVISOR)
READ_ROLES = (Role.SUPERVISOR,)


def _logged_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_print_card(user, meeting: Meeting) -> bool:
    if not _logged_in(user) or not visibility.can_see_details(user, meeting):
        return False
    if user.is_superuser or has_role(user, *CARD_ROLES):
        return True
    return serves_meeting(user, meeting)


def can_read_feedback(user) -> bool:
    return _logged_in(user) and bool(user.is_superuser or has_role(user, *READ_ROLES))


def can_reply(user) -> bool:
    return can_read_feedback(user)


def get_card_meeting_for(user, pk: int) -> Meeting:
    """The meeting whose card the user may print: 404 if missing or hidden, 403 otherwise."""
    if not _logged_in(user):
        raise PermissionDenied
    meeting = get_object_or_404(
        Meeting.objects.select_related("room__building", "hosting_unit"), pk=pk
    )
    if not visibility.can_see_details(user, meeting):
        raise Http404
    if not can_print_card(user, meeting):
        raise PermissionDenied
    return meeting


def get_complaint_for(user, pk: int) -> Complaint:
    if not can_read_feedback(user):
        raise PermissionDenied
    return get_object_or_404(
        Complaint.objects.select_related(
            "meeting__room__building", "meeting__hosting_unit", "answer", "replied_by"
        ),
        pk=pk,
    )
