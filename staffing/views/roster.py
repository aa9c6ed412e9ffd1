"""The roster pages: the filtered list and its .xlsx export and import, a person's page with
clearance and availability, and the clearance watch list.

Who may see: the supervisor, the lobby managers and the information centre; only the
supervisor imports. The list makes a fixed number of queries, whatever the number of staff.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from staffing import roster, roster_file
from staffing.forms import RosterFilterForm, RosterImportForm
from staffing.models import Staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_viewer(user) -> None:
    if not roster.can_view_roster(user):
        raise PermissionDenied


def filtered_roster(request):
    """The filter form bound to the query string, and the staff it selects."""
    form = RosterFilterForm(request.GET)
    if not form.is_valid():
        return form, Staff.objects.none()
    data = form.cleaned_data
    staff = roster.roster_queryset(
        position=data["position"],
        team=data["team"],
        building=data["building"],
        skill=data["skill"],
        authorised=data["authorised"],
        q=data["q"].strip(),
        today=timezone.localdate(),
    )
    return form, staff


@login_required
def roster_list(request):
    _require_viewer(request.user)
    today = timezone.localdate()
    form, staff = filtered_roster(request)
    rows = [
        {
            "staff": person,
            "authorised": person.is_authorised_on(today),
            "week": roster.shift_summary(person.week_shifts),
            "skills": roster.skill_labels(person),
        }
        for person in staff
    ]
    counts: dict[str, int] = {}
    for row in rows:
        label = row["staff"].get_position_display()
        counts[label] = counts.get(label, 0) + 1
    return render(
        request,
        "staffing/roster.html",
        {
            "form": form,
            "rows": rows,
            "counts": counts,
            "query": request.GET.urlencode(),
            "can_import": roster.can_import_roster(request.user),
            "can_edit": request.user.is_staff and request.user.has_perm("staffing.change_staff"),
        },
    )


@login_required
def roster_export(request):
    _require_viewer(request.user)
    form, staff = filtered_roster(request)
    if not form.is_valid():
        messages.error(request, _("Please correct the filters before exporting."))
        return redirect(f"{reverse('roster')}?{request.GET.urlencode()}")
    response = HttpResponse(roster.export_roster(staff), content_type=XLSX)
    name = f"roster-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def roster_import(request):
    if not roster.can_import_roster(request.user):
        raise PermissionDenied
    report = None
    if request.method == "POST":
        form = RosterImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                report = roster.import_roster(form.cleaned_data["file"], by=request.user)
            except roster.RosterError as error:
                form.add_error("file", error.message)
            else:
                if report.ok:
                    messages.success(
                        request,
                        _(
                            "Roster imported: %(created)d created, %(updated)d updated, "
                            "%(unchanged)d unchanged."
                        )
                        % {
                            "created": report.created,
                            "updated": report.updated,
                            "unchanged": report.unchanged,
                        },
                    )
                    return redirect("roster")
    else:
        form = RosterImportForm()
    status = 400 if request.method == "POST" else 200
    limits = {
        "max_mb": roster_file.megabytes(roster_file.max_bytes()),
        "max_rows": roster_file.MAX_ROWS,
    }
    return render(
        request,
        "staffing/roster_import.html",
        {"form": form, "report": report, **limits},
        status=status,
    )


@login_required
def staff_detail(request, pk: int):
    _require_viewer(request.user)
    person = get_object_or_404(Staff.objects.select_related("team", "home_building", "user"), pk=pk)
    today = timezone.localdate()
    shifts, absences = roster.availability(person, today)
    return render(
        request,
        "staffing/roster_detail.html",
        {
            "person": person,
            "authorised": roster.authorised_now(person, today),
            "skills": roster.skill_labels(person),
            "shifts": shifts,
            "absences": absences,
            "certificate_valid_days": roster.CERTIFICATE_VALID_DAYS,
        },
    )


@login_required
def clearance(request):
    _require_viewer(request.user)
    today = timezone.localdate()
    expiring, unauthorised = roster.clearance_report(today)
    return render(
        request,
        "staffing/clearance.html",
        {
            "expiring": expiring,
            "unauthorised": unauthorised,
            "warning_days": roster.EXPIRY_WARNING_DAYS,
            "certificate_years": roster.CERTIFICATE_VALID_DAYS // 365,
        },
    )
