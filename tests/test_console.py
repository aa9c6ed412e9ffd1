"""The information-centre console (信息处理中心, issue 8 point 4): requests awaiting
confirmation with one-click confirm, tomorrow's meetings not ready for the 16:30 notice, orders
due soon by department and the changes since this morning's 07:00 notice, in a constant number
of queries."""

import datetime as dt

import pytest
import time_machine
from django.contrib.messages import get_messages
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from bookings import services as booking_services
from bookings import visibility
from bookings.models import Confidentiality, HostingUnit, MeetingStatus, ServiceOrder
from bookings.models.orders import KIND_DEPARTMENT, Department, OrderKind, OrderStatus
from conference.dashboards.console import console_board, countdown_text
from core.models import AuditEntry
from core.roles import Role
from core.timeutils import at
from reports.builders import BuildRequest, daily_notice
from reports.models import Document, Kind, Status
from reports.viewers import RoleViewer
from staffing.models import StaffingRule
from tests.conftest import NOW, on_postgres

TODAY = NOW.date()
TOMORROW = TODAY + dt.timedelta(days=1)
NEXT_WEEK = TODAY + dt.timedelta(days=5)
# session, user, roles; the 07:00 notice; its rows again (meetings, orders, duties); naming the
# changes; the requests and the count of later ones; tomorrow (meetings, orders, needs x3,
# duties); orders due; the bell.
BOARD_QUERIES = 18
# Read before the board, to answer 304 when nothing changed (conference.board_etag); on
# PostgreSQL most of its reads are hashed by the database in one statement.
FINGERPRINT_QUERIES = 4 if on_postgres() else 15
MIN = dt.timedelta(minutes=1)


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def on(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return at(day, hour, minute)


def ids(rows) -> list[int]:
    return [row.meeting.pk for row in rows]


def order(meeting, kind, *, due, status=OrderStatus.REQUESTED):
    return ServiceOrder.objects.create(
        meeting=meeting,
        kind=kind,
        department=KIND_DEPARTMENT[kind],
        status=status,
        due_at=due,
        created_at=NOW,
        updated_at=NOW,
    )


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def morning_notice(day=TODAY, status=Status.DONE) -> Document:
    """Today's 07:00 notice as the sweeper leaves it: made for the clerks' role, its snapshot
    the builder's own."""
    when = on(day, 7)
    data = daily_notice.collect(
        BuildRequest(Kind.DAILY_NOTICE, day, day, RoleViewer(Role.CLERK), when)
    )
    return Document.objects.create(
        kind=Kind.DAILY_NOTICE,
        period_start=day,
        period_end=day,
        version=1,
        slot=f"daily_notice:{day}:07:00",
        view="role:clerk",
        status=status,
        created_at=when,
        snapshot=data["snapshot"],
    )


# --- access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("clerk", 200),
        ("supervisor", 200),
        ("superuser", 200),
        ("lobby_manager", 403),
        ("attendant", 403),
        ("outsider", 403),
    ],
)
def test_the_console_is_open_to_clerks_the_supervisor_and_superusers_only(
    client, make_user, request, persona, status
):
    if persona == "superuser":
        user = make_user("root", is_superuser=True)
    else:
        user = request.getfixturevalue(persona)
    client.force_login(user)
    assert client.get("/console/").status_code == status
    assert client.get("/console/board/").status_code == status


def test_an_anonymous_visitor_is_sent_to_log_in(client, db):
    response = client.get("/console/")
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_the_page_renders_the_board_server_side_and_polls_it_every_minute(client, clerk, book):
    meeting = book(title="首屏渲染测试会")
    client.force_login(clerk)
    body = client.get("/console/").content.decode()
    assert 'id="console-board"' in body
    assert 'hx-get="/console/board/"' in body
    assert 'hx-trigger="every 60s"' in body
    assert f'id="request-{meeting.pk}"' in body
    partial = client.get("/console/board/").content.decode()
    assert "<html" not in partial
    assert "首屏渲染测试会" in partial
    # htmx asking for the page itself gets the board alone.
    assert "<html" not in client.get("/console/", HTTP_HX_REQUEST="true").content.decode()


# --- (a) requests awaiting confirmation ----------------------------------------------------------


def test_requests_come_tomorrows_first_then_oldest_first_and_confirmed_ones_never(
    book, clerk, create_room
):
    with time_machine.travel(NOW - dt.timedelta(days=2), tick=False):
        old = book(start=on(NEXT_WEEK, 10), room=create_room(), now=NOW - dt.timedelta(days=2))
    newer = book(start=on(NEXT_WEEK, 14), room=create_room())
    tomorrow = book(start=on(TOMORROW, 10), room=create_room())
    confirmed = book(start=on(TOMORROW, 14), room=create_room())
    booking_services.confirm_meeting(confirmed, by=clerk)
    rows = console_board(NOW, clerk)["requests"]
    assert ids(rows) == [tomorrow.pk, old.pk, newer.pk]
    assert [row.urgent for row in rows] == [True, False, False]


def test_requests_beyond_the_fortnight_are_counted_with_a_link_not_listed(
    client, book, clerk, create_room
):
    soon = book(start=on(TODAY + dt.timedelta(days=13), 10), room=create_room())
    later = [
        book(start=on(TODAY + dt.timedelta(days=days), 10), room=create_room())
        for days in (15, 60, 200)
    ]
    board = console_board(NOW, clerk)
    assert ids(board["requests"]) == [soon.pk]
    assert board["requests_later"] == 3
    client.force_login(clerk)
    page = client.get("/console/board/").content.decode()
    link = page.split('id="console-requests-later"', 1)[1].split("</p>", 1)[0]
    assert "status=requested" in link and "3" in link
    booking_services.confirm_meeting(later[0], by=clerk)
    assert console_board(NOW, clerk)["requests_later"] == 2


def test_confirming_a_request_after_the_fortnight_changes_the_console_etag(
    client, book, clerk, create_room
):
    later = book(start=on(TODAY + dt.timedelta(days=30), 10), room=create_room())
    client.force_login(clerk)
    first = client.get("/console/board/")["ETag"]
    assert client.get("/console/board/", HTTP_IF_NONE_MATCH=first).status_code == 304
    booking_services.confirm_meeting(later, by=clerk)
    assert client.get("/console/board/", HTTP_IF_NONE_MATCH=first).status_code == 200


def test_tomorrows_requests_are_called_out_only_before_the_1630_notice(book, clerk):
    book(start=on(TOMORROW, 10))
    before = console_board(on(TODAY, 16, 29), clerk)
    after = console_board(on(TODAY, 16, 31), clerk)
    assert before["urgent_requests"] == 1
    assert after["urgent_requests"] == 0
    assert after["requests"][0].tomorrow


def test_a_clerk_confirms_a_request_with_one_click_and_it_leaves_the_list(client, clerk, book):
    meeting = book(title="一键确认测试会")
    client.force_login(clerk)
    assert (
        f'action="/console/meetings/{meeting.pk}/confirm/"'
        in client.get("/console/").content.decode()
    )
    response = client.post(f"/console/meetings/{meeting.pk}/confirm/")
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CONFIRMED
    assert AuditEntry.objects.for_object(meeting).filter(action="confirmed").count() == 1
    assert f'id="request-{meeting.pk}"' not in client.get("/console/").content.decode()


def test_a_second_confirm_is_refused_with_the_services_message(client, clerk, book):
    meeting = book()
    booking_services.confirm_meeting(meeting, by=clerk)
    client.force_login(clerk)
    response = client.post(f"/console/meetings/{meeting.pk}/confirm/")
    assert response["Location"] == "/console/"
    assert messages_of(response)
    assert AuditEntry.objects.for_object(meeting).filter(action="confirmed").count() == 1


def test_confirming_needs_a_post_and_a_console_role(client, book, lobby_manager, clerk):
    meeting = book()
    client.force_login(clerk)
    assert client.get(f"/console/meetings/{meeting.pk}/confirm/").status_code == 405
    client.force_login(lobby_manager)
    assert client.post(f"/console/meetings/{meeting.pk}/confirm/").status_code == 403
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.REQUESTED


def uncleared():
    """The clerk's authorisation has lapsed (staffing's hook answers no; conftest restores it)."""
    visibility.register_authorisation_check(lambda user: False)


def test_a_secret_request_is_masked_and_not_confirmable_without_clearance(client, clerk, book):
    meeting = book(title="绝密专题会", confidentiality=Confidentiality.SECRET)
    uncleared()
    client.force_login(clerk)
    body = client.get("/console/").content.decode()
    assert "绝密专题会" not in body
    assert "涉密会议" in body
    assert f"/console/meetings/{meeting.pk}/confirm/" not in body
    assert client.post(f"/console/meetings/{meeting.pk}/confirm/").status_code == 403


# --- (b) tomorrow's meetings not ready -----------------------------------------------------------


def test_tomorrows_meeting_names_the_details_it_lacks(book, clerk, create_room):
    bare_unit = HostingUnit.objects.create(name="区档案馆", short_name="档案馆")
    meeting = book(start=on(TOMORROW, 10), hosting_unit=bare_unit, room=create_room())
    ServiceOrder.objects.filter(meeting=meeting).update(status=OrderStatus.CANCELLED)
    with translation.override("en"):
        rows = console_board(NOW, clerk)["lacking"]
    row = next(r for r in rows if r.meeting.pk == meeting.pk)
    assert row.missing == ["no contact phone", "no room layout", "no service orders"]
    assert row.unconfirmed


def test_a_complete_confirmed_staffed_meeting_of_tomorrow_is_not_listed(book, clerk):
    StaffingRule.objects.update(active=False)  # nobody needed: nothing short
    ready = book(start=on(TOMORROW, 10), layout="boardroom")
    booking_services.confirm_meeting(ready, by=clerk)
    later = book(start=on(NEXT_WEEK, 10))  # not tomorrow: not this section's business
    rows = console_board(NOW, clerk)["lacking"]
    assert ready.pk not in ids(rows)
    assert later.pk not in ids(rows)


def test_a_meeting_without_its_staff_is_named_short(book, clerk):
    StaffingRule.objects.update(active=False)
    StaffingRule.objects.create(role="attendant", levels="ABC", fixed=2)
    meeting = book(start=on(TOMORROW, 10), layout="boardroom")
    booking_services.confirm_meeting(meeting, by=clerk)
    with translation.override("en"):
        (row,) = console_board(NOW, clerk)["lacking"]
    assert row.meeting.pk == meeting.pk
    assert not row.unconfirmed and not row.missing
    assert len(row.short) == 1 and "2" in row.short[0]


def test_the_countdown_to_the_1630_notice_is_in_words_from_now(clerk, db):
    with translation.override("en"):
        assert countdown_text(on(TODAY, 14, 20), on(TODAY, 16, 30)) == (
            "2 h 10 min until the 16:30 notice"
        )
        assert countdown_text(on(TODAY, 16, 25), on(TODAY, 16, 30)) == (
            "5 minutes until the 16:30 notice"
        )
        assert "has gone out" in countdown_text(on(TODAY, 17), on(TODAY, 16, 30))
    board = console_board(on(TODAY, 14, 20), clerk)
    assert board["before_notice"]
    assert "2" in board["countdown"] and "10" in board["countdown"]


# --- (c) orders due soon --------------------------------------------------------------------------


def test_orders_due_within_two_hours_or_overdue_are_listed_by_department(book, clerk):
    meeting = book(start=NOW + dt.timedelta(hours=1, minutes=30), end=NOW + dt.timedelta(hours=3))
    ServiceOrder.objects.filter(meeting=meeting).delete()
    overdue = order(meeting, OrderKind.FLOWERS, due=NOW - 20 * MIN)
    soon = order(meeting, OrderKind.AUDIO_VISUAL, due=NOW + 50 * MIN)
    delivered = order(meeting, OrderKind.TEA, due=NOW + 10 * MIN, status=OrderStatus.DELIVERED)
    later = order(meeting, OrderKind.LAYOUT, due=NOW + 121 * MIN)
    board = console_board(NOW, clerk)
    listed = {row.order.pk: row for _label, rows in board["orders_by_department"] for row in rows}
    assert set(listed) == {overdue.pk, soon.pk}
    assert delivered.pk not in listed and later.pk not in listed
    departments = [label for label, _rows in board["orders_by_department"]]
    assert departments == [str(Department.AUDIO_CONTROL.label), str(Department.ENVIRONMENT.label)]
    assert listed[overdue.pk].overdue and listed[overdue.pk].late_by == 20
    assert listed[soon.pk].minutes == 50 and not listed[soon.pk].overdue
    assert board["overdue_count"] == 1


def test_orders_of_a_meeting_already_over_or_cancelled_are_not_listed(book, clerk, create_room):
    over = book(
        start=NOW - dt.timedelta(hours=3),
        end=NOW - dt.timedelta(hours=1),
        now=NOW - dt.timedelta(days=1),
    )
    gone = book(start=NOW + dt.timedelta(hours=1), room=create_room())
    booking_services.cancel_meeting(gone, by=clerk, reason="主办单位取消")
    ServiceOrder.objects.filter(meeting__in=[over, gone]).update(
        due_at=NOW - dt.timedelta(minutes=5), status=OrderStatus.REQUESTED
    )
    assert console_board(NOW, clerk)["orders_by_department"] == []


# --- (d) changes since this morning's notice ---------------------------------------------------


def test_without_a_0700_notice_the_console_says_so(client, clerk, book):
    book(start=on(TODAY, 14))
    board = console_board(NOW, clerk)
    assert board["morning_notice"] is None and not board["compared"]
    client.force_login(clerk)
    assert 'id="console-no-notice"' in client.get("/console/").content.decode()


def test_a_notice_not_yet_generated_is_not_compared(client, clerk, book):
    morning_notice(status=Status.PENDING)
    board = console_board(NOW, clerk)
    assert not board["compared"] and board["changes"] == []
    client.force_login(clerk)
    assert 'id="console-no-notice"' in client.get("/console/").content.decode()


def test_new_changed_and_removed_meetings_since_the_0700_notice(book, clerk, create_room):
    early = NOW - dt.timedelta(days=1)
    same = book(start=on(TODAY, 10), room=create_room(), now=early)
    edited = book(start=on(TODAY, 11), room=create_room(), now=early)
    cancelled = book(start=on(TODAY, 14), room=create_room(), now=early)
    moved = book(start=on(TODAY, 15), room=create_room(), now=early)
    morning_notice()
    booking_services.edit_meeting(edited, by=clerk, attendees=25)
    booking_services.cancel_meeting(cancelled, by=clerk, reason="主办单位取消")
    booking_services.reschedule_meeting(
        moved, by=clerk, start=on(NEXT_WEEK, 15), end=on(NEXT_WEEK, 16)
    )
    new = book(start=on(TODAY, 16), room=create_room())
    with translation.override("en"):
        changes = console_board(NOW, clerk)["changes"]
    found = {row.meeting_id: (row.kind, row.reason) for row in changes}
    assert same.pk not in found
    assert found == {
        new.pk: ("new", ""),
        edited.pk: ("changed", ""),
        cancelled.pk: ("removed", "cancelled"),
        moved.pk: ("removed", "moved to another day"),
    }
    assert [row.kind for row in changes] == ["new", "changed", "removed", "removed"]


def test_nothing_changed_since_the_notice_says_so(client, clerk, book):
    book(start=on(TODAY, 14), now=NOW - dt.timedelta(days=1))
    morning_notice()
    board = console_board(NOW, clerk)
    assert board["compared"] and board["changes"] == []
    client.force_login(clerk)
    assert 'id="console-changes-none"' in client.get("/console/").content.decode()


def test_a_secret_change_is_named_through_visibility(client, clerk, book):
    morning_notice()
    book(start=on(TODAY, 16), title="绝密专题会", confidentiality=Confidentiality.SECRET)
    uncleared()
    (row,) = console_board(NOW, clerk)["changes"]
    assert row.kind == "new" and row.title == "涉密会议"
    client.force_login(clerk)
    assert "绝密专题会" not in client.get("/console/").content.decode()


# --- queries -------------------------------------------------------------------------------------


def test_the_query_count_does_not_grow_with_the_number_of_meetings(
    client, clerk, book, create_room
):
    rooms = [create_room(number=f"Q{i}") for i in range(3)]
    early = NOW - dt.timedelta(days=1)

    def lay(slots):
        for room, hour in slots:
            # One requested meeting tomorrow, one today (in the notice), orders due soon.
            book(start=on(TOMORROW, hour), end=on(TOMORROW, hour + 1), room=room, now=early)
            today = book(start=on(TODAY, hour), end=on(TODAY, hour + 1), room=room, now=early)
            ServiceOrder.objects.filter(meeting=today).update(due_at=NOW + dt.timedelta(hours=1))

    slots = [(room, hour) for hour in (10, 12, 14, 16) for room in rooms]
    morning_notice()  # an empty day at 07:00: every meeting of today is new since
    lay(slots[:1])
    client.force_login(clerk)
    client.get("/console/board/")  # warm the per-user caches
    with CaptureQueriesContext(connection) as few:
        response = client.get("/console/board/")
    assert len(response.context["requests"]) == 2
    lay(slots[1:6])
    with CaptureQueriesContext(connection) as many:
        response = client.get("/console/board/")
    assert len(response.context["requests"]) == 12
    assert len(response.context["changes"]) == 6
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    assert len(few) == BOARD_QUERIES + FINGERPRINT_QUERIES
