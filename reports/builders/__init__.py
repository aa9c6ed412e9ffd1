"""The document builders: one module per kind, each with the same two functions.

    collect(request: BuildRequest) -> dict
        Everything the document shows, read in a constant number of queries (however many
        meetings the period holds), already passed through the visibility policy for
        `request.viewer`. The same data feeds the Word file and the print-friendly HTML page.
    render_docx(data: dict) -> bytes
        The Word file, built with reports.layout (GB/T 9704) except name plates and banner.

and a module constant `TEMPLATE` (the HTML page's template; it receives `data` as its context).
`collect` may put two extra keys in `data`: "snapshot" (JSON kept on the document row, which the
next version of the same period receives as `request.previous_snapshot`: the notice marks the
rows changed since then) and "summary" (JSON of headline figures shown on the documents page).
"""

import datetime as dt
from dataclasses import dataclass
from importlib import import_module


@dataclass
class BuildRequest:
    kind: str
    period_start: dt.date
    period_end: dt.date
    viewer: object  # a User or reports.viewers.RoleViewer
    now: dt.datetime
    meeting_id: int | None = None
    previous_snapshot: dict | None = None


MODULES = {
    "daily_notice": "reports.builders.daily_notice",
    "weekly_briefing": "reports.builders.weekly_briefing",
    "name_plates": "reports.builders.name_plates",
    "banner": "reports.builders.banner",
    "bureau_report": "reports.builders.bureau_report",
}


def builder(kind: str):
    return import_module(MODULES[kind])
