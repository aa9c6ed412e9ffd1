"""Pages that join the apps: the role homes."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils import timezone

from bookings import visibility
from bookings.access import can_manage_bookings
from bookings.queries import meetings_of_day
from core.roles import primary_role


@login_required
def home(request):
    """Each role lands here; for now every role starts from today's meetings."""
    today = timezone.localdate()
    meetings = list(meetings_of_day(today))
    rows = [(m, visibility.title_for(request.user, m)) for m in meetings]
    role = primary_role(request.user)
    return render(
        request,
        "home.html",
        {
            "today": today,
            "rows": rows,
            "role": role,
            "can_book": can_manage_bookings(request.user),
        },
    )
