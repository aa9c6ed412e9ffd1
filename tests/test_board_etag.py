"""Conditional refresh of the polled boards (conference.board_etag): the lobby, hotline and console
boards
send an ETag computed from a cheap fingerprint of everything they show, and answer a matching
If-None-Match with 304 without building the board; any change they would show, the minute, the
viewer and the language each give another ETag."""

import datetime as dt

import pytest
import time_machine
from django.contrib.auth.models import Permission
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings import services as booking_services
from bookings.models import Confidentiality, Meeting, ServiceOrder
from bookings.models.orders import KIND_DEPARTMENT, OrderKind, OrderStatus
from core.roles import Role
from inspections import services as check_services
from inspections.incidents import report_incident, resolve_incident
from inspections.models import Check, CheckStatus
from inspections.requests import log_request, take_request
from staffing import services as staffing_services
from staffing.models import Duty, DutyRole, DutyStatus, Position, Staff
from tests.conftest import NOW, on_postgres
from tests.staffing_factories import make_staff

LOBBY = "/lobby/board/"
HOTLINE = "/hotline/board/"
# The 304 path, the same for few rows and many: session, user, the viewer's roles, permissions
# and staff row, then the fingerprint's reads: for the lobby the building's meetings,
# their checks, duties and orders, incidents, rounds (their duties when there are rounds),
# rooms, staff, rules; for
# the hotline the open checks' ids and rows, incidents, requests, the meetings starting soon,
# those with unacknowledged duties, the meetings named and their duties, the soon meetings'
# orders and checks, staff, rooms, buildings, rules.
# On PostgreSQL, the reads that lead to no further ids are hashed by the database in one
# statement (Fingerprint.defer_rows), the viewer's permissions and staff row among them.
LOBBY_304_QUERIES = 8 if on_postgres() else 16
HOTLINE_304_QUERIES = 9 if on_postgres() else 19


@pytest.fixture(autouse=True)
def _frozen_clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def today_at(hour: int, minute: int = 0) -> dt.datetime:
    return NOW.replace(hour=hour, minute=minute)


@pytest.fixture
def manager(lobby_manager, building):
    """A lobby manager of the building, without clearance for secret meetings."""
    make_staff(user=lobby_manager, position=Position.LOBBY_MANAGER, home_building=building)
    return lobby_manager


@pytest.fixture
def hotline(make_user):
    return make_user("hotline", Role.HOTLINE)


@pytest.fixture
def morning(book):
    return book(title="上午协调会", start=today_at(10, 30), end=today_at(12))


def etag_of(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] in ("private, no-cache", "no-cache, private")
    return response.headers["ETag"]


def revalidate(client, url: str, etag: str):
    return client.get(url, headers={"if-none-match": etag})


def add_order(meeting, kind=OrderKind.TEA):
    return ServiceOrder.objects.update_or_create(
        meeting=meeting,
        kind=kind,
        defaults={
            "department": KIND_DEPARTMENT[kind],
            "status": OrderStatus.REQUESTED,
            "due_at": meeting.start - dt.timedelta(hours=1),
            "created_at": NOW,
            "updated_at": NOW,
        },
    )[0]


# --- the lobby board ----------------------------------------------------------------------------


def test_an_unchanged_lobby_board_is_answered_304_without_building_it(
    client, manager, morning, monkeypatch
):
    client.force_login(manager)
    first = client.get(LOBBY)
    etag = first.headers["ETag"]
    assert "上午协调会" in first.content.decode()
    assert etag_of(client, LOBBY) == etag  # the same state twice: the same fingerprint

    def must_not_build(*args, **kwargs):
        raise AssertionError("the board was built for a 304")

    monkeypatch.setattr("conference.views_lobby.building_board", must_not_build)
    response = revalidate(client, LOBBY, etag)
    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["ETag"] == etag
    assert "no-cache" in response.headers["Cache-Control"]
    assert not response.templates
    # Another tag (say, an older state's) gets the body.
    monkeypatch.undo()
    assert revalidate(client, LOBBY, '"stale"').status_code == 200


def test_the_lobby_304_costs_the_same_few_queries_for_few_and_many_meetings(
    client, manager, supervisor, book, create_room, building
):
    rooms = [create_room(number=f"Q{i}") for i in range(3)]
    slots = [(room, hour) for hour in (10, 12, 14, 16) for room in rooms]

    def lay(pairs):
        for room, hour in pairs:
            meeting = book(room=room, start=today_at(hour), end=today_at(hour + 1))
            add_order(meeting)
            report_incident(
                by=supervisor, category="other", severity="low", description="x", meeting=meeting
            )
            staffing_services.assign_duty(
                meeting,
                by=supervisor,
                staff=make_staff(home_building=building),
                role=DutyRole.ATTENDANT,
                now=NOW,
            )

    client.force_login(manager)
    counts = []
    for pairs in (slots[:2], slots[2:]):
        lay(pairs)
        etag = etag_of(client, LOBBY)
        with CaptureQueriesContext(connection) as queries:
            assert revalidate(client, LOBBY, etag).status_code == 304
        counts.append(len(queries))
    assert Meeting.objects.count() == 12
    assert counts == [LOBBY_304_QUERIES, LOBBY_304_QUERIES], counts


def _lobby_changes(manager, supervisor, building, morning, book):
    """Each a change the lobby board shows, made the way the product (or its sweeper) makes it."""
    check = morning.checks.order_by("level").first()
    person = make_staff(home_building=building)

    def assign():
        return staffing_services.assign_duty(
            morning, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW
        )

    return {
        "meeting title edited": lambda: Meeting.objects.filter(pk=morning.pk).update(title="改名"),
        "meeting moved": lambda: Meeting.objects.filter(pk=morning.pk).update(end=today_at(12, 30)),
        "a meeting booked": lambda: book(start=today_at(15), end=today_at(16)),
        # The sweeper's pending -> notified: a queryset update, no audit row.
        "check notified": lambda: Check.objects.filter(pk=check.pk).update(
            status=CheckStatus.NOTIFIED, notified_at=NOW
        ),
        "check responsible": lambda: Check.objects.filter(pk=check.pk).update(
            responsible=make_staff(home_building=building)
        ),
        "duty assigned": assign,
        "order delivered": lambda: ServiceOrder.objects.filter(meeting=morning).update(
            status=OrderStatus.DELIVERED
        ),
        "incident reported": lambda: report_incident(
            by=supervisor, category="other", severity="low", description="漏水", meeting=morning
        ),
        "staff renamed": lambda: Staff.objects.filter(pk=person.pk).update(name="改名员"),
    }


@pytest.mark.parametrize(
    "change",
    [
        "meeting title edited",
        "meeting moved",
        "a meeting booked",
        "check notified",
        "check responsible",
        "duty assigned",
        "order delivered",
        "incident reported",
        "staff renamed",
    ],
)
def test_each_change_the_lobby_shows_gives_a_new_etag_and_the_body(
    client, manager, supervisor, building, morning, book, change
):
    add_order(morning)
    changes = _lobby_changes(manager, supervisor, building, morning, book)
    client.force_login(manager)
    before = etag_of(client, LOBBY)
    changes[change]()
    response = revalidate(client, LOBBY, before)
    assert response.status_code == 200, change
    assert response.headers["ETag"] != before
    # And the new state is then stable.
    assert revalidate(client, LOBBY, response.headers["ETag"]).status_code == 304


def test_the_lobby_etag_follows_the_minute(client, manager, morning, _frozen_clock):
    client.force_login(manager)
    etag = etag_of(client, LOBBY)
    _frozen_clock.shift(dt.timedelta(seconds=30))  # 09:00:30: still "As of 09:00"
    assert revalidate(client, LOBBY, etag).status_code == 304
    _frozen_clock.shift(dt.timedelta(seconds=30))  # 09:01
    response = revalidate(client, LOBBY, etag)
    assert response.status_code == 200
    assert "09:01" in response.content.decode()


def test_a_cleared_viewer_never_gets_an_uncleared_viewers_board(
    client, manager, make_user, building, book
):
    book(
        title="绝密会商",
        start=today_at(14),
        end=today_at(15),
        confidentiality=Confidentiality.SECRET,
    )
    cleared = make_user("lobby-cleared", Role.LOBBY_MANAGER)
    cleared.user_permissions.add(Permission.objects.get(codename="view_secret_meeting"))
    make_staff(
        user=cleared,
        position=Position.LOBBY_MANAGER,
        home_building=building,
        authorised=True,
        authorised_until=NOW.date() + dt.timedelta(days=30),
    )
    client.force_login(manager)
    uncleared_etag = etag_of(client, LOBBY)
    assert "绝密会商" not in client.get(LOBBY).content.decode()
    client.force_login(cleared)
    response = revalidate(client, LOBBY, uncleared_etag)
    assert response.status_code == 200
    assert "绝密会商" in response.content.decode()
    # Losing the clearance (authorisation run out) changes the fingerprint too.
    cleared_etag = response.headers["ETag"]
    Staff.objects.filter(user=cleared).update(authorised_until=NOW.date() - dt.timedelta(days=1))
    response = revalidate(client, LOBBY, cleared_etag)
    assert response.status_code == 200
    assert "绝密会商" not in response.content.decode()


def test_switching_the_language_gives_another_etag(client, manager, morning, settings):
    client.force_login(manager)
    etag = etag_of(client, LOBBY)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = revalidate(client, LOBBY, etag)
    assert response.status_code == 200
    assert "As of" in response.content.decode()


def test_a_refused_or_logged_out_viewer_never_gets_a_304(client, manager, outsider, morning):
    client.force_login(manager)
    etag = etag_of(client, LOBBY)
    client.force_login(outsider)
    assert revalidate(client, LOBBY, etag).status_code == 403
    client.logout()
    assert revalidate(client, LOBBY, etag).status_code == 302


# --- the hotline board ---------------------------------------------------------------------------


@pytest.fixture
def soon(book, create_room):
    """A meeting starting in 20 minutes, with its checks: on the board's preparation list."""
    meeting = book(title="即将开始", start=NOW + dt.timedelta(minutes=20), room=create_room())
    check_services.ensure_checks(meeting, now=NOW)
    return meeting


def test_an_unchanged_hotline_board_is_answered_304_without_building_it(
    client, hotline, soon, monkeypatch
):
    client.force_login(hotline)
    etag = etag_of(client, HOTLINE)
    monkeypatch.setattr(
        "conference.views_hotline.hotline_board",
        lambda *a, **k: (_ for _ in ()).throw(AssertionError("built for a 304")),
    )
    response = revalidate(client, HOTLINE, etag)
    assert response.status_code == 304
    assert response.content == b""
    assert not response.templates


def test_the_hotline_304_costs_the_same_few_queries_for_few_and_many_rows(
    client, hotline, supervisor, book, create_room, building
):
    client.force_login(hotline)
    counts = []
    for batch in (1, 5):
        for _ in range(batch):
            meeting = book(start=NOW + dt.timedelta(minutes=40), room=create_room())
            check_services.ensure_checks(meeting, now=NOW)
            add_order(meeting)
            report_incident(
                by=supervisor, category="other", severity="low", description="x", meeting=meeting
            )
            staffing_services.assign_duty(
                meeting,
                by=supervisor,
                staff=make_staff(home_building=building, is_group_leader=True),
                role=DutyRole.LEAD,
                now=NOW,
            )
        etag = etag_of(client, HOTLINE)
        with CaptureQueriesContext(connection) as queries:
            assert revalidate(client, HOTLINE, etag).status_code == 304
        counts.append(len(queries))
    assert counts == [HOTLINE_304_QUERIES, HOTLINE_304_QUERIES], counts


@pytest.mark.parametrize(
    "change",
    [
        "check notified",
        "check done",
        "duty acknowledged",
        "order delivered",
        "incident reported",
        "incident resolved",
        "request logged",
        "request taken",
        "meeting title edited",
        "staff phone changed",
    ],
)
def test_each_change_the_hotline_shows_gives_a_new_etag(
    client, hotline, supervisor, building, soon, change
):
    add_order(soon)
    person = make_staff(home_building=building, phone="13800000000", is_group_leader=True)
    duty = staffing_services.assign_duty(
        soon, by=supervisor, staff=person, role=DutyRole.LEAD, now=NOW
    )
    incident = report_incident(
        by=supervisor, category="other", severity="low", description="x", meeting=soon
    )
    request = log_request(by=supervisor, what="送水", now=NOW)
    check = soon.checks.order_by("level").first()
    changes = {
        "check notified": lambda: Check.objects.filter(pk=check.pk).update(
            status=CheckStatus.NOTIFIED, notified_at=NOW
        ),
        "check done": lambda: Check.objects.filter(pk=check.pk).update(
            status=CheckStatus.DONE, done_at=NOW
        ),
        "duty acknowledged": lambda: Duty.objects.filter(pk=duty.pk).update(
            status=DutyStatus.ACKNOWLEDGED, acknowledged_at=NOW
        ),
        "order delivered": lambda: ServiceOrder.objects.filter(meeting=soon).update(
            status=OrderStatus.DELIVERED
        ),
        "incident reported": lambda: report_incident(
            by=supervisor, category="other", severity="high", description="停电", meeting=soon
        ),
        "incident resolved": lambda: resolve_incident(incident, by=supervisor, resolution="好"),
        "request logged": lambda: log_request(by=supervisor, what="加椅子", now=NOW),
        "request taken": lambda: take_request(request, by=supervisor, staff=person),
        "meeting title edited": lambda: Meeting.objects.filter(pk=soon.pk).update(title="改名"),
        "staff phone changed": lambda: Staff.objects.filter(pk=person.pk).update(
            phone="13900000000"
        ),
    }
    client.force_login(hotline)
    before = etag_of(client, HOTLINE)
    assert revalidate(client, HOTLINE, before).status_code == 304
    changes[change]()
    response = revalidate(client, HOTLINE, before)
    assert response.status_code == 200, change
    assert response.headers["ETag"] != before


def test_the_hotline_etag_follows_the_minute_the_viewer_and_the_language(
    client, hotline, supervisor, soon, settings, _frozen_clock
):
    client.force_login(hotline)
    etag = etag_of(client, HOTLINE)
    client.force_login(supervisor)
    assert revalidate(client, HOTLINE, etag).status_code == 200
    client.force_login(hotline)
    assert revalidate(client, HOTLINE, etag).status_code == 304
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    assert revalidate(client, HOTLINE, etag).status_code == 200
    del client.cookies[settings.LANGUAGE_COOKIE_NAME]
    _frozen_clock.shift(dt.timedelta(minutes=1))
    response = revalidate(client, HOTLINE, etag)
    assert response.status_code == 200
    assert "09:01" in response.content.decode()


# --- the console board ---------------------------------------------------------------------------

CONSOLE = "/console/board/"


def test_an_unchanged_console_board_is_answered_304_without_building_it(
    client, clerk, book, monkeypatch
):
    book(start=NOW + dt.timedelta(days=1, hours=1))
    client.force_login(clerk)
    etag = etag_of(client, CONSOLE)
    monkeypatch.setattr(
        "conference.views_console.console_board",
        lambda *a, **k: (_ for _ in ()).throw(AssertionError("built for a 304")),
    )
    response = revalidate(client, CONSOLE, etag)
    assert response.status_code == 304
    assert not response.templates


@pytest.mark.parametrize(
    "change",
    ["request confirmed", "tomorrow's meeting edited", "order due soon delivered", "notice done"],
)
def test_each_change_the_console_shows_gives_a_new_etag(client, clerk, book, change):
    from reports.models import Document, Kind, Status
    from tests.test_console import morning_notice

    tomorrows = book(start=NOW + dt.timedelta(days=1, hours=1))
    today = book(start=today_at(10, 30), end=today_at(12))
    ServiceOrder.objects.filter(meeting=today).delete()
    add_order(today)  # due 09:30: within the two hours
    notice = morning_notice(status=Status.PENDING)
    changes = {
        "request confirmed": lambda: booking_services.confirm_meeting(tomorrows, by=clerk),
        "tomorrow's meeting edited": lambda: Meeting.objects.filter(pk=tomorrows.pk).update(
            contact_phone="13800000000"
        ),
        "order due soon delivered": lambda: ServiceOrder.objects.filter(meeting=today).update(
            status=OrderStatus.DELIVERED
        ),
        "notice done": lambda: Document.objects.filter(pk=notice.pk, kind=Kind.DAILY_NOTICE).update(
            status=Status.DONE
        ),
    }
    client.force_login(clerk)
    before = etag_of(client, CONSOLE)
    assert revalidate(client, CONSOLE, before).status_code == 304
    changes[change]()
    response = revalidate(client, CONSOLE, before)
    assert response.status_code == 200, change
    assert response.headers["ETag"] != before
