"""The roster import: all rows or none, each bad line reported, limits on the file."""

import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookings.models import Building
from conference import demo
from conference.demo_staff import load_staff
from core.models import AuditEntry
from staffing import roster
from staffing.models import Position, Staff, Team
from tests.conftest import NOW


@pytest.fixture(autouse=True)
def _frozen():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def teams(db):
    east = Building.objects.get_or_create(code="east", defaults={"name": "东楼"})[0]
    return {"东楼服务组": Team.objects.create(name="东楼服务组", building=east)}


def _xlsx(rows, *, header=True, name="roster.xlsx") -> SimpleUploadedFile:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    if header:
        sheet.append(
            ["工号", "姓名", "手机", "岗位", "班组", "所属楼宇", "技能", "组长", "环境主管"]
        )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue())


GOOD = [
    "A001",
    "张三",
    "13912345678",
    "attendant",
    "东楼服务组",
    "东楼",
    "tea、cleaning",
    "是",
    "否",
]


def test_the_plans_chinese_names_of_positions_and_skills_are_understood(supervisor, teams):
    row = [
        "A005",
        "王五",
        "010-65123456-801",
        "音控服务班",
        "",
        "会议大厦",
        "音控、接待",
        "否",
        "否",
    ]
    Building.objects.get_or_create(code="conference", defaults={"name": "会议大厦"})
    report = roster.import_roster(_xlsx([row]), by=supervisor)
    assert report.errors == []
    person = Staff.objects.get(employee_no="A005")
    assert person.position == Position.AUDIO_TECH
    assert person.skills == ["audio", "reception"]
    assert person.phone == "010-65123456-801"


def _position_label(code) -> str:
    return str(Position(code).label)


def test_a_valid_file_creates_new_people_and_updates_known_ones(supervisor, teams):
    Staff.objects.create(employee_no="A002", name="旧名", position=Position.CLERK)
    clearance = [dt.date(2024, 1, 1), dt.date(2025, 1, 1), "王建国", dt.date(2025, 2, 1)]
    rows = [
        [*GOOD[:5], "east", *GOOD[6:], *clearance, "2027-12-31"],
        ["A002", "李四", "", _position_label("clerk"), "", "", "", "否", "否"],
    ]
    report = roster.import_roster(_xlsx(rows), by=supervisor)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (1, 1, 0)
    created = Staff.objects.get(employee_no="A001")
    assert created.team == teams["东楼服务组"]
    assert created.home_building.code == "east"
    assert created.skills == ["tea", "cleaning"]
    assert created.is_group_leader and not created.is_env_supervisor
    assert created.authorised_until == dt.date(2027, 12, 31)
    assert created.is_authorised_on(NOW.date())
    assert Staff.objects.get(employee_no="A002").name == "李四"
    assert AuditEntry.objects.filter(action="roster_import").count() == 2


def test_a_file_with_bad_rows_reports_each_line_and_writes_nothing(supervisor, teams):
    Staff.objects.create(employee_no="A002", name="旧名", position=Position.CLERK)
    rows = [
        ["A002", "新名", "", "clerk", "", "", "", "否", "否"],  # line 2: fine
        ["A003", "", "12345", "厨师", "不存在的组", "火星", "唱歌", "也许", "否"],  # line 3
        [],  # line 4: empty, skipped
        ["A002", "重复", "", "clerk", "", "", "", "否", "否", "昨天"],  # line 5
    ]
    report = roster.import_roster(_xlsx(rows), by=supervisor)
    lines = {line for line, _message in report.errors}
    assert lines == {3, 5}
    line_3 = [message for line, message in report.errors if line == 3]
    assert len(line_3) == 7  # name, phone, position, team, building, skill, group leader
    assert any("A002" in message for line, message in report.errors if line == 5)
    assert Staff.objects.get(employee_no="A002").name == "旧名"
    assert Staff.objects.count() == 1


def test_export_then_import_of_the_same_file_changes_nothing(client, supervisor, db, role_groups):
    load_staff(demo._load_users(), NOW)
    client.force_login(supervisor)
    exported = client.get(reverse("roster-export")).content
    before = list(Staff.objects.order_by("pk").values())
    report = roster.import_roster(SimpleUploadedFile("roster.xlsx", exported), by=supervisor)
    assert report.errors == []
    assert (report.created, report.updated, report.unchanged) == (0, 0, 60)
    assert list(Staff.objects.order_by("pk").values()) == before


def test_the_import_page_shows_the_errors_and_the_supervisor_is_told_of_success(
    client, supervisor, teams
):
    client.force_login(supervisor)
    url = reverse("roster-import")
    response = client.post(url, {"file": _xlsx([GOOD, ["A009", "", "", "", "", "", "", "", ""]])})
    assert response.status_code == 400
    assert 'data-line="3"' in response.content.decode()
    assert not Staff.objects.exists()
    response = client.post(url, {"file": _xlsx([GOOD])}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("roster")
    assert Staff.objects.filter(employee_no="A001").exists()


@pytest.mark.parametrize(
    ("upload", "reason"),
    [
        (SimpleUploadedFile("roster.csv", b"a,b\n"), "xlsx"),
        (SimpleUploadedFile("roster.xlsx", b"not a zip file"), "read"),
    ],
)
def test_files_that_are_not_xlsx_workbooks_are_refused(supervisor, upload, reason):
    with pytest.raises(roster.RosterError):
        roster.import_roster(upload, by=supervisor)


def test_a_file_over_two_megabytes_is_refused_with_a_message(client, supervisor):
    client.force_login(supervisor)
    big = SimpleUploadedFile("roster.xlsx", b"0" * (roster.MAX_IMPORT_BYTES + 1))
    response = client.post(reverse("roster-import"), {"file": big})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert "2 MB" in response.context["form"].errors["file"][0]


def test_a_file_with_only_a_header_is_refused(supervisor):
    with pytest.raises(roster.RosterError):
        roster.import_roster(_xlsx([]), by=supervisor)
