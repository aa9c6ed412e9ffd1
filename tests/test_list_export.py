"""The meeting list (filters, pagination, .xlsx export) and the requests awaiting confirmation.

A secret meeting's details stay with those who may see them: on the page, in the file, and in
what a filter on those details matches.
"""

import datetime as dt
import io

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.translation import gettext
from openpyxl import load_workbook

from bookings import services, visibility
from bookings.models import Building, Confidentiality, HostingUnit, MeetingStatus
from bookings.views.lists import MAX_EXPORT_ROWS, PAGE_SIZE
from core import timeutils
from tests.conftest import NOW

TODAY = NOW.date()  # Friday 2026-11-27
MONDAY = dt.date(2026, 11, 23)


def local(hour: int, minute: int = 0, *, days: int = 1) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute) + dt.timedelta(days=days)


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def other_unit(db):
    return HostingUnit.objects.create(name="区财政局", short_name="区财政局")


def listed(response) -> list[str]:
    return [row.title for row in response.context["rows"]]


def workbook(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert "attachment" in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content)).active


def sheet_titles(sheet) -> list[str]:
    header = [cell.value for cell in sheet[1]]
    column = header.index(gettext("Title")) + 1  # the same gettext output as the file
    return [sheet.cell(row=r, column=column).value for r in range(2, sheet.max_row + 1)]


# --- the list --------------------------------------------------------------------------------


def test_a_bare_list_shows_this_week_monday_to_sunday(client, clerk, book, clock):
    book(
        title="上周五的会",
        start=local(10, days=-7),
        end=local(11, days=-7),
        now=NOW - dt.timedelta(days=8),
    )
    book(title="本周六的会", start=local(10), end=local(11))
    book(title="下周一的会", start=local(10, days=3), end=local(11, days=3))
    client.force_login(clerk)
    response = client.get(reverse("meeting-list"))
    assert response.status_code == 200
    assert response.context["period"] == "this_week"
    form = response.context["form"]
    assert (form.cleaned_data["date_from"], form.cleaned_data["date_to"]) == (
        MONDAY,
        MONDAY + dt.timedelta(days=6),
    )
    assert listed(response) == ["本周六的会"]
    assert listed(client.get(reverse("meeting-list"), {"period": "next_week"})) == ["下周一的会"]


def test_the_filters_narrow_the_list(
    client, clerk, book, create_room, hosting_unit, other_unit, clock
):
    east = Building.objects.get(code="east")
    east_room = create_room(number="E1", building=east)
    book(title="主楼协调会", start=local(9), end=local(10))
    book(title="东楼财政会", room=east_room, hosting_unit=other_unit, start=local(9), end=local(10))
    confirmed = book(title="已确认的会", start=local(11), end=local(12))
    services.confirm_meeting(confirmed, by=clerk, now=NOW)
    cancelled = book(title="取消的会", start=local(13), end=local(14))
    services.cancel_meeting(cancelled, by=clerk, reason="改期", now=NOW)
    client.force_login(clerk)

    def titles(**params) -> set[str]:
        return set(listed(client.get(reverse("meeting-list"), {"period": "", **params})))

    week = {"date_from": f"{MONDAY:%Y-%m-%d}", "date_to": "2026-11-29"}
    assert titles(**week) == {"主楼协调会", "东楼财政会", "已确认的会"}
    assert titles(**week, building="east") == {"东楼财政会"}
    assert titles(**week, room=east_room.pk) == {"东楼财政会"}
    assert titles(**week, hosting_unit=other_unit.pk) == {"东楼财政会"}
    assert titles(**week, status=MeetingStatus.CONFIRMED) == {"已确认的会"}
    assert titles(**week, status=MeetingStatus.CANCELLED) == {"取消的会"}
    assert titles(**week, status="all") == {"主楼协调会", "东楼财政会", "已确认的会", "取消的会"}
    assert titles(**week, q="协调") == {"主楼协调会"}
    assert titles(**week, level=confirmed.level) >= {"已确认的会"}
    assert titles(date_from="2026-11-29", date_to="2026-11-29") == set()


def test_a_reversed_date_range_is_refused_with_a_message(client, clerk, clock):
    client.force_login(clerk)
    response = client.get(
        reverse("meeting-list"), {"date_from": "2026-11-29", "date_to": "2026-11-23"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["date_to"]
    assert listed(response) == []


def test_the_list_is_paginated(client, clerk, book, create_room, clock):
    rooms = [create_room() for _ in range(12)]
    for i in range(PAGE_SIZE + 5):
        start = local(7 + 2 * (i // 12))
        book(room=rooms[i % 12], start=start, end=start + dt.timedelta(hours=1))
    client.force_login(clerk)
    first = client.get(reverse("meeting-list"), {"period": "this_week"})
    assert len(first.context["rows"]) == PAGE_SIZE
    assert first.context["page"].paginator.count == PAGE_SIZE + 5
    assert 'id="next-page"' in first.content.decode()
    second = client.get(reverse("meeting-list"), {"period": "this_week", "page": 2})
    assert len(second.context["rows"]) == 5


def test_a_secret_meetings_details_are_withheld_and_never_matched(
    client, lobby_manager, clerk, book, hosting_unit, clock
):
    book(title="涉密专题会", start=local(9), end=local(10), confidentiality=Confidentiality.SECRET)
    book(title="普通专题会", start=local(11), end=local(12))
    client.force_login(lobby_manager)
    html = client.get(reverse("meeting-list")).content.decode()
    assert "涉密专题会" not in html
    # A search on a detail cannot reveal the secret meeting, not even as a masked row.
    for params in ({"q": "专题"}, {"hosting_unit": hosting_unit.pk}):
        response = client.get(reverse("meeting-list"), {"period": "this_week", **params})
        assert listed(response) == ["普通专题会"]
    # The clerk, authorised, sees and finds both.
    client.force_login(clerk)
    response = client.get(reverse("meeting-list"), {"period": "this_week", "q": "专题"})
    assert listed(response) == ["涉密专题会", "普通专题会"]
    # A clerk whose authorisation lapsed is treated like anyone else.
    visibility.register_authorisation_check(lambda user: False)
    try:
        response = client.get(reverse("meeting-list"), {"period": "this_week", "q": "专题"})
    finally:
        visibility.register_authorisation_check(lambda user: True)
    assert listed(response) == ["普通专题会"]


def test_the_list_needs_the_same_queries_for_few_or_many_meetings(
    client, clerk, book, create_room, clock
):
    client.force_login(clerk)
    params = {"period": "this_week", "q": "会"}

    def count(url_name: str) -> int:
        client.get(reverse(url_name), params)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse(url_name), params).status_code == 200
        return len(queries)

    book(title="会一", start=local(9), end=local(10))
    book(title="会二", start=local(11), end=local(12), confidentiality=Confidentiality.SECRET)
    few = {name: count(name) for name in ("meeting-list", "meeting-export")}
    for i in range(15):
        book(
            title=f"会{i}",
            room=create_room(),
            start=local(8 + i % 10),
            end=local(9 + i % 10),
            confidentiality=Confidentiality.SECRET if i % 3 == 0 else Confidentiality.NORMAL,
        )
    assert {name: count(name) for name in few} == few


# --- the export ------------------------------------------------------------------------------


def test_the_export_holds_the_filtered_list_with_real_date_cells(client, clerk, book, clock):
    meeting = book(title="周例会", start=local(14, 30), end=local(16))
    book(title="下周的会", start=local(9, days=3), end=local(10, days=3))
    client.force_login(clerk)
    sheet = workbook(client.get(reverse("meeting-export"), {"period": "this_week"}))
    assert sheet_titles(sheet) == ["周例会"]
    date_cell, start_cell, end_cell = sheet["A2"], sheet["B2"], sheet["C2"]
    assert date_cell.is_date and start_cell.is_date and end_cell.is_date
    # Wall-clock Shanghai time: Excel cells have no time zone.
    assert start_cell.value == local(14, 30).replace(tzinfo=None)
    assert end_cell.value == local(16).replace(tzinfo=None)
    assert sheet["D2"].value == timeutils.format_date(meeting.start)  # 2026年11月28日（星期六）
    assert sheet["E2"].value == "14:30–16:00"
    assert sheet.freeze_panes == "A2"


def test_a_secret_title_is_not_in_the_file_for_those_who_may_not_see_it(
    client, clerk, lobby_manager, book, clock
):
    book(title="涉密专题会", start=local(9), end=local(10), confidentiality=Confidentiality.SECRET)
    client.force_login(lobby_manager)
    response = client.get(reverse("meeting-export"), {"period": "this_week"})
    sheet = workbook(response)
    values = [str(cell.value) for row in sheet.iter_rows() for cell in row if cell.value]
    assert not any("涉密专题会" in value for value in values)
    assert b"\xe6\xb6\x89\xe5\xaf\x86\xe4\xb8\x93\xe9\xa2\x98\xe4\xbc\x9a" not in response.content
    assert sheet_titles(sheet) == [visibility.title_for(lobby_manager, _secret_probe())]
    client.force_login(clerk)
    assert sheet_titles(workbook(client.get(reverse("meeting-export")))) == ["涉密专题会"]


def _secret_probe():
    from bookings.models import Meeting

    return Meeting(title="x", confidentiality=Confidentiality.SECRET)


def test_an_export_too_large_asks_for_narrower_filters(client, clerk, book, clock, monkeypatch):
    monkeypatch.setattr("bookings.views.lists.MAX_EXPORT_ROWS", 1)
    book(start=local(9), end=local(10))
    book(start=local(11), end=local(12))
    client.force_login(clerk)
    response = client.get(reverse("meeting-export"), {"period": "this_week"})
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("meeting-list"))
    assert MAX_EXPORT_ROWS > 1


# --- requests awaiting confirmation ----------------------------------------------------------


def test_the_pending_list_holds_upcoming_requests_only(client, clerk, book, clock):
    waiting = book(title="待确认的会", start=local(10), end=local(11))
    done = book(title="已确认的会", start=local(12), end=local(13))
    services.confirm_meeting(done, by=clerk, now=NOW)
    gone = book(title="已取消的会", start=local(14), end=local(15))
    services.cancel_meeting(gone, by=clerk, reason="取消", now=NOW)
    past = book(title="已开过的会", start=local(9, 30, days=0), end=local(10, days=0))
    client.force_login(clerk)
    with time_machine.travel(NOW.replace(hour=11), tick=False):
        response = client.get(reverse("pending-list"))
    assert response.status_code == 200
    assert [row.meeting for row in response.context["rows"]] == [waiting]
    assert past.status == MeetingStatus.REQUESTED


def test_from_1530_tomorrows_unconfirmed_are_called_out_with_a_text_badge(
    client, clerk, book, clock
):
    tomorrow = book(title="明天的会", start=local(9), end=local(10))
    later = book(title="后天的会", start=local(9, days=2), end=local(10, days=2))
    client.force_login(clerk)
    with time_machine.travel(NOW.replace(hour=15, minute=29), tick=False):
        before = client.get(reverse("pending-list"))
    assert not any(row.urgent for row in before.context["rows"])
    assert 'id="urgent-alert"' not in before.content.decode()
    with time_machine.travel(NOW.replace(hour=15, minute=30), tick=False):
        after = client.get(reverse("pending-list"))
    flags = {row.meeting: row.urgent for row in after.context["rows"]}
    assert flags == {tomorrow: True, later: False}
    html = after.content.decode()
    assert 'id="urgent-alert"' in html
    row = html[html.index(f'data-meeting="{tomorrow.pk}"') :]
    row = row[: row.index("</tr>")]
    # Not by colour alone: a badge with words, naming the 16:30 deadline.
    assert "pending-urgent-badge" in row
    assert "16:30" in row


def test_confirming_from_the_list_comes_back_to_it(client, clerk, book, clock):
    meeting = book(start=local(10), end=local(11))
    client.force_login(clerk)
    response = client.post(reverse("pending-confirm", args=[meeting.pk]), {"page": "1"})
    assert response.status_code == 302
    assert response["Location"] == reverse("pending-list") + "?page=1"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    again = client.post(reverse("pending-confirm", args=[meeting.pk]))
    assert again["Location"] == reverse("pending-list")  # refused with a message, not a 500


def test_only_bookers_see_and_confirm_pending_requests(client, lobby_manager, book, clock):
    meeting = book(start=local(10), end=local(11))
    client.force_login(lobby_manager)
    assert client.get(reverse("pending-list")).status_code == 403
    assert client.post(reverse("pending-confirm", args=[meeting.pk])).status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def test_the_pending_list_needs_the_same_queries_for_few_or_many(
    client, clerk, book, create_room, clock
):
    client.force_login(clerk)

    def count() -> int:
        client.get(reverse("pending-list"))
        with CaptureQueriesContext(connection) as queries:
            assert client.get(reverse("pending-list")).status_code == 200
        return len(queries)

    book(start=local(10), end=local(11))
    book(start=local(12), end=local(13), confidentiality=Confidentiality.SECRET)
    few = count()
    for i in range(12):
        book(
            room=create_room(),
            start=local(8 + i % 6, days=1 + i % 3),
            end=local(9 + i % 6, days=1 + i % 3),
            confidentiality=Confidentiality.SECRET if i % 4 == 0 else Confidentiality.NORMAL,
        )
    assert count() == few
