"""Roles are Django groups with fixed names; this module is the only place that knows them.

Apps grant their permissions to roles in `AppConfig.ready()` with `grant(...)`, and
`sync_role_groups()` (run after migrate and by the demo loader) makes the groups match.
"""

from collections import defaultdict

from django.contrib.auth.models import Group, Permission
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CLERK = "clerk", _("Information-centre clerk")
    SUPERVISOR = "supervisor", _("Customer-service supervisor")
    LOBBY_MANAGER = "lobby_manager", _("Lobby manager")
    HOTLINE = "hotline", _("Service hotline")
    GROUP_LEADER = "group_leader", _("Service group leader")
    ENV_SUPERVISOR = "env_supervisor", _("Environment supervisor")
    ATTENDANT = "attendant", _("Meeting-service attendant")
    AUDIO_TECH = "audio_tech", _("Audio-control technician")
    BUREAU = "bureau", _("Administration bureau viewer")


# Role -> "app_label.codename" permissions, filled by the apps in ready().
_ROLE_PERMISSIONS: dict[str, set[str]] = defaultdict(set)


def grant(role: Role, *permissions: str) -> None:
    _ROLE_PERMISSIONS[role.value].update(permissions)


def sync_role_groups() -> None:
    """Create one group per role and give it exactly the permissions granted to it."""
    for role in Role:
        group, _created = Group.objects.get_or_create(name=role.value)
        wanted = []
        for dotted in sorted(_ROLE_PERMISSIONS.get(role.value, ())):
            app_label, codename = dotted.split(".", 1)
            wanted.append(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
        group.permissions.set(wanted)


def roles_of(user) -> set[str]:
    """The user's role names, cached on the user object for the request."""
    if not getattr(user, "is_authenticated", False):
        return set()
    cached = getattr(user, "_role_names", None)
    if cached is None:
        cached = set(user.groups.values_list("name", flat=True))
        user._role_names = cached
    return cached


def has_role(user, *roles: Role) -> bool:
    return bool(roles_of(user) & {r.value for r in roles})


def primary_role(user) -> Role | None:
    """The role whose home page the user lands on: the first of theirs in Role's order."""
    mine = roles_of(user)
    for role in Role:
        if role.value in mine:
            return role
    return None


def users_with_role(role: Role):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(groups__name=role.value, is_active=True)


def add_role(user, role: Role) -> None:
    group, _created = Group.objects.get_or_create(name=role.value)
    user.groups.add(group)
    if hasattr(user, "_role_names"):
        del user._role_names
