"""Who sees what of a meeting: the one place every page, API response, document and feed asks.

| confidentiality | inside the app                               | door display, feeds |
| normal          | everyone logged in sees details              | title, time, room   |
| internal        | everyone logged in sees details              | "会议", time, room   |
| secret          | details only for users with the permission   | "会议", time, room   |
|                 | bookings.view_secret_meeting who (if linked  |                     |
|                 | to staff) hold a valid authorisation, and    |                     |
|                 | for authorised staff on its duties; others   |                     |
|                 | see "涉密会议", time and room                 |                     |

`staffing` registers two hooks in its AppConfig.ready(): whether a user holds a valid
authorisation now, and whether a user serves a given meeting. Until then a user not linked to
staff counts as authorised and nobody serves a meeting.
"""

from collections.abc import Callable

from django.utils.translation import gettext as _

from bookings.models import Confidentiality, Meeting

AuthorisationCheck = Callable[[object], bool]
DutyCheck = Callable[[object, Meeting], bool]

_is_authorised: AuthorisationCheck = lambda user: True  # noqa: E731 - replaced by staffing
_serves_meeting: DutyCheck = lambda user, meeting: False  # noqa: E731 - replaced by staffing


def register_authorisation_check(check: AuthorisationCheck) -> None:
    global _is_authorised
    _is_authorised = check


def register_duty_check(check: DutyCheck) -> None:
    global _serves_meeting
    _serves_meeting = check


def holds_valid_authorisation(user) -> bool:
    """Whether the user's own authorisation is valid now (staffing's hook): what a permission
    holder needs besides the permission. A user not linked to staff counts as authorised."""
    return _is_authorised(user)


def can_see_details(user, meeting: Meeting) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    if meeting.confidentiality != Confidentiality.SECRET:
        return True
    if user.has_perm("bookings.view_secret_meeting") and _is_authorised(user):
        return True
    return _is_authorised(user) and _serves_meeting(user, meeting)


def title_for(user, meeting: Meeting) -> str:
    """The meeting's title as this user may see it inside the app."""
    if can_see_details(user, meeting):
        return meeting.title
    return _("Secret meeting")


def public_title(meeting: Meeting) -> str:
    """The title on the door display and in calendar feeds."""
    if meeting.confidentiality == Confidentiality.NORMAL:
        return meeting.title
    return _("Meeting")


def conflict_label(user, meeting: Meeting) -> str:
    """How an overlapping meeting is named in a refusal shown to `user`."""
    if can_see_details(user, meeting):
        return f"“{meeting.title}”"
    return _("a secret meeting")


def can_see_leader_notes(user, meeting: Meeting) -> bool:
    """Whether `user` may read the convening leader's service notes (tea, seating, habits).

    Only authorised staff serving this meeting: the plan shows that knowledge to the people
    who serve the leader, not to everyone who may see the meeting. No permission or role
    opens it on its own (not even a superuser's); until staffing registers its duty check,
    nobody serves a meeting and so nobody sees the notes.
    """
    if not getattr(user, "is_authenticated", False) or meeting.leader_id is None:
        return False
    return (
        can_see_details(user, meeting) and _is_authorised(user) and _serves_meeting(user, meeting)
    )
