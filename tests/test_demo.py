"""The demo data: it loads once, a second run changes nothing, and it keeps every invariant."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import authenticate, get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import RequestFactory, override_settings
from django.utils import timezone

from bookings.models import Building, Confidentiality, HostingUnit, Leader, Meeting, Room
from conference import demo
from core.models import AuditEntry, CalendarDay
from core.roles import Role
from tests.conftest import NOW

# Every login of the demo and the role groups it must be in (the list the foundation issue gave).
EXPECTED_LOGINS = {
    "clerk": {Role.CLERK},
    "supervisor": {Role.SUPERVISOR, Role.LOBBY_MANAGER},
    "lobby-east": {Role.LOBBY_MANAGER},
    "lobby-west": {Role.LOBBY_MANAGER},
    "lobby-conference": {Role.LOBBY_MANAGER},
    "hotline": {Role.HOTLINE},
    "group-leader": {Role.GROUP_LEADER},
    "env-supervisor": {Role.ENV_SUPERVISOR},
    "attendant": {Role.ATTENDANT},
    "bureau": {Role.BUREAU},
}
SHANGHAI = ZoneInfo("Asia/Shanghai")
# demo_passwords hashes on every call; the default hasher would make these tests slow.
FAST_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo_loaded(django_db_setup, django_db_blocker):
    """The demo, loaded once for this module by the command, at the fixed moment NOW.

    Loading takes a few seconds, so it happens once, inside a transaction that is rolled back
    when the module ends: each test's own `db` transaction nests in it as a savepoint, so the
    tests stay independent and no later module ever sees the demo.
    """
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            with time_machine.travel(NOW, tick=False), override_settings(DEBUG=True):
                call_command("load_demo", stdout=io.StringIO())
        except BaseException:
            _roll_back(outer)
            raise
    yield
    with django_db_blocker.unblock():
        _roll_back(outer)


def _roll_back(outer) -> None:
    transaction.set_rollback(True)
    outer.__exit__(None, None, None)


def _counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (
            Room,
            HostingUnit,
            Leader,
            get_user_model(),
            Meeting,
            AuditEntry,
            CalendarDay,
        )
    }


def _login_works(username: str, password: str) -> bool:
    # A request, because a login backend such as django-axes insists on one.
    request = RequestFactory().post("/login/")
    return authenticate(request, username=username, password=password) is not None


def test_load_demo_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("load_demo", stdout=io.StringIO())


def test_a_second_load_notices_the_demo_and_changes_nothing(demo_loaded, db, settings):
    settings.DEBUG = True
    before = _counts()
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    assert _counts() == before
    assert before["Meeting"] > 0
    assert out.getvalue().strip()


def test_the_demo_keeps_every_invariant(demo_loaded, db):
    out = io.StringIO()
    call_command("check_invariants", stdout=out)  # raises CommandError on any breach
    assert "FAIL" not in out.getvalue()


def test_the_demo_has_four_buildings_and_forty_odd_meeting_rooms_of_8_to_400_seats(demo_loaded, db):
    assert set(Building.objects.values_list("code", flat=True)) == {
        "main",
        "east",
        "west",
        "conference",
    }
    meeting_rooms = Room.objects.filter(kind=Room.Kind.MEETING)
    assert 35 <= meeting_rooms.count() <= 45
    seats = sorted(meeting_rooms.values_list("capacity", flat=True))
    assert (seats[0], seats[-1]) == (8, 400)
    assert meeting_rooms.filter(in_service=False).count() == 1
    for code in ("main", "east", "west", "conference"):
        assert Room.objects.filter(building__code=code, kind=Room.Kind.LEADER_OFFICE).exists()
        assert Room.objects.filter(building__code=code, kind=Room.Kind.OFFICE).exists()


def test_every_demo_login_exists_with_its_role_groups(demo_loaded, db):
    users = get_user_model().objects.prefetch_related("groups")
    found = {
        user.username: {group.name for group in user.groups.all()}
        for user in users.filter(username__in=EXPECTED_LOGINS)
    }
    assert found == {
        name: {role.value for role in roles} for name, roles in EXPECTED_LOGINS.items()
    }
    supervisor = users.get(username="supervisor")
    assert supervisor.is_staff and not supervisor.is_superuser
    assert not get_user_model().objects.filter(is_superuser=True).exists()


def test_meetings_exist_for_yesterday_today_and_next_week(demo_loaded, db):
    today = timezone.localdate(NOW)
    next_monday = today + dt.timedelta(days=7 - today.weekday())
    active = Meeting.objects.active()
    assert active.filter(start__date=today - dt.timedelta(days=1)).exists()
    assert active.filter(start__date=today).exists()
    assert active.filter(
        start__date__range=(next_monday, next_monday + dt.timedelta(days=4))
    ).exists()


def test_today_has_several_meetings_still_to_come(demo_loaded, db):
    later = Meeting.objects.active().filter(start__gt=NOW, start__date=timezone.localdate(NOW))
    assert later.count() >= 3


def test_the_demo_shows_every_state_and_confidentiality_booked_by_the_clerk(demo_loaded, db):
    meetings = Meeting.objects.all()
    assert set(meetings.values_list("status", flat=True)) == {
        "requested",
        "confirmed",
        "cancelled",
    }
    assert set(meetings.values_list("confidentiality", flat=True)) == set(Confidentiality.values)
    assert set(meetings.values_list("booked_by__username", flat=True)) == {"clerk"}
    assert AuditEntry.objects.filter(action="rescheduled").exists()
    assert meetings.exclude(leader=None).exists()
    # Laid down as it happened: nothing in the trail is later than the moment of loading.
    assert not AuditEntry.objects.filter(at__gt=NOW).exists()


def test_demo_passwords_sets_a_random_password_that_logs_in(demo_loaded, db, settings, monkeypatch):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = None
    settings.PASSWORD_HASHERS = FAST_HASHERS
    monkeypatch.setattr(
        "conference.management.commands.demo_passwords.secrets.token_urlsafe",
        lambda nbytes: "random-for-test",
    )
    out = io.StringIO()
    call_command("demo_passwords", stdout=out)
    assert "random-for-test" in out.getvalue()
    assert _login_works("clerk", "random-for-test")


def test_demo_passwords_uses_demo_password_for_every_demo_login(demo_loaded, db, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "chosen-demo-password"
    settings.PASSWORD_HASHERS = FAST_HASHERS
    out = io.StringIO()
    call_command("demo_passwords", stdout=out)
    assert "chosen-demo-password" in out.getvalue()
    for username in EXPECTED_LOGINS:
        assert username in out.getvalue()
        assert _login_works(username, "chosen-demo-password")


def test_demo_passwords_refuses_when_debug_is_off(db, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("demo_passwords", stdout=io.StringIO())


# The planner is plain Python: its promises are checked here without a database.


def _weekdays_around(day: dt.date) -> set[dt.date]:
    days = (day + dt.timedelta(days=offset) for offset in range(-10, 20))
    return {d for d in days if d.weekday() < 5}


def test_the_plan_is_the_same_for_the_same_moment():
    working_days = _weekdays_around(NOW.date())

    def summary():
        return [
            (p.template.title, p.room.key, p.start, p.confirmed_at, p.cancelled_at)
            for p in demo.plan_meetings(NOW, working_days)
        ]

    assert summary() == summary()


@pytest.mark.parametrize(
    "local_now",
    [
        dt.datetime(2026, 11, 29, 20, 0, tzinfo=SHANGHAI),
        dt.datetime(2026, 11, 27, 17, 40, tzinfo=SHANGHAI),
    ],
    ids=["sunday-evening", "friday-after-office-hours"],
)
def test_today_gets_meetings_still_to_come_even_late_or_on_a_weekend(local_now):
    now = local_now
    plans = demo.plan_meetings(now, _weekdays_around(local_now.date()))
    later = [p for p in plans if p.start > now and timezone.localdate(p.start) == now.date()]
    assert len(later) >= 3


def test_every_planned_moment_of_a_meeting_is_before_loading_and_before_it_starts():
    plans = demo.plan_meetings(NOW, _weekdays_around(NOW.date()))
    for plan in plans:
        moments = [plan.booked_at, plan.moved and plan.moved[0], plan.confirmed_at]
        moments = [m for m in [*moments, plan.cancelled_at] if m]
        assert moments == sorted(moments)
        assert moments[-1] <= NOW
        assert plan.booked_at < plan.start
