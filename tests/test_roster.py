"""The roster pages: who may see them, the filters, the fixed query count, the person's page,
the clearance list and the export."""

import datetime as dt
import io
import itertools

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bookings.models import Building
from core import timeutils
from staffing import roster
from staffing.models import Absence, AbsenceKind, Position, Shift, ShiftKind, Staff, Team
from tests.conftest import NOW

TODAY = NOW.date()
_numbers = itertools.count(1)


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def make_staff(db):
    def make(**fields) -> Staff:
        number = next(_numbers)
        values = {
            "employee_no": f"T{number:04d}",
            "name": f"测试{number}",
            "phone": f"139{number:08d}",
            "position": Position.ATTENDANT,
            "skills": ["tea", "cleaning"],
            "background_checked_on": dt.date(2024, 1, 1),
            "no_criminal_record_on": dt.date(2025, 1, 1),
            "confidentiality_trained_on": dt.date(2025, 2, 1),
            "authorised_until": dt.date(2027, 12, 31),
        }
        values.update(fields)
        return Staff.objects.create(**values)

    return make


@pytest.fixture
def east():
    return Building.objects.get_or_create(code="east", defaults={"name": "东楼"})[0]


def _rows(response) -> list[str]:
    return [row["staff"].name for row in response.context["rows"]]


def test_the_supervisor_lobby_managers_and_clerks_may_see_the_roster(
    client, supervisor, lobby_manager, clerk
):
    for user in (supervisor, lobby_manager, clerk):
        client.force_login(user)
        assert client.get(reverse("roster")).status_code == 200


def test_attendants_and_outsiders_may_not_see_the_roster(client, attendant, outsider):
    for user in (attendant, outsider):
        client.force_login(user)
        assert client.get(reverse("roster")).status_code == 403
        assert client.get(reverse("clearance")).status_code == 403


def test_only_the_supervisor_may_import(client, lobby_manager, supervisor):
    client.force_login(lobby_manager)
    assert client.get(reverse("roster-import")).status_code == 403
    client.force_login(supervisor)
    assert client.get(reverse("roster-import")).status_code == 200


def test_the_roster_filters_by_position_team_building_skill_authorisation_and_text(
    client, supervisor, make_staff, east
):
    team = Team.objects.create(name="东楼服务组", building=east)
    make_staff(name="张三", team=team, home_building=east, skills=["tea", "etiquette"])
    make_staff(name="李四", position=Position.AUDIO_TECH, skills=["audio"])
    make_staff(name="王五", authorised_until=TODAY - dt.timedelta(days=1))
    client.force_login(supervisor)
    url = reverse("roster")
    assert sorted(_rows(client.get(url))) == ["张三", "李四", "王五"]
    assert _rows(client.get(url, {"position": "audio_tech"})) == ["李四"]
    assert _rows(client.get(url, {"team": team.pk})) == ["张三"]
    assert _rows(client.get(url, {"building": "east"})) == ["张三"]
    assert _rows(client.get(url, {"skill": "etiquette"})) == ["张三"]
    assert _rows(client.get(url, {"skill": "audio"})) == ["李四"]
    assert _rows(client.get(url, {"authorised": "no"})) == ["王五"]
    assert sorted(_rows(client.get(url, {"authorised": "yes"}))) == ["张三", "李四"]
    assert _rows(client.get(url, {"q": "李"})) == ["李四"]
    response = client.get(url, {"position": "audio_tech", "q": "李"})
    assert response.context["counts"] == {str(Position.AUDIO_TECH.label): 1}


def test_the_roster_shows_each_persons_shifts_this_week(client, supervisor, make_staff):
    person = make_staff(name="赵六")
    for offset in range(3):
        day = TODAY - dt.timedelta(days=offset)
        Shift.objects.create(
            staff=person,
            kind=ShiftKind.DAY,
            start=timeutils.at(day, 7),
            end=timeutils.at(day, 15, 30),
        )
    far = TODAY + dt.timedelta(days=14)
    Shift.objects.create(
        staff=person, kind=ShiftKind.NIGHT, start=timeutils.at(far, 22), end=timeutils.at(far, 23)
    )
    client.force_login(supervisor)
    row = client.get(reverse("roster")).context["rows"][0]
    assert row["week"] == f"{ShiftKind.DAY.label} ×3"


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context.captured_queries)


def test_the_roster_page_makes_the_same_number_of_queries_for_3_or_30_people(
    client, supervisor, make_staff, east
):
    team = Team.objects.create(name="东楼服务组", building=east)

    def add(n):
        for _ in range(n):
            person = make_staff(team=team, home_building=east)
            Shift.objects.create(
                staff=person,
                kind=ShiftKind.DAY,
                start=timeutils.at(TODAY, 7),
                end=timeutils.at(TODAY, 15, 30),
            )

    client.force_login(supervisor)
    url = reverse("roster")
    add(3)
    _queries(client, url)  # warm the caches (content types, sessions)
    few = _queries(client, url)
    add(27)
    assert _queries(client, url) == few
    assert few <= 8


def test_a_persons_page_shows_shifts_and_absences_of_this_week_and_next(
    client, lobby_manager, make_staff
):
    person = make_staff(name="孙七")
    next_week = TODAY + dt.timedelta(days=7)
    Shift.objects.create(
        staff=person,
        kind=ShiftKind.EVENING,
        start=timeutils.at(next_week, 15),
        end=timeutils.at(next_week, 23),
    )
    in_three_weeks = TODAY + dt.timedelta(days=21)
    Shift.objects.create(
        staff=person,
        kind=ShiftKind.DAY,
        start=timeutils.at(in_three_weeks, 7),
        end=timeutils.at(in_three_weeks, 15),
    )
    Absence.objects.create(
        staff=person,
        kind=AbsenceKind.SICK,
        start=timeutils.at(TODAY, 0),
        end=timeutils.at(TODAY + dt.timedelta(days=1), 0),
    )
    client.force_login(lobby_manager)
    response = client.get(reverse("staff-detail", args=[person.pk]))
    assert response.status_code == 200
    assert len(response.context["shifts"]) == 1
    assert len(response.context["absences"]) == 1
    assert response.context["authorised"] is True


def test_authorised_now_follows_the_staff_record(make_staff):
    assert roster.authorised_now(make_staff(), TODAY)
    lapsed = make_staff(authorised_until=TODAY - dt.timedelta(days=1))
    assert not roster.authorised_now(lapsed, TODAY)
    untrained = make_staff(confidentiality_trained_on=None)
    assert not roster.authorised_now(untrained, TODAY)
    # The database filter agrees with the Python rule.
    ids = set(Staff.objects.filter(roster.authorised_q(TODAY)).values_list("pk", flat=True))
    assert ids == {s.pk for s in Staff.objects.all() if s.is_authorised_on(TODAY)}


def test_the_clearance_page_lists_what_runs_out_within_30_days_and_who_is_unauthorised(
    client, clerk, make_staff
):
    make_staff(name="正常")
    soon = make_staff(name="将到期", authorised_until=TODAY + dt.timedelta(days=10))
    make_staff(name="四十天", authorised_until=TODAY + dt.timedelta(days=40))
    old_certificate = TODAY - dt.timedelta(days=roster.CERTIFICATE_VALID_DAYS - 20)
    certificate = make_staff(name="证明将过期", no_criminal_record_on=old_certificate)
    missing = make_staff(name="无证明", no_criminal_record_on=None, authorised_until=None)
    client.force_login(clerk)
    response = client.get(reverse("clearance"))
    assert response.status_code == 200
    expiring = {(e.staff.name, e.days_left) for e in response.context["expiring"]}
    assert expiring == {(soon.name, 10), (certificate.name, 20)}
    assert [s.name for s in response.context["unauthorised"]] == [missing.name]


def test_the_export_is_an_xlsx_of_the_filtered_roster(client, clerk, make_staff):
    from openpyxl import load_workbook

    make_staff(name="张三")
    make_staff(name="李四", position=Position.CLERK, skills=[])
    client.force_login(clerk)
    response = client.get(reverse("roster-export"), {"position": "clerk"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2
    assert rows[1][1] == "李四"
