"""The public feedback form (no login) and the staff pages: the printable card, the feedback
list, the complaints list and a complaint's reply form.

Every write is one service call; a refusal (FeedbackError) comes back on the page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Case, IntegerField, Prefetch, Value, When
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect, ensure_csrf_cookie

from bookings import visibility
from bookings.visibility import public_title
from feedback import qr, services
from feedback.access import can_read_feedback, get_card_meeting_for, get_complaint_for
from feedback.errors import FeedbackError
from feedback.models import (
    HIGHEST_SCORE,
    LOWEST_SCORE,
    Answer,
    Complaint,
    ComplaintStatus,
    Invitation,
    Rating,
    service_label,
)

# The words beside each score: a phone user reads the scale, not only stars.
SCORE_WORDS = {
    1: lambda: _("Very dissatisfied"),
    2: lambda: _("Dissatisfied"),
    3: lambda: _("Acceptable"),
    4: lambda: _("Satisfied"),
    5: lambda: _("Very satisfied"),
}

LIST_LIMIT = 200


def _scale():
    return [
        {"value": score, "words": SCORE_WORDS[score]()}
        for score in range(HIGHEST_SCORE, LOWEST_SCORE - 1, -1)
    ]


# --- public (no login) ------------------------------------------------------------------------

_REFUSAL_STATUS = {"unknown": 404, "expired": 410, "cancelled": 410, "answered": 200}


@never_cache
@ensure_csrf_cookie
@csrf_protect
def feedback_form(request, token: str):
    """The hosting unit's form: one 1-5 scale per service, a comment and the complaint box."""
    now = timezone.now()
    try:
        invitation = services.get_open_invitation(token, now=now)
    except FeedbackError as exc:
        return render(
            request,
            "feedback/public_closed.html",
            {"message": exc.message, "code": exc.code},
            status=_REFUSAL_STATUS.get(exc.code, 400),
        )
    meeting = invitation.meeting
    keys = services.services_for(meeting)
    posted = request.POST if request.method == "POST" else None
    error = None
    field_errors = {}
    if posted is not None:
        ratings = {key: posted.get(f"rating-{key}", "") for key in keys}
        try:
            services.submit(
                token,
                ratings,
                comment=posted.get("comment", ""),
                complaint=posted.get("complaint") == "on",
                now=timezone.now(),
            )
        except FeedbackError as exc:
            if exc.code in _REFUSAL_STATUS:
                return render(
                    request,
                    "feedback/public_closed.html",
                    {"message": exc.message, "code": exc.code},
                    status=_REFUSAL_STATUS[exc.code],
                )
            error, field_errors = exc.message, exc.fields
        else:
            return redirect("feedback-thanks", token=token)
    rows = [
        {
            "key": key,
            "label": service_label(key),
            "chosen": (posted or {}).get(f"rating-{key}", ""),
            "error": field_errors.get(key, ""),
        }
        for key in keys
    ]
    return render(
        request,
        "feedback/public_form.html",
        {
            "invitation": invitation,
            "meeting": meeting,
            # Never the inside title: the contact is an outsider to the visibility policy.
            "title": public_title(meeting),
            "rows": rows,
            "scale": _scale(),
            "comment": (posted or {}).get("comment", ""),
            "complaint": (posted or {}).get("complaint") == "on",
            "comment_error": field_errors.get("comment", ""),
            "error": error,
        },
        status=400 if error else 200,
    )


@never_cache
def feedback_thanks(request, token: str):
    known = Invitation.objects.filter(token=token).exists() if token else False
    return render(
        request, "feedback/public_thanks.html", {"known": known}, status=200 if known else 404
    )


# --- the printable card -------------------------------------------------------------------------


@login_required
def feedback_card(request, pk: int):
    """The meeting's feedback card to print or hand over: the QR code and the short link.
    The link is made by a POST (an audited change), never by opening the page."""
    meeting = get_card_meeting_for(request.user, pk)
    if request.method == "POST":
        try:
            services.invite(meeting, by=request.user)
        except FeedbackError as exc:
            messages.error(request, exc.message)
        return redirect("feedback-card", pk=meeting.pk)
    invitation = Invitation.objects.filter(meeting=meeting).first()
    link = services.link_for(invitation) if invitation is not None else ""
    return render(
        request,
        "feedback/card.html",
        {
            "meeting": meeting,
            "title": visibility.title_for(request.user, meeting),
            "public_title": public_title(meeting),
            "invitation": invitation,
            "link": link,
            "qr": qr.svg_data_uri(link) if link else "",
            "expired": invitation is not None and invitation.is_expired(timezone.now()),
        },
    )


# --- the supervisor's pages ---------------------------------------------------------------------


def _require_reader(user) -> None:
    if not can_read_feedback(user):
        raise PermissionDenied


@login_required
def feedback_list(request):
    """The latest answers with every rating: three queries however many rows."""
    _require_reader(request.user)
    answers = list(
        Answer.objects.select_related(
            "meeting__room__building", "meeting__hosting_unit", "complaint_item"
        )
        .prefetch_related(Prefetch("ratings", queryset=Rating.objects.order_by("id")))
        .order_by("-submitted_at", "-id")[:LIST_LIMIT]
    )
    rows = [_answer_row(request.user, answer) for answer in answers]
    return render(request, "feedback/list.html", {"rows": rows})


def _answer_row(user, answer: Answer) -> dict:
    meeting = answer.meeting
    details = visibility.can_see_details(user, meeting)
    complaint = getattr(answer, "complaint_item", None)
    return {
        "answer": answer,
        "meeting": meeting,
        "title": visibility.title_for(user, meeting),
        # A secret meeting's comment may name what was discussed: only for those who see it.
        "comment": answer.comment if details else "",
        "ratings": list(answer.ratings.all()),
        "complaint": complaint,
    }


@login_required
def complaint_list(request):
    """Open complaints first, soonest reply deadline first; overdue said in words."""
    _require_reader(request.user)
    now = timezone.now()
    complaints = list(
        Complaint.objects.select_related(
            "meeting__room__building", "meeting__hosting_unit", "answer", "replied_by"
        )
        .annotate(
            open_first=Case(
                When(status=ComplaintStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        )
        .order_by("open_first", "reply_due", "id")[:LIST_LIMIT]
    )
    rows = [
        {
            "complaint": item,
            "title": visibility.title_for(request.user, item.meeting),
            "overdue": item.is_overdue(now),
        }
        for item in complaints
    ]
    open_count = sum(1 for item in complaints if item.status == ComplaintStatus.OPEN)
    return render(request, "feedback/complaint_list.html", {"rows": rows, "open_count": open_count})


@login_required
def complaint_detail(request, pk: int):
    complaint = get_complaint_for(request.user, pk)
    error = None
    text = ""
    if request.method == "POST":
        text = request.POST.get("reply", "")
        try:
            services.reply(complaint, by=request.user, text=text)
        except FeedbackError as exc:
            error = exc.message
        else:
            messages.success(request, _("The reply is recorded."))
            return redirect("complaint-detail", pk=complaint.pk)
    meeting = complaint.meeting
    answer = complaint.answer
    details = visibility.can_see_details(request.user, meeting)
    return render(
        request,
        "feedback/complaint_detail.html",
        {
            "complaint": complaint,
            "meeting": meeting,
            "title": visibility.title_for(request.user, meeting),
            "answer": answer,
            "comment": answer.comment if details else "",
            "ratings": list(answer.ratings.order_by("id")),
            "overdue": complaint.is_overdue(timezone.now()),
            "error": error,
            "reply_text": text,
        },
        status=400 if error else 200,
    )
