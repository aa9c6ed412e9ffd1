"""The dispatcher: fill the open staffing needs of a day (or of one meeting) from the roster.

Office rounds (offices.models.OfficeRound) are slots too: a day's dispatch fills its meetings
and its rounds in one plan, so a cleaning round and a meeting duty never collide.

Algorithm (documented in docs/benchmarks.md, "Dispatcher"): a greedy assignment with scoring,
repeated with randomised tie-breaking until the time limit, keeping the best plan.

1. Every open need becomes slots (meeting, role), one per missing person.
2. Slots are taken most-constrained first: leads, then audio, then the rest; within a group,
   the slot with the fewest valid candidates first (counted once against the starting book).
3. For each slot, the candidates are the people the validator accepts *now*
   (`DutyBook.refusals()` empty, with every duty already planned in this run `hold()`-ed);
   the best-scoring one is taken. The score prefers, in this order of weight: the meeting's
   building as the person's home building, a building that matches the person's neighbouring
   duties that day (no walking between buildings), keeping scarce people (group leaders, audio
   skill, clearance) free for slots only they can fill, and fewer hours already held that week
   (Monday-Sunday, duties of earlier runs included).
4. The objective of a plan = filled slots x 1000 - home-building mismatches x 10 - building
   switches x 5 - workload imbalance (sum of |hours - mean| over the people planned, in hours).
   Later runs add random noise to the scores and the order of equally constrained slots; the
   best objective wins. The first run is deterministic, so a short limit still gives a plan.

Hard rules are never the dispatcher's business: every proposal is accepted only when the shared
validator has no refusal, and every duty is saved through services.assign_duty, which validates
again under locks. Existing duties (assigned or acknowledged) are never moved or released; they
sit in the book and the plan works around them.

Why not CP-SAT: the needs are small per slot (at most ~60 candidates) and the hard rules are
already expressed once, in the validator; a MIP model would restate them (lead concurrency,
shift coverage) in a second language. The greedy fills a 40-meeting day completely in well
under the default limit (see docs/benchmarks.md); if fill rates on crowded days ever matter
more, the plan's slots and candidate lists are the natural input of a CP-SAT model.
"""

import dataclasses
import datetime as dt
import itertools
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from bookings.models import Meeting
from offices.models import OfficeRound, RoundStatus
from offices.services import day_rounds
from staffing import services
from staffing.errors import DispatchError
from staffing.models import Duty, DutyRole, Position, Skill, Staff
from staffing.needs import open_needs_many
from staffing.validation import DutyBook, Proposal, _covered

FILL_WEIGHT = 1000
HOME_WEIGHT = 10
SWITCH_WEIGHT = 5
# Slot order: scarce roles first, because their candidates are few and shared.
ROLE_ORDER = {DutyRole.LEAD: 0, DutyRole.AUDIO: 1, DutyRole.HOSTESS: 2}
# Who the dispatcher sends to meetings (a policy, not a hard rule: a lobby manager may still
# assign anyone by hand): attendants take any duty they are valid for, the audio-control
# technicians only audio; supervisors, lobby managers and hotline clerks are not dispatched.
DISPATCHED_ROLES = {
    Position.ATTENDANT: None,
    Position.AUDIO_TECH: frozenset({DutyRole.AUDIO}),
}
# A duty whose skill the person has scores higher (the validator does not require it).
ROLE_SKILL = {DutyRole.HOSTESS: Skill.ETIQUETTE, DutyRole.RECEPTION: Skill.RECEPTION}
SKILL_WEIGHT = 15
LEAD_SHARE_WEIGHT = 12
# Duties closer than this are "consecutive" (one working day).
NEIGHBOUR_GAP = dt.timedelta(hours=8)
# Stop improving once every slot is filled and this many runs in a row found nothing better.
PATIENCE = 30


def dispatch_seconds() -> float:
    return float(getattr(settings, "DISPATCH_SECONDS", 2.0))


@dataclass
class Slot:
    """One missing person on one meeting's duty or on one office round."""

    meeting: Meeting | None
    role: str
    base: Proposal  # the proposal with staff_id 0; each candidate replaces the id
    office_round: OfficeRound | None = None

    @property
    def target(self) -> Meeting | OfficeRound:
        return self.meeting if self.meeting is not None else self.office_round

    @property
    def key(self) -> tuple[str, int]:
        """Tells slots of different meetings and rounds apart (and sorts them stably)."""
        if self.meeting is not None:
            return ("m", self.meeting.pk)
        return ("r", self.office_round.pk)

    @property
    def building_id(self) -> int:
        return self.base.building_id

    @property
    def start(self) -> dt.datetime:
        return self.base.start

    @property
    def end(self) -> dt.datetime:
        return self.base.end

    def proposal(self, staff_id: int) -> Proposal:
        return dataclasses.replace(self.base, staff_id=staff_id)


@dataclass
class Unfilled:
    meeting: Meeting | None
    role: str
    missing: int
    reason: str
    office_round: OfficeRound | None = None


@dataclass
class Plan:
    assignments: list[tuple[Slot, int]]
    unfilled_slots: list[tuple[Slot, str]]
    objective: int
    needed: int
    runs: int
    seconds: float


@dataclass
class DispatchResult:
    duties: list[Duty] = field(default_factory=list)
    unfilled: list[Unfilled] = field(default_factory=list)
    needed: int = 0
    objective: int = 0
    seconds: float = 0.0
    runs: int = 0

    @property
    def filled(self) -> int:
        return len(self.duties)

    @property
    def fill_rate(self) -> float:
        return 1.0 if self.needed == 0 else self.filled / self.needed


# --- the public actions ---------------------------------------------------------------------


def dispatch_day(
    day: dt.date, *, by, now=None, building=None, seconds: float | None = None
) -> DispatchResult:
    """Fill the open needs of every active meeting and every scheduled office round starting on
    `day` (local), optionally in one building. Never moves an existing duty. Returns the duties
    created and every need left unfilled with its reason."""
    return _dispatch(
        day_meetings(day, building=building),
        by=by,
        now=now,
        seconds=seconds,
        rounds=day_rounds(day, building=building),
    )


def dispatch_rounds(rounds: list[OfficeRound], *, by, now=None, seconds: float | None = None):
    """Fill the open places of these office rounds only (a request from an office, dispatched
    at once; the week's rounds ahead); meetings are left as they are."""
    return _dispatch([], by=by, now=now, seconds=seconds, rounds=rounds)


def dispatch_meeting(meeting: Meeting, *, by, now=None, seconds: float | None = None):
    """Fill the open needs of one meeting only; the rest of the day is left as it is."""
    meetings = list(
        Meeting.objects.active().filter(pk=meeting.pk).select_related("room", "room__building")
    )
    return _dispatch(meetings, by=by, now=now, seconds=seconds)


def day_meetings(day: dt.date, *, building=None) -> list[Meeting]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    meetings = Meeting.objects.active().filter(
        start__gte=start, start__lt=start + dt.timedelta(days=1)
    )
    if building is not None:
        meetings = meetings.filter(room__building=building)
    return list(meetings.select_related("room", "room__building").order_by("start", "pk"))


def plan(
    meetings: list[Meeting],
    *,
    rounds: list[OfficeRound] = (),
    now=None,
    seconds: float | None = None,
    patience: int | None = PATIENCE,
) -> Plan:
    """The best plan found within `seconds` (default DISPATCH_SECONDS); nothing is saved.
    Once every slot is filled, it stops after `patience` runs without improvement (None: use
    the whole limit, as the benchmark does)."""
    now = now or timezone.now()
    seconds = dispatch_seconds() if seconds is None else seconds
    started = time.perf_counter()
    meetings = [m for m in meetings if m.end > now]
    slots = _slots(meetings) + _round_slots([r for r in rounds if r.end > now])
    if not slots:
        return Plan([], [], 0, 0, 0, time.perf_counter() - started)
    window_start = min(s.start for s in slots) - dt.timedelta(days=1)
    window_end = max(s.end for s in slots) + dt.timedelta(days=1)
    book = DutyBook.load(window_start, window_end)
    week_hours = _week_hours(min(s.start for s in slots), book.staff)
    context = _Context(book, week_hours, slots)
    rng = random.Random(0)  # noqa: S311 -- tie-breaking noise, seeded for repeatable plans
    best = context.run(noise=None)
    runs, stale = 1, 0
    while time.perf_counter() - started < seconds:
        candidate = context.run(noise=rng)
        runs += 1
        if candidate.objective > best.objective:
            best, stale = candidate, 0
        else:
            stale += 1
        if patience is not None and not best.unfilled_slots and stale >= patience:
            break
    best.runs = runs
    best.seconds = time.perf_counter() - started
    return best


# --- planning -------------------------------------------------------------------------------


def _slots(meetings: list[Meeting]) -> list[Slot]:
    slots = []
    needs = open_needs_many(meetings)
    by_id = {m.pk: m for m in meetings}
    for meeting_id, roles in needs.items():
        meeting = by_id[meeting_id]
        for role, count in roles.items():
            base = Proposal.for_meeting(0, meeting, role)
            slots.extend(Slot(meeting, role, base) for _i in range(count))
    return slots


def _round_slots(rounds: list[OfficeRound]) -> list[Slot]:
    """One slot per missing person on each scheduled round: two queries."""
    rounds = [r for r in rounds if r.status == RoundStatus.SCHEDULED]
    held = Counter(
        Duty.objects.active()
        .filter(office_round__in=[r.pk for r in rounds])
        .values_list("office_round_id", flat=True)
    )
    slots = []
    for office_round in rounds:
        base = Proposal.for_round(0, office_round)
        missing = office_round.staff_needed - held[office_round.pk]
        slots.extend(
            Slot(None, DutyRole.OFFICE, base, office_round) for _i in range(max(missing, 0))
        )
    return slots


def _week_hours(moment: dt.datetime, staff: dict[int, Staff]) -> dict[int, float]:
    """Hours of active duties each person holds in the week (Monday-Sunday) of `moment`."""
    local = timezone.localtime(moment)
    monday = dt.datetime.combine(
        local.date() - dt.timedelta(days=local.weekday()), dt.time.min, tzinfo=local.tzinfo
    )
    hours: dict[int, float] = defaultdict(float)
    rows = Duty.objects.active().filter(
        staff_id__in=list(staff), start__gte=monday, start__lt=monday + dt.timedelta(days=7)
    )
    for staff_id, s, e in rows.values_list("staff_id", "start", "end"):
        hours[staff_id] += (e - s).total_seconds() / 3600
    return hours


def _copy_book(book: DutyBook) -> DutyBook:
    held = defaultdict(list, {k: list(v) for k, v in book.held.items()})
    return DutyBook(staff=book.staff, shifts=book.shifts, absences=book.absences, held=held)


class _Context:
    def __init__(self, book: DutyBook, week_hours: dict[int, float], slots: list[Slot]):
        self.book = book
        self.week_hours = week_hours
        self.slots = slots
        people = list(book.staff.values())
        self.people = people
        # How many slots each candidate is valid for at the start: a proxy for scarcity.
        self.valid: dict[int, list[int]] = {}
        demand: Counter = Counter()
        for index, slot in enumerate(slots):
            ids = [
                p.pk
                for p in people
                if _dispatchable(p, slot.role) and not book.refusals(slot.proposal(p.pk))
            ]
            self.valid[index] = ids
        for slot in slots:
            if slot.role == DutyRole.LEAD:
                demand["leader"] += 1
            if slot.role == DutyRole.AUDIO:
                demand["audio"] += 1
        self.scarce_penalty = {p.pk: _scarcity(p, demand) for p in people}

    def order(self, rng: random.Random | None) -> list[int]:
        def key(index: int):
            slot = self.slots[index]
            noise = rng.random() if rng else 0.0
            return (
                ROLE_ORDER.get(slot.role, 3),
                len(self.valid[index]) + noise * 3,
                slot.start,
                slot.key,
            )

        return sorted(range(len(self.slots)), key=key)

    def run(self, *, noise: random.Random | None) -> Plan:
        book = _copy_book(self.book)
        hours = defaultdict(float, self.week_hours)
        assignments: list[tuple[Slot, int]] = []
        unfilled: list[tuple[Slot, str]] = []
        for index in self.order(noise):
            slot = self.slots[index]
            ranked = []
            for staff_id in self.valid[index]:
                score = self.score(book, hours, slot, staff_id)
                if noise is not None:
                    score += noise.uniform(0, 6)
                ranked.append((-score, staff_id))
            ranked.sort()
            # The score does not depend on validity, so ask the validator in score order and
            # take the first person it accepts: a few calls per slot instead of one per person.
            chosen = None
            for _score, staff_id in ranked:
                proposal = slot.proposal(staff_id)
                if not book.refusals(proposal) and _keeps_leads_valid(book, proposal):
                    chosen = proposal
                    break
            if chosen is None:
                unfilled.append((slot, explain(book, slot)))
                continue
            book.hold(chosen)
            hours[chosen.staff_id] += (slot.end - slot.start).total_seconds() / 3600
            assignments.append((slot, chosen.staff_id))
        objective = self.objective(assignments, hours)
        return Plan(assignments, unfilled, objective, len(self.slots), 1, 0.0)

    def score(self, book: DutyBook, hours, slot: Slot, staff_id: int) -> float:
        person = self.book.staff[staff_id]
        building_id = slot.building_id
        score = 0.0
        if person.home_building_id == building_id:
            score += HOME_WEIGHT * 2
        skill = ROLE_SKILL.get(slot.role)
        if skill and person.has_skill(skill):
            score += SKILL_WEIGHT
        score -= SWITCH_WEIGHT * 2 * _switches(book, staff_id, slot)
        score -= self.scarce_penalty[staff_id] if slot.role not in _SCARCE_ROLES else 0
        if slot.role == DutyRole.LEAD:
            # One leader covering concurrent meetings in a building leaves the other group
            # leaders free for attendant duties, which they cannot combine with a lead.
            score += LEAD_SHARE_WEIGHT * _concurrent_leads(book, staff_id, slot)
        score -= hours[staff_id]
        return score

    def objective(self, assignments, hours) -> int:
        mismatches = switches = 0
        by_person: dict[int, list[tuple[dt.datetime, int]]] = defaultdict(list)
        for slot, staff_id in assignments:
            building_id = slot.building_id
            if self.book.staff[staff_id].home_building_id != building_id:
                mismatches += 1
            by_person[staff_id].append((slot.start, building_id))
        for duties in by_person.values():
            duties.sort()
            switches += sum(1 for a, b in itertools.pairwise(duties) if a[1] != b[1])
        planned = [hours[s] for s in by_person]
        mean = sum(planned) / len(planned) if planned else 0.0
        imbalance = sum(abs(h - mean) for h in planned)
        return round(
            FILL_WEIGHT * len(assignments)
            - HOME_WEIGHT * mismatches
            - SWITCH_WEIGHT * switches
            - imbalance
        )


_SCARCE_ROLES = (DutyRole.LEAD, DutyRole.AUDIO)


def _scarcity(person: Staff, demand: Counter) -> float:
    """Keep people who can fill scarce slots free for them: a group leader or an audio
    technician on a plain attendant duty costs a little when such slots are wanted."""
    penalty = 0.0
    if person.is_group_leader and demand["leader"]:
        penalty += 8
    if person.has_skill(Skill.AUDIO) and demand["audio"]:
        penalty += 8
    return penalty


def _keeps_leads_valid(book: DutyBook, proposal: Proposal) -> bool:
    """Whether the person's other lead duties overlapping a new lead would still pass the
    validator with it held. The lead limit counts every overlapping lead of a duty, so a lead
    added *between* others can push an earlier one over the limit; asking the validator about
    each neighbour keeps every saved duty valid, whatever order it is checked in."""
    if proposal.role != DutyRole.LEAD:
        return True
    held = book.held.get(proposal.staff_id, [])
    neighbours = [
        h
        for h in held
        if h.role == DutyRole.LEAD and h.start < proposal.end and proposal.start < h.end
    ]
    if not neighbours:
        return True
    book.hold(proposal)
    try:
        for neighbour in neighbours:
            held.remove(neighbour)
            try:
                again = Proposal(
                    staff_id=proposal.staff_id,
                    meeting_id=neighbour.meeting_id,
                    role=neighbour.role,
                    building_id=neighbour.building_id,
                    start=neighbour.start,
                    end=neighbour.end,
                )
                if book.refusals(again):
                    return False
            finally:
                held.append(neighbour)
        return True
    finally:
        book.held[proposal.staff_id].pop(_index_of_last(book, proposal))


def _index_of_last(book: DutyBook, proposal: Proposal) -> int:
    held = book.held[proposal.staff_id]
    for index in range(len(held) - 1, -1, -1):
        if held[index].meeting_id == proposal.meeting_id and held[index].role == proposal.role:
            return index
    raise LookupError(proposal)


def _concurrent_leads(book: DutyBook, staff_id: int, slot: Slot) -> int:
    building_id = slot.building_id
    return sum(
        1
        for h in book.held.get(staff_id, ())
        if h.role == DutyRole.LEAD
        and h.building_id == building_id
        and h.start < slot.end
        and slot.start < h.end
    )


def _switches(book: DutyBook, staff_id: int, slot: Slot) -> int:
    """The person's neighbouring duties (the nearest before and after, within the same working
    day: less than NEIGHBOUR_GAP apart) that are in another building: 0, 1 or 2."""
    building_id = slot.building_id
    before = after = None
    for held in book.held.get(staff_id, ()):
        is_before = slot.start - NEIGHBOUR_GAP < held.end <= slot.start
        is_after = slot.end <= held.start < slot.end + NEIGHBOUR_GAP
        if is_before and (before is None or held.end > before.end):
            before = held
        elif is_after and (after is None or held.start < after.start):
            after = held
    return sum(1 for h in (before, after) if h is not None and h.building_id != building_id)


# --- explanations ---------------------------------------------------------------------------

ROLE_PEOPLE = {
    DutyRole.LEAD: gettext_lazy("group leader"),
    DutyRole.AUDIO: gettext_lazy("audio operator"),
    DutyRole.HOSTESS: gettext_lazy("etiquette hostess"),
    DutyRole.ATTENDANT: gettext_lazy("attendant"),
    DutyRole.RECEPTION: gettext_lazy("reception staff member"),
    DutyRole.OFFICE: gettext_lazy("attendant for office service"),
}


def _dispatchable(person: Staff, role: str) -> bool:
    if person.position not in DISPATCHED_ROLES:
        return False
    roles = DISPATCHED_ROLES[person.position]
    return roles is None or role in roles


def _qualified(person: Staff, slot: Slot) -> bool:
    if not _dispatchable(person, slot.role):
        return False
    if slot.role == DutyRole.LEAD and not person.is_group_leader:
        return False
    if slot.role == DutyRole.AUDIO and not person.has_skill(Skill.AUDIO):
        return False
    if slot.base.secret:
        return person.is_authorised_on(timezone.localdate(slot.start))
    return True


def explain(book: DutyBook, slot: Slot) -> str:
    """Why nobody could take the slot: the qualified people, counted by their first obstacle.
    The validator has already refused each of them; this only sorts its refusals for people."""
    counts: Counter = Counter()
    for person in book.staff.values():
        if not _qualified(person, slot):
            continue
        start, end = slot.start, slot.end
        if any(s < end and start < e for s, e in book.absences.get(person.pk, ())):
            counts["absent"] += 1
        elif not _covered(book.shifts.get(person.pk, ()), start, end):
            counts["off_shift"] += 1
        else:
            counts["busy"] += 1
    parts = []
    if counts["busy"]:
        parts.append(_("%(count)s busy") % {"count": counts["busy"]})
    if counts["absent"]:
        parts.append(_("%(count)s absent") % {"count": counts["absent"]})
    if counts["off_shift"]:
        parts.append(_("%(count)s not on shift") % {"count": counts["off_shift"]})
    if not parts and slot.base.secret:
        parts.append(_("nobody on the roster is authorised (授权上岗)"))
    if not parts:
        parts.append(_("nobody on the roster qualifies"))
    return _("no free %(who)s in %(building)s %(start)s–%(end)s: %(why)s") % {
        "who": str(ROLE_PEOPLE.get(slot.role, slot.role)),
        "building": slot.target.room.building.name,
        "start": timezone.localtime(slot.start).strftime("%H:%M"),
        "end": timezone.localtime(slot.end).strftime("%H:%M"),
        "why": _(", ").join(parts),
    }


# --- saving ---------------------------------------------------------------------------------


def _dispatch(meetings: list[Meeting], *, by, now, seconds, rounds=()) -> DispatchResult:
    now = now or timezone.now()
    best = plan(meetings, rounds=list(rounds), now=now, seconds=seconds)
    result = DispatchResult(needed=best.needed, objective=best.objective, runs=best.runs)
    people = Staff.objects.in_bulk([staff_id for _slot, staff_id in best.assignments])
    missing: Counter = Counter()
    reasons: dict[tuple, str] = {}
    targets: dict[tuple, Slot] = {}
    for slot, staff_id in best.assignments:
        key = (slot.key, slot.role)
        try:
            if slot.office_round is not None:
                duty = services.assign_round_duty(
                    slot.office_round, by=by, staff=people[staff_id], now=now
                )
            else:
                duty = services.assign_duty(
                    slot.meeting, by=by, staff=people[staff_id], role=slot.role, now=now
                )
        except DispatchError as exc:
            # Someone changed the day while we planned; the service refused under its locks.
            missing[key] += 1
            reasons[key] = str(exc.message)
            targets[key] = slot
            continue
        result.duties.append(duty)
    for slot, reason in best.unfilled_slots:
        key = (slot.key, slot.role)
        missing[key] += 1
        reasons.setdefault(key, reason)
        targets[key] = slot
    for key, count in missing.items():
        slot = targets[key]
        result.unfilled.append(
            Unfilled(slot.meeting, slot.role, count, reasons[key], office_round=slot.office_round)
        )
    result.seconds = best.seconds
    return result
