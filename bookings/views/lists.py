"""Lists: the meeting list with its filters and .xlsx export, and the requests awaiting
confirmation with tomorrow's still unconfirmed ones called out before the 16:30 notice.

Titles, units and levels pass through the visibility policy on the page and in the file. A
filter on a detail a user may not see (title text, hosting unit, level) never matches a secret
meeting whose details are withheld from that user, so its results cannot reveal them either.
Each page makes a fixed number of queries, whatever the number of meetings.
"""

import datetime as dt
import io
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from bookings import services, visibility
from bookings.access import can_manage_bookings, get_meeting_for
from bookings.forms_lists import PERIODS, STATUS_ALL, MeetingFilterForm, period_bounds
from bookings.models import Confidentiality, Meeting, MeetingStatus
from core import timeutils
from core.errors import DomainError

PAGE_SIZE = 50
# A larger export is refused with a request to narrow the filters: a file of thousands of rows
# helps nobody, and building it holds a worker.
MAX_EXPORT_ROWS = 5000
# Filters on details the visibility policy may withhold.
DETAIL_FILTERS = ("hosting_unit", "level", "q")
# Tomorrow's requests must be confirmed before the daily service notice goes out at 16:30;
# from 15:30 the list calls out those still waiting.
URGENT_FROM = dt.time(15, 30)
NOTICE_AT = dt.time(16, 30)


@dataclass(frozen=True)
class ListRow:
    """One meeting as this user may see it."""

    meeting: Meeting
    title: str
    details: bool
    urgent: bool = False
    tomorrow: bool = False


def _row(user, meeting: Meeting, **flags) -> ListRow:
    details = visibility.can_see_details(user, meeting)
    title = meeting.title if details else visibility.title_for(user, meeting)
    return ListRow(meeting=meeting, title=title, details=details, **flags)


def sees_every_secret_meeting(user) -> bool:
    """Whether the user sees the details of every secret meeting, not only of those they serve.

    With the permission, bookings.visibility decides on the user's authorisation alone, never on
    a duty, so a probe meeting that exists nowhere answers for all of them.
    """
    if not user.has_perm("bookings.view_secret_meeting"):
        return False
    return visibility.can_see_details(user, Meeting(confidentiality=Confidentiality.SECRET))


def _base_queryset():
    return Meeting.objects.select_related("room", "room__building", "hosting_unit", "leader")


def filtered_meetings(request):
    """The filter form (bound to the request, a named period resolved) and its meetings."""
    query = request.GET.copy()
    query.pop("page", None)
    period = query.pop("period", [""])[-1]
    today = timezone.localdate()
    if not any(value for value in query.values()) and not period:
        period = "this_week"  # a bare list shows this week, Monday to Sunday
    bounds = period_bounds(period, today)
    if bounds:
        query["date_from"], query["date_to"] = (day.isoformat() for day in bounds)
    else:
        period = ""
    form = MeetingFilterForm(query)
    if not form.is_valid():
        return form, period, Meeting.objects.none()
    data = form.cleaned_data
    meetings = _base_queryset()
    if data["status"] == STATUS_ALL:
        pass
    elif data["status"]:
        meetings = meetings.filter(status=data["status"])
    else:
        meetings = meetings.active()
    if data["date_from"]:
        meetings = meetings.filter(start__gte=timeutils.day_bounds(data["date_from"])[0])
    if data["date_to"]:
        meetings = meetings.filter(start__lt=timeutils.day_bounds(data["date_to"])[1])
    if data["building"]:
        meetings = meetings.filter(room__building=data["building"])
    if data["room"]:
        meetings = meetings.filter(room=data["room"])
    if data["hosting_unit"]:
        meetings = meetings.filter(hosting_unit=data["hosting_unit"])
    if data["level"]:
        meetings = meetings.filter(level=data["level"])
    if data["q"].strip():
        meetings = meetings.filter(title__icontains=data["q"].strip())
    if any(data[name] for name in DETAIL_FILTERS) and not sees_every_secret_meeting(request.user):
        meetings = meetings.exclude(confidentiality=Confidentiality.SECRET)
    return form, period, meetings.order_by("start", "room__building__sort_order", "room__number")


@login_required
def meeting_list(request):
    form, period, meetings = filtered_meetings(request)
    page = Paginator(meetings, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    if period:
        query["period"] = period
    return render(
        request,
        "bookings/meeting_list.html",
        {
            "form": form,
            "period": period,
            "periods": PERIODS,
            "page": page,
            "rows": [_row(request.user, meeting) for meeting in page.object_list],
            "query": query.urlencode(),
            "can_book": can_manage_bookings(request.user),
        },
    )


@login_required
def meeting_export(request):
    """The filtered list as an .xlsx workbook: real date and time cells for sorting and sums,
    with the dates also written out the Chinese way for printing."""
    form, _period, meetings = filtered_meetings(request)
    if not form.is_valid():
        messages.error(request, _("Please correct the filters before exporting."))
        return redirect(f"{reverse('meeting-list')}?{request.GET.urlencode()}")
    meetings = list(meetings[: MAX_EXPORT_ROWS + 1])
    if len(meetings) > MAX_EXPORT_ROWS:
        messages.error(
            request,
            _("More than %(max)s meetings match: please narrow the filters before exporting.")
            % {"max": MAX_EXPORT_ROWS},
        )
        return redirect(f"{reverse('meeting-list')}?{request.GET.urlencode()}")
    rows = [_row(request.user, meeting) for meeting in meetings]
    data = form.cleaned_data
    content = _workbook(rows, data.get("date_from"), data.get("date_to"))
    name = "meetings"
    if data.get("date_from"):
        name += f"-{data['date_from']:%Y%m%d}"
    if data.get("date_to") and data.get("date_to") != data.get("date_from"):
        name += f"-{data['date_to']:%Y%m%d}"
    response = HttpResponse(
        content,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.xlsx"'
    return response


def _workbook(rows: list[ListRow], first: dt.date | None, last: dt.date | None) -> bytes:
    # Imported here: only the export needs openpyxl, and it is slow to import.
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    book = Workbook()
    sheet = book.active
    sheet.title = _("Meetings")[:31]
    columns = [
        (_("Date"), 12),
        (_("Start"), 17),
        (_("End"), 17),
        (_("Date (written)"), 24),
        (_("Time"), 13),
        (_("Building"), 12),
        (_("Room"), 22),
        (_("Title"), 40),
        (_("Hosting unit"), 24),
        (_("Attendees"), 9),
        (_("Convening leader"), 20),
        (_("Service level"), 10),
        (_("Status"), 10),
    ]
    sheet.append([label for label, _width in columns])
    header_fill = PatternFill("solid", fgColor="1F4E8C")
    for index, (_label, width) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=index)
        cell.font = Font(bold=True, color="FFFFFF")
        cell.fill = header_fill
        cell.alignment = Alignment(vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    for row in rows:
        meeting = row.meeting
        # Excel has no time zones: the cells hold the place's wall-clock time.
        start = timezone.localtime(meeting.start).replace(tzinfo=None)
        end = timezone.localtime(meeting.end).replace(tzinfo=None)
        sheet.append(
            [
                start.date(),
                start,
                end,
                timeutils.format_date(meeting.start),
                f"{start:%H:%M}–{end:%H:%M}",
                meeting.room.building.name,
                f"{meeting.room.number} {meeting.room.name}",
                row.title,
                meeting.hosting_unit.name if row.details else "",
                meeting.attendees if row.details else None,
                _leader_text(meeting) if row.details else "",
                meeting.level if row.details else "",
                meeting.get_status_display(),
            ]
        )
        line = sheet.max_row
        sheet.cell(row=line, column=1).number_format = "yyyy-mm-dd"
        sheet.cell(row=line, column=2).number_format = "yyyy-mm-dd hh:mm"
        sheet.cell(row=line, column=3).number_format = "yyyy-mm-dd hh:mm"
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{max(sheet.max_row, 1)}"
    sheet.print_title_rows = "1:1"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    if first or last:
        book.properties.title = " – ".join(
            timeutils.format_date(day) for day in dict.fromkeys(d for d in (first, last) if d)
        )
    book.properties.creator = _("Conference service desk")
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _leader_text(meeting: Meeting) -> str:
    rank = meeting.get_leader_rank_display() if meeting.leader_rank != "none" else ""
    if meeting.leader_id:
        return f"{meeting.leader.name} {rank}".strip()
    return rank


# --- requests awaiting confirmation --------------------------------------------------------------


@login_required
def pending_list(request):
    """Upcoming requested meetings, soonest first; from 15:30 tomorrow's are called out."""
    if not can_manage_bookings(request.user):
        raise PermissionDenied
    now = timezone.now()
    today = timezone.localdate(now)
    tomorrow_start, tomorrow_end = timeutils.day_bounds(today + dt.timedelta(days=1))
    pending = (
        _base_queryset()
        .filter(status=MeetingStatus.REQUESTED, start__gte=now)
        .order_by("start", "room__building__sort_order", "room__number")
    )
    urgent_now = timezone.localtime(now).time() >= URGENT_FROM
    page = Paginator(pending, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for meeting in page.object_list:
        tomorrow = tomorrow_start <= meeting.start < tomorrow_end
        rows.append(_row(request.user, meeting, tomorrow=tomorrow, urgent=tomorrow and urgent_now))
    tomorrow_count = pending.filter(start__gte=tomorrow_start, start__lt=tomorrow_end).count()
    return render(
        request,
        "bookings/pending.html",
        {
            "page": page,
            "rows": rows,
            "tomorrow": today + dt.timedelta(days=1),
            "tomorrow_count": tomorrow_count,
            "urgent_now": urgent_now,
            "urgent_from": URGENT_FROM,
            "notice_at": NOTICE_AT,
        },
    )


@login_required
@require_POST
def pending_confirm(request, pk: int):
    """Confirm from the list and come back to it (the meeting page's confirm goes to the
    meeting)."""
    meeting = get_meeting_for(request.user, pk, write=True)
    try:
        services.confirm_meeting(meeting, by=request.user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Confirmed: %(title)s") % {"title": visibility.title_for(request.user, meeting)},
        )
    url = reverse("pending-list")
    page = request.POST.get("page", "")
    return redirect(f"{url}?page={page}" if page.isdigit() else url)
