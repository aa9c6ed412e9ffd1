"""The quality section of the meeting page: the meeting's inspections with their scores, and
(on its day) a link to inspect it. Shown only to those who inspect the meeting's building."""

from django.db.models import Count, Q
from django.utils import timezone

from bookings.models import Meeting
from quality import access
from quality.models import ActionStatus


def inspections_panel(request, meeting: Meeting):
    user = request.user
    if not access.can_inspect_building(user, meeting.room.building_id):
        return None
    inspections = (
        meeting.quality_inspections.select_related("inspector", "template")
        .annotate(
            open_actions=Count(
                "findings__actions",
                filter=Q(findings__actions__status=ActionStatus.OPEN),
                distinct=True,
            )
        )
        .order_by("inspected_at", "pk")
    )
    today = timezone.localdate()
    return "quality/_meeting_inspections.html", {
        "meeting": meeting,
        "inspections": list(inspections),
        "may_inspect_now": meeting.is_active and timezone.localdate(meeting.start) == today,
    }
