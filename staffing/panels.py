"""The staffing section of the meeting page: needed vs filled per duty, with who and whether
they acknowledged and arrived."""

from bookings.models import Meeting
from staffing.access import can_assign
from staffing.models import Duty, DutyRole, DutyStatus
from staffing.needs import needs_for


def staffing_panel(request, meeting: Meeting):
    needs = needs_for(meeting)
    duties = list(
        Duty.objects.active().filter(meeting=meeting).select_related("staff").order_by("role")
    )
    rows = []
    for role in DutyRole:
        held = [duty for duty in duties if duty.role == role]
        needed = needs.get(role.value, 0)
        if not needed and not held:
            continue
        rows.append(
            {
                "role": role.label,
                "needed": needed,
                "filled": len(held),
                "short": max(needed - len(held), 0),
                "duties": held,
                "acknowledged": sum(d.status == DutyStatus.ACKNOWLEDGED for d in held),
            }
        )
    return "staffing/_meeting_staffing.html", {
        "meeting": meeting,
        "rows": rows,
        "can_assign": can_assign(request.user),
    }
