"""The supervisor's overview (issue 8 point 5): `/overview/`, server-rendered.

The customer-service supervisor plans, supervises and inspects quality; this page is theirs
(and a superuser's). Everyone else gets 403: the figures are the supervisor's, and the other
desks have their own pages.
"""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.utils import timezone

from conference.dashboards.overview import supervisor_overview
from core.roles import Role, has_role
from reports.models import Kind


def can_view_overview(user) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(user.is_superuser) or has_role(user, Role.SUPERVISOR)


@login_required
def overview(request):
    if not can_view_overview(request.user):
        raise PermissionDenied
    context = supervisor_overview(timezone.now(), request.user)
    context["briefing_kind"] = Kind.WEEKLY_BRIEFING
    return render(request, "conference/overview.html", context)
