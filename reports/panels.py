"""The documents section of the meeting page: generate or print its name plates and banner
sheet, and download the versions made for this user."""

from bookings.models import Meeting
from reports import access
from reports.models import Kind


def documents_panel(request, meeting: Meeting):
    kinds = [
        k for k in (Kind.NAME_PLATES, Kind.BANNER) if access.can_generate(request.user, k, meeting)
    ]
    if not kinds:
        return None
    versions = (
        access.visible_documents(request.user)
        .filter(meeting=meeting)
        .order_by("-created_at", "-pk")[:6]
    )
    return "reports/_meeting_documents.html", {
        "meeting": meeting,
        "kinds": [(kind, Kind(kind).label) for kind in kinds],
        "versions": list(versions),
    }
