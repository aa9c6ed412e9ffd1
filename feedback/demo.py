"""Demo feedback, laid down through the services (not wired into conference/demo.py here).

`load(now)` takes up to five confirmed meetings that ended in the fortnight before `now`, makes
their links and answers most of them: good marks, one middling, and one with a 2 that opens a
complaint for the supervisor (left open, so the complaints list has work on it). One finished
meeting is left unanswered, so the meeting page shows a link waiting for its answer.
"""

import datetime as dt

from django.utils import timezone

from bookings.models import Meeting, MeetingStatus
from feedback import services
from feedback.models import OVERALL, Answer

# (overall, every other service, comment, complaint) per answered meeting, in order.
_ANSWERS = [
    (5, 5, "服务热情周到，会场布置整洁。", False),
    (4, 4, "茶水续得及时。", False),
    (2, 3, "会议开始后音响有杂音，调试用了十分钟。", True),
    (5, 4, "", False),
]


def load(now: dt.datetime | None = None, *, limit: int = 5) -> dict:
    """Invite and answer recent finished meetings; returns {"invited", "answered",
    "complaints"} counts. Safe to call twice: meetings already answered are skipped."""
    now = now or timezone.now()
    meetings = list(
        Meeting.objects.filter(
            status=MeetingStatus.CONFIRMED,
            end__lte=now,
            end__gt=now - dt.timedelta(days=14),
        )
        .exclude(pk__in=Answer.objects.values("meeting_id"))
        .order_by("-end", "pk")[:limit]
    )
    counts = {"invited": 0, "answered": 0, "complaints": 0}
    for meeting, plan in zip(meetings, [*_ANSWERS, None], strict=False):
        invitation = services.invite(meeting, now=min(now, meeting.start))
        counts["invited"] += 1
        if plan is None:
            continue
        overall, others, comment, complaint = plan
        ratings = {
            key: (overall if key == OVERALL else others) for key in services.services_for(meeting)
        }
        answer = services.submit(
            invitation.token,
            ratings,
            comment=comment,
            complaint=complaint,
            now=min(now, meeting.end + dt.timedelta(hours=2)),
        )
        counts["answered"] += 1
        counts["complaints"] += int(hasattr(answer, "complaint_item"))
    return counts
