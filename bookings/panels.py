"""An extension point of the meeting page: higher layers (staffing, inspections) add their own
sections without bookings importing them. A panel is a function (request, meeting) returning
(template name, context) or None; it is asked only when the user may see the details."""

from collections.abc import Callable

from django.template.loader import render_to_string

Panel = Callable[[object, object], tuple[str, dict] | None]
_PANELS: list[Panel] = []


def register(panel: Panel) -> Panel:
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def render_for(request, meeting) -> list[str]:
    rendered = []
    for panel in _PANELS:
        found = panel(request, meeting)
        if found is not None:
            template, context = found
            rendered.append(render_to_string(template, context, request=request))
    return rendered
