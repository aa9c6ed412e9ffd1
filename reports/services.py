"""Requesting, scheduling and generating documents (design.md, "The scheduler").

Every generation is a Document row. `request_document` makes a pending row (the next version of
its period or meeting) and, on commit, nudges a Celery task; it never waits on the broker. The
sweeper `run_documents` (Celery beat, every DOCUMENTS_SWEEP_SECONDS) first makes the rows of the
schedule slots that are due (the notice at 16:30 for the next day and at 07:00 for the same day,
the briefing on Monday 08:00 for the week before), each slot once by its unique key, then claims
pending rows with a compare-and-set and generates them. A row left running by a worker that died
is taken up again after STALE_AFTER; after MAX_ATTEMPTS it fails. Nothing is lost when the broker
drops a message: the truth is in the table.
"""

import datetime as dt
import hashlib
import logging
from datetime import datetime

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import F, Max
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Meeting
from core import audit
from core.timeutils import at
from reports.builders import BuildRequest, builder
from reports.errors import DocumentError
from reports.models import MEETING_KINDS, Document, Kind, Status
from reports.viewers import SCHEDULE_AUDIENCE, RoleViewer, view_key, viewer_for

log = logging.getLogger(__name__)

STALE_AFTER = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 3
# How far back the sweeper still makes a missed slot (a system down over the weekend still
# issues Monday's briefing; a notice for a day long gone is not worth making).
SLOT_GRACE = dt.timedelta(hours=12)


def period_for(kind: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period a request for `day` means: the week (Monday-Sunday) for the briefing, the day
    otherwise (the bureau report of a day; the page and API may give a longer range)."""
    if kind == Kind.WEEKLY_BRIEFING:
        monday = day - dt.timedelta(days=day.weekday())
        return monday, monday + dt.timedelta(days=6)
    return day, day


def request_document(
    *,
    by,
    kind: str,
    day: dt.date | None = None,
    meeting: Meeting | None = None,
    until: dt.date | None = None,
    viewer=None,
    slot: str = "",
    now: datetime | None = None,
) -> Document:
    """A new pending version of a document, generated for `viewer` (default: `by`).
    Raises DocumentError on bad input. The caller decides who may ask (reports.access)."""
    now = now or timezone.now()
    errors = {}
    if kind not in Kind.values:
        errors["kind"] = _("Unknown document.")
    elif kind in MEETING_KINDS:
        if meeting is None:
            errors["meeting"] = _("Please choose the meeting.")
    elif day is None:
        errors["date"] = _("Please give the date.")
    if until is not None and day is not None and until < day:
        errors["until"] = _("The end date is before the start date.")
    if until is not None and day is not None and (until - day).days > 92:
        errors["until"] = _("At most three months at a time.")
    if errors:
        raise DocumentError(" ".join(errors.values()), fields=errors)
    if kind in MEETING_KINDS:
        start = end = timezone.localdate(meeting.start)
    else:
        start, end = period_for(kind, day)
        if kind == Kind.BUREAU_REPORT and until is not None:
            end = until
    viewer = viewer or by
    for _attempt in range(3):
        try:
            with transaction.atomic():
                document = Document.objects.create(
                    kind=kind,
                    period_start=start,
                    period_end=end,
                    meeting=meeting if kind in MEETING_KINDS else None,
                    version=_next_version(kind, start, end, meeting),
                    requested_by=by if getattr(by, "pk", None) else None,
                    slot=slot,
                    view=view_key(viewer),
                    created_at=now,
                )
                audit.record(
                    document, "document_requested", by=by, to_state=Status.PENDING, now=now
                )
                transaction.on_commit(lambda pk=document.pk: _nudge(pk))
            return document
        except IntegrityError:
            if slot and Document.objects.filter(slot=slot).exists():
                raise
            continue  # someone took this version number a moment ago: take the next
    raise DocumentError(_("Too many requests at once; please try again."), code="busy")


def _next_version(kind, start, end, meeting) -> int:
    if kind in MEETING_KINDS:
        same = Document.objects.filter(kind=kind, meeting=meeting)
    else:
        same = Document.objects.filter(
            kind=kind, period_start=start, period_end=end, meeting__isnull=True
        )
    return (same.aggregate(top=Max("version"))["top"] or 0) + 1


def _nudge(pk: int) -> None:
    """Ask a worker to start now; if the broker is away the sweeper does it anyway."""
    from reports.tasks import generate_document

    try:
        # retry=False: a broker that is down fails at once instead of holding the request.
        generate_document.apply_async(args=[pk], retry=False)
    except Exception:  # the broker is down: the sweeper will pick the row up
        log.warning("documents: could not enqueue document %s; the sweeper will run it", pk)


# --- the schedule -------------------------------------------------------------------------------


def _clock(setting: str, default: str) -> dt.time:
    hour, minute = getattr(settings, setting, default).split(":")
    return dt.time(int(hour), int(minute))


def due_slots(now: datetime) -> list[tuple[str, str, dt.date]]:
    """The (slot key, kind, day) of every scheduled generation due at `now` and not too old."""
    today = timezone.localdate(now)
    slots = []
    same_day = _clock("DOCUMENT_NOTICE_SAME_DAY_AT", "07:00")
    next_day = _clock("DOCUMENT_NOTICE_NEXT_DAY_AT", "16:30")
    briefing = _clock("DOCUMENT_BRIEFING_AT", "08:00")
    for day in (today - dt.timedelta(days=1), today):
        moment = at(day, same_day.hour, same_day.minute)
        slots.append((moment, f"daily_notice:{day}:{same_day:%H:%M}", Kind.DAILY_NOTICE, day))
        moment = at(day, next_day.hour, next_day.minute)
        tomorrow = day + dt.timedelta(days=1)
        slots.append(
            (moment, f"daily_notice:{tomorrow}:{next_day:%H:%M}", Kind.DAILY_NOTICE, tomorrow)
        )
    monday = today - dt.timedelta(days=today.weekday())
    moment = at(monday, briefing.hour, briefing.minute)
    last_week = monday - dt.timedelta(days=7)
    slots.append((moment, f"weekly_briefing:{last_week}", Kind.WEEKLY_BRIEFING, last_week))
    return [
        (key, kind, day) for moment, key, kind, day in slots if moment <= now < moment + SLOT_GRACE
    ]


def schedule_due(*, now: datetime | None = None) -> list[Document]:
    """Make the row of every due slot that has none; each slot once, whatever the race."""
    now = now or timezone.now()
    made = []
    for key, kind, day in due_slots(now):
        if Document.objects.filter(slot=key).exists():
            continue
        try:
            made.append(
                request_document(
                    by=None,
                    kind=kind,
                    day=day,
                    viewer=RoleViewer(SCHEDULE_AUDIENCE[kind]),
                    slot=key,
                    now=now,
                )
            )
        except IntegrityError:
            continue  # another sweeper made it a moment ago
    return made


# --- generating ---------------------------------------------------------------------------------


def run_documents(*, now: datetime | None = None, batch: int = 20) -> int:
    """The sweeper: schedule due slots, then `run_pending`. Returns how many documents it
    finished (done or failed)."""
    now = now or timezone.now()
    schedule_due(now=now)
    return run_pending(now=now, batch=batch)


def run_pending(*, now: datetime | None = None, batch: int = 20) -> int:
    """Take up stale rows and generate the pending ones, oldest first."""
    now = now or timezone.now()
    _requeue_stale(now)
    pending = list(
        Document.objects.filter(status=Status.PENDING)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:batch]
    )
    return sum(1 for pk in pending if generate(pk, now=now) is not None)


def _requeue_stale(now: datetime) -> None:
    stale = Document.objects.filter(status=Status.RUNNING, started_at__lt=now - STALE_AFTER)
    stale.filter(attempts__lt=MAX_ATTEMPTS).update(status=Status.PENDING)
    stale.filter(attempts__gte=MAX_ATTEMPTS).update(
        status=Status.FAILED, finished_at=now, error=_("Generation did not finish.")
    )


def generate(pk: int, *, now: datetime | None = None) -> Document | None:
    """Claim one pending document and generate it. None if someone else has it (or it is not
    pending). Errors are kept on the row (failed), never raised to the caller."""
    now = now or timezone.now()
    claimed = Document.objects.filter(pk=pk, status=Status.PENDING).update(
        status=Status.RUNNING, started_at=now, attempts=F("attempts") + 1
    )
    if claimed != 1:
        return None
    document = Document.objects.select_related("meeting").get(pk=pk)
    try:
        content, data = build(document, now=now)
    except Exception as exc:  # a broken document must not stop the sweeper
        log.exception("documents: generating %s failed", document)
        Document.objects.filter(pk=pk).update(
            status=Status.FAILED, finished_at=timezone.now(), error=str(exc)[:2000]
        )
        document.refresh_from_db()
        audit.record(
            document,
            "document_failed",
            by=None,
            from_state=Status.RUNNING,
            to_state=Status.FAILED,
            note=str(exc)[:200],
        )
        return document
    with transaction.atomic():
        document.file.save(document.filename, ContentFile(content), save=False)
        document.size = len(content)
        document.checksum = hashlib.sha256(content).hexdigest()
        document.snapshot = data.get("snapshot", {})
        document.summary = data.get("summary", {})
        document.status = Status.DONE
        document.finished_at = timezone.now()
        document.save(
            update_fields=[
                "file",
                "size",
                "checksum",
                "snapshot",
                "summary",
                "status",
                "finished_at",
            ]
        )
        audit.record(
            document, "document_done", by=None, from_state=Status.RUNNING, to_state=Status.DONE
        )
    return document


def build_request(document: Document, *, now: datetime) -> BuildRequest:
    previous = (
        Document.objects.filter(
            kind=document.kind,
            period_start=document.period_start,
            period_end=document.period_end,
            meeting_id=document.meeting_id,
            # The same view: a secret row differs between views, and would read as changed.
            view=document.view,
            status=Status.DONE,
            version__lt=document.version,
        )
        .order_by("-version")
        .values_list("snapshot", flat=True)
        .first()
    )
    return BuildRequest(
        kind=document.kind,
        period_start=document.period_start,
        period_end=document.period_end,
        viewer=viewer_for(document.view),
        now=now,
        meeting_id=document.meeting_id,
        previous_snapshot=previous or None,
    )


def build(document: Document, *, now: datetime) -> tuple[bytes, dict]:
    """The Word file and the data of a document row (without saving anything)."""
    module = builder(document.kind)
    data = module.collect(build_request(document, now=now))
    data.setdefault("version", document.version)
    return module.render_docx(data), data
