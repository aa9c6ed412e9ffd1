"""Series pages: plan and book a series, see its occurrences, change "this and all later".

Booking takes two steps: the first POST shows the plan (each date free or taken, naming what is
in the way through the visibility policy); the clerk then books only the free dates or goes
back. Each write is one call into bookings.series; refusals show on the form.
"""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from bookings import series as series_services
from bookings import visibility
from bookings.access import can_manage_bookings, get_meeting_for
from bookings.forms import LEADER_RANKS_ID, CancelForm
from bookings.forms_series import SeriesForm, SeriesRescheduleForm
from bookings.models import Meeting, MeetingSeries
from core import timeutils
from core.errors import DomainError
from core.forms import add_domain_error
from core.models import AuditEntry

# What the series' own audit rows mean, for its page (the occurrences' rows are on theirs).
SERIES_ACTION_LABELS = {
    "series_booked": gettext_lazy("Series booked"),
    "cancelled_from": gettext_lazy("Cancelled from a date on"),
    "rescheduled_from": gettext_lazy("Rescheduled from a date on"),
}


@login_required
def series_new(request):
    if not can_manage_bookings(request.user):
        raise PermissionDenied
    if request.method != "POST":
        form = SeriesForm(initial=_initial_from_query(request.GET))
        return _form_page(request, form)
    form = SeriesForm(request.POST)
    action = request.POST.get("action", "plan")
    if action == "back" or not form.is_valid():
        return _form_page(request, form)
    if action == "book":
        try:
            booking = series_services.book_series(
                by=request.user,
                skip_conflicts=request.POST.get("skip_conflicts") == "1",
                **form.booking(),
            )
        except series_services.SeriesConflict as error:
            # Taken since the plan was shown: show the plan again as it is now.
            messages.error(request, error.message)
        except DomainError as error:
            add_domain_error(form, error)
            return _form_page(request, form)
        else:
            messages.success(request, _booked_message(booking))
            return redirect("series-detail", pk=booking.series.pk)
    try:
        plan = series_services.plan_series(**form.rule())
    except DomainError as error:
        add_domain_error(form, error)
        return _form_page(request, form)
    return render(request, "bookings/series_plan.html", _plan_context(request, form, plan))


def _form_page(request, form):
    return render(
        request,
        "bookings/series_form.html",
        {"form": form, "leader_ranks": form.leader_ranks(), "leader_ranks_id": LEADER_RANKS_ID},
    )


def _plan_context(request, form, plan) -> dict:
    rows = [
        {
            "occurrence": occurrence,
            "conflict_label": (
                visibility.conflict_label(request.user, occurrence.conflict)
                if occurrence.conflict
                else ""
            ),
        }
        for occurrence in plan
    ]
    free = sum(1 for occurrence in plan if occurrence.is_free)
    return {
        "form": form,
        "rows": rows,
        "room": form.cleaned_data["room"],
        "free_count": free,
        "taken_count": len(plan) - free,
    }


def _booked_message(booking) -> str:
    message = ngettext(
        "Series booked: %(count)s meeting.",
        "Series booked: %(count)s meetings.",
        len(booking.booked),
    ) % {"count": len(booking.booked)}
    if booking.skipped:
        message += " " + _("Not booked (taken): %(dates)s.") % {
            "dates": "、".join(timeutils.format_date(o.date) for o in booking.skipped)
        }
    return message


def _initial_from_query(query) -> dict:
    """Started from a search result or a timeline slot: room, first date, times, attendees."""
    initial = {}
    if query.get("room", "").isdigit():
        initial["room"] = int(query["room"])
    if query.get("attendees", "").isdigit():
        initial["attendees"] = int(query["attendees"])
    for name, field in (("start", "start_time"), ("end", "end_time")):
        try:
            value = parse_datetime(query.get(name, ""))
        except ValueError:  # well formed but impossible, e.g. 2026-02-30T10:00
            value = None
        if value is None:
            continue
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        initial[field] = value.strftime("%H:%M")
        initial.setdefault("first_date", value.date().isoformat())
    return initial


@login_required
def series_detail(request, pk: int):
    series = get_object_or_404(MeetingSeries.objects.select_related("created_by"), pk=pk)
    occurrences = list(
        series.occurrences.select_related("room", "room__building").order_by("start", "pk")
    )
    details = all(visibility.can_see_details(request.user, m) for m in occurrences)
    now = timezone.now()
    can_manage = can_manage_bookings(request.user)
    rows = [
        {
            "meeting": meeting,
            "title": visibility.title_for(request.user, meeting),
            # "This and all later" starts from an active occurrence still to come.
            "actions": can_manage and meeting.is_active and meeting.start > now,
        }
        for meeting in occurrences
    ]
    return render(
        request,
        "bookings/series_detail.html",
        {
            "series": series,
            "title": series.title if details else _("Secret meeting"),
            "details": details,
            "rows": rows,
            "missing": _dates_without_meeting(series, occurrences),
            "history": _history(series) if details else [],
            "can_manage": can_manage,
        },
    )


def _dates_without_meeting(series: MeetingSeries, occurrences: list[Meeting]) -> list[dt.date]:
    """Dates of the rule with no meeting: taken when the series was booked, or moved since."""
    try:
        dates = series_services.series_dates(
            frequency=series.frequency,
            first_date=series.first_date,
            weekdays=series.weekdays,
            interval=series.interval,
            until=series.until,
            count=series.count,
            working_days_only=series.working_days_only,
        )
    except DomainError:  # a rule stored before today's limits
        return []
    held = {timeutils.local_date(meeting.start) for meeting in occurrences}
    return [day for day in dates if day not in held]


def _history(series: MeetingSeries) -> list[dict]:
    return [
        {
            "at": entry.at,
            "actor": entry.actor_name,
            "action": entry.action,
            "label": str(SERIES_ACTION_LABELS.get(entry.action, entry.action)),
            "note": entry.note,
        }
        for entry in AuditEntry.objects.for_object(series).order_by("at", "id")
    ]


def _occurrence_in_series(request, pk: int) -> Meeting:
    meeting = get_meeting_for(request.user, pk, write=True)
    if meeting.series_id is None:
        raise Http404
    return meeting


def _from_context(request, meeting, form) -> dict:
    return {
        "meeting": meeting,
        "title": visibility.title_for(request.user, meeting),
        "targets": [
            {"meeting": m, "title": visibility.title_for(request.user, m)}
            for m in series_services.this_and_later(meeting)
        ],
        "form": form,
    }


@login_required
def series_cancel_from(request, pk: int):
    meeting = _occurrence_in_series(request, pk)
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cancelled = series_services.cancel_series_from(
                meeting, by=request.user, reason=form.cleaned_data["reason"]
            )
        except DomainError as error:
            add_domain_error(form, error)
        else:
            messages.success(
                request,
                ngettext(
                    "%(count)s meeting cancelled.", "%(count)s meetings cancelled.", len(cancelled)
                )
                % {"count": len(cancelled)},
            )
            return redirect("series-detail", pk=meeting.series_id)
    context = _from_context(request, meeting, form)
    status = 400 if request.method == "POST" else 200
    return render(request, "bookings/series_cancel_from.html", context, status=status)


@login_required
def series_reschedule_from(request, pk: int):
    meeting = _occurrence_in_series(request, pk)
    if request.method == "POST":
        form = SeriesRescheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                moved = series_services.reschedule_series_from(
                    meeting,
                    by=request.user,
                    start_time=data["start_time"],
                    end_time=data["end_time"],
                    room=data["room"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(
                    request,
                    ngettext(
                        "%(count)s meeting rescheduled.",
                        "%(count)s meetings rescheduled.",
                        len(moved),
                    )
                    % {"count": len(moved)},
                )
                return redirect("series-detail", pk=meeting.series_id)
    else:
        form = SeriesRescheduleForm(
            initial={
                "start_time": timeutils.format_time(meeting.start),
                "end_time": timeutils.format_time(meeting.end),
            }
        )
    return render(
        request, "bookings/series_reschedule_from.html", _from_context(request, meeting, form)
    )
