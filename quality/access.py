"""Who may inspect, read inspections and close corrective actions: one place that every view
and the meeting-page panel ask.

- The customer-service supervisor (and a superuser) inspects anywhere.
- A lobby manager inspects the buildings they manage: their staff record's home building, the
  link `staffing` uses for lobby managers (a lobby manager without one inspects nothing).
- The assignee of a corrective action sees it (with its finding and photo) and may close it.
- Everyone else is refused (403).
"""

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from core.roles import Role, has_role
from quality.models import CorrectiveAction, Finding, Inspection
from staffing.access import linked_staff

ALL = None  # inspectable_buildings() for someone who inspects everywhere


def inspects_everywhere(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or has_role(user, Role.SUPERVISOR)


def inspectable_buildings(user) -> set[int] | None:
    """The ids of the buildings the user inspects, or ALL (None) for everywhere."""
    if inspects_everywhere(user):
        return ALL
    if not has_role(user, Role.LOBBY_MANAGER):
        return set()
    staff = linked_staff(user)
    if staff is None or staff.home_building_id is None:
        return set()
    return {staff.home_building_id}


def can_inspect(user) -> bool:
    """May record inspections somewhere (and open the inspection pages)."""
    buildings = inspectable_buildings(user)
    return buildings is ALL or bool(buildings)


def can_inspect_building(user, building_id: int | None) -> bool:
    buildings = inspectable_buildings(user)
    return buildings is ALL or building_id in buildings


def _is_assignee(user, action: CorrectiveAction) -> bool:
    staff = linked_staff(user) if getattr(user, "is_authenticated", False) else None
    return staff is not None and action.assignee_id == staff.pk


def can_close(user, action: CorrectiveAction) -> bool:
    """The assignee, or whoever inspects the action's building."""
    if _is_assignee(user, action):
        return True
    return can_inspect_building(user, action.finding.inspection.building_id)


def can_list_actions(user) -> bool:
    """Inspectors see their buildings' actions; staff with a login see the ones assigned to them."""
    if not getattr(user, "is_authenticated", False):
        return False
    return can_inspect(user) or linked_staff(user) is not None


def visible_inspections(user) -> QuerySet:
    buildings = inspectable_buildings(user)
    if buildings is ALL:
        return Inspection.objects.all()
    return Inspection.objects.filter(building_id__in=buildings)


def visible_actions(user) -> QuerySet:
    """The actions the user may see: their buildings' and their own."""
    buildings = inspectable_buildings(user)
    if buildings is ALL:
        return CorrectiveAction.objects.all()
    mine = Q(pk__in=[])
    staff = linked_staff(user) if getattr(user, "is_authenticated", False) else None
    if staff is not None:
        mine = Q(assignee_id=staff.pk)
    return CorrectiveAction.objects.filter(mine | Q(finding__inspection__building_id__in=buildings))


def get_inspection_for(user, pk: int) -> Inspection:
    """The inspection if the user inspects its building: 403 for someone who inspects nothing
    or another building, 404 if it does not exist."""
    if not can_inspect(user):
        raise PermissionDenied
    inspection = get_object_or_404(
        Inspection.objects.select_related(
            "building", "room__building", "meeting", "template", "inspector"
        ),
        pk=pk,
    )
    if not can_inspect_building(user, inspection.building_id):
        raise PermissionDenied
    return inspection


def get_action_for(user, pk: int, *, close: bool = False) -> CorrectiveAction:
    action = get_object_or_404(
        CorrectiveAction.objects.select_related(
            "assignee", "finding__inspection__building", "finding__inspection__room"
        ),
        pk=pk,
    )
    allowed = _is_assignee(user, action) or can_inspect_building(
        user, action.finding.inspection.building_id
    )
    if not allowed or (close and not can_close(user, action)):
        raise PermissionDenied
    return action


def get_finding_for(user, pk: int, *, add_action: bool = False) -> Finding:
    """The finding if the user inspects its building, or (to see its photo) is the assignee of
    one of its actions; adding an action needs the former."""
    finding = get_object_or_404(Finding.objects.select_related("inspection"), pk=pk)
    if can_inspect_building(user, finding.inspection.building_id):
        return finding
    staff = linked_staff(user) if getattr(user, "is_authenticated", False) else None
    if (
        not add_action
        and staff is not None
        and finding.actions.filter(assignee_id=staff.pk).exists()
    ):
        return finding
    raise PermissionDenied
