"""The availability search: free rooms that fit, best fit first, and why a near miss does not.

A result books in one click: the search already knows the room, the time and the attendees;
the clerk adds the title and the convening leader above the results (the leader brings the
rank and the hosting unit). Whatever is missing sends the clerk to the full booking form,
prefilled, so nothing is typed twice.
"""

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import services
from bookings.access import can_manage_bookings
from bookings.availability import free_rooms
from bookings.forms import LEADER_RANKS_ID
from bookings.forms_search import (
    QuickBookForm,
    RoomSearchForm,
    booking_query,
    presets,
    resolve_preset,
)
from bookings.models import LeaderRank
from core.errors import DomainError

# The id of the json_script element mapping leader ids to their units (static/js/calendar.js).
LEADER_UNITS_ID = "leader-units"

# The search's own parameters: what a quick booking carries back after a refusal.
SEARCH_PARAMS = ("date", "start", "end", "attendees", "equipment", "building")


@login_required
def room_search(request):
    """Anyone logged in may look for a free room; booking from the results needs the role."""
    now = timezone.now()
    query = request.GET.copy()
    preset = resolve_preset(query.pop("when", [""])[-1], now)
    if preset:
        day, start, end = preset
        query["date"] = day.isoformat()
        query["start"] = start.strftime("%H:%M")
        query["end"] = end.strftime("%H:%M")
    # Attendees and equipment alone (home's "another time") fill the form without searching.
    searched = any(name in query for name in ("date", "start", "end"))
    form = RoomSearchForm(query if searched else None, initial=_initial(now, query))
    context = {
        "form": form,
        "presets": presets(now),
        "searched": searched,
        "can_book": can_manage_bookings(request.user),
    }
    if searched and form.is_valid():
        data = form.cleaned_data
        try:
            result = free_rooms(
                data["start_at"],
                data["end_at"],
                data["attendees"],
                equipment=data["equipment"],
                building=data["building"],
                user=request.user,
            )
        except DomainError as error:
            form.add_error(None, error.message)
        else:
            context.update(
                result=result,
                start_at=data["start_at"],
                end_at=data["end_at"],
                attendees=data["attendees"],
                in_past=data["start_at"] < now,
                search_query=_search_query(query),
                wanted_codes={item.code for item in data["equipment"]},
            )
            if context["can_book"]:
                context.update(_quick_book_context())
    return render(request, "bookings/search.html", context)


def _initial(now, query) -> dict:
    """A blank search starts from the next round half hour today, for an hour."""
    local = timezone.localtime(now).replace(second=0, microsecond=0)
    start = local + dt.timedelta(minutes=30 - local.minute % 30)
    initial = {
        "date": start.date(),
        "start": start.time(),
        "end": (start + dt.timedelta(hours=1)).time(),
    }
    if query.get("attendees", "").isdigit():
        initial["attendees"] = int(query["attendees"])
    if query.getlist("equipment"):
        initial["equipment"] = query.getlist("equipment")
    return initial


def _search_query(query: QueryDict) -> str:
    kept = QueryDict(mutable=True)
    for name in SEARCH_PARAMS:
        if name in query:
            kept.setlist(name, query.getlist(name))
    return kept.urlencode()


def _quick_book_context() -> dict:
    book_form = QuickBookForm(rank_map_id=LEADER_RANKS_ID, unit_map_id=LEADER_UNITS_ID)
    # The leaders the form's choice offers, read once for the choice and the maps alike.
    ranks, units = {}, {}
    for leader in book_form.fields["leader"].queryset:
        ranks[str(leader.pk)] = leader.rank
        if leader.unit_id:
            units[str(leader.pk)] = str(leader.unit_id)
    return {
        "book_form": book_form,
        "leader_ranks": ranks,
        "leader_ranks_id": LEADER_RANKS_ID,
        "leader_units": units,
        "leader_units_id": LEADER_UNITS_ID,
    }


@login_required
@require_POST
def search_book(request):
    """Book a search result at once when title and hosting unit are known (the leader's unit
    stands in for an empty hosting unit); otherwise open the full form with everything known."""
    if not can_manage_bookings(request.user):
        raise PermissionDenied
    form = QuickBookForm(request.POST)
    back = reverse("room-search")
    if not form.is_valid():
        messages.error(request, _("That result could not be booked; please search again."))
        return redirect(f"{back}?{_search_query(QueryDict(form.data.get('book-search', '')))}")
    data = dict(form.cleaned_data)
    back = f"{back}?{_search_query(QueryDict(data['search']))}"
    leader = data["leader"]
    if data["hosting_unit"] is None and leader is not None and leader.unit_id:
        data["hosting_unit"] = leader.unit
    if not data["title"].strip() or data["hosting_unit"] is None:
        if data["title"].strip() or data["hosting_unit"] or leader:
            messages.info(request, _("Fill in what is missing to finish the booking."))
        return redirect(f"{reverse('meeting-new')}?{urlencode(booking_query(data))}")
    try:
        meeting = services.book_meeting(
            by=request.user,
            room=data["room"],
            title=data["title"],
            hosting_unit=data["hosting_unit"],
            start=data["start"],
            end=data["end"],
            attendees=data["attendees"],
            leader=leader,
            leader_rank=data["leader_rank"] or LeaderRank.NONE,
        )
    except DomainError as error:
        messages.error(request, error.message)
        return redirect(back)
    messages.success(request, _("Meeting booked: %(title)s") % {"title": meeting.title})
    return redirect("meeting-detail", pk=meeting.pk)
