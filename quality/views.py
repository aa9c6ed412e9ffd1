"""The quality pages: the inspections list, the new-inspection form, one inspection, the
corrective actions list, and the finding's photo.

Who may see or do what is decided in `quality.access`; every write is one service call, and a
refusal (QualityError) comes back as a message on the page or next to the field at fault.
"""

import datetime as dt
import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, Count, IntegerField, Prefetch, Q, Value, When
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bookings import visibility
from bookings.models import Building, Meeting, MeetingStatus, Room
from core.errors import DomainError
from core.names import display_name
from quality import access, services
from quality.figures import period_bounds
from quality.models import (
    MAX_ITEM_SCORE,
    MIN_ITEM_SCORE,
    ActionStatus,
    CorrectiveAction,
    InspectionTemplate,
)
from quality.photos import CONTENT_TYPES
from staffing.models import Staff

LIST_LIMIT = 200
# Empty finding rows offered by the form; rows left empty are ignored.
FINDING_ROWS = 3

PERIODS = [
    ("week", gettext_lazy("This week")),
    ("last-week", gettext_lazy("Last week")),
    ("month", gettext_lazy("This month")),
    ("last-month", gettext_lazy("Last month")),
    ("all", gettext_lazy("All")),
]


def _period_range(period: str, today: dt.date):
    if period == "week":
        return period_bounds(today, "week")
    if period == "last-week":
        return period_bounds(today - dt.timedelta(days=7), "week")
    if period == "month":
        return period_bounds(today, "month")
    if period == "last-month":
        return period_bounds(today.replace(day=1) - dt.timedelta(days=1), "month")
    return None


def _buildings_for(user) -> list[Building]:
    buildings = access.inspectable_buildings(user)
    qs = Building.objects.order_by("sort_order", "name")
    if buildings is not access.ALL:
        qs = qs.filter(pk__in=buildings)
    return list(qs)


# --- the inspections list ---------------------------------------------------------------------


@login_required
def inspection_list(request):
    """Inspections of the user's buildings, newest first, by building and period."""
    user = request.user
    if not access.can_inspect(user):
        raise PermissionDenied
    buildings = _buildings_for(user)
    building = None
    chosen = request.GET.get("building", "")
    if chosen.isdigit():
        building = next((b for b in buildings if b.pk == int(chosen)), None)
    period = request.GET.get("period", "week")
    if period not in dict(PERIODS):
        period = "week"
    inspections = (
        access.visible_inspections(user)
        .select_related("building", "room", "meeting", "inspector", "template")
        .annotate(
            finding_count=Count("findings", distinct=True),
            open_actions=Count(
                "findings__actions",
                filter=Q(findings__actions__status=ActionStatus.OPEN),
                distinct=True,
            ),
        )
        .order_by("-inspected_at", "-pk")
    )
    if building is not None:
        inspections = inspections.filter(building=building)
    bounds = _period_range(period, timezone.localdate())
    if bounds is not None:
        inspections = inspections.filter(inspected_at__gte=bounds[0], inspected_at__lt=bounds[1])
    rows = [
        {
            "inspection": inspection,
            "title": visibility.title_for(user, inspection.meeting) if inspection.meeting else "",
            "inspector": display_name(inspection.inspector),
        }
        for inspection in inspections[:LIST_LIMIT]
    ]
    return render(
        request,
        "quality/inspection_list.html",
        {
            "rows": rows,
            "buildings": buildings,
            "building": building,
            "periods": PERIODS,
            "period": period,
            "limited": len(rows) == LIST_LIMIT,
        },
    )


# --- a new inspection -------------------------------------------------------------------------


def _today_meetings(user):
    today = timezone.localdate()
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(today, dt.time.min, tzinfo=tz)
    end = start + dt.timedelta(days=1)
    meetings = (
        Meeting.objects.filter(start__gte=start, start__lt=end)
        .exclude(status=MeetingStatus.CANCELLED)
        .select_related("room__building")
        .order_by("start", "pk")
    )
    buildings = access.inspectable_buildings(user)
    if buildings is not access.ALL:
        meetings = meetings.filter(room__building_id__in=buildings)
    return list(meetings)


def _offices(user):
    rooms = (
        Room.objects.filter(kind__in=services.OFFICE_KINDS, in_service=True)
        .select_related("building")
        .order_by("building__sort_order", "floor", "number")
    )
    buildings = access.inspectable_buildings(user)
    if buildings is not access.ALL:
        rooms = rooms.filter(building_id__in=buildings)
    return list(rooms)


def _pick(options, raw: str):
    return next((o for o in options if str(o.pk) == raw), None) if raw.isdigit() else None


def _parse_date(raw: str):
    raw = (raw or "").strip()
    if not raw:
        return None, None
    try:
        return dt.date.fromisoformat(raw), None
    except ValueError:
        return None, _("Enter a date as YYYY-MM-DD.")


@login_required
def inspection_new(request):
    """Step 1 (GET without a choice): what to inspect and with which checklist. Step 2: score
    the items, note findings with a photo and a corrective action, and record (POST)."""
    user = request.user
    if not access.can_inspect(user):
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    meetings = _today_meetings(user)
    offices = _offices(user)
    templates = list(
        InspectionTemplate.objects.filter(active=True).prefetch_related("items").order_by("name")
    )
    meeting = _pick(meetings, params.get("meeting", ""))
    room = None if meeting else _pick(offices, params.get("room", ""))
    target = meeting is not None or room is not None
    fitting = [t for t in templates if t.fits(meeting=meeting is not None)] if target else []
    template = _pick(fitting, params.get("template", ""))
    if template is None and target and fitting and not params.get("template"):
        template = fitting[0]
    if template is None:
        return render(
            request,
            "quality/inspection_choose.html",
            {
                "meetings": [
                    {"meeting": m, "title": visibility.title_for(user, m)} for m in meetings
                ],
                "offices": offices,
                "templates": templates,
                "chosen_meeting": meeting,
                "chosen_room": room,
                "missing": bool(params) and not target,
                "unfit": target and bool(params.get("template")),
            },
        )

    place = meeting.room if meeting else room
    staff_options = list(
        Staff.objects.filter(active=True).select_related("team").order_by("name", "pk")
    )
    local_staff = [s for s in staff_options if s.home_building_id == place.building_id]
    errors: dict[str, str] = {}
    error = None
    posted = request.method == "POST"
    if posted:
        scores = {item.pk: request.POST.get(f"score-{item.pk}") for item in template.items.all()}
        findings = []
        for i in range(FINDING_ROWS):
            due_on, date_error = _parse_date(request.POST.get(f"finding-{i}-due_on", ""))
            if date_error:
                errors[f"finding-{i}-due_on"] = date_error
            findings.append(
                {
                    "text": request.POST.get(f"finding-{i}-text", ""),
                    "photo": request.FILES.get(f"finding-{i}-photo"),
                    "assignee": _pick(staff_options, request.POST.get(f"finding-{i}-assignee", "")),
                    "due_on": due_on,
                    "action": request.POST.get(f"finding-{i}-action", ""),
                }
            )
        chosen_staff = [s for s in staff_options if str(s.pk) in request.POST.getlist("staff")]
        if not errors:
            try:
                inspection = services.record_inspection(
                    by=user,
                    template=template,
                    meeting=meeting,
                    room=room,
                    scores=scores,
                    note=request.POST.get("note", ""),
                    findings=findings,
                    staff=chosen_staff,
                )
            except DomainError as exc:
                errors = exc.fields
                error = exc.message
            else:
                messages.success(
                    request,
                    _("The inspection is recorded: %(score)s points.")
                    % {"score": inspection.score},
                )
                return redirect("quality-inspection-detail", pk=inspection.pk)
        else:
            error = _("Please correct the marked fields.")
        if any(f["photo"] for f in findings):
            error = f"{error} {_('Photos are not kept after an error: choose them again.')}"
        checked = {s.pk for s in chosen_staff}
    else:
        checked = {s.pk for s in services.default_staff(meeting)}

    items = [
        {
            "item": item,
            "name": f"score-{item.pk}",
            "value": request.POST.get(f"score-{item.pk}", "") if posted else "",
            "error": errors.get(f"score-{item.pk}", ""),
        }
        for item in template.items.all()
    ]
    finding_rows = []
    for i in range(FINDING_ROWS):

        def value(name: str, i=i) -> str:
            return request.POST.get(f"finding-{i}-{name}", "") if posted else ""

        finding_rows.append(
            {
                "index": i,
                "number": i + 1,
                "text": value("text"),
                "action": value("action"),
                "assignee": value("assignee"),
                "due_on": value("due_on"),
                "errors": {
                    name: errors.get(f"finding-{i}-{name}", "")
                    for name in ("text", "photo", "assignee", "due_on")
                },
            }
        )
    # The meeting's and the building's people first: whom one usually inspects.
    staff_rows = [
        {"staff": s, "checked": s.pk in checked}
        for s in sorted(
            staff_options,
            key=lambda s: (s.pk not in checked, s.home_building_id != place.building_id, s.name),
        )
        if s.pk in checked or s.home_building_id == place.building_id
    ]
    return render(
        request,
        "quality/inspection_form.html",
        {
            "meeting": meeting,
            "meeting_title": visibility.title_for(user, meeting) if meeting else "",
            "room": place,
            "template": template,
            "items": items,
            "scale": range(MIN_ITEM_SCORE, MAX_ITEM_SCORE + 1),
            "finding_rows": finding_rows,
            "staff_rows": staff_rows,
            "assignees": local_staff + [s for s in staff_options if s not in local_staff],
            "note": request.POST.get("note", "") if posted else "",
            "error": error,
            "general_errors": [
                errors[key] for key in ("meeting", "room", "template", "findings") if key in errors
            ],
            "min_due": timezone.localdate().isoformat(),
        },
        status=400 if error else 200,
    )


# --- one inspection ---------------------------------------------------------------------------


@login_required
def inspection_detail(request, pk: int):
    user = request.user
    inspection = access.get_inspection_for(user, pk)
    findings = list(
        inspection.findings.prefetch_related(
            Prefetch(
                "actions",
                queryset=CorrectiveAction.objects.select_related("assignee", "closed_by"),
            )
        )
    )
    today = timezone.localdate()
    for finding in findings:
        for action in finding.actions.all():
            action.overdue = action.is_overdue(today)
    return render(
        request,
        "quality/inspection_detail.html",
        {
            "inspection": inspection,
            "title": visibility.title_for(user, inspection.meeting) if inspection.meeting else "",
            "inspector": display_name(inspection.inspector),
            "scores": list(inspection.scores.all()),
            "staff": list(inspection.staff.select_related("team").order_by("name")),
            "findings": findings,
            # Whoever reads the inspection inspects its building: they add and close actions.
            "may_act": True,
            "assignees": list(Staff.objects.filter(active=True).order_by("name", "pk")),
            "min_due": today.isoformat(),
        },
    )


@login_required
def finding_photo(request, pk: int):
    finding = access.get_finding_for(request.user, pk)
    if not finding.photo:
        raise Http404
    ext = finding.photo.name.rsplit(".", 1)[-1].lower()
    content_type = CONTENT_TYPES.get(ext) or mimetypes.guess_type(finding.photo.name)[0]
    try:
        handle = finding.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=content_type or "application/octet-stream")
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
@require_POST
def action_add(request, pk: int):
    finding = access.get_finding_for(request.user, pk, add_action=True)
    due_on, date_error = _parse_date(request.POST.get("due_on", ""))
    assignee = Staff.objects.filter(pk=request.POST.get("assignee") or 0).first()
    if date_error:
        messages.error(request, date_error)
    else:
        try:
            services.add_action(
                finding,
                by=request.user,
                assignee=assignee,
                due_on=due_on,
                text=request.POST.get("text", ""),
            )
        except DomainError as exc:
            messages.error(request, " ".join(exc.fields.values()) or exc.message)
        else:
            messages.success(request, _("The corrective action is assigned."))
    return redirect("quality-inspection-detail", pk=finding.inspection_id)


# --- corrective actions -----------------------------------------------------------------------

STATES = [
    ("open", gettext_lazy("Open")),
    ("done", gettext_lazy("Done")),
    ("all", gettext_lazy("All")),
]


@login_required
def action_list(request):
    """Open actions first, the overdue ones at the top, then by due date."""
    user = request.user
    if not access.can_list_actions(user):
        raise PermissionDenied
    state = request.GET.get("state", "open")
    if state not in dict(STATES):
        state = "open"
    today = timezone.localdate()
    actions = (
        access.visible_actions(user)
        .select_related(
            "assignee",
            "closed_by",
            "finding__inspection__building",
            "finding__inspection__room",
        )
        .annotate(
            rank=Case(
                When(status=ActionStatus.OPEN, due_on__lt=today, then=Value(0)),
                When(status=ActionStatus.OPEN, then=Value(1)),
                default=Value(2),
                output_field=IntegerField(),
            )
        )
        .order_by("rank", "due_on", "pk")
    )
    if state != "all":
        actions = actions.filter(status=state)
    rows = []
    for action in actions[:LIST_LIMIT]:
        action.overdue = action.is_overdue(today)
        rows.append(
            {
                "action": action,
                "may_close": action.status == ActionStatus.OPEN and access.can_close(user, action),
                "may_open_inspection": access.can_inspect_building(
                    user, action.finding.inspection.building_id
                ),
            }
        )
    return render(
        request,
        "quality/action_list.html",
        {
            "rows": rows,
            "states": STATES,
            "state": state,
            "may_inspect": access.can_inspect(user),
            "limited": len(rows) == LIST_LIMIT,
        },
    )


@login_required
@require_POST
def action_close(request, pk: int):
    action = access.get_action_for(request.user, pk, close=True)
    try:
        services.close_action(action, by=request.user, note=request.POST.get("note", ""))
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The corrective action is closed."))
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(reverse("quality-action-list"))
