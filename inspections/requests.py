"""Patrols (巡查) and service requests phoned in to the hotline (临时服务需求).

A request notifies the building's lobby manager(s) and the hotline in the same transaction as
its row; taking and completing it are compare-and-set updates, so two people at once: one wins.
A request from an office (a leader's office above all) becomes an office round and is
dispatched at once through the dispatcher: the request is then taken by the person sent.
"""

from datetime import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from bookings.models import Meeting, Room
from core import audit
from core.notifications import notify
from inspections.errors import CheckError
from inspections.incidents import responders_for
from inspections.models import Patrol, ServiceRequest, Urgency
from offices.errors import OfficeError
from offices.models import OFFICE_KINDS
from offices.services import request_round
from staffing.dispatcher import dispatch_rounds
from staffing.models import Staff


def log_patrol(
    *,
    by,
    room: Room,
    meeting: Meeting | None = None,
    all_in_order: bool = True,
    note: str = "",
    now: datetime | None = None,
) -> Patrol:
    """Record a patrol round. One that found something not in order must say what."""
    now = now or timezone.now()
    note = (note or "").strip()
    if room is None:
        message = _("Please choose the room.")
        raise CheckError(message, fields={"room": message})
    if not all_in_order and not note:
        message = _("Please note what was not in order.")
        raise CheckError(message, fields={"note": message})
    with transaction.atomic():
        patrol = Patrol.objects.create(
            meeting=meeting, room=room, by=by, at=now, all_in_order=all_in_order, note=note
        )
        audit.record(patrol, "patrol_logged", by=by, note=note, now=now)
    return patrol


def log_request(
    *,
    by,
    what: str,
    room: Room | None = None,
    where_text: str = "",
    urgency: str = Urgency.NORMAL,
    caller: str = "",
    wanted_at: datetime | None = None,
    people: int | None = None,
    now: datetime | None = None,
) -> ServiceRequest:
    """Record a phoned-in request and notify its responders. Raises CheckError on bad input.

    For an office, the request also becomes an office round at `wanted_at` (default: now) for
    `people` attendants, dispatched at once; when someone is found the request is taken by
    them (`req.office_round` tells; `dispatch_note` on the returned object says who or why
    nobody)."""
    now = now or timezone.now()
    what = (what or "").strip()
    if not what:
        message = _("Please say what is needed.")
        raise CheckError(message, fields={"what": message})
    if urgency not in Urgency.values:
        raise CheckError(_("Unknown urgency."), fields={"urgency": _("Unknown urgency.")})
    for_office = room is not None and room.kind in OFFICE_KINDS
    with transaction.atomic():
        req = ServiceRequest.objects.create(
            what=what,
            room=room,
            where_text=(where_text or "").strip(),
            urgency=urgency,
            caller=(caller or "").strip(),
            logged_by=by,
            logged_at=now,
            wanted_at=wanted_at,
        )
        audit.record(req, "request_logged", by=by, to_state="open", now=now)
        req.dispatch_note = ""
        if for_office:
            _dispatch_office_request(req, by=by, people=people or 1, now=now)
        where = str(room) if room is not None else (req.where_text or _("no room given"))
        notify(
            responders_for(room.building if room is not None else None),
            kind="service_request",
            title=_("Service request (%(urgency)s): %(where)s")
            % {"urgency": req.get_urgency_display(), "where": where},
            url=reverse("request-list"),
            dedupe_key=f"request:{req.pk}",
            now=now,
        )
    return req


def _dispatch_office_request(req: ServiceRequest, *, by, people: int, now: datetime) -> None:
    """The request as an office round, dispatched now, inside the caller's transaction."""
    try:
        office_round = request_round(
            by=by, room=req.room, what=req.what, when=req.wanted_at or now, people=people, now=now
        )
    except OfficeError as exc:
        raise CheckError(exc.message, fields=exc.fields) from None
    req.office_round = office_round
    req.save(update_fields=["office_round"])
    result = dispatch_rounds([office_round], by=by, now=now, seconds=0)
    if result.duties:
        people_sent = [duty.staff for duty in result.duties]
        ServiceRequest.objects.filter(pk=req.pk).update(taken_by=people_sent[0], taken_at=now)
        req.refresh_from_db()
        names = "、".join(person.name for person in people_sent)
        audit.record(
            req, "request_taken", by=by, from_state="open", to_state="taken", note=names, now=now
        )
        req.dispatch_note = _("Sent: %(names)s.") % {"names": names}
    if result.unfilled:
        req.dispatch_note = " ".join(
            part for part in (req.dispatch_note, *(item.reason for item in result.unfilled)) if part
        )


def take_request(
    req: ServiceRequest, *, by, staff: Staff, now: datetime | None = None
) -> ServiceRequest:
    """Hand an open request to a member of staff. Raises CheckError if already taken or done."""
    now = now or timezone.now()
    with transaction.atomic():
        won = ServiceRequest.objects.filter(
            pk=req.pk, taken_at__isnull=True, done_at__isnull=True
        ).update(taken_by=staff, taken_at=now)
        if not won:
            raise CheckError(_("This request is already taken."), code="taken")
        req.refresh_from_db()
        audit.record(
            req,
            "request_taken",
            by=by,
            from_state="open",
            to_state="taken",
            note=str(staff),
            now=now,
        )
    return req


def complete_request(
    req: ServiceRequest, *, by, feedback: str = "", now: datetime | None = None
) -> ServiceRequest:
    """Mark a request done with the caller's feedback. Raises CheckError if already done."""
    now = now or timezone.now()
    feedback = (feedback or "").strip()
    with transaction.atomic():
        won = ServiceRequest.objects.filter(pk=req.pk, done_at__isnull=True).update(
            done_at=now, feedback=feedback
        )
        if not won:
            raise CheckError(_("This request is already done."), code="done")
        req.refresh_from_db()
        audit.record(req, "request_done", by=by, to_state="done", note=feedback, now=now)
    return req
