"""The roster import: all rows or none, each bad line reported, limits on the file."""

import datetime as dt
import io
import struct
import zipfile

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from bookings.models import Building
from conference import demo
from conference.demo_staff import load_staff
from core import audit
from core.models import AuditEntry
from staffing import roster, roster_file
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
        (SimpleUploadedFile("roster.csv", b"a,b\n"), "只能导入.xlsx"),
        (SimpleUploadedFile("roster.xlsx", b"not a zip file"), "无法将该文件读取"),
    ],
)
def test_files_that_are_not_xlsx_workbooks_are_refused(supervisor, upload, reason):
    with pytest.raises(roster.RosterError, match=reason):
        roster.import_roster(upload, by=supervisor)


def test_a_file_over_two_megabytes_is_refused_with_a_message(client, supervisor):
    client.force_login(supervisor)
    big = SimpleUploadedFile("roster.xlsx", b"0" * (2 * 1024 * 1024 + 1))
    response = client.post(reverse("roster-import"), {"file": big})
    assert response.status_code == 400
    assert response.context["form"].errors["file"]
    assert "2 MB" in response.context["form"].errors["file"][0]


def test_a_file_with_only_a_header_is_refused(supervisor):
    with pytest.raises(roster.RosterError):
        roster.import_roster(_xlsx([]), by=supervisor)


# --- the file itself: type, size, content (issue 10) ----------------------------------------

NOT_A_WORKBOOK = "无法将该文件读取为.xlsx工作簿"
# Well-formed up to the third row: openpyxl streams the sheet, so this only fails while reading.
BROKEN_LATER = (
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<dimension ref="A1:B3"/><sheetData>'
    b'<row r="1"><c r="A1" t="inlineStr"><is><t>x</t></is></c></row>'
    b'<row r="2"><c r="A2" t="inlineStr"><is><t>A001</t></is></c></row>'
    b'<row r="3"><c r="A3"><v>1</v></c></rowww></sheetData></worksheet>'
)


def _rezip(workbook: bytes, *, drop=(), add=None, replace=None) -> bytes:
    """The same workbook's parts, with some dropped, added or replaced."""
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(workbook)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for item in source.infolist():
            if item.filename in drop:
                continue
            data = (replace or {}).get(item.filename) or source.read(item)
            target.writestr(item.filename, data)
        for name, data in (add or {}).items():
            target.writestr(name, data)
    return out.getvalue()


def _refused(supervisor, data: bytes, name: str = "roster.xlsx") -> str:
    with pytest.raises(roster.RosterError) as refused:
        roster.import_roster(SimpleUploadedFile(name, data), by=supervisor)
    assert not Staff.objects.exists()
    return refused.value.message


@pytest.mark.parametrize("name", ["roster.xls", "roster.csv", "roster.xlsx.exe", "roster"])
def test_a_valid_workbook_under_another_name_is_refused_by_its_extension(supervisor, teams, name):
    message = _refused(supervisor, _xlsx([GOOD]).read(), name)

    assert "只能导入.xlsx文件" in message


def test_the_size_limit_comes_from_the_setting(supervisor, teams, settings):
    workbook = _xlsx([GOOD]).read()
    settings.ROSTER_IMPORT_MAX_BYTES = len(workbook) - 1

    message = _refused(supervisor, workbook)

    assert "MB" in message
    settings.ROSTER_IMPORT_MAX_BYTES = len(workbook)
    assert roster.import_roster(SimpleUploadedFile("r.xlsx", workbook), by=supervisor).ok


@pytest.mark.parametrize(
    "content",
    [
        pytest.param(lambda book: b"\x89PNG\r\n\x1a\n" + b"\0" * 64, id="a picture"),
        pytest.param(lambda book: "工号,姓名\nA001,张三\n".encode(), id="csv text"),
        pytest.param(lambda book: b"\xd0\xcf\x11\xe0" + b"\0" * 508, id="an old .xls"),
        pytest.param(lambda book: _rezip(book, drop=["xl/workbook.xml"]), id="a zip, no workbook"),
        pytest.param(
            lambda book: _rezip(
                book,
                replace={
                    "[Content_Types].xml": zipfile.ZipFile(io.BytesIO(book))
                    .read("[Content_Types].xml")
                    .replace(
                        b"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main",
                        b"application/vnd.ms-excel.sheet.macroEnabled.main",
                    )
                },
            ),
            id="macro-enabled",
        ),
        pytest.param(
            lambda book: _rezip(book, replace={"xl/worksheets/sheet1.xml": b"<worksheet><sheetD"}),
            id="a broken sheet",
        ),
        pytest.param(
            lambda book: _rezip(book, replace={"xl/worksheets/sheet1.xml": BROKEN_LATER}),
            id="a sheet broken after its first rows",
        ),
    ],
)
def test_a_file_named_xlsx_whose_content_is_not_a_plain_workbook_is_refused(
    supervisor, teams, content
):
    message = _refused(supervisor, content(_xlsx([GOOD]).read()))

    assert NOT_A_WORKBOOK in message


def test_a_zip_bomb_is_refused_from_its_directory_without_being_inflated(
    supervisor, teams, monkeypatch
):
    # 64 MB of zeros deflate to about 64 KB: far under the upload limit, far over the unpacked one.
    bomb = _rezip(_xlsx([GOOD]).read(), add={"xl/media/image1.png": bytes(64 * 2**20)})
    assert len(bomb) < 200_000

    def never(*args, **kwargs):
        raise AssertionError("openpyxl was handed the bomb")

    monkeypatch.setattr("openpyxl.load_workbook", never)
    monkeypatch.setattr(zipfile.ZipFile, "read", never)  # not even [Content_Types].xml is read
    message = _refused(supervisor, bomb)

    assert "20 MB" in message


def test_a_zip_that_lies_about_its_unpacked_size_is_refused_not_inflated(supervisor, teams):
    # The sheet's directory entries claim 1 KB; inflating it would yield 64 MB. zipfile stops at
    # the declared size and fails the checksum, so the lie costs no memory.
    sheet = b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    huge = sheet + b" " * (64 * 2**20) + b"</worksheet>"
    bomb = _rezip(_xlsx([GOOD]).read(), replace={"xl/worksheets/sheet1.xml": huge})
    bomb = _declare_size(bomb, "xl/worksheets/sheet1.xml", 1024)

    assert NOT_A_WORKBOOK in _refused(supervisor, bomb)


def _declare_size(data: bytes, name: str, size: int) -> bytes:
    """Rewrite the uncompressed size of `name` in its local header and its directory entry."""
    data = bytearray(data)
    encoded = name.encode()
    for signature, size_at, name_at in ((b"PK\x03\x04", 22, 30), (b"PK\x01\x02", 24, 46)):
        start = 0
        while (start := data.find(signature, start)) != -1:
            if data[start + name_at : start + name_at + len(encoded)] == encoded:
                data[start + size_at : start + size_at + 4] = struct.pack("<I", size)
            start += 4
    return bytes(data)


def test_an_entity_expansion_bomb_in_the_sheet_is_refused(supervisor, teams):
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE w [<!ENTITY a "lol">'
        + b"".join(
            f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">'.encode() for i in range(9)
        )
        + b']><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="2"><c r="A2" t="inlineStr"><is><t>&j;</t></is></c></row>'
        b"</sheetData></worksheet>"
    )
    bomb = _rezip(_xlsx([GOOD]).read(), replace={"xl/worksheets/sheet1.xml": laughs})

    assert NOT_A_WORKBOOK in _refused(supervisor, bomb)


def test_a_sheet_with_more_than_2000_rows_is_refused_before_anything_is_written(supervisor, teams):
    rows = [[f"B{n:04d}", "张三", "", "attendant", "", "", "", "否", "否"] for n in range(2001)]

    message = _refused(supervisor, _xlsx(rows).read())

    assert "2000" in message


def test_the_row_limit_counts_data_rows_not_the_header(supervisor, teams, monkeypatch):
    monkeypatch.setattr(roster_file, "MAX_ROWS", 3)
    row = ["", "张三", "", "attendant", "", "", "", "否", "否"]
    three = [[f"C{n}", *row[1:]] for n in range(3)]

    with pytest.raises(roster.RosterError, match="3"):
        roster.import_roster(_xlsx([*three, ["C9", *row[1:]]]), by=supervisor)
    assert not Staff.objects.exists()
    assert roster.import_roster(_xlsx(three), by=supervisor).created == 3


def test_a_failure_while_writing_leaves_neither_people_nor_audit_rows(
    supervisor, teams, monkeypatch
):
    rows = [GOOD, ["A002", "李四", "", "clerk", "", "", "", "否", "否"]]
    written = []
    record = audit.record

    def record_then_fail(obj, *args, **kwargs):
        if written:
            raise ConnectionError("the database went away")
        written.append(record(obj, *args, **kwargs))

    monkeypatch.setattr(audit, "record", record_then_fail)
    with pytest.raises(ConnectionError):
        roster.import_roster(_xlsx(rows), by=supervisor)

    assert written  # the first person and its audit row were written, then rolled back
    assert not Staff.objects.exists()
    assert not AuditEntry.objects.filter(action="roster_import").exists()


def test_the_import_page_shows_why_a_bomb_was_refused(client, supervisor, teams):
    client.force_login(supervisor)
    bomb = _rezip(_xlsx([GOOD]).read(), add={"xl/media/image1.png": bytes(64 * 2**20)})

    response = client.post(
        reverse("roster-import"), {"file": SimpleUploadedFile("roster.xlsx", bomb)}
    )

    assert response.status_code == 400
    assert "20 MB" in response.context["form"].errors["file"][0]
    assert not Staff.objects.exists()


def test_the_upload_limits_of_django_itself_are_kept_small():
    from django.conf import settings

    # Form fields in memory (a POST without files), and the size above which an uploaded file
    # goes to a temporary file instead of memory: Django's 2.5 MB defaults, or near them.
    assert 0 < settings.DATA_UPLOAD_MAX_MEMORY_SIZE <= 10 * 2**20
    assert 0 < settings.FILE_UPLOAD_MAX_MEMORY_SIZE <= 10 * 2**20
    assert settings.DATA_UPLOAD_MAX_NUMBER_FILES <= 100


def test_the_import_page_states_the_limits_in_force(client, supervisor, settings):
    settings.ROSTER_IMPORT_MAX_BYTES = 3 * 2**19  # 1.5 MB
    client.force_login(supervisor)

    page = client.get(reverse("roster-import")).content.decode()

    assert "1.5 MB" in page
    assert "2000" in page
