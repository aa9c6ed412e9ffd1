"""What each role sees in the navigation bar: its own pages and nothing else."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from bookings.access import can_manage_bookings, can_work_orders
from conference.views_door import can_manage_door_links
from conference.views_figures import can_view_figures
from core.roles import Role, has_role
from feedback.access import can_read_feedback
from reports.access import uses_documents
from staffing.access import can_assign
from staffing.roster import can_view_roster
from staffing.views.rounds import can_view_rounds

# The people who hold duties on meetings see their own on the phone (我的任务).
MY_DUTIES_ROLES = (
    Role.ATTENDANT,
    Role.GROUP_LEADER,
    Role.ENV_SUPERVISOR,
    Role.AUDIO_TECH,
    Role.LOBBY_MANAGER,
    Role.SUPERVISOR,
)

# The three-level checks: the hotline, the lobby managers, the supervisor and the people who
# do levels 1 and 2 (inspections.views.BOARD_ROLES).
CHECKS_ROLES = (
    Role.HOTLINE,
    Role.LOBBY_MANAGER,
    Role.SUPERVISOR,
    Role.GROUP_LEADER,
    Role.ENV_SUPERVISOR,
)


@dataclass(frozen=True)
class NavItem:
    label: str
    url: str
    group: str = ""  # "" on the bar itself, else the menu it sits in


@dataclass(frozen=True)
class NavEntry:
    """What the bar shows: one link, or a menu of links."""

    label: str
    url: str = ""
    items: tuple[NavItem, ...] = ()


# Each role's own page, in order: the first the user's roles match wins (conference.views.home).
# The clerks' own page is today's meetings: they book all day.
ROLE_DESKS = (
    (Role.SUPERVISOR, "overview"),
    (Role.LOBBY_MANAGER, "lobby"),
    (Role.HOTLINE, "hotline"),
    (Role.GROUP_LEADER, "my-duties"),
    (Role.ENV_SUPERVISOR, "my-duties"),
    (Role.ATTENDANT, "my-duties"),
    (Role.AUDIO_TECH, "my-duties"),
)


def desk_of(user) -> str | None:
    """The URL name of the user's own page, or None when it is today's meetings."""
    if has_role(user, Role.CLERK):
        return None
    for role, url_name in ROLE_DESKS:
        if has_role(user, role):
            return url_name
    return None


MEETINGS_MENU = pgettext_lazy("menu", "Meetings")
STAFF_MENU = _("Staff")
DESKS_MENU = _("Boards")
QUALITY_MENU = _("Quality")


def items_for(user) -> list[NavItem]:
    """Every link the user may use, in the bar's order (by role alone: no query)."""
    if not user.is_authenticated:
        return []
    items = []
    if desk_of(user) is not None:
        items.append(NavItem(_("My desk"), reverse("home")))
        items.append(NavItem(_("Today"), reverse("today")))
    else:
        items.append(NavItem(_("Today"), reverse("home")))
    books = can_manage_bookings(user)
    # The clerks book all day: the booking pages stand on the bar; for everyone else they sit
    # in one menu, so the bar keeps to one line.
    meetings = "" if has_role(user, Role.CLERK) else MEETINGS_MENU
    if books:
        items.append(NavItem(_("Find a room"), reverse("room-search"), meetings))
        items.append(NavItem(_("Book a room"), reverse("meeting-new"), meetings))
    # Lobby managers watch their buildings: the timeline and the list, without booking.
    if books or has_role(user, Role.LOBBY_MANAGER):
        items.append(NavItem(_("Timeline"), reverse("day-timeline"), meetings))
        items.append(NavItem(_("Meetings"), reverse("meeting-list"), meetings))
    if books:
        items.append(NavItem(_("Awaiting confirmation"), reverse("pending-list"), meetings))
    if has_role(user, *MY_DUTIES_ROLES):
        items.append(NavItem(_("My duties"), reverse("my-duties")))
    # The hotline lives on the checks board; for the others it is one board among several.
    checks = "" if has_role(user, Role.HOTLINE) else DESKS_MENU
    if has_role(user, *CHECKS_ROLES) or user.is_superuser:
        items.append(NavItem(_("Checks"), reverse("checks-board"), checks))
    if can_work_orders(user):
        items.append(NavItem(_("Service orders"), reverse("department-index"), checks))
    items.extend(_desks(user))
    if can_assign(user):
        items.append(NavItem(_("Dispatch"), reverse("dispatch"), STAFF_MENU))
    if can_view_roster(user):
        items.append(NavItem(_("Roster"), reverse("roster"), STAFF_MENU))
    if can_view_rounds(user):
        items.append(NavItem(_("Office rounds"), reverse("office-rounds"), STAFF_MENU))
    # By role alone, so the bar costs no query; the pages decide building by building.
    if user.is_superuser or has_role(user, Role.SUPERVISOR, Role.LOBBY_MANAGER):
        items.append(
            NavItem(_("Quality inspections"), reverse("quality-inspection-list"), QUALITY_MENU)
        )
    elif has_role(user, *MY_DUTIES_ROLES):
        items.append(NavItem(_("Corrective actions"), reverse("quality-action-list"), QUALITY_MENU))
    if can_read_feedback(user):
        items.append(NavItem(_("Feedback"), reverse("complaint-list"), QUALITY_MENU))
    if can_view_figures(user):
        items.append(NavItem(_("Quality figures"), reverse("quality-figures"), QUALITY_MENU))
    if uses_documents(user):
        items.append(NavItem(_("Documents"), reverse("documents")))
    # Every logged-in user may subscribe to something: at least their own duties, if any.
    items.append(NavItem(_("Calendar subscriptions"), reverse("feeds"), STAFF_MENU))
    if user.is_staff:
        items.append(NavItem(_("Administration"), reverse("admin:index")))
    return items


def _desks(user) -> list[NavItem]:
    """The live boards the user may open, besides their own page."""
    boards = []
    everywhere = user.is_superuser or has_role(user, Role.SUPERVISOR)
    if everywhere or has_role(user, Role.LOBBY_MANAGER, Role.HOTLINE):
        boards.append(NavItem(_("Building board"), reverse("lobby"), DESKS_MENU))
        boards.append(NavItem(_("Hotline board"), reverse("hotline"), DESKS_MENU))
    if everywhere or has_role(user, Role.CLERK):
        boards.append(NavItem(_("Information-centre console"), reverse("console"), DESKS_MENU))
    if everywhere:
        boards.append(NavItem(_("Overview"), reverse("overview"), DESKS_MENU))
    if can_manage_door_links(user):
        boards.append(NavItem(_("Door displays"), reverse("door-links"), DESKS_MENU))
    return boards


def entries_for(user) -> list[NavEntry]:
    """The bar: single links in order, each menu where its first link would stand."""
    entries: list[NavEntry] = []
    menus: dict[str, list[NavItem]] = {}
    for item in items_for(user):
        if not item.group:
            entries.append(NavEntry(item.label, item.url))
            continue
        key = str(item.group)
        if key not in menus:
            menus[key] = []
            entries.append(NavEntry(item.group, items=()))
        menus[key].append(item)
    return [
        NavEntry(entry.label, items=tuple(menus[str(entry.label)])) if not entry.url else entry
        for entry in entries
    ]
