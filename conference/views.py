"""Pages that join the apps: the role homes.

After login everyone lands on "/" (`home`), which sends each role to the page a person in that
job keeps open all day (issue 8): the supervisor to the overview, a lobby manager to the
building board, the hotline to its board, the people on duties to 我的任务. The clerks' desk is
today's meetings (they book all day; the information-centre console is one click away), as it
is for the bureau's viewers and anyone without a role. `/today/` shows today's meetings to all.
"""

from dataclasses import dataclass

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone

from bookings import visibility
from bookings.access import can_manage_bookings
from bookings.models import Meeting, MeetingStatus
from bookings.queries import meetings_of_day
from conference.navigation import desk_of
from core.roles import primary_role


@dataclass(frozen=True)
class MeetingRow:
    """One line of a meeting list, already passed through the visibility policy."""

    meeting: Meeting
    title: str
    details: bool


def meeting_rows(user, meetings) -> list[MeetingRow]:
    rows = []
    for meeting in meetings:
        details = visibility.can_see_details(user, meeting)
        title = meeting.title if details else visibility.title_for(user, meeting)
        rows.append(MeetingRow(meeting=meeting, title=title, details=details))
    return rows


@login_required
def home(request):
    """The role's own page (a redirect), or today's meetings."""
    desk = desk_of(request.user)
    if desk is not None:
        return redirect(desk)
    return today(request)


@login_required
def today(request):
    """Today's meetings. The query count does not grow with the number of meetings (pinned in
    tests/test_pages.py)."""
    today = timezone.localdate()
    rows = meeting_rows(request.user, meetings_of_day(today))
    return render(
        request,
        "home.html",
        {
            "today": today,
            "rows": rows,
            "role": primary_role(request.user),
            "can_book": can_manage_bookings(request.user),
            "requested_count": sum(r.meeting.status == MeetingStatus.REQUESTED for r in rows),
            "confirmed_count": sum(r.meeting.status == MeetingStatus.CONFIRMED for r in rows),
        },
    )
