"""Who may generate and download which document: the one place pages and the API ask.

- daily notice: the information centre issues it; the supervisor, lobby managers and the
  hotline generate it too;
- weekly briefing: the supervisor prints it; the clerks write it;
- bureau report: clerks, the supervisor and the administration bureau's viewers;
- name plates and banner: clerks, lobby managers, the supervisor, and the staff serving the
  meeting (attendants print them).
The supervisor may generate every kind. A document is downloaded by whom it was made for: the
requester (view "user:<id>") or a member of the role it was made for (view "role:<role>").
"""

from bookings import visibility
from core.roles import Role, has_role, roles_of
from reports.models import Document, Kind
from reports.viewers import RoleViewer

CLEARANCE_PERMISSION = "bookings.view_secret_meeting"

GENERATORS = {
    Kind.DAILY_NOTICE: (Role.CLERK, Role.SUPERVISOR, Role.LOBBY_MANAGER, Role.HOTLINE),
    Kind.WEEKLY_BRIEFING: (Role.SUPERVISOR, Role.CLERK),
    Kind.BUREAU_REPORT: (Role.CLERK, Role.SUPERVISOR, Role.BUREAU),
    Kind.NAME_PLATES: (Role.CLERK, Role.SUPERVISOR, Role.LOBBY_MANAGER),
    Kind.BANNER: (Role.CLERK, Role.SUPERVISOR, Role.LOBBY_MANAGER),
}
MEETING_SERVING_KINDS = (Kind.NAME_PLATES, Kind.BANNER)


def _logged_in(user) -> bool:
    return bool(getattr(user, "is_authenticated", False))


def can_generate(user, kind: str, meeting=None) -> bool:
    """May generate `kind` (for name plates and banner, of `meeting`, whose details the user
    must be allowed to see; without a meeting: of some meeting)."""
    if not _logged_in(user) or kind not in GENERATORS:
        return False
    hidden = meeting is not None and not visibility.can_see_details(user, meeting)
    if kind in MEETING_SERVING_KINDS and hidden:
        return False
    if user.is_superuser or has_role(user, *GENERATORS[kind]):
        return True
    if kind in MEETING_SERVING_KINDS and meeting is not None:
        from staffing.access import serves_meeting

        return serves_meeting(user, meeting)
    return False


def kinds_for(user) -> list[str]:
    """The kinds the user may generate (name plates and banner: for some meeting)."""
    return [kind for kind in Kind.values if can_generate(user, kind)]


def uses_documents(user) -> bool:
    """Whether the documents page is for this user at all."""
    return _logged_in(user) and (bool(kinds_for(user)) or has_role(user, *SERVING_ROLES))


SERVING_ROLES = (Role.ATTENDANT, Role.GROUP_LEADER, Role.ENV_SUPERVISOR, Role.AUDIO_TECH)


def views_of(user) -> list[str]:
    """The `view` values of the documents this user may download.

    A document made for a role shows what that role's permissions open, secret meetings'
    details included (the clerks' notice). A member whose own authorisation has lapsed does not
    see those details on any page, so they get none of that role's documents either; the ones
    they request themselves are generated with their own view.
    """
    if not _logged_in(user):
        return []
    roles = sorted(roles_of(user))
    if not visibility.holds_valid_authorisation(user):
        roles = [role for role in roles if not RoleViewer(role).has_perm(CLEARANCE_PERMISSION)]
    return [f"user:{user.pk}", *(f"role:{role}" for role in roles)]


def can_download(user, document: Document) -> bool:
    return _logged_in(user) and document.view in views_of(user)


def visible_documents(user):
    return Document.objects.filter(view__in=views_of(user))
