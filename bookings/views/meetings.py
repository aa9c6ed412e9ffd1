"""The clerk's booking pages. Each write is one service call; refusals show on the form."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import panels, services, visibility
from bookings.access import can_manage_bookings, get_meeting_for
from bookings.forms import (
    LEADER_RANKS_ID,
    CancelForm,
    EditMeetingForm,
    MeetingForm,
    RescheduleForm,
    local_input,
)
from bookings.history import history_of
from bookings.views.orders import meeting_orders_context
from core.errors import DomainError
from core.forms import add_domain_error


@login_required
def meeting_new(request):
    if not can_manage_bookings(request.user):
        raise PermissionDenied
    if request.method == "POST":
        form = MeetingForm(request.POST)
        if form.is_valid():
            try:
                meeting = services.book_meeting(by=request.user, **_booking_args(form.cleaned_data))
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Meeting booked: %(title)s") % {"title": meeting.title})
                return redirect("meeting-detail", pk=meeting.pk)
    else:
        form = MeetingForm(initial=_initial_from_query(request.GET))
    return render(
        request,
        "bookings/meeting_form.html",
        {"form": form, "leader_ranks": form.leader_ranks(), "leader_ranks_id": LEADER_RANKS_ID},
    )


def _booking_args(data: dict) -> dict:
    args = dict(data)
    for optional in ("setup_minutes", "teardown_minutes"):
        if args.get(optional) is None:
            args.pop(optional, None)
    return args


def _initial_from_query(query) -> dict:
    """A booking started from a search result or a timeline slot needs no re-typing."""
    initial = {}
    if query.get("room", "").isdigit():
        initial["room"] = int(query["room"])
    for name in ("start", "end"):
        try:
            value = parse_datetime(query.get(name, ""))
        except ValueError:  # well formed but impossible, e.g. 2026-02-30T10:00
            value = None
        if value is None:
            continue
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        initial[name] = value.strftime("%Y-%m-%dT%H:%M")
    for name in ("attendees", "hosting_unit", "leader"):
        if query.get(name, "").isdigit():
            initial[name] = int(query[name])
    if query.get("title"):
        initial["title"] = query["title"][:200]
    # Choices the form itself checks; an unknown value is simply not shown as chosen.
    for name in ("leader_rank", "layout"):
        if query.get(name):
            initial[name] = query[name]
    return initial


def _detail_context(request, meeting, *, cancel_form=None) -> dict:
    details = visibility.can_see_details(request.user, meeting)
    can_manage = can_manage_bookings(request.user)
    context = {
        "meeting": meeting,
        "details": details,
        "title": visibility.title_for(request.user, meeting),
        "history": history_of(meeting) if details else [],
        "can_manage": can_manage,
        "cancel_form": cancel_form or CancelForm(),
        # The level, the orders and the leader's notes only reach those who see the details.
        "leader_notes": (
            meeting.leader.service_notes
            if details and visibility.can_see_leader_notes(request.user, meeting)
            else ""
        ),
    }
    if details:
        context.update(meeting_orders_context(request.user, meeting, can_manage=can_manage))
        context["panels"] = panels.render_for(request, meeting)
    return context


@login_required
def meeting_detail(request, pk: int):
    meeting = get_meeting_for(request.user, pk)
    return render(request, "bookings/meeting_detail.html", _detail_context(request, meeting))


def _refuse_if_cancelled(request, meeting):
    """A cancelled meeting has no edit or reschedule page: back to its detail, with why."""
    if meeting.is_active:
        return None
    messages.error(request, _("This meeting has been cancelled and can no longer be changed."))
    return redirect("meeting-detail", pk=meeting.pk)


@login_required
def meeting_edit(request, pk: int):
    meeting = get_meeting_for(request.user, pk, write=True)
    if request.method == "POST":
        form = EditMeetingForm(request.POST)
        if form.is_valid():
            data = dict(form.cleaned_data)
            version = data.pop("version")
            try:
                services.edit_meeting(meeting, by=request.user, expected_version=version, **data)
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Changes saved."))
                return redirect("meeting-detail", pk=meeting.pk)
    else:
        if refused := _refuse_if_cancelled(request, meeting):
            return refused
        form = EditMeetingForm(
            initial={
                **{name: getattr(meeting, name) for name in services.EDITABLE_FIELDS},
                "version": meeting.version,
            }
        )
    return render(
        request,
        "bookings/meeting_edit.html",
        {
            "form": form,
            "meeting": meeting,
            "title": visibility.title_for(request.user, meeting),
            "leader_ranks": form.leader_ranks(),
            "leader_ranks_id": LEADER_RANKS_ID,
        },
    )


@login_required
def meeting_reschedule(request, pk: int):
    meeting = get_meeting_for(request.user, pk, write=True)
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.reschedule_meeting(
                    meeting,
                    by=request.user,
                    start=data["start"],
                    end=data["end"],
                    room=data["room"],
                    expected_version=data["version"],
                )
            except DomainError as error:
                add_domain_error(form, error)
            else:
                messages.success(request, _("Meeting rescheduled."))
                return redirect("meeting-detail", pk=meeting.pk)
    else:
        if refused := _refuse_if_cancelled(request, meeting):
            return refused
        form = RescheduleForm(
            initial={
                "room": meeting.room_id,
                "start": local_input(meeting.start),
                "end": local_input(meeting.end),
                "version": meeting.version,
            }
        )
    return render(
        request,
        "bookings/meeting_reschedule.html",
        {"form": form, "meeting": meeting, "title": visibility.title_for(request.user, meeting)},
    )


@login_required
@require_POST
def meeting_confirm(request, pk: int):
    meeting = get_meeting_for(request.user, pk, write=True)
    try:
        services.confirm_meeting(meeting, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Meeting confirmed."))
    return redirect("meeting-detail", pk=meeting.pk)


@login_required
@require_POST
def meeting_cancel(request, pk: int):
    meeting = get_meeting_for(request.user, pk, write=True)
    form = CancelForm(request.POST)
    if form.is_valid():
        try:
            services.cancel_meeting(meeting, by=request.user, reason=form.cleaned_data["reason"])
        except DomainError as error:
            if not error.fields:  # e.g. cancelled meanwhile: nothing to correct on the form
                messages.error(request, error.message)
                return redirect("meeting-detail", pk=meeting.pk)
            add_domain_error(form, error)
        else:
            messages.success(request, _("Meeting cancelled."))
            return redirect("meeting-detail", pk=meeting.pk)
    return render(
        request,
        "bookings/meeting_detail.html",
        _detail_context(request, meeting, cancel_form=form),
        status=400,
    )
