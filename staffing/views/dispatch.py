"""The lobby manager's dispatch page for a day: one button fills the day's open needs
(staffing.dispatcher.dispatch_day), every meeting shows needed vs filled per duty with the
acknowledgements and the dispatcher's explanations, and each duty can be handed to someone else
or released, each open need filled by hand. Every change is one call into staffing.services,
which applies the same validator as the dispatcher; refusals are shown as messages.
"""

import datetime as dt
from dataclasses import dataclass, field

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bookings import visibility
from bookings.access import get_meeting_for
from bookings.models import Building, Meeting, MeetingStatus
from core.errors import DomainError
from core.timeutils import day_bounds
from staffing import dispatcher, services
from staffing.access import can_assign, linked_staff
from staffing.dispatcher import DispatchResult
from staffing.models import Duty, DutyRole, DutyStatus, Position, Staff
from staffing.needs import needs_for_many

# The session key under which the last dispatch's explanations wait for the next page view
# (the dispatcher returns them; the page is shown after a redirect).
UNFILLED_SESSION_KEY = "dispatch-unfilled"

# Who may be put on a duty from this page: the people who serve meetings.
SERVING_POSITIONS = (Position.ATTENDANT, Position.AUDIO_TECH)


def can_dispatch(user) -> bool:
    """Lobby managers and the customer-service supervisor staff meetings (staffing.access)."""
    return can_assign(user)


def _require_dispatcher(user) -> None:
    if not can_dispatch(user):
        raise PermissionDenied


def unfilled_rows(result: DispatchResult) -> list[dict]:
    """The meetings' needs a dispatch left open, as {meeting_id, role, count, reason} (JSON-safe,
    for the session and the API). Office rounds left open show on the office rounds page."""
    return [
        {
            "meeting_id": item.meeting.pk,
            "role": str(item.role),
            "count": item.missing,
            "reason": str(item.reason),
        }
        for item in result.unfilled
        if item.meeting is not None
    ]


# --- the page -----------------------------------------------------------------------------------


class DayForm(forms.Form):
    day = forms.DateField(label=gettext_lazy("Day"), widget=forms.DateInput(attrs={"type": "date"}))
    building = forms.ModelChoiceField(
        label=gettext_lazy("Building"),
        queryset=Building.objects.order_by("sort_order", "name"),
        required=False,
        empty_label=gettext_lazy("All buildings"),
    )


def _read_filters(request) -> tuple[DayForm, dt.date, Building | None]:
    """Day (default tomorrow) and building (default the lobby manager's own building; an
    explicit empty choice means all buildings)."""
    data = request.GET.copy()
    if not data.get("day"):
        data["day"] = (timezone.localdate() + dt.timedelta(days=1)).isoformat()
    if "building" not in data:
        staff = linked_staff(request.user)
        data["building"] = str(staff.home_building_id or "") if staff else ""
    form = DayForm(data)
    if form.is_valid():
        return form, form.cleaned_data["day"], form.cleaned_data["building"]
    return form, timezone.localdate() + dt.timedelta(days=1), None


@dataclass
class RoleLine:
    role: str
    label: str
    needed: int
    duties: list[Duty] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def filled(self) -> int:
        return len(self.duties)

    @property
    def open(self) -> int:
        return max(self.needed - self.filled, 0)

    @property
    def acknowledged(self) -> int:
        return sum(duty.status == DutyStatus.ACKNOWLEDGED for duty in self.duties)


@dataclass
class MeetingBlock:
    meeting: Meeting
    title: str
    lines: list[RoleLine]

    @property
    def fully_staffed(self) -> bool:
        return all(line.open == 0 for line in self.lines) and any(
            line.filled for line in self.lines
        )


def day_meetings(day: dt.date, building: Building | None):
    first, after = day_bounds(day)
    meetings = (
        Meeting.objects.exclude(status=MeetingStatus.CANCELLED)
        .filter(start__gte=first, start__lt=after)
        .select_related("room__building")
        .prefetch_related(
            Prefetch(
                "duties",
                queryset=Duty.objects.active().select_related("staff").order_by("role", "pk"),
            )
        )
        .order_by("start", "room__building__sort_order", "room__number", "pk")
    )
    if building is not None:
        meetings = meetings.filter(room__building=building)
    return meetings


def meeting_blocks(user, meetings, unfilled: dict) -> list[MeetingBlock]:
    meetings = list(meetings)
    needs = needs_for_many(meetings)
    blocks = []
    for meeting in meetings:
        needed = needs.get(meeting.pk, {})
        duties = list(meeting.duties.all())
        reasons = unfilled.get(str(meeting.pk), [])
        lines = []
        for role, label in DutyRole.choices:
            mine = [duty for duty in duties if duty.role == role]
            count = needed.get(role, 0)
            if not (mine or count):
                continue
            line = RoleLine(role=role, label=str(label), needed=count, duties=mine)
            if line.open:
                line.reasons = [
                    row["reason"] for row in reasons if row["role"] == role and row["reason"]
                ]
            lines.append(line)
        blocks.append(
            MeetingBlock(meeting=meeting, title=visibility.title_for(user, meeting), lines=lines)
        )
    return blocks


def candidates():
    return (
        Staff.objects.filter(active=True, position__in=SERVING_POSITIONS)
        .select_related("home_building")
        .order_by("home_building__sort_order", "position", "employee_no")
    )


@login_required
def dispatch_page(request):
    _require_dispatcher(request.user)
    form, day, building = _read_filters(request)
    unfilled = request.session.get(UNFILLED_SESSION_KEY, {})
    blocks = meeting_blocks(request.user, day_meetings(day, building), unfilled)
    return render(
        request,
        "duties/dispatch.html",
        {
            "form": form,
            "day": day,
            "building": building,
            "blocks": blocks,
            "candidates": list(candidates()),
            "staffed_count": sum(block.fully_staffed for block in blocks),
            "open_count": sum(line.open for block in blocks for line in block.lines),
        },
    )


def _back(request):
    """To the page for the day and building the form was posted from."""
    query = {"day": request.POST.get("day", ""), "building": request.POST.get("building", "")}
    return redirect(f"{reverse('dispatch')}?{urlencode(query)}")


def _posted_filters(request) -> tuple[dt.date | None, Building | None]:
    form = DayForm(request.POST)
    if not form.is_valid():
        return None, None
    return form.cleaned_data["day"], form.cleaned_data["building"]


@login_required
@require_POST
def dispatch_run(request):
    _require_dispatcher(request.user)
    day, building = _posted_filters(request)
    if day is None:
        messages.error(request, _("Please choose a valid day."))
        return _back(request)
    try:
        result = dispatcher.dispatch_day(day, by=request.user, building=building)
    except DomainError as error:
        messages.error(request, error.message)
        return _back(request)
    rows = unfilled_rows(result)
    stored = request.session.get(UNFILLED_SESSION_KEY, {})
    # This dispatch's explanations replace the earlier ones for the same meetings.
    for meeting_id in day_meetings(day, building).values_list("pk", flat=True):
        stored.pop(str(meeting_id), None)
    for row in rows:
        stored.setdefault(str(row["meeting_id"]), []).append(row)
    request.session[UNFILLED_SESSION_KEY] = stored
    messages.success(
        request,
        _("Dispatched: %(created)s duties assigned, %(unfilled)s needs left unfilled.")
        % {"created": len(result.duties), "unfilled": sum(r["count"] for r in rows)},
    )
    return _back(request)


def _chosen_staff(request) -> Staff | None:
    pk = request.POST.get("staff", "")
    if not pk.isdigit():
        return None
    return Staff.objects.filter(pk=int(pk), active=True).first()


def _managed_duty(pk: int) -> Duty:
    return get_object_or_404(
        Duty.objects.active().select_related("meeting__room__building", "staff"), pk=pk
    )


@login_required
@require_POST
def dispatch_reassign(request, pk: int):
    _require_dispatcher(request.user)
    duty = _managed_duty(pk)
    staff = _chosen_staff(request)
    if staff is None:
        messages.error(request, _("Please choose a staff member."))
        return _back(request)
    try:
        services.reassign_duty(duty, by=request.user, staff=staff)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(role)s duty handed from %(old)s to %(new)s.")
            % {"role": duty.get_role_display(), "old": duty.staff.name, "new": staff.name},
        )
    return _back(request)


@login_required
@require_POST
def dispatch_release(request, pk: int):
    _require_dispatcher(request.user)
    duty = _managed_duty(pk)
    reason = request.POST.get("reason", "").strip()[:200]
    try:
        services.release_duty(duty, by=request.user, reason=reason)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(name)s released from the duty.") % {"name": duty.staff.name})
    return _back(request)


@login_required
@require_POST
def dispatch_assign(request, pk: int):
    _require_dispatcher(request.user)
    meeting = get_meeting_for(request.user, pk)
    role = request.POST.get("role", "")
    staff = _chosen_staff(request)
    if role not in DutyRole.values or staff is None:
        messages.error(request, _("Please choose a staff member."))
        return _back(request)
    try:
        services.assign_duty(meeting, by=request.user, staff=staff, role=role)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(name)s assigned as %(role)s.")
            % {"name": staff.name, "role": DutyRole(role).label},
        )
    return _back(request)
