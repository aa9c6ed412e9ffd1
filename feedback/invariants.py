"""The feedback invariants, registered with `manage.py check_invariants`."""

from collections.abc import Iterator

from django.db.models import Min, Q

from core.invariants import register
from feedback.models import COMPLAINT_AT_OR_BELOW, Answer, Complaint, ComplaintStatus, Rating


@register("feedback: a low rating or a ticked complaint box has its complaint")
def complaint_for_every_low_answer() -> Iterator[str]:
    for pk, meeting_id in (
        Answer.objects.filter(Q(complaint=True) | Q(lowest__lte=COMPLAINT_AT_OR_BELOW))
        .filter(complaint_item__isnull=True)
        .values_list("pk", "meeting_id")
    ):
        yield f"answer {pk} (meeting {meeting_id}) is a complaint but opened none"


@register("feedback: an answer's lowest rating matches its ratings")
def lowest_matches_ratings() -> Iterator[str]:
    lowest = dict(
        Rating.objects.values("answer_id").annotate(m=Min("score")).values_list("answer_id", "m")
    )
    for pk, stored in Answer.objects.values_list("pk", "lowest").iterator(chunk_size=5000):
        if lowest.get(pk) != stored:
            yield f"answer {pk}: lowest {stored}, ratings say {lowest.get(pk)}"


@register("feedback: a replied complaint has its reply and its time")
def replied_complaints_are_complete() -> Iterator[str]:
    for pk in (
        Complaint.objects.filter(status=ComplaintStatus.REPLIED)
        .filter(Q(reply="") | Q(replied_at__isnull=True) | Q(replied_by__isnull=True))
        .values_list("pk", flat=True)
    ):
        yield f"complaint {pk} is marked replied without its reply"
