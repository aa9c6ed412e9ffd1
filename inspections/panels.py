"""The checks section of the meeting page: its three checks in words, and where to report an
incident."""

from django.utils import timezone

from bookings.models import Meeting
from inspections.models import Check
from inspections.states import state_of


def checks_panel(request, meeting: Meeting):
    now = timezone.now()
    checks = Check.objects.filter(meeting=meeting).select_related("responsible").order_by("level")
    rows = [{"check": check, "state": state_of(check, now)} for check in checks]
    return "inspections/_meeting_checks.html", {"meeting": meeting, "rows": rows}
