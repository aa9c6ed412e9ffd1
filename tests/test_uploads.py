"""Every upload is bounded before it is stored: a ceiling on the whole multipart request
(core.uploads), then each form's own limits (tests/test_roster_import.py for the roster,
tests/test_quality_services.py for the inspection photos)."""

import os

import pytest
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from core import uploads
from staffing.models import Staff
from tests.test_roster_import import _rezip, _xlsx

CEILING = "core.uploads.RequestCeilingHandler"
DJANGO_HANDLERS = [
    "django.core.files.uploadhandler.MemoryFileUploadHandler",
    "django.core.files.uploadhandler.TemporaryFileUploadHandler",
]


@pytest.fixture
def ceiling(settings, monkeypatch):
    settings.FILE_UPLOAD_HANDLERS = [CEILING, *DJANGO_HANDLERS]
    monkeypatch.setattr(uploads, "MAX_REQUEST_BYTES", 64 * 1024)


def _roster_of(size: int) -> SimpleUploadedFile:
    """A valid one-person roster, padded with an incompressible picture to about `size` bytes."""
    row = ["A001", "张三", "13912345678", "attendant", "", "", "", "否", "否"]
    padding = {"xl/media/image1.png": os.urandom(size)}
    return SimpleUploadedFile("roster.xlsx", _rezip(_xlsx([row]).read(), add=padding))


def test_a_request_over_the_ceiling_is_refused_before_it_is_read(client, supervisor, ceiling):
    client.force_login(supervisor)

    response = client.post(reverse("roster-import"), {"file": _roster_of(65 * 1024)})

    assert response.status_code == 400
    assert not Staff.objects.exists()


def test_the_same_file_under_the_ceiling_is_imported(client, supervisor, ceiling, monkeypatch):
    monkeypatch.setattr(uploads, "MAX_REQUEST_BYTES", 128 * 1024)
    client.force_login(supervisor)

    response = client.post(reverse("roster-import"), {"file": _roster_of(65 * 1024)})

    assert response.status_code == 302
    assert Staff.objects.filter(employee_no="A001").exists()


def test_a_request_under_the_ceiling_reaches_the_form_and_its_own_limits(
    client, supervisor, ceiling
):
    client.force_login(supervisor)
    small = SimpleUploadedFile("roster.xlsx", b"not a workbook")

    response = client.post(reverse("roster-import"), {"file": small})

    assert response.status_code == 400
    assert "无法将该文件读取为.xlsx工作簿" in response.context["form"].errors["file"][0]


def test_the_ceiling_is_far_above_every_upload_the_application_accepts():
    from quality import photos, views

    largest_form = views.FINDING_ROWS * photos.MAX_BYTES
    assert 4 * largest_form <= uploads.MAX_REQUEST_BYTES
    assert uploads.MAX_REQUEST_BYTES >= 4 * django_settings.ROSTER_IMPORT_MAX_BYTES


def test_the_ceiling_runs_before_the_handlers_that_store_files():
    assert [CEILING, *DJANGO_HANDLERS] == django_settings.FILE_UPLOAD_HANDLERS
