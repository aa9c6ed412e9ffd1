"""Hosting-unit feedback (满意度评价): an invitation per meeting, one answer, and the complaint
that a low rating or the complaint box opens for the supervisor.

State changes go through `feedback.services`; the admin shows these rows read-only.
"""

from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from bookings.models import Meeting, OrderKind

# How long a feedback link stays open. It runs from the meeting's end, not from the moment the
# link is made: the link is printed on the name-plate sheet before the meeting, and the contact
# should have a full week after it to answer.
LINK_VALID_FOR = timedelta(days=7)

# The service key every answer rates besides the meeting's own orders.
OVERALL = "overall"
LOWEST_SCORE, HIGHEST_SCORE = 1, 5
# A rating at or below this opens a complaint.
COMPLAINT_AT_OR_BELOW = 2


def service_label(key: str) -> str:
    """The words for a rated service: an order kind's label, or "Overall service"."""
    if key == OVERALL:
        return str(_("Overall service"))
    try:
        return str(OrderKind(key).label)
    except ValueError:
        return key


class Invitation(models.Model):
    """The personal link of a meeting's hosting-unit contact. One per meeting."""

    meeting = models.OneToOneField(
        Meeting,
        verbose_name=_("meeting"),
        on_delete=models.CASCADE,
        related_name="feedback_invitation",
    )
    # secrets.token_urlsafe: about 192 bits, kept in clear so the link can be printed again.
    # The unique index is also the lookup of every public page.
    token = models.CharField(_("token"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))
    # The meeting's end + LINK_VALID_FOR; moved by the receiver when the meeting is rescheduled.
    expires_at = models.DateTimeField(_("expires"))
    email = models.EmailField(_("e-mailed to"), blank=True)
    emailed_at = models.DateTimeField(_("e-mailed at"), null=True, blank=True)
    # Set once by the after-meeting sweeper (whether or not there was an address to write to):
    # its compare-and-set claim, so the e-mail leaves exactly once.
    swept_at = models.DateTimeField(_("followed up at"), null=True, blank=True)

    class Meta:
        verbose_name = _("feedback invitation")
        verbose_name_plural = _("feedback invitations")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.created_at:%Y-%m-%d}"

    def is_expired(self, now) -> bool:
        return now >= self.expires_at


class Answer(models.Model):
    """The hosting unit's one answer about one meeting."""

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="+"
    )
    invitation = models.ForeignKey(
        Invitation, verbose_name=_("invitation"), on_delete=models.CASCADE, related_name="answers"
    )
    comment = models.TextField(_("comment"), blank=True)
    complaint = models.BooleanField(_("complaint"), default=False)
    # Denormalised from the ratings so that lists and figures need no second query.
    overall = models.PositiveSmallIntegerField(_("overall service"))
    lowest = models.PositiveSmallIntegerField(_("lowest rating"))
    submitted_at = models.DateTimeField(_("submitted"))

    class Meta:
        verbose_name = _("feedback answer")
        verbose_name_plural = _("feedback answers")
        ordering = ["-submitted_at", "-id"]
        constraints = [
            # One answer per meeting: the database settles two submissions at once.
            models.UniqueConstraint(fields=["meeting"], name="feedback_one_answer_per_meeting"),
        ]
        indexes = [
            # The figures and the feedback list: answers of a period, latest first.
            models.Index(fields=["submitted_at"], name="feedback_answer_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.overall}"


class Rating(models.Model):
    """One service's score, 1 (very dissatisfied) to 5 (very satisfied)."""

    answer = models.ForeignKey(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="ratings"
    )
    service = models.CharField(_("service"), max_length=20)
    score = models.PositiveSmallIntegerField(_("rating"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["answer_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["answer", "service"], name="feedback_one_rating_each"),
            models.CheckConstraint(
                condition=models.Q(score__gte=LOWEST_SCORE, score__lte=HIGHEST_SCORE),
                name="feedback_score_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.service}: {self.score}"

    @property
    def label(self) -> str:
        return service_label(self.service)


class ComplaintStatus(models.TextChoices):
    OPEN = "open", _("Open")
    REPLIED = "replied", _("Replied")


class Complaint(models.Model):
    """A tracked item for the supervisor: opened by a low rating or the complaint box."""

    answer = models.OneToOneField(
        Answer, verbose_name=_("answer"), on_delete=models.CASCADE, related_name="complaint_item"
    )
    # Denormalised from the answer for the list's ordering and the meeting's page.
    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), on_delete=models.CASCADE, related_name="+"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    opened_at = models.DateTimeField(_("opened"))
    # FEEDBACK_REPLY_WORKING_DAYS working days after opened_at, by the holiday calendar.
    reply_due = models.DateTimeField(_("reply due"))
    reply = models.TextField(_("reply"), blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("replied by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    replied_at = models.DateTimeField(_("replied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        ordering = ["status", "reply_due", "id"]
        indexes = [
            # The complaints list: open ones first, by reply deadline.
            models.Index(fields=["status", "reply_due"], name="complaint_queue_idx"),
            # The figures: complaints of a period.
            models.Index(fields=["opened_at"], name="complaint_opened_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.meeting_id}: {self.get_status_display()}"

    def is_overdue(self, now) -> bool:
        if self.status == ComplaintStatus.OPEN:
            return now > self.reply_due
        return self.replied_at is not None and self.replied_at > self.reply_due
