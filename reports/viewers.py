"""Whose view a document holds (issue 7 point 7).

A document made on request is generated for its requester: every title, name plate and note
goes through bookings.visibility with that user. A scheduled one is generated for its
audience's role: `RoleViewer` stands in for "a member of that role" (the role's permissions,
no staff record, so no duties of its own), and the visibility policy treats it like such a user.
"""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission

from core.roles import Role

# Who each scheduled document is for: the notice goes to every team (clerks issue it), the
# briefing to the supervisor.
SCHEDULE_AUDIENCE = {
    "daily_notice": Role.CLERK,
    "weekly_briefing": Role.SUPERVISOR,
}


class RoleViewer:
    """A stand-in user holding exactly one role's permissions."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_superuser = False
    is_staff = False
    pk = None
    id = None

    def __init__(self, role: str):
        self.role = str(role)
        self._perms: set[str] | None = None
        self._role_names = {self.role}  # core.roles.roles_of reads this cache

    def has_perm(self, perm: str, obj=None) -> bool:
        if self._perms is None:
            rows = Permission.objects.filter(group__name=self.role).values_list(
                "content_type__app_label", "codename"
            )
            self._perms = {f"{app}.{codename}" for app, codename in rows}
        return perm in self._perms

    def __str__(self) -> str:
        return f"role:{self.role}"


def view_key(viewer) -> str:
    """What the document row records: "user:<id>" or "role:<role>"."""
    if isinstance(viewer, RoleViewer):
        return f"role:{viewer.role}"
    return f"user:{viewer.pk}"


def viewer_for(view: str):
    """The viewer a stored `view` names (the sweeper generates pending rows with it)."""
    kind, _sep, value = view.partition(":")
    if kind == "role":
        return RoleViewer(value)
    return get_user_model().objects.get(pk=int(value))
