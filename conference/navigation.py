"""What each role sees in the navigation bar: its own pages and nothing else."""

from dataclasses import dataclass

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from bookings.access import can_manage_bookings, can_work_orders
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


def items_for(user) -> list[NavItem]:
    if not user.is_authenticated:
        return []
    items = [NavItem(_("Today"), reverse("home"))]
    books = can_manage_bookings(user)
    if books:
        items.append(NavItem(_("Find a room"), reverse("room-search")))
        items.append(NavItem(_("Book a room"), reverse("meeting-new")))
    # Lobby managers watch their buildings: the timeline and the list, without booking.
    if books or has_role(user, Role.LOBBY_MANAGER):
        items.append(NavItem(_("Timeline"), reverse("day-timeline")))
        items.append(NavItem(_("Meetings"), reverse("meeting-list")))
    if books:
        items.append(NavItem(_("Awaiting confirmation"), reverse("pending-list")))
    if can_assign(user):
        items.append(NavItem(_("Dispatch"), reverse("dispatch")))
    if can_view_roster(user):
        items.append(NavItem(_("Roster"), reverse("roster")))
    if has_role(user, *MY_DUTIES_ROLES):
        items.append(NavItem(_("My duties"), reverse("my-duties")))
    if has_role(user, *CHECKS_ROLES) or user.is_superuser:
        items.append(NavItem(_("Checks"), reverse("checks-board")))
    if can_work_orders(user):
        items.append(NavItem(_("Service orders"), reverse("department-index")))
    if can_view_rounds(user):
        items.append(NavItem(_("Office rounds"), reverse("office-rounds")))
    # By role alone, so the bar costs no query; the pages decide building by building.
    if user.is_superuser or has_role(user, Role.SUPERVISOR, Role.LOBBY_MANAGER):
        items.append(NavItem(_("Quality inspections"), reverse("quality-inspection-list")))
    elif has_role(user, *MY_DUTIES_ROLES):
        items.append(NavItem(_("Corrective actions"), reverse("quality-action-list")))
    if can_read_feedback(user):
        items.append(NavItem(_("Feedback"), reverse("complaint-list")))
    if can_view_figures(user):
        items.append(NavItem(_("Quality figures"), reverse("quality-figures")))
    if uses_documents(user):
        items.append(NavItem(_("Documents"), reverse("documents")))
    if user.is_staff:
        items.append(NavItem(_("Administration"), reverse("admin:index")))
    return items
