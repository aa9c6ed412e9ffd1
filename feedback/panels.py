"""The feedback section of the meeting page: is there a link, was it e-mailed, the answer's
ratings, and the way to the printable card. Shown to those who may print the card."""

from django.utils import timezone

from bookings.models import Meeting
from feedback.access import can_print_card, can_read_feedback
from feedback.models import Answer, Complaint, Invitation


def feedback_panel(request, meeting: Meeting):
    user = request.user
    if not can_print_card(user, meeting):
        return None
    invitation = Invitation.objects.filter(meeting=meeting).first()
    answer = None
    complaint = None
    if invitation is not None:
        answer = Answer.objects.filter(meeting=meeting).prefetch_related("ratings").first()
        if answer is not None:
            complaint = Complaint.objects.filter(answer=answer).first()
    return "feedback/_meeting_feedback.html", {
        "meeting": meeting,
        "invitation": invitation,
        "expired": invitation is not None and invitation.is_expired(timezone.now()),
        "answer": answer,
        "complaint": complaint,
        # The comment is the supervisor's to read; the ratings are for everyone serving.
        "show_comment": can_read_feedback(user),
    }
