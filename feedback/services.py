"""Every state change of the feedback app: invite, answer, reply.

Each service owns its transaction, writes one audit row per change and raises FeedbackError
with a translated message; nothing is saved when it refuses. The public pages call `submit`
with no user (the hosting unit's contact has no login): the audit rows then name "system".
"""

import datetime as dt
import secrets
from collections.abc import Mapping
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Meeting, MeetingStatus, OrderStatus
from bookings.visibility import public_title, title_for
from core import audit, timeutils
from core.models import OutboxEmail
from core.notifications import notify
from core.roles import Role, users_with_role
from core.workdays import working_days_between
from feedback.errors import FeedbackError
from feedback.models import (
    COMPLAINT_AT_OR_BELOW,
    HIGHEST_SCORE,
    LINK_VALID_FOR,
    LOWEST_SCORE,
    OVERALL,
    Answer,
    Complaint,
    ComplaintStatus,
    Invitation,
    Rating,
    service_label,
)

TOKEN_BYTES = 24  # 192 bits; token_urlsafe makes 32 characters of it


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def link_for(invitation: Invitation) -> str:
    """The absolute personal link (SITE_URL + /f/<token>/), for e-mail, QR codes and print."""
    return f"{settings.SITE_URL}{reverse('feedback-form', args=[invitation.token])}"


def services_for(meeting: Meeting) -> list[str]:
    """The services an answer rates: the meeting's orders that were not cancelled, in the
    order of OrderKind, then "overall"."""
    from bookings.models import OrderKind

    ordered = set(
        meeting.orders.exclude(status=OrderStatus.CANCELLED).values_list("kind", flat=True)
    )
    return [kind for kind in OrderKind.values if kind in ordered] + [OVERALL]


def reply_due_for(opened_at: datetime) -> datetime:
    """FEEDBACK_REPLY_WORKING_DAYS working days after `opened_at`, at the same local time.

    Working days come from the holiday calendar (holidays and 调休), so a complaint made on a
    Friday afternoon is due on Tuesday afternoon, and one made before the National Day week
    after it.
    """
    days = settings.FEEDBACK_REPLY_WORKING_DAYS
    local = timezone.localtime(opened_at)
    first = local.date() + dt.timedelta(days=1)
    # Holidays never run longer than a few weeks; look ahead far enough for any of them.
    working = working_days_between(first, first + dt.timedelta(days=days * 7 + 30))
    due_day = working[days - 1]
    return timezone.make_aware(dt.datetime.combine(due_day, local.time().replace(microsecond=0)))


# --- invitations ------------------------------------------------------------------------------


def invite(meeting: Meeting, *, by=None, now: datetime | None = None) -> Invitation:
    """The meeting's invitation, made on first call (idempotent: later calls return it).

    Raises FeedbackError for a cancelled meeting: its link is never made nor sent.
    """
    now = now or timezone.now()
    existing = Invitation.objects.filter(meeting=meeting).first()
    if existing is not None:
        return existing
    # The stored status, not the caller's copy: a meeting cancelled a moment ago gets no link.
    status = Meeting.objects.filter(pk=meeting.pk).values_list("status", flat=True).first()
    if status in (None, MeetingStatus.CANCELLED):
        raise FeedbackError(_("This meeting was cancelled."), code="cancelled")
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                meeting=meeting,
                token=new_token(),
                created_at=now,
                expires_at=meeting.end + LINK_VALID_FOR,
            )
            audit.record(invitation, "feedback_invited", by=by, to_state="invited", now=now)
    except IntegrityError:
        # Made a moment ago by another request or the sweeper.
        return Invitation.objects.get(meeting=meeting)
    return invitation


def follow_up(invitation: Invitation, *, now: datetime | None = None) -> bool:
    """After the meeting: claim the invitation once and, when the hosting unit has a contact
    e-mail, queue the link through the outbox. Returns whether this call claimed it.

    The claim is a compare-and-set on `swept_at`, in the same transaction as the e-mail, so
    several sweepers at once send one e-mail.
    """
    now = now or timezone.now()
    with transaction.atomic():
        if not Invitation.objects.filter(pk=invitation.pk, swept_at__isnull=True).update(
            swept_at=now
        ):
            return False
        invitation = Invitation.objects.select_related(
            "meeting__hosting_unit", "meeting__room__building"
        ).get(pk=invitation.pk)
        meeting = invitation.meeting
        if meeting.status == MeetingStatus.CANCELLED or invitation.is_expired(now):
            return True
        address = (meeting.hosting_unit.contact_email or "").strip()
        if not address:
            return True
        Invitation.objects.filter(pk=invitation.pk).update(email=address, emailed_at=now)
        OutboxEmail.objects.create(
            to=address,
            subject=_("Please rate our service: %(meeting)s") % {"meeting": public_title(meeting)},
            body=invitation_email_body(invitation, meeting),
            created_at=now,
        )
        audit.record(
            invitation,
            "feedback_emailed",
            by=None,
            from_state="invited",
            to_state="emailed",
            note=address,
            now=now,
        )
    return True


def invitation_email_body(invitation: Invitation, meeting: Meeting) -> str:
    # The public title only: the mail leaves the building.
    return _(
        "Thank you for holding your meeting with us.\n\n"
        "%(meeting)s\n%(when)s, %(room)s\n\n"
        "Please tell us how our service was (a minute, no login needed):\n%(link)s\n\n"
        "The link is open until %(expires)s."
    ) % {
        "meeting": public_title(meeting),
        "when": timeutils.format_span(meeting.start, meeting.end),
        "room": meeting.room,
        "link": link_for(invitation),
        "expires": f"{timeutils.format_date(invitation.expires_at)} "
        f"{timeutils.format_time(invitation.expires_at)}",
    }


def move_expiry(meeting: Meeting, *, by=None, now: datetime | None = None) -> None:
    """Keep an existing link open for LINK_VALID_FOR after the meeting's (new) end."""
    invitation = Invitation.objects.filter(meeting=meeting).first()
    if invitation is None:
        return
    expires = meeting.end + LINK_VALID_FOR
    if invitation.expires_at != expires:
        old = invitation.expires_at
        invitation.expires_at = expires
        invitation.save(update_fields=["expires_at"])
        audit.record(
            invitation,
            "feedback_expiry_moved",
            by=by,
            changes={"expires_at": (old, expires)},
            now=now,
        )


# --- the answer -------------------------------------------------------------------------------


def get_open_invitation(token: str, *, now: datetime | None = None) -> Invitation:
    """The invitation behind a link if it can still be answered; FeedbackError otherwise
    (code "unknown", "expired", "cancelled", "too_early" or "answered")."""
    now = now or timezone.now()
    invitation = (
        Invitation.objects.select_related("meeting__room__building", "meeting__hosting_unit")
        .filter(token=token)
        .first()
        if token
        else None
    )
    if invitation is None:
        raise FeedbackError(_("This feedback link is not valid."), code="unknown")
    meeting = invitation.meeting
    if meeting.status == MeetingStatus.CANCELLED:
        raise FeedbackError(_("This meeting was cancelled."), code="cancelled")
    if Answer.objects.filter(meeting_id=meeting.pk).exists():
        raise FeedbackError(
            _("Feedback on this meeting has already been given. Thank you."), code="answered"
        )
    if invitation.is_expired(now):
        raise FeedbackError(
            _("This feedback link expired on %(date)s.")
            % {"date": timeutils.format_date(invitation.expires_at)},
            code="expired",
        )
    if now < meeting.start:
        raise FeedbackError(
            _("Feedback opens when the meeting starts, at %(start)s.")
            % {
                "start": f"{timeutils.format_date(meeting.start)} "
                f"{timeutils.format_time(meeting.start)}"
            },
            code="too_early",
        )
    return invitation


def clean_ratings(ratings: Mapping, services: list[str]) -> dict[str, int]:
    """Every service rated once with a whole number 1-5; FeedbackError naming each bad one."""
    errors = {}
    cleaned = {}
    unknown = [key for key in ratings if key not in services]
    if unknown:
        raise FeedbackError(_("Unknown service rated."), code="invalid")
    for key in services:
        value = ratings.get(key)
        if value in (None, ""):
            errors[key] = _("Please rate “%(service)s”.") % {"service": service_label(key)}
            continue
        try:
            score = int(value)
        except (TypeError, ValueError):
            score = None
        if (
            score is None
            or str(score) != str(value).strip()
            or not (LOWEST_SCORE <= score <= HIGHEST_SCORE)
        ):
            errors[key] = _("Please rate “%(service)s” from 1 to 5.") % {
                "service": service_label(key)
            }
            continue
        cleaned[key] = score
    if errors:
        raise FeedbackError(next(iter(errors.values())), fields=errors)
    return cleaned


def submit(
    token: str,
    ratings: Mapping,
    comment: str = "",
    complaint: bool = False,
    *,
    now: datetime | None = None,
) -> Answer:
    """Save the hosting unit's one answer about a meeting.

    Refuses (FeedbackError, nothing saved) an unknown, expired or cancelled meeting's link, a
    second answer (also when two arrive at once: the unique constraint decides), and ratings
    that are missing or not 1-5. A rating of 2 or less in any service, or the complaint box,
    opens a Complaint and notifies every supervisor, in the same transaction.
    """
    now = now or timezone.now()
    invitation = get_open_invitation(token, now=now)
    meeting = invitation.meeting
    scores = clean_ratings(ratings, services_for(meeting))
    comment = (comment or "").strip()
    if len(comment) > 2000:
        message = _("Please keep the comment under 2000 characters.")
        raise FeedbackError(message, fields={"comment": message})
    with transaction.atomic():
        try:
            with transaction.atomic():
                answer = Answer.objects.create(
                    meeting=meeting,
                    invitation=invitation,
                    comment=comment,
                    complaint=bool(complaint),
                    overall=scores[OVERALL],
                    lowest=min(scores.values()),
                    submitted_at=now,
                )
        except IntegrityError:
            raise FeedbackError(
                _("Feedback on this meeting has already been given. Thank you."),
                code="answered",
            ) from None
        Rating.objects.bulk_create(
            Rating(answer=answer, service=key, score=score) for key, score in scores.items()
        )
        audit.record(
            answer,
            "feedback_answered",
            by=None,
            to_state="answered",
            changes={key: (None, score) for key, score in scores.items()},
            now=now,
        )
        if answer.complaint or answer.lowest <= COMPLAINT_AT_OR_BELOW:
            _open_complaint(answer, meeting, now)
    return answer


def _open_complaint(answer: Answer, meeting: Meeting, now: datetime) -> Complaint:
    item = Complaint.objects.create(
        answer=answer, meeting=meeting, opened_at=now, reply_due=reply_due_for(now)
    )
    audit.record(item, "complaint_opened", by=None, to_state=ComplaintStatus.OPEN, now=now)
    url = reverse("complaint-detail", args=[item.pk])
    due = f"{timeutils.format_date(item.reply_due)} {timeutils.format_time(item.reply_due)}"
    for user in users_with_role(Role.SUPERVISOR):
        notify(
            [user],
            kind="feedback_complaint",
            title=_("Complaint from %(unit)s: %(meeting)s")
            % {"unit": meeting.hosting_unit, "meeting": title_for(user, meeting)},
            body=_("Lowest rating %(lowest)s of 5. Reply due %(due)s.")
            % {"lowest": answer.lowest, "due": due},
            url=url,
            dedupe_key=f"complaint:{item.pk}",
            now=now,
        )
    return item


# --- the supervisor's reply ---------------------------------------------------------------------


def reply(complaint: Complaint, *, by, text: str, now: datetime | None = None) -> Complaint:
    """Record the supervisor's reply to an open complaint and e-mail it to the contact when
    an address is known. Raises FeedbackError for an empty reply or one already replied (two
    supervisors at once: one wins)."""
    now = now or timezone.now()
    text = (text or "").strip()
    if not text:
        message = _("Please write the reply.")
        raise FeedbackError(message, fields={"reply": message})
    with transaction.atomic():
        won = Complaint.objects.filter(pk=complaint.pk, status=ComplaintStatus.OPEN).update(
            status=ComplaintStatus.REPLIED, reply=text, replied_by=by, replied_at=now
        )
        if not won:
            raise FeedbackError(_("This complaint has already been replied to."), code="replied")
        complaint.refresh_from_db()
        audit.record(
            complaint,
            "complaint_replied",
            by=by,
            from_state=ComplaintStatus.OPEN,
            to_state=ComplaintStatus.REPLIED,
            note=text,
            now=now,
        )
        meeting = Meeting.objects.select_related("hosting_unit").get(pk=complaint.meeting_id)
        address = (meeting.hosting_unit.contact_email or "").strip()
        if address:
            OutboxEmail.objects.create(
                to=address,
                subject=_("Our reply to your feedback: %(meeting)s")
                % {"meeting": public_title(meeting)},
                body=text,
                created_at=now,
            )
    return complaint
