"""A round's state as people read it, derived from its row and the clock (never stored)."""

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from offices.models import OfficeRound, RoundStatus

STATES = {
    "upcoming": _("Upcoming"),
    "due": _("Due now"),
    "missed": _("Missed"),
    "done": _("Done on time"),
    "done_late": _("Done late"),
    "cancelled": _("Cancelled"),
}


def round_state(office_round: OfficeRound, now: datetime) -> str:
    """One of STATES' codes."""
    if office_round.status == RoundStatus.CANCELLED:
        return "cancelled"
    if office_round.status == RoundStatus.DONE:
        return "done" if office_round.done_on_time else "done_late"
    if now < office_round.start:
        return "upcoming"
    if now < office_round.end:
        return "due"
    return "missed"
