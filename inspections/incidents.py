"""Incidents (突发事件): reported by anyone on duty, tracked to resolution with who and when.

A report notifies the building's lobby manager(s) and the service hotline at once, in the same
transaction as the incident row, so a notification exists exactly when the incident does.
"""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Meeting, Room
from core import audit
from core.notifications import notify
from core.roles import Role, users_with_role
from inspections.errors import CheckError
from inspections.models import Incident, IncidentCategory, Severity
from staffing.models import Position, Staff


def responders_for(building) -> list:
    """Who hears of an incident at once: the building's lobby managers and the hotline."""
    users = list(users_with_role(Role.HOTLINE))
    if building is not None:
        managers = Staff.objects.filter(
            home_building=building,
            position=Position.LOBBY_MANAGER,
            active=True,
            user__is_active=True,
        ).select_related("user")
        users.extend(staff.user for staff in managers)
    return users


def report_incident(
    *,
    by,
    category: str,
    severity: str,
    description: str,
    meeting: Meeting | None = None,
    room: Room | None = None,
    now: datetime | None = None,
) -> Incident:
    """Record an incident and notify its responders. Raises CheckError on bad input.

    The room defaults to the meeting's; faults are recorded against the room.
    """
    now = now or timezone.now()
    if category not in IncidentCategory.values:
        raise CheckError(_("Unknown category."), fields={"category": _("Unknown category.")})
    if severity not in Severity.values:
        raise CheckError(_("Unknown severity."), fields={"severity": _("Unknown severity.")})
    description = (description or "").strip()
    if not description:
        message = _("Please describe what happened.")
        raise CheckError(message, fields={"description": message})
    if room is None and meeting is not None:
        room = meeting.room
    with transaction.atomic():
        incident = Incident.objects.create(
            meeting=meeting,
            room=room,
            category=category,
            severity=severity,
            description=description,
            reported_by=by,
            reported_at=now,
        )
        audit.record(incident, "incident_reported", by=by, to_state="open", now=now)
        where = str(room) if room is not None else _("no room given")
        notify(
            responders_for(room.building if room is not None else None),
            kind="incident",
            # Only the category and the place: the description may concern a secret meeting.
            title=_("Incident reported: %(category)s (%(severity)s), %(where)s")
            % {
                "category": incident.get_category_display(),
                "severity": incident.get_severity_display(),
                "where": where,
            },
            url=reverse("incident-list"),
            dedupe_key=f"incident:{incident.pk}",
            now=now,
        )
    return incident


def resolve_incident(
    incident: Incident, *, by, resolution: str, now: datetime | None = None
) -> Incident:
    """Close an open incident with what was done. Raises CheckError if already resolved."""
    now = now or timezone.now()
    resolution = (resolution or "").strip()
    if not resolution:
        message = _("Please say how it was resolved.")
        raise CheckError(message, fields={"resolution": message})
    with transaction.atomic():
        # Claimed with a compare-and-set: two people resolving at once, one wins.
        won = Incident.objects.filter(pk=incident.pk, resolved_at__isnull=True).update(
            resolved_at=now, resolved_by=by, resolution=resolution
        )
        if not won:
            raise CheckError(_("This incident is already resolved."), code="resolved")
        incident.refresh_from_db()
        audit.record(
            incident,
            "incident_resolved",
            by=by,
            from_state="open",
            to_state="resolved",
            note=resolution,
            now=now,
        )
    return incident
