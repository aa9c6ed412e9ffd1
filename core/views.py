"""The notification centre: my notifications, newest first, and marking them read."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.models import Notification
from core.notifications import mark_read

PAGE_SIZE = 50


@login_required
def notification_list(request):
    notes = Notification.objects.filter(recipient=request.user).order_by("-created_at", "-id")
    page = Paginator(notes, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request, pk: int):
    """Mark one read; with `open`, go on to where it points (its own link, never elsewhere)."""
    mark_read(request.user, [pk])
    if request.POST.get("open"):
        note = Notification.objects.filter(recipient=request.user, pk=pk).first()
        if (
            note is not None
            and note.url
            and url_has_allowed_host_and_scheme(
                note.url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
            )
        ):
            return redirect(note.url)
    return redirect("notifications")


@login_required
@require_POST
def notification_read_all(request):
    count = mark_read(request.user)
    if count:
        messages.success(request, _("All notifications are marked read."))
    return redirect("notifications")
