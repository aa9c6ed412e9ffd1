"""Invariants of duties (design.md 2, 3, 5), run by `manage.py check_invariants`."""

from collections import defaultdict
from collections.abc import Iterator

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db.models import Count
from django.utils import timezone

from bookings.models import Confidentiality, MeetingStatus
from core.invariants import register
from core.models import AuditEntry
from staffing.models import Absence, Duty, DutyRole, DutyStatus

_COLUMNS = ("pk", "staff_id", "meeting_id", "role", "building_id", "start", "end")


def _active_by_person() -> dict[int, list[tuple]]:
    rows = (
        Duty.objects.active()
        .order_by("staff_id", "start")
        .values_list(*_COLUMNS)
        .iterator(chunk_size=5000)
    )
    people: dict[int, list[tuple]] = defaultdict(list)
    for row in rows:
        people[row[1]].append(row)
    return people


@register("staffing: no person holds overlapping duties")
def no_overlapping_duties() -> Iterator[str]:
    limit = getattr(settings, "LEAD_MAX_CONCURRENT", 3)
    for staff_id, duties in _active_by_person().items():
        for i, (pk, _s, _m, role, building, start, end) in enumerate(duties):
            for other in duties[i + 1 :]:
                o_pk, _os, _om, o_role, o_building, o_start, _oe = other
                if o_start >= end:
                    break
                if role == DutyRole.LEAD and o_role == DutyRole.LEAD:
                    if o_building != building:
                        yield f"staff {staff_id} leads duties {pk} and {o_pk} in two buildings"
                    continue
                yield f"staff {staff_id} holds overlapping duties {pk} and {o_pk}"
            if role != DutyRole.LEAD:
                continue
            # Leads running at this lead's start (itself included).
            concurrent_leads = sum(
                1 for d in duties if d[3] == DutyRole.LEAD and d[5] <= start < d[6]
            )
            if concurrent_leads > limit:
                yield f"staff {staff_id} leads {concurrent_leads} concurrent meetings at {start}"


@register("staffing: no duty during an absence")
def no_duty_during_absence() -> Iterator[str]:
    for absence in Absence.objects.iterator(chunk_size=5000):
        clash = Duty.objects.active().filter(
            staff_id=absence.staff_id, start__lt=absence.end, end__gt=absence.start
        )
        for pk in clash.values_list("pk", flat=True):
            yield f"duty {pk} falls in absence {absence.pk} of staff {absence.staff_id}"


@register("staffing: secret meetings are served only by authorised staff")
def secret_meetings_served_by_authorised_staff() -> Iterator[str]:
    duties = (
        Duty.objects.active()
        .filter(meeting__confidentiality=Confidentiality.SECRET)
        .select_related("staff")
        .iterator(chunk_size=2000)
    )
    for duty in duties:
        if not duty.staff.is_authorised_on(timezone.localdate(duty.start)):
            yield f"duty {duty.pk}: staff {duty.staff_id} is not authorised for a secret meeting"


@register("staffing: no active duty on a cancelled meeting")
def no_duty_on_cancelled_meeting() -> Iterator[str]:
    qs = Duty.objects.active().filter(meeting__status=MeetingStatus.CANCELLED)
    for pk, meeting_id in qs.values_list("pk", "meeting_id"):
        yield f"duty {pk} is active on cancelled meeting {meeting_id}"


@register("staffing: at most one lead per meeting")
def one_lead_per_meeting() -> Iterator[str]:
    qs = (
        Duty.objects.active()
        .filter(role=DutyRole.LEAD)
        .values("meeting_id")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
    )
    for row in qs:
        yield f"meeting {row['meeting_id']} has {row['n']} active leads"


_REQUIRED_ACTIONS = {
    DutyStatus.ASSIGNED: {"duty_assigned"},
    DutyStatus.ACKNOWLEDGED: {"duty_assigned", "duty_acknowledged"},
    DutyStatus.RELEASED: {"duty_assigned", "duty_released"},
}


@register("staffing: every duty's state changes are audited")
def duties_are_audited() -> Iterator[str]:
    content_type = ContentType.objects.get_for_model(Duty)
    actions: dict[str, set[str]] = defaultdict(set)
    for object_id, action in (
        AuditEntry.objects.filter(content_type=content_type)
        .values_list("object_id", "action")
        .iterator(chunk_size=5000)
    ):
        actions[object_id].add(action)
    for pk, status in Duty.objects.values_list("pk", "status").iterator(chunk_size=5000):
        missing = _REQUIRED_ACTIONS[status] - actions.get(str(pk), set())
        if missing:
            yield f"duty {pk} ({status}) has no audit row for: {', '.join(sorted(missing))}"
