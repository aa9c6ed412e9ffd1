"""Quality inspections through their services: scores from weighted items, all-or-nothing
recording, corrective actions notified, closed once, reminded once when overdue, audited."""

import datetime as dt
import io
import struct
import zlib

import pytest
from django.conf import settings as django_settings
from PIL import Image

from bookings import services as booking_services
from bookings.models import Building
from core.models import AuditEntry, Notification
from core.roles import Role
from quality import services
from quality.errors import ActionClosedError, QualityError
from quality.models import (
    ActionStatus,
    AppliesTo,
    CorrectiveAction,
    Finding,
    Inspection,
    InspectionTemplate,
    ItemScore,
    TemplateItem,
)
from quality.sweepers import notify_overdue_actions
from staffing import services as staffing_services
from staffing.models import DutyRole, Position
from tests.conftest import NOW
from tests.staffing_factories import make_staff

DEFAULT_ITEMS = [
    ("仪容仪表、着装规范", 2),
    ("准时到岗", 2),
    ("会场准备", 2),
    ("茶水服务", 1),
    ("清洁卫生", 2),
]


# --- shared helpers (imported by the other quality test modules) ------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def checklist(db):
    """The default checklist of migration 0002 (laid again after a transactional flush)."""
    template, created = InspectionTemplate.objects.get_or_create(
        name="品质检查表", defaults={"applies_to": AppliesTo.BOTH}
    )
    if created:
        for position, (text, weight) in enumerate(DEFAULT_ITEMS, start=1):
            TemplateItem.objects.create(
                template=template, position=position, text=text, weight=weight
            )
    return template


def all_scored(template, value: int = 5) -> dict[int, int]:
    return {item.pk: value for item in template.items.all()}


def png_bytes(size=(8, 8), fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def upload(data: bytes, name: str = "photo.png", content_type: str = "image/png"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type=content_type)


@pytest.fixture
def office(create_room):
    from bookings.models import Room

    return create_room(number="A501", name="主任办公室", kind=Room.Kind.LEADER_OFFICE, capacity=4)


# --- scores ----------------------------------------------------------------------------------


def test_the_score_is_weighted_and_runs_from_0_to_100():
    assert services.weighted_score([(1, 1), (3, 1)]) == 0
    assert services.weighted_score([(1, 5), (3, 5)]) == 100
    assert services.weighted_score([(2, 3), (1, 3)]) == 50
    # 12.5 rounds half up to 13.
    assert services.weighted_score([(1, 1), (1, 2)]) == 13
    # Weights matter: the heavy item pulls the score.
    assert services.weighted_score([(3, 5), (1, 1)]) == 75


def test_an_inspection_of_a_meeting_is_scored_from_its_weighted_items(supervisor, book, checklist):
    meeting = book(start=NOW + dt.timedelta(hours=1))
    items = list(checklist.items.all())
    scores = {item.pk: value for item, value in zip(items, [5, 4, 3, 2, 1], strict=True)}
    inspection = services.record_inspection(
        by=supervisor, template=checklist, meeting=meeting, scores=scores, now=NOW
    )
    # Weights 2, 2, 2, 1, 2: points 2*4 + 2*3 + 2*2 + 1*1 + 2*0 = 19 of 9*4 = 36 -> 52.8 -> 53.
    assert inspection.score == 53
    assert inspection.room == meeting.room
    assert inspection.building == meeting.room.building
    rows = list(ItemScore.objects.filter(inspection=inspection).values_list("text", "score"))
    assert rows == [
        ("仪容仪表、着装规范", 5),
        ("准时到岗", 4),
        ("会场准备", 3),
        ("茶水服务", 2),
        ("清洁卫生", 1),
    ]
    entry = AuditEntry.objects.get(action="inspection_recorded")
    assert entry.object_id == str(inspection.pk)
    assert entry.actor == supervisor


def test_the_migration_seeds_the_default_checklist(db):
    template = InspectionTemplate.objects.get(name="品质检查表")
    assert [item.text for item in template.items.all()] == [text for text, _w in DEFAULT_ITEMS]


def test_the_people_on_duty_are_the_staff_inspected_by_default(supervisor, book, checklist):
    meeting = book(start=NOW + dt.timedelta(hours=1))
    on_duty = make_staff(home_building=meeting.room.building)
    make_staff(home_building=meeting.room.building)  # not on this meeting
    staffing_services.assign_duty(
        meeting, by=supervisor, staff=on_duty, role=DutyRole.ATTENDANT, now=NOW
    )
    inspection = services.record_inspection(
        by=supervisor, template=checklist, meeting=meeting, scores=all_scored(checklist), now=NOW
    )
    assert list(inspection.staff.all()) == [on_duty]


def test_an_office_is_inspected_without_a_meeting(supervisor, office, checklist):
    inspection = services.record_inspection(
        by=supervisor, template=checklist, room=office, scores=all_scored(checklist, 3), now=NOW
    )
    assert inspection.meeting is None
    assert inspection.score == 50
    assert inspection.staff.count() == 0


# --- refusals --------------------------------------------------------------------------------


def _nothing_saved():
    assert Inspection.objects.count() == 0
    assert Finding.objects.count() == 0
    assert CorrectiveAction.objects.count() == 0
    assert ItemScore.objects.count() == 0
    assert not AuditEntry.objects.filter(action__startswith="inspection").exists()
    assert not Notification.objects.filter(kind__startswith="quality").exists()


def test_bad_input_is_refused_field_by_field_with_nothing_saved(supervisor, book, checklist, media):
    meeting = book(start=NOW + dt.timedelta(hours=1))
    person = make_staff()
    items = list(checklist.items.all())
    scores = all_scored(checklist)
    scores[items[0].pk] = 6
    del scores[items[1].pk]
    findings = [
        {"text": "地面有水渍", "photo": upload(png_bytes())},  # fine, but must not be kept
        {"text": "", "assignee": person, "due_on": NOW.date()},  # an action without a finding
        {"text": "杯垫缺失", "assignee": person},  # no due date
        {"text": "假照片", "photo": upload(b"not an image at all", "fake.png")},
        {"text": "过期", "assignee": person, "due_on": NOW.date() - dt.timedelta(days=1)},
    ]
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=checklist,
            meeting=meeting,
            scores=scores,
            findings=findings,
            now=NOW,
        )
    fields = refused.value.fields
    assert set(fields) == {
        f"score-{items[0].pk}",
        f"score-{items[1].pk}",
        "finding-1-text",
        "finding-2-due_on",
        "finding-3-photo",
        "finding-4-due_on",
    }
    _nothing_saved()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_photo_larger_than_5_mb_is_refused_with_a_clear_message(
    supervisor, office, checklist, media
):
    big = upload(png_bytes() + b"\0" * (5 * 1024 * 1024))
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=checklist,
            room=office,
            scores=all_scored(checklist),
            findings=[{"text": "窗台积灰", "photo": big}],
            now=NOW,
        )
    assert "5 MB" in refused.value.fields["finding-0-photo"]
    _nothing_saved()


def test_a_text_file_named_like_a_picture_is_not_a_photo(supervisor, office, checklist, media):
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=checklist,
            room=office,
            scores=all_scored(checklist),
            findings=[{"text": "窗台积灰", "photo": upload(b"GIF89a....", "x.jpg", "image/jpeg")}],
            now=NOW,
        )
    assert "finding-0-photo" in refused.value.fields
    _nothing_saved()


def test_a_gif_is_refused_even_though_it_is_an_image(supervisor, office, checklist, media):
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=checklist,
            room=office,
            scores=all_scored(checklist),
            findings=[{"text": "窗台积灰", "photo": upload(png_bytes(fmt="GIF"), "x.gif")}],
            now=NOW,
        )
    assert "finding-0-photo" in refused.value.fields


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares its size and holds almost nothing: a decompression bomb's shape."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + chunk(b"IEND", b"")
    )


@pytest.mark.parametrize(
    "photo",
    [
        pytest.param(
            lambda: upload("窗台积灰，见附件。\n".encode() * 20, "x.jpg", "image/jpeg"),
            id="plain text named .jpg",
        ),
        pytest.param(
            lambda: upload(b"<html><script>alert(1)</script></html>", "x.png"),
            id="html named .png",
        ),
        # 81 megapixels: under Pillow's own bomb limit, over the 60 the check allows.
        pytest.param(lambda: upload(_png_header_only(9000, 9000)), id="81-megapixel png"),
    ],
)
def test_a_photo_is_judged_by_its_content_not_its_name(supervisor, office, checklist, media, photo):
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=checklist,
            room=office,
            scores=all_scored(checklist),
            findings=[{"text": "窗台积灰", "photo": photo()}],
            now=NOW,
        )
    assert "JPEG、PNG或WebP" in refused.value.fields["finding-0-photo"]
    _nothing_saved()
    assert not media.exists() or not any(media.rglob("*.*"))


def test_a_meeting_room_is_inspected_with_its_meeting_not_as_an_office(supervisor, room, checklist):
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor, template=checklist, room=room, scores=all_scored(checklist), now=NOW
        )
    assert "room" in refused.value.fields
    with pytest.raises(QualityError) as refused:
        services.record_inspection(by=supervisor, template=checklist, scores={}, now=NOW)
    assert "meeting" in refused.value.fields
    _nothing_saved()


def test_a_cancelled_meeting_or_an_office_only_checklist_is_refused(supervisor, book, checklist):
    meeting = book(start=NOW + dt.timedelta(hours=1))
    offices_only = InspectionTemplate.objects.create(
        name="办公室检查", applies_to=AppliesTo.OFFICES
    )
    TemplateItem.objects.create(template=offices_only, position=1, text="桌面整洁")
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=offices_only,
            meeting=meeting,
            scores=all_scored(offices_only),
            now=NOW,
        )
    assert "template" in refused.value.fields
    booking_services.cancel_meeting(meeting, by=supervisor, reason="取消", now=NOW)
    meeting.refresh_from_db()
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=checklist,
            meeting=meeting,
            scores=all_scored(checklist),
            now=NOW,
        )
    assert "meeting" in refused.value.fields
    _nothing_saved()


def test_a_lobby_manager_does_not_inspect_another_building(
    lobby_manager, book, checklist, building
):
    east = Building.objects.create(code="east-q", name="东楼")
    make_staff(user=lobby_manager, position=Position.LOBBY_MANAGER, home_building=east)
    meeting = book(start=NOW + dt.timedelta(hours=1))  # in the conference building
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=lobby_manager,
            template=checklist,
            meeting=meeting,
            scores=all_scored(checklist),
            now=NOW,
        )
    assert refused.value.code == "forbidden"
    _nothing_saved()


def test_files_written_before_a_failure_are_removed(
    supervisor, office, checklist, media, monkeypatch
):
    person = make_staff()

    def broken(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(services, "_create_action", broken)
    with pytest.raises(RuntimeError):
        services.record_inspection(
            by=supervisor,
            template=checklist,
            room=office,
            scores=all_scored(checklist),
            findings=[
                {
                    "text": "窗台积灰",
                    "photo": upload(png_bytes()),
                    "assignee": person,
                    "due_on": NOW.date(),
                }
            ],
            now=NOW,
        )
    _nothing_saved()
    assert not any(media.rglob("*.png"))


# --- findings, photos and actions --------------------------------------------------------------


def record_with_action(by, template, room, assignee, *, due_on=None, photo=None, now=NOW):
    finding = {
        "text": "茶杯摆放不整齐",
        "assignee": assignee,
        "due_on": due_on or now.date() + dt.timedelta(days=2),
        "action": "按标准重新摆放",
    }
    if photo is not None:
        finding["photo"] = photo
    inspection = services.record_inspection(
        by=by,
        template=template,
        room=room,
        scores=all_scored(template, 4),
        findings=[finding],
        now=now,
    )
    return inspection, CorrectiveAction.objects.get(finding__inspection=inspection)


def test_a_finding_keeps_its_photo_under_a_name_of_its_own(
    supervisor, office, checklist, media, make_user
):
    person = make_staff(user=make_user("cleaner", Role.ATTENDANT))
    inspection, action = record_with_action(
        supervisor, checklist, office, person, photo=upload(png_bytes(), "../../etc/passwd.jpg")
    )
    finding = inspection.findings.get()
    assert finding.photo.name.startswith("quality/findings/")
    assert finding.photo.name.endswith(".png")  # the real format, not the name sent
    assert (media / finding.photo.name).exists()
    assert action.status == ActionStatus.OPEN
    assert action.text == "按标准重新摆放"


def phone_jpeg(size=(40, 20), orientation=6) -> bytes:
    """A JPEG as a phone writes it: GPS position and camera in EXIF, the picture stored on its
    side with the Orientation tag saying how to turn it (6: 90 degrees clockwise)."""
    exif = Image.Exif()
    exif[0x0112] = orientation  # Orientation
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (39.0, 54.0, 27.0), 3: "E", 4: (116.0, 23.0, 17.0)}  # GPSInfo
    buffer = io.BytesIO()
    Image.new("RGB", size, (30, 120, 200)).save(buffer, format="JPEG", exif=exif)
    return buffer.getvalue()


def stored_photo(media, inspection) -> Image.Image:
    finding = inspection.findings.get()
    image = Image.open(media / finding.photo.name)
    image.load()
    return image


def test_a_stored_photo_keeps_no_gps_position_or_camera_and_stands_upright(
    supervisor, office, checklist, media, make_user
):
    original = Image.open(io.BytesIO(phone_jpeg()))
    assert original.getexif().get_ifd(0x8825)  # the upload does carry a position
    person = make_staff(user=make_user("cleaner", Role.ATTENDANT))
    inspection, _action = record_with_action(
        supervisor, checklist, office, person, photo=upload(phone_jpeg(), "IMG_0001.jpg")
    )
    image = stored_photo(media, inspection)
    assert image.format == "JPEG"
    assert not image.getexif().get_ifd(0x8825)
    assert dict(image.getexif()) == {}
    assert image.size == (20, 40)  # turned as the Orientation tag said


def test_bytes_hidden_after_the_picture_are_not_stored(
    supervisor, office, checklist, media, make_user
):
    payload = b"<script>alert(1)</script>"
    person = make_staff(user=make_user("cleaner", Role.ATTENDANT))
    inspection, _action = record_with_action(
        supervisor, checklist, office, person, photo=upload(png_bytes() + payload)
    )
    finding = inspection.findings.get()
    assert payload not in (media / finding.photo.name).read_bytes()


def test_a_jpeg_cut_off_half_way_is_refused_and_nothing_is_stored(
    supervisor, office, checklist, media
):
    whole = phone_jpeg(size=(400, 300))
    with pytest.raises(QualityError) as refused:
        services.record_inspection(
            by=supervisor,
            template=checklist,
            room=office,
            scores=all_scored(checklist, 4),
            findings=[{"text": "窗台积灰", "photo": upload(whole[: len(whole) // 2], "x.jpg")}],
            now=NOW,
        )
    assert "finding-0-photo" in refused.value.fields
    assert not Inspection.objects.exists()
    assert not any(media.rglob("*.jpg"))


def test_the_assignee_with_a_login_is_notified_once(supervisor, office, checklist, make_user):
    login = make_user("cleaner", Role.ATTENDANT)
    person = make_staff(user=login)
    _inspection, action = record_with_action(supervisor, checklist, office, person)
    notes = Notification.objects.filter(recipient=login, kind="quality_action")
    assert notes.count() == 1
    assert "/quality/actions/" in notes.get().url
    audit = AuditEntry.objects.get(action="action_assigned")
    assert audit.object_id == str(action.pk)
    assert audit.to_state == "open"


def test_an_assignee_without_a_login_still_gets_the_action(supervisor, office, checklist):
    person = make_staff()
    _inspection, action = record_with_action(supervisor, checklist, office, person)
    assert action.assignee == person
    assert not Notification.objects.filter(kind="quality_action").exists()


def test_an_action_is_added_to_a_finding_later(supervisor, office, checklist, make_user):
    login = make_user("cleaner", Role.ATTENDANT)
    person = make_staff(user=login)
    inspection = services.record_inspection(
        by=supervisor,
        template=checklist,
        room=office,
        scores=all_scored(checklist),
        findings=[{"text": "地毯有污渍"}],
        now=NOW,
    )
    finding = inspection.findings.get()
    with pytest.raises(QualityError) as refused:
        services.add_action(finding, by=supervisor, assignee=None, due_on=None, now=NOW)
    assert set(refused.value.fields) == {"assignee", "due_on"}
    action = services.add_action(
        finding, by=supervisor, assignee=person, due_on=NOW.date(), text="清洗地毯", now=NOW
    )
    assert action.created_by == supervisor
    assert Notification.objects.filter(recipient=login, kind="quality_action").count() == 1


def test_closing_an_action_twice_is_refused_cleanly(supervisor, office, checklist, make_user):
    login = make_user("cleaner", Role.ATTENDANT)
    person = make_staff(user=login)
    _inspection, action = record_with_action(supervisor, checklist, office, person)
    with pytest.raises(QualityError) as refused:
        services.close_action(action, by=login, note="  ", now=NOW)
    assert "note" in refused.value.fields

    later = NOW + dt.timedelta(hours=3)
    services.close_action(action, by=login, note="已重新摆放", now=later)
    action.refresh_from_db()
    assert action.status == ActionStatus.DONE
    assert action.closed_at == later
    assert action.closed_by == login
    assert action.closing_note == "已重新摆放"

    stale = CorrectiveAction.objects.get(pk=action.pk)
    with pytest.raises(ActionClosedError):
        services.close_action(stale, by=supervisor, note="我也关", now=later)
    action.refresh_from_db()
    assert action.closed_by == login
    closed = AuditEntry.objects.filter(action="action_closed", object_id=str(action.pk))
    assert closed.count() == 1
    assert (closed.get().from_state, closed.get().to_state) == ("open", "done")
    # The inspector hears that the assignee closed it.
    assert (
        Notification.objects.filter(recipient=supervisor, kind="quality_action_done").count() == 1
    )


# --- the overdue sweeper ---------------------------------------------------------------------


def test_an_overdue_action_is_reminded_once(supervisor, office, checklist, make_user):
    login = make_user("cleaner", Role.ATTENDANT)
    person = make_staff(user=login)
    _i, overdue = record_with_action(supervisor, checklist, office, person, due_on=NOW.date())
    _i, _later = record_with_action(
        supervisor, checklist, office, person, due_on=NOW.date() + dt.timedelta(days=5)
    )
    _i, closed = record_with_action(supervisor, checklist, office, person, due_on=NOW.date())
    services.close_action(closed, by=login, note="已处理", now=NOW)

    assert notify_overdue_actions(now=NOW) == 0  # due today is not overdue yet
    next_day = NOW + dt.timedelta(days=1)
    assert notify_overdue_actions(now=next_day) == 1
    assert notify_overdue_actions(now=next_day + dt.timedelta(minutes=5)) == 0
    reminders = Notification.objects.filter(kind="quality_action_overdue")
    assert sorted(n.recipient.username for n in reminders) == ["cleaner", "supervisor"]
    overdue.refresh_from_db()
    assert overdue.overdue_notified_at == next_day
    assert AuditEntry.objects.filter(action="action_overdue_notified").count() == 1


def test_the_overdue_sweeper_runs_on_celery_beat():
    entries = [e["task"] for e in django_settings.CELERY_BEAT_SCHEDULE.values()]
    assert "quality.tasks.notify_overdue_actions" in entries
    from conference.celery import app

    app.loader.import_default_modules()
    assert "quality.tasks.notify_overdue_actions" in app.tasks


# --- the demo --------------------------------------------------------------------------------


def test_the_demo_lays_down_inspections_through_the_services(
    supervisor, attendant, clerk, book, office, checklist
):
    person = make_staff(user=attendant)
    yesterday = NOW - dt.timedelta(days=1)
    meetings = [
        book(start=yesterday + dt.timedelta(hours=h), now=yesterday - dt.timedelta(days=1))
        for h in (0, 3)
    ]
    for meeting in meetings:
        booking_services.confirm_meeting(meeting, by=clerk, now=yesterday - dt.timedelta(days=1))
    from quality import demo

    made = demo.load(NOW, {"supervisor": supervisor, "attendant": attendant})
    assert made == {"inspections": 3, "actions": 2}
    assert CorrectiveAction.objects.filter(status=ActionStatus.OPEN, assignee=person).count() == 1
    assert CorrectiveAction.objects.filter(status=ActionStatus.DONE).count() == 1
    assert Inspection.objects.filter(meeting__isnull=True).count() == 1
