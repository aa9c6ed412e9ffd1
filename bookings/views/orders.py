"""Service orders: the orders section of a meeting, the clerk's order pages, and each
department's queue. Every write is one call into bookings.orders; refusals show as form errors
or messages, and nothing is half-saved.
"""

import datetime as dt
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from bookings import orders, seating, visibility
from bookings.access import can_work_orders, get_meeting_for
from bookings.forms_orders import (
    MAX_PLATES,
    AddOrderForm,
    AudioVisualForm,
    PlateFormSet,
    TeaForm,
    form_class_for,
    plate_initial,
)
from bookings.history import order_history_of
from bookings.models import (
    NEXT_STATUS,
    OPEN_STATUSES,
    RANK_ORDER,
    Department,
    MeetingStatus,
    OrderKind,
    OrderStatus,
    PackageItem,
    ServiceOrder,
)
from core.errors import DomainError
from core.forms import add_domain_error

NEXT_STEP_LABELS = {
    OrderStatus.REQUESTED: gettext_lazy("Acknowledge"),
    OrderStatus.ACKNOWLEDGED: gettext_lazy("Mark prepared"),
    OrderStatus.PREPARED: gettext_lazy("Mark delivered"),
}

# Kinds whose quantity means something to the department (the others are "one service").
COUNTED_KINDS = {OrderKind.FLOWERS, OrderKind.HOSTESSES, OrderKind.NAME_PLATES}

# The id of the json_script element static/js/orders.js reads for the rostrum preview.
SEATING_DATA_ID = "seating-data"


# --- how an order reads -------------------------------------------------------------------


@dataclass(frozen=True)
class OrderRow:
    order: ServiceOrder
    overdue: bool
    relative: str
    quantity: str
    summary: str
    next_status: str
    next_label: str


def order_row(order: ServiceOrder, *, now: dt.datetime, details: bool = True) -> OrderRow:
    """An order as the tables show it; without `details`, what it asks for is withheld."""
    is_open = order.status in OPEN_STATUSES
    following = NEXT_STATUS.get(OrderStatus(order.status)) if is_open else None
    return OrderRow(
        order=order,
        overdue=is_open and order.due_at < now,
        relative=relative_due(order.due_at, now) if is_open else "",
        quantity=quantity_text(order),
        summary=summary(order) if details else "",
        next_status=following or "",
        next_label=str(NEXT_STEP_LABELS[order.status]) if following else "",
    )


def relative_due(due: dt.datetime, now: dt.datetime) -> str:
    """How far off the due time is ("in 3 hours"); once past, how long ago, which the pages
    always show after the word "Overdue" (words, not colour alone)."""
    if due >= now:
        return _("in %(span)s") % {"span": timeuntil(due, now, depth=2)}
    return timeuntil(now, due, depth=2)


def quantity_text(order: ServiceOrder) -> str:
    if order.kind == OrderKind.PARKING_ACCESS:
        return str((order.details or {}).get("vehicles") or 0)
    if order.kind in COUNTED_KINDS:
        return str(order.quantity)
    return "—"


def summary(order: ServiceOrder) -> str:
    """What the order asks for, in a line."""
    details = order.details or {}
    if order.kind == OrderKind.BANNER:
        text = details.get("text")
        return f"“{text}”" if text else _("Banner text not given yet")
    if order.kind == OrderKind.NAME_PLATES:
        plates = sorted(details.get("plates") or [], key=lambda p: p.get("precedence") or 10_000)
        if not plates:
            return _("No names yet")
        return "、".join(plate.get("name", "") for plate in plates)
    if order.kind in (OrderKind.TEA, OrderKind.AUDIO_VISUAL):
        form = TeaForm if order.kind == OrderKind.TEA else AudioVisualForm
        chosen = [str(form.base_fields[flag].label) for flag in form.flags if details.get(flag)]
        return "、".join(chosen) if chosen else _("Nothing chosen")
    if order.kind == OrderKind.PARKING_ACCESS:
        guests = [line for line in (details.get("guests") or "").splitlines() if line.strip()]
        return _("%(vehicles)s vehicles, %(guests)s guests on the list") % {
            "vehicles": details.get("vehicles") or 0,
            "guests": len(guests),
        }
    if order.kind == OrderKind.HOSTESSES:
        return _("%(count)s hostesses") % {"count": order.quantity}
    if order.kind == OrderKind.FLOWERS:
        return _("%(count)s flower arrangements") % {"count": order.quantity}
    if order.kind == OrderKind.LAYOUT:
        # The layout is the meeting's own field (the clerk sets it on the booking).
        layout = order.meeting.get_layout_display()
        return layout or _("Layout not chosen yet")
    return ""


def rostrum(plates: list[dict]) -> list[dict]:
    """The rostrum as the audience sees it: seats from the audience's left, each with its
    precedence number and person."""
    return sorted(seating.arrange(plates), key=lambda plate: plate["seat"])


def seating_data() -> dict:
    """What static/js/orders.js needs to redraw the rostrum as rows are dragged."""
    return {
        "seats": {str(n): seating.seat_positions(n) for n in range(1, MAX_PLATES + 1)},
        "ranks": {str(rank): order for rank, order in RANK_ORDER.items()},
    }


# --- the orders section of the meeting page ---------------------------------------------------


def meeting_orders_context(user, meeting, *, can_manage: bool) -> dict:
    """The orders section: orders by department, their history, what may still be added.

    Only for users who see the meeting's details (banner text and name plates reveal it).
    Two queries: the orders and their audit rows.
    """
    now = timezone.now()
    all_orders = list(meeting.orders.all())
    rows = [order_row(order, now=now) for order in all_orders]
    by_department = []
    for code, label in Department.choices:
        mine = [row for row in rows if row.order.department == code]
        if mine:
            by_department.append({"code": code, "label": label, "rows": mine})
    plates_order = next(
        (
            order
            for order in all_orders
            if order.kind == OrderKind.NAME_PLATES and order.status != OrderStatus.CANCELLED
        ),
        None,
    )
    plates = (plates_order.details or {}).get("plates") if plates_order else None
    editable = can_manage and meeting.is_active and visibility.can_see_details(user, meeting)
    addable = _addable_kinds(all_orders) if editable else []
    return {
        "orders_by_department": by_department,
        "order_count": len(all_orders),
        "order_history": order_history_of(all_orders),
        "can_edit_orders": editable,
        "add_order_form": AddOrderForm(kinds=addable) if addable else None,
        "rostrum_seats": rostrum(plates) if plates else [],
    }


def _addable_kinds(existing) -> list[str]:
    taken = {order.kind for order in existing if order.status != OrderStatus.CANCELLED}
    return [kind for kind in OrderKind.values if kind not in taken]


# --- the clerk's order pages -------------------------------------------------------------------


def _order_of(request, pk: int, order_pk: int):
    meeting = get_meeting_for(request.user, pk, write=True)
    order = get_object_or_404(ServiceOrder, pk=order_pk, meeting=meeting)
    order.meeting = meeting
    return meeting, order


def _back_to_orders(meeting):
    return redirect(reverse("meeting-detail", args=[meeting.pk]) + "#orders")


@login_required
def order_edit(request, pk: int, order_pk: int):
    meeting, order = _order_of(request, pk, order_pk)
    form_class = form_class_for(order.kind)
    is_plates = order.kind == OrderKind.NAME_PLATES
    if request.method != "POST" and not order.is_open:
        messages.error(
            request,
            _("This order is %(status)s and can no longer be changed.")
            % {"status": order.get_status_display()},
        )
        return _back_to_orders(meeting)
    if request.method == "POST":
        form = form_class(request.POST)
        formset = PlateFormSet(request.POST, prefix="plates") if is_plates else None
        if form.is_valid() and (formset is None or formset.is_valid()):
            if is_plates:
                details = {
                    **(order.details or {}),
                    "plates": formset.plates(by_rank="by_rank" in request.POST),
                }
            else:
                details = form.details(order.details)
            try:
                orders.update_order(
                    order,
                    by=request.user,
                    quantity=form.quantity(),
                    details=details,
                    note=form.cleaned_data.get("note") or "",
                    expected_token=form.expected_token(),
                )
            except DomainError as error:
                add_domain_error(form, error)
                if is_plates and "plates" in error.fields:
                    form.add_error(None, error.fields["plates"])
            else:
                messages.success(
                    request, _("%(service)s saved.") % {"service": order.get_kind_display()}
                )
                if is_plates and ("save_and_stay" in request.POST or "by_rank" in request.POST):
                    return redirect("order-edit", pk=meeting.pk, order_pk=order.pk)
                return _back_to_orders(meeting)
    else:
        form = form_class(initial=form_class.initial_for(order))
        formset = PlateFormSet(initial=plate_initial(order), prefix="plates") if is_plates else None
    return render(
        request,
        "bookings/order_edit.html",
        {
            "meeting": meeting,
            "order": order,
            "row": order_row(order, now=timezone.now()),
            "title": visibility.title_for(request.user, meeting),
            "form": form,
            "formset": formset,
            "rostrum_seats": rostrum((order.details or {}).get("plates") or [])
            if is_plates
            else [],
            "seating_data": seating_data() if is_plates else None,
            "seating_data_id": SEATING_DATA_ID,
        },
    )


@login_required
@require_POST
def order_add(request, pk: int):
    meeting = get_meeting_for(request.user, pk, write=True)
    if not visibility.can_see_details(request.user, meeting):
        raise PermissionDenied
    form = AddOrderForm(request.POST, kinds=OrderKind.values)
    if not form.is_valid():
        messages.error(request, _("Choose a service to add."))
        return _back_to_orders(meeting)
    kind = form.cleaned_data["kind"]
    quantity, details = _package_defaults(meeting, kind)
    try:
        order = orders.add_order(
            meeting, by=request.user, kind=kind, quantity=quantity, details=details
        )
    except DomainError as error:
        messages.error(request, error.message)
        return _back_to_orders(meeting)
    messages.success(
        request,
        _("%(service)s added; fill in what it needs.") % {"service": order.get_kind_display()},
    )
    return redirect("order-edit", pk=meeting.pk, order_pk=order.pk)


def _package_defaults(meeting, kind: str) -> tuple[int, dict]:
    """What the packages propose for this kind: the meeting's level first, else another's."""
    items = {item.level: item for item in PackageItem.objects.filter(kind=kind)}
    item = items.get(meeting.level) or next((items[level] for level in sorted(items)), None)
    return (item.quantity, dict(item.details)) if item else (0, {})


@login_required
@require_POST
def order_cancel(request, pk: int, order_pk: int):
    meeting, order = _order_of(request, pk, order_pk)
    try:
        orders.cancel_order(order, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(service)s cancelled.") % {"service": order.get_kind_display()}
        )
    return _back_to_orders(meeting)


# --- the departments' queues -------------------------------------------------------------------


def _require_queue_access(user) -> None:
    if not can_work_orders(user):
        raise PermissionDenied


@login_required
def department_index(request):
    _require_queue_access(request.user)
    now = timezone.now()
    counts = {
        row["department"]: row
        for row in ServiceOrder.objects.filter(status__in=OPEN_STATUSES)
        .exclude(meeting__status=MeetingStatus.CANCELLED)
        .values("department")
        .annotate(open=Count("id"), overdue=Count("id", filter=Q(due_at__lt=now)))
    }
    departments = [
        {
            "code": code,
            "label": label,
            "open": counts.get(code, {}).get("open", 0),
            "overdue": counts.get(code, {}).get("overdue", 0),
        }
        for code, label in Department.choices
    ]
    return render(request, "bookings/order_departments.html", {"departments": departments})


@login_required
def department_queue(request, department: str):
    _require_queue_access(request.user)
    if department not in Department.values:
        raise Http404
    now = timezone.now()
    rows = []
    for order in orders.open_orders_of(department):
        sees = visibility.can_see_details(request.user, order.meeting)
        rows.append(
            {
                "row": order_row(order, now=now, details=sees),
                "title": visibility.title_for(request.user, order.meeting),
                "sees": sees,
            }
        )
    return render(
        request,
        "bookings/department_queue.html",
        {
            "department": Department(department),
            "departments": Department.choices,
            "rows": rows,
            "overdue_count": sum(1 for item in rows if item["row"].overdue),
        },
    )


@login_required
@require_POST
def order_advance(request, order_pk: int):
    order = get_object_or_404(ServiceOrder.objects.select_related("meeting"), pk=order_pk)
    _require_queue_access(request.user)
    # Only those who may see the meeting serve it (a secret meeting's orders included).
    if not visibility.can_see_details(request.user, order.meeting):
        raise PermissionDenied
    to_status = request.POST.get("to_status", "")
    try:
        orders.advance_order(order, by=request.user, to_status=to_status)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(service)s for “%(meeting)s”: %(status)s.")
            % {
                "service": order.get_kind_display(),
                "meeting": visibility.title_for(request.user, order.meeting),
                "status": OrderStatus(to_status).label,
            },
        )
    return redirect("department-queue", department=order.department)
