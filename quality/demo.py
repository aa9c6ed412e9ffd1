"""Demo data for quality inspections, laid down through the services (not wired into
conference/demo.py here: the lead engineer calls `load` after the meetings and the staff exist).
"""

import datetime as dt

from django.utils import timezone

from bookings.models import Meeting, MeetingStatus, Room
from quality import services
from quality.models import InspectionTemplate
from staffing.models import Position, Staff

# Item scores for the demo's inspections, cycled over the template's items.
_SCORES = [(5, 4, 5, 4, 5), (4, 3, 4, 5, 3), (5, 5, 4, 4, 5)]


def load(now: dt.datetime, users: dict) -> dict[str, int]:
    """Lay down a few inspections by the supervisor (`users["supervisor"]`): up to three of
    meetings that finished before `now` (one with a finding and an open corrective action for
    the attendant login's staff member, due in two days; one with an action already closed),
    and one of an office. Returns {"inspections": n, "actions": n}; lays down nothing when
    there is no active template or no finished meeting and no office.
    """
    supervisor = users["supervisor"]
    template = InspectionTemplate.objects.filter(active=True).order_by("pk").first()
    if template is None:
        return {"inspections": 0, "actions": 0}
    items = list(template.items.all())
    attendant_staff = getattr(users.get("attendant"), "staff", None)
    assignee = attendant_staff or (
        Staff.objects.filter(active=True, position=Position.ATTENDANT).order_by("pk").first()
    )
    meetings = list(
        Meeting.objects.filter(
            end__lt=now, end__gte=now - dt.timedelta(days=7), status=MeetingStatus.CONFIRMED
        )
        .select_related("room")
        .order_by("-end", "-pk")[:3]
    )
    inspections = actions = 0
    for n, meeting in enumerate(meetings):
        at = min(meeting.start + dt.timedelta(minutes=10), now)
        findings = []
        if n == 0 and assignee is not None:
            findings = [
                {
                    "text": "茶杯摆放不整齐，部分杯垫缺失。",
                    "assignee": assignee,
                    "due_on": timezone.localdate(now) + dt.timedelta(days=2),
                    "action": "补齐杯垫，会前按标准摆放茶杯。",
                }
            ]
        elif n == 1 and assignee is not None:
            findings = [
                {
                    "text": "会场门口指示牌未及时更换。",
                    "assignee": assignee,
                    "due_on": timezone.localdate(at),
                    "action": "会前三十分钟核对指示牌。",
                }
            ]
        inspection = services.record_inspection(
            by=supervisor,
            template=template,
            meeting=meeting,
            scores=_scores(items, n),
            note="巡检中发现的问题已当场指出。" if findings else "",
            findings=findings,
            now=at,
        )
        inspections += 1
        for finding in inspection.findings.all():
            for action in finding.actions.all():
                actions += 1
                if n == 1:
                    services.close_action(
                        action,
                        by=supervisor,
                        note="已更换指示牌并纳入会前检查。",
                        now=min(at + dt.timedelta(hours=1), now),
                    )
    office = (
        Room.objects.filter(kind__in=services.OFFICE_KINDS, in_service=True).order_by("pk").first()
    )
    office_template = next(
        (t for t in InspectionTemplate.objects.filter(active=True) if t.fits(meeting=False)), None
    )
    if office is not None and office_template is not None:
        at = now - dt.timedelta(days=1)
        services.record_inspection(
            by=supervisor,
            template=office_template,
            room=office,
            scores=_scores(list(office_template.items.all()), 2),
            note="",
            now=at,
        )
        inspections += 1
    return {"inspections": inspections, "actions": actions}


def _scores(items, n: int) -> dict[int, int]:
    pattern = _SCORES[n % len(_SCORES)]
    return {item.pk: pattern[i % len(pattern)] for i, item in enumerate(items)}
