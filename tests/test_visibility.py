"""Who sees what of a meeting (invariant 3), and the roles that grant it."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.utils.translation import gettext as _

from bookings import visibility
from bookings.models import Confidentiality
from core.roles import (
    Role,
    add_role,
    has_role,
    primary_role,
    roles_of,
    sync_role_groups,
    users_with_role,
)
from core.timeutils import at

DAY = dt.date(2026, 11, 30)
SECRET_TITLE = "绝密：边境防务协调会"
PERSONAS = ["clerk", "supervisor", "outsider", "attendant"]
SEES_SECRETS = {"clerk", "supervisor"}


@pytest.fixture
def hooks():
    """Lets a test register staffing's hooks, and puts the previous ones back afterwards."""
    saved = visibility._is_authorised, visibility._serves_meeting
    yield visibility
    visibility.register_authorisation_check(saved[0])
    visibility.register_duty_check(saved[1])


@pytest.fixture
def meetings(book):
    """One meeting of each confidentiality, by the same clerk."""
    return {
        level: book(
            title=SECRET_TITLE if level == Confidentiality.SECRET else f"{level}会议标题",
            confidentiality=level,
            start=at(DAY, 8 + 3 * i),
            end=at(DAY, 9 + 3 * i),
        )
        for i, level in enumerate(Confidentiality.values)
    }


def masked_secret() -> str:
    return _("Secret meeting")


# --- the policy ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("level", Confidentiality.values)
def test_details_are_shown_by_confidentiality_and_role(request, meetings, persona, level):
    user = request.getfixturevalue(persona)
    meeting = meetings[level]

    sees = visibility.can_see_details(user, meeting)

    expected = level != Confidentiality.SECRET or persona in SEES_SECRETS
    assert sees is expected
    title = visibility.title_for(user, meeting)
    if expected:
        assert title == meeting.title
    else:
        assert meeting.title not in title
        assert "边境" not in title
        assert title == masked_secret()


def test_someone_not_logged_in_sees_no_details_at_all(meetings):
    anonymous = AnonymousUser()

    assert not any(visibility.can_see_details(anonymous, m) for m in meetings.values())


def test_the_door_display_and_feeds_name_only_normal_meetings(meetings):
    normal = meetings[Confidentiality.NORMAL]
    internal = meetings[Confidentiality.INTERNAL]
    secret = meetings[Confidentiality.SECRET]

    assert visibility.public_title(normal) == normal.title
    assert internal.title not in visibility.public_title(internal)
    assert SECRET_TITLE not in visibility.public_title(secret)
    # Both read as a plain "meeting": a secret one must not stand out on the door.
    assert visibility.public_title(internal) == visibility.public_title(secret) == _("Meeting")


def test_a_conflict_names_a_secret_meeting_only_to_those_allowed(meetings, clerk, outsider):
    secret = meetings[Confidentiality.SECRET]

    assert SECRET_TITLE in visibility.conflict_label(clerk, secret)
    assert SECRET_TITLE not in visibility.conflict_label(outsider, secret)


def test_a_clerk_without_a_valid_authorisation_no_longer_sees_secret_details(
    hooks, meetings, clerk, supervisor
):
    secret = meetings[Confidentiality.SECRET]
    hooks.register_authorisation_check(lambda user: user.pk != clerk.pk)

    assert not visibility.can_see_details(clerk, secret)
    assert SECRET_TITLE not in visibility.title_for(clerk, secret)
    assert visibility.can_see_details(supervisor, secret)
    # Meetings that are not secret need no authorisation.
    assert visibility.can_see_details(clerk, meetings[Confidentiality.INTERNAL])


def test_an_authorised_attendant_on_duty_sees_the_secret_meeting_they_serve(
    hooks, meetings, attendant, outsider
):
    secret = meetings[Confidentiality.SECRET]
    hooks.register_duty_check(lambda user, meeting: user.pk == attendant.pk)

    assert visibility.title_for(attendant, secret) == SECRET_TITLE
    assert SECRET_TITLE not in visibility.title_for(outsider, secret)

    hooks.register_authorisation_check(lambda user: False)
    assert SECRET_TITLE not in visibility.title_for(attendant, secret)


# --- roles --------------------------------------------------------------------------------


def test_has_role_is_true_for_any_of_the_users_roles(clerk, supervisor, outsider):
    assert has_role(clerk, Role.CLERK)
    assert has_role(supervisor, Role.ATTENDANT, Role.LOBBY_MANAGER)
    assert not has_role(clerk, Role.SUPERVISOR)
    assert not has_role(outsider, *Role)
    assert not has_role(AnonymousUser(), Role.CLERK)


def test_the_primary_role_is_the_first_in_the_roles_order(clerk, supervisor, outsider):
    assert primary_role(clerk) == Role.CLERK
    assert primary_role(supervisor) == Role.SUPERVISOR
    assert primary_role(outsider) is None


def test_adding_a_role_is_seen_at_once_despite_the_cache(outsider):
    assert roles_of(outsider) == set()

    add_role(outsider, Role.HOTLINE)

    assert has_role(outsider, Role.HOTLINE)
    assert list(users_with_role(Role.HOTLINE)) == [outsider]


def test_only_clerk_and_supervisor_groups_may_view_secret_meetings(role_groups):
    holders = set(
        Group.objects.filter(
            permissions__codename="view_secret_meeting",
            permissions__content_type__app_label="bookings",
        ).values_list("name", flat=True)
    )

    assert holders == {Role.CLERK.value, Role.SUPERVISOR.value}
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)


def test_syncing_the_role_groups_removes_permissions_granted_by_hand(role_groups):
    attendants = Group.objects.get(name=Role.ATTENDANT)
    attendants.permissions.add(Permission.objects.get(codename="view_secret_meeting"))

    sync_role_groups()

    assert not attendants.permissions.filter(codename="view_secret_meeting").exists()
    assert (
        Group.objects.get(name=Role.CLERK)
        .permissions.filter(codename="view_secret_meeting")
        .exists()
    )
