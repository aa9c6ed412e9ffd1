"""Factory fixtures and personas shared by every test.

Data is laid down through the same services the application uses (book_meeting with `now=`),
so tests see what users would. Time is controlled with time-machine where it matters.
"""

import datetime as dt
import itertools
import os
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model

from bookings import services
from bookings.models import Building, HostingUnit, Leader, LeaderRank, Room
from core.roles import Role, add_role, sync_role_groups

_counter = itertools.count(1)

# A fixed "now" for tests that book: a Friday morning in Shanghai.
NOW = dt.datetime(2026, 11, 27, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


def on_postgres() -> bool:
    from django.db import connection

    return connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _language_zh(settings):
    """Every test starts in the default language, as a user would."""
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _restore_visibility_hooks():
    """Tests may swap the staffing hooks of the visibility policy; every test ends with the
    hooks the apps registered, whatever the test put in their place."""
    from bookings import visibility

    saved = (visibility._is_authorised, visibility._serves_meeting)
    yield
    visibility._is_authorised, visibility._serves_meeting = saved


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """PBKDF2 costs a third of a second per user; tests don't need it to be slow."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _no_lockout(settings):
    """Brute-force lockout (django-axes) off: tests that log in with a wrong password on purpose
    must not lock out the next. tests/test_lockout.py turns it on."""
    settings.AXES_ENABLED = False


@pytest.fixture
def role_groups(db):
    sync_role_groups()


@pytest.fixture
def make_user(db, role_groups):
    def make(username: str | None = None, *roles: Role, **fields):
        username = username or f"user{next(_counter)}"
        user = get_user_model().objects.create_user(
            username=username, password="pw-for-tests-only", **fields
        )
        for role in roles:
            add_role(user, role)
        return user

    return make


@pytest.fixture
def clerk(make_user):
    return make_user("clerk", Role.CLERK, first_name="晓燕", last_name="王")


@pytest.fixture
def supervisor(make_user):
    return make_user("supervisor", Role.SUPERVISOR, Role.LOBBY_MANAGER)


@pytest.fixture
def lobby_manager(make_user):
    return make_user("lobby-east", Role.LOBBY_MANAGER)


@pytest.fixture
def attendant(make_user):
    return make_user("attendant", Role.ATTENDANT)


@pytest.fixture
def outsider(make_user):
    """Logged in, but with no role at all."""
    return make_user("outsider")


@pytest.fixture
def building(db):
    # get_or_create: a transactional test flushes the rows migration 0003 laid down.
    building, _created = Building.objects.get_or_create(
        code="conference", defaults={"name": "会议大厦", "name_en": "Conference building"}
    )
    return building


@pytest.fixture
def create_room(db, building):
    def create(**params):
        number = params.pop("number", f"R{next(_counter)}")
        defaults = {
            "building": building,
            "name": f"第{number}会议室",
            "floor": 3,
            "capacity": 30,
            "setup_minutes": 15,
            "teardown_minutes": 10,
            "layouts": ["boardroom", "u_shape"],
        }
        defaults.update(params)
        return Room.objects.create(number=number, **defaults)

    return create


@pytest.fixture
def room(create_room):
    return create_room(number="301", capacity=30)


@pytest.fixture
def hosting_unit(db):
    return HostingUnit.objects.create(
        name="区发展和改革委员会",
        short_name="区发改委",
        contact_name="李明",
        contact_phone="13800138000",
    )


@pytest.fixture
def leader(db, hosting_unit):
    return Leader.objects.create(
        name="张建国", title="副区长", rank=LeaderRank.DISTRICT, unit=hosting_unit
    )


@pytest.fixture
def book(clerk, room, hosting_unit):
    """Book a meeting through the service; times are local hours on NOW's day by default."""

    def make(**params):
        start = params.pop("start", NOW + dt.timedelta(days=1, hours=1))
        end = params.pop("end", start + dt.timedelta(hours=2))
        args = {
            "by": params.pop("by", clerk),
            "room": params.pop("room", room),
            "title": params.pop("title", f"工作会议{next(_counter)}"),
            "hosting_unit": params.pop("hosting_unit", hosting_unit),
            "start": start,
            "end": end,
            "attendees": params.pop("attendees", 12),
            "now": params.pop("now", NOW),
        }
        args.update(params)
        return services.book_meeting(**args)

    return make


@pytest.fixture
def require_browser():
    """True when browser tests must run (CI's PostgreSQL pass) instead of skipping."""
    return os.environ.get("REQUIRE_BROWSER") == "1"


def pytest_collection_modifyitems(config, items):
    """Browser tests run once, in the PostgreSQL pass of .ci/run (REQUIRE_BROWSER=1, where a
    missing Chromium fails them); elsewhere they skip with the reason, unless RUN_BROWSER=1."""
    if os.environ.get("REQUIRE_BROWSER") == "1" or os.environ.get("RUN_BROWSER") == "1":
        return
    skip = pytest.mark.skip(
        reason="browser test: runs in the PostgreSQL pass of .ci/run (REQUIRE_BROWSER=1); "
        "set RUN_BROWSER=1 to run it here"
    )
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(skip)
