"""A check's state in words, for every page that shows one: done and cancelled are stored;
late (escalated) and due (past its time) are derived (design.md, "States")."""

from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy, pgettext_lazy

from inspections.models import Check, CheckStatus


@dataclass(frozen=True)
class State:
    code: str
    label: str
    css: str


STATES = {
    "pending": State("pending", gettext_lazy("Pending"), "text-bg-secondary"),
    "due": State("due", pgettext_lazy("check state", "Due"), "text-bg-warning"),
    "late": State("late", gettext_lazy("Late"), "text-bg-danger"),
    "done": State("done", gettext_lazy("Done"), "text-bg-success"),
    "cancelled": State("cancelled", gettext_lazy("Cancelled"), "text-bg-light"),
}


def state_of(check: Check, now: datetime) -> State:
    """Done and cancelled are stored; late (escalated) and due (past its time) are derived."""
    if check.status == CheckStatus.DONE:
        return STATES["done"]
    if check.status == CheckStatus.CANCELLED:
        return STATES["cancelled"]
    if check.escalated_at is not None:
        return STATES["late"]
    if check.due_at <= now:
        return STATES["due"]
    return STATES["pending"]
