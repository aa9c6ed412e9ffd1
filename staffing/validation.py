"""The one duty validator: hand assignments, the dispatcher and the property tests all ask it.

A `DutyBook` is an in-memory picture of a period: the people, their shifts and absences, and
the active duties already held. `refusals(proposal)` lists every reason a proposed duty breaks a
hard rule (empty when it may be held); `hold(proposal)` records it so later proposals see it.
Loading a book costs a fixed handful of queries whatever the number of meetings, so the
dispatcher can try thousands of proposals without touching the database.

Hard rules (design.md invariant 2 and issue 4):
- no two overlapping duties of one person, except a group leader's lead duties, which may
  cover up to LEAD_MAX_CONCURRENT concurrent meetings in ONE building (never across buildings),
  and which still may not overlap the person's non-lead duties;
- no duty during an absence, and none outside the person's shifts;
- a secret meeting, and a leader's office, only for someone authorised on its day;
- an audio duty needs the audio skill; a lead duty needs a service group leader;
- one active duty per person per meeting (or office round).

Office rounds are proposed like meetings (`Proposal.for_round`): their window is the round's.
"""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Confidentiality, Meeting
from offices.models import OfficeRound
from staffing.models import Absence, Duty, DutyRole, Shift, Skill, Staff

# Staff arrive this long before the start, whatever the room's setup (the plan's lead time).
ARRIVAL_BEFORE = dt.timedelta(minutes=30)


def lead_max_concurrent() -> int:
    return getattr(settings, "LEAD_MAX_CONCURRENT", 3)


def duty_window(meeting: Meeting) -> tuple[dt.datetime, dt.datetime]:
    """A duty runs from arrival (30 minutes before the start) to the end plus teardown."""
    return (
        meeting.start - ARRIVAL_BEFORE,
        meeting.end + dt.timedelta(minutes=meeting.teardown_minutes),
    )


@dataclass(frozen=True)
class Proposal:
    staff_id: int
    meeting_id: int | None
    role: str
    building_id: int
    start: dt.datetime
    end: dt.datetime
    # Needs someone authorised (授权上岗): a secret meeting or a leader's office.
    secret: bool = False
    round_id: int | None = None

    @classmethod
    def for_meeting(cls, staff_id: int, meeting: Meeting, role: str) -> "Proposal":
        start, end = duty_window(meeting)
        return cls(
            staff_id=staff_id,
            meeting_id=meeting.pk,
            role=role,
            building_id=meeting.room.building_id,
            start=start,
            end=end,
            secret=meeting.confidentiality == Confidentiality.SECRET,
        )

    @classmethod
    def for_round(cls, staff_id: int, office_round: OfficeRound) -> "Proposal":
        return cls(
            staff_id=staff_id,
            meeting_id=None,
            role=DutyRole.OFFICE,
            building_id=office_round.building_id,
            start=office_round.start,
            end=office_round.end,
            secret=office_round.needs_authorisation,
            round_id=office_round.pk,
        )


@dataclass
class _Held:
    duty_id: int | None
    meeting_id: int | None
    role: str
    building_id: int
    start: dt.datetime
    end: dt.datetime
    round_id: int | None = None


@dataclass
class DutyBook:
    staff: dict[int, Staff]
    shifts: dict[int, list[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)
    absences: dict[int, list[tuple[dt.datetime, dt.datetime]]] = field(default_factory=dict)
    held: dict[int, list[_Held]] = field(default_factory=lambda: defaultdict(list))

    @classmethod
    def load(
        cls,
        start: dt.datetime,
        end: dt.datetime,
        *,
        staff_ids=None,
        exclude_duty_ids=(),
    ) -> "DutyBook":
        """The picture of [start, end): four queries. Widen the window by a day on each side
        if proposals near its edges must see duties just outside it."""
        people = Staff.objects.filter(active=True)
        if staff_ids is not None:
            people = people.filter(pk__in=list(staff_ids))
        book = cls(staff={person.pk: person for person in people})
        ids = list(book.staff)
        for staff_id, s, e in Shift.objects.filter(
            staff_id__in=ids, start__lt=end, end__gt=start
        ).values_list("staff_id", "start", "end"):
            book.shifts.setdefault(staff_id, []).append((s, e))
        for staff_id, s, e in Absence.objects.filter(
            staff_id__in=ids, start__lt=end, end__gt=start
        ).values_list("staff_id", "start", "end"):
            book.absences.setdefault(staff_id, []).append((s, e))
        duties = (
            Duty.objects.active()
            .filter(staff_id__in=ids, start__lt=end, end__gt=start)
            .exclude(pk__in=list(exclude_duty_ids))
            .values_list(
                "pk",
                "staff_id",
                "meeting_id",
                "role",
                "building_id",
                "start",
                "end",
                "office_round_id",
            )
        )
        for pk, staff_id, meeting_id, role, building_id, s, e, round_id in duties:
            book.held[staff_id].append(_Held(pk, meeting_id, role, building_id, s, e, round_id))
        return book

    # --- the rules ------------------------------------------------------------------------

    def refusals(self, proposal: Proposal) -> list[str]:
        """Every hard rule the proposal breaks, as messages for the person assigning."""
        person = self.staff.get(proposal.staff_id)
        if person is None:
            return [_("This person is not on the active roster.")]
        reasons: list[str] = []
        name = person.name
        if proposal.role == DutyRole.LEAD and not person.is_group_leader:
            reasons.append(_("%(name)s is not a service group leader.") % {"name": name})
        if proposal.role == DutyRole.AUDIO and not person.has_skill(Skill.AUDIO):
            reasons.append(_("%(name)s has no audio-control skill.") % {"name": name})
        if proposal.secret and not person.is_authorised_on(timezone.localdate(proposal.start)):
            if proposal.round_id is not None:
                message = _("%(name)s is not authorised to serve a leader's office (授权上岗).")
            else:
                message = _("%(name)s is not authorised for secret meetings (授权上岗).")
            reasons.append(message % {"name": name})
        for s, e in self.absences.get(person.pk, ()):
            if s < proposal.end and proposal.start < e:
                reasons.append(_("%(name)s is absent then.") % {"name": name})
                break
        if not _covered(self.shifts.get(person.pk, ()), proposal.start, proposal.end):
            reasons.append(_("%(name)s is not on shift for the whole duty.") % {"name": name})
        reasons.extend(self._overlap_refusals(person, proposal))
        return reasons

    def _overlap_refusals(self, person: Staff, proposal: Proposal) -> list[str]:
        reasons = []
        same_building_leads: list[tuple[dt.datetime, dt.datetime]] = []
        for held in self.held.get(person.pk, ()):
            if proposal.meeting_id is not None and held.meeting_id == proposal.meeting_id:
                reasons.append(
                    _("%(name)s already has a duty on this meeting.") % {"name": person.name}
                )
                continue
            if proposal.round_id is not None and held.round_id == proposal.round_id:
                reasons.append(
                    _("%(name)s already has a duty on this round.") % {"name": person.name}
                )
                continue
            if not (held.start < proposal.end and proposal.start < held.end):
                continue
            both_leads = held.role == DutyRole.LEAD and proposal.role == DutyRole.LEAD
            if not both_leads:
                reasons.append(
                    _("%(name)s already has a duty from %(start)s to %(end)s.")
                    % {
                        "name": person.name,
                        "start": timezone.localtime(held.start).strftime("%H:%M"),
                        "end": timezone.localtime(held.end).strftime("%H:%M"),
                    }
                )
            elif held.building_id != proposal.building_id:
                reasons.append(
                    _("%(name)s leads a meeting in another building at the same time.")
                    % {"name": person.name}
                )
            else:
                same_building_leads.append(
                    (max(held.start, proposal.start), min(held.end, proposal.end))
                )
        if proposal.role == DutyRole.LEAD:
            # The limit is on leads running at the same moment, not on every lead that
            # touches the window: count the most that overlap at any instant.
            busiest = _most_at_once(same_building_leads)
            if busiest + 1 > lead_max_concurrent():
                reasons.append(
                    _("%(name)s already leads %(count)s concurrent meetings.")
                    % {"name": person.name, "count": busiest}
                )
        return reasons

    def hold(self, proposal: Proposal) -> None:
        self.held[proposal.staff_id].append(
            _Held(
                None,
                proposal.meeting_id,
                proposal.role,
                proposal.building_id,
                proposal.start,
                proposal.end,
                proposal.round_id,
            )
        )


def _most_at_once(windows: list[tuple[dt.datetime, dt.datetime]]) -> int:
    """The largest number of [start, end) windows that overlap at one instant."""
    events = sorted(
        [(start, 1) for start, _end in windows] + [(end, -1) for _start, end in windows]
    )
    running = most = 0
    for _when, step in events:  # ends sort before starts at the same instant ([) windows)
        running += step
        most = max(most, running)
    return most


def _covered(shifts, start: dt.datetime, end: dt.datetime) -> bool:
    """Whether the shifts (possibly back to back) cover [start, end) without a gap."""
    point = start
    for s, e in sorted(shifts):
        if s <= point < e:
            point = e
            if point >= end:
                return True
    return point >= end
