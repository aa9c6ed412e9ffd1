"""Document jobs (issue 7 points 6-8): every generation is a row, run by the sweeper; the
schedule's slots are made once; versions never overwrite; who may download what; the API."""

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.urls import reverse
from docx import Document as Docx
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.models import AuditEntry
from core.roles import Role
from core.timeutils import at
from reports import services
from reports.models import Document, Kind, Status
from tests.conftest import NOW

TODAY = NOW.date()  # Friday 27 November 2026
TOMORROW = TODAY + dt.timedelta(days=1)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def _docx(document: Document) -> Docx:
    with document.file.open("rb") as handle:
        return Docx(io.BytesIO(handle.read()))


def test_a_request_waits_until_the_sweeper_makes_the_file(media, clerk, book):
    book(start=at(TOMORROW, 9), end=at(TOMORROW, 11), title="预算工作会")
    document = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    assert (document.status, document.version, document.view) == (
        Status.PENDING,
        1,
        f"user:{clerk.pk}",
    )
    assert services.run_pending(now=NOW) == 1
    document.refresh_from_db()
    assert document.status == Status.DONE
    with document.file.open("rb") as handle:
        content = handle.read()
    assert document.checksum == hashlib.sha256(content).hexdigest()
    assert document.size == len(content)
    text = "\n".join(p.text for p in _docx(document).paragraphs)
    assert "每日服务通知" in text
    actions = list(
        AuditEntry.objects.filter(object_id=str(document.pk), action__startswith="document")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["document_requested", "document_done"]


def test_regenerating_makes_a_new_version_and_keeps_the_old_file(media, clerk, book):
    book(start=at(TOMORROW, 9), end=at(TOMORROW, 11))
    first = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    services.run_pending(now=NOW)
    second = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    services.run_pending(now=NOW)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.version, second.version) == (1, 2)
    assert first.file.name != second.file.name
    assert first.file.storage.exists(first.file.name)
    assert second.file.storage.exists(second.file.name)


def test_a_sweeper_pass_claims_each_row_once(media, clerk):
    document = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    assert services.generate(document.pk, now=NOW) is not None
    assert services.generate(document.pk, now=NOW) is None  # done: nobody claims it again
    assert services.run_pending(now=NOW) == 0


def test_bad_requests_are_refused_and_nothing_is_saved(clerk):
    from reports.errors import DocumentError

    with pytest.raises(DocumentError) as refused:
        services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=None, now=NOW)
    assert "date" in refused.value.fields
    with pytest.raises(DocumentError) as refused:
        services.request_document(by=clerk, kind=Kind.NAME_PLATES, meeting=None, now=NOW)
    assert "meeting" in refused.value.fields
    with pytest.raises(DocumentError):
        services.request_document(by=clerk, kind="minutes", day=TODAY, now=NOW)
    assert not Document.objects.exists()


@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        (at(TODAY, 6, 59), []),
        # The morning's notice is still made later in the day if the system was down at 07:00.
        (at(TODAY, 16, 29), [f"daily_notice:{TODAY}:07:00"]),
        (at(TODAY, 16, 30), [f"daily_notice:{TODAY}:07:00", f"daily_notice:{TOMORROW}:16:30"]),
        (at(TOMORROW, 7, 0), [f"daily_notice:{TOMORROW}:07:00"]),
    ],
)
def test_the_schedule_slots_due_at_a_moment(moment, expected):
    slots = [key for key, _kind, _day in services.due_slots(moment)]
    assert sorted(s for s in slots if s.startswith("daily_notice")) == sorted(expected)


def test_tomorrows_notice_appears_by_itself_at_half_past_four_once(media, role_groups, book):
    book(start=at(TOMORROW, 9), end=at(TOMORROW, 11))
    services.run_documents(now=at(TODAY, 16, 29))
    assert not Document.objects.filter(period_start=TOMORROW).exists()
    with time_machine.travel(at(TODAY, 16, 30), tick=False):
        services.run_documents()
        services.run_documents()  # a second beat, or a second worker: the slot is made once
    (notice,) = Document.objects.filter(period_start=TOMORROW)
    assert (notice.kind, notice.period_start, notice.slot) == (
        Kind.DAILY_NOTICE,
        TOMORROW,
        f"daily_notice:{TOMORROW}:16:30",
    )
    assert notice.status == Status.DONE
    # A scheduled document is made for its audience's role, and says so.
    assert notice.view == f"role:{Role.CLERK}"
    assert notice.requested_by is None


def test_mondays_briefing_slot_is_for_the_week_before():
    monday = TODAY + dt.timedelta(days=3)  # 30 November 2026
    slots = {key: (kind, day) for key, kind, day in services.due_slots(at(monday, 8, 0))}
    last_monday = monday - dt.timedelta(days=7)
    assert slots[f"weekly_briefing:{last_monday}"] == (Kind.WEEKLY_BRIEFING, last_monday)
    assert not any(k.startswith("weekly") for k, *_ in services.due_slots(at(monday, 7, 59)))


def test_a_generation_that_breaks_is_kept_failed_with_its_error(media, clerk, make_user):
    gone = make_user("gone", Role.CLERK)
    document = services.request_document(by=gone, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    gone.delete()  # the person it was made for no longer exists: their view cannot be built
    services.run_pending(now=NOW)
    document.refresh_from_db()
    assert document.status == Status.FAILED
    assert "does not exist" in document.error
    assert not document.file


def test_a_row_left_running_by_a_dead_worker_is_taken_up_again(media, clerk):
    document = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    Document.objects.filter(pk=document.pk).update(
        status=Status.RUNNING, started_at=NOW - dt.timedelta(minutes=11), attempts=1
    )
    services.run_pending(now=NOW)
    document.refresh_from_db()
    assert (document.status, document.attempts) == (Status.DONE, 2)


def test_a_row_that_keeps_dying_fails_after_three_attempts(media, clerk):
    document = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    Document.objects.filter(pk=document.pk).update(
        status=Status.RUNNING, started_at=NOW - dt.timedelta(minutes=11), attempts=3
    )
    services.run_pending(now=NOW)
    document.refresh_from_db()
    assert document.status == Status.FAILED


# --- who may download ---------------------------------------------------------------------------


def test_a_document_is_downloaded_by_whom_it_was_made_for(media, client, clerk, make_user):
    document = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    services.run_pending(now=NOW)
    url = reverse("document-download", args=[document.pk])
    client.force_login(clerk)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content)[:2] == b"PK"  # a .docx is a zip
    other_clerk = make_user("clerk-2", Role.CLERK)
    client.force_login(other_clerk)
    assert client.get(url).status_code == 404  # made for the first clerk's view


def test_a_scheduled_document_is_downloaded_by_its_role(media, client, role_groups, make_user):
    services.run_documents(now=at(TODAY, 16, 30))
    notice = Document.objects.get(period_start=TOMORROW)
    url = reverse("document-download", args=[notice.pk])
    client.force_login(make_user("clerk-3", Role.CLERK))
    assert client.get(url).status_code == 200
    client.force_login(make_user("attendant-3", Role.ATTENDANT))
    assert client.get(url).status_code == 404


def test_the_documents_page_generates_and_polls_while_waiting(media, client, clerk):
    client.force_login(clerk)
    response = client.post(
        reverse("document-generate"), {"kind": Kind.DAILY_NOTICE, "day": TOMORROW.isoformat()}
    )
    assert response.status_code == 302
    page = client.get(reverse("documents")).content.decode()
    assert 'hx-trigger="every 2s"' in page
    services.run_pending(now=NOW)
    page = client.get(reverse("documents")).content.decode()
    assert 'hx-trigger="every 2s"' not in page
    assert reverse("document-download", args=[Document.objects.get().pk]) in page


def test_the_documents_page_costs_the_same_queries_for_one_row_or_many(
    media, client, clerk, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(clerk)
    services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    client.get(reverse("documents"))
    with CaptureQueriesContext(connection) as one:
        client.get(reverse("documents"))
    for n in range(8):
        services.request_document(
            by=clerk, kind=Kind.BUREAU_REPORT, day=TODAY - dt.timedelta(days=n), now=NOW
        )
    with CaptureQueriesContext(connection) as many:
        client.get(reverse("documents"))
    assert len(many) == len(one)


def test_an_attendant_may_not_generate_the_briefing(client, make_user):
    client.force_login(make_user("attendant-4", Role.ATTENDANT))
    response = client.post(
        reverse("document-generate"), {"kind": Kind.WEEKLY_BRIEFING, "day": TODAY.isoformat()}
    )
    assert response.status_code in (302, 403)
    assert not Document.objects.exists()


# --- the API ------------------------------------------------------------------------------------


def _api(user) -> APIClient:
    api = APIClient()
    token, _created = Token.objects.get_or_create(user=user)
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return api


def test_the_api_requests_polls_and_downloads_with_the_same_token(media, supervisor, book):
    book(start=at(TOMORROW, 9), end=at(TOMORROW, 11))
    api = _api(supervisor)
    response = api.post(
        "/api/documents/", {"kind": "daily_notice", "date": TOMORROW.isoformat()}, format="json"
    )
    assert response.status_code == 202
    body = response.json()
    assert (body["status"], body["version"], body["download_url"]) == ("pending", 1, None)
    detail = f"/api/documents/{body['id']}/"
    assert response["Location"] == detail
    services.run_pending(now=NOW)
    polled = api.get(detail).json()
    assert polled["status"] == "done"
    download = api.get(polled["download_url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content)[:2] == b"PK"
    listed = api.get("/api/documents/", {"kind": "daily_notice"}).json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    "kind", ["daily_notice", "weekly_briefing", "bureau_report", "name_plates", "banner"]
)
def test_the_supervisor_may_generate_every_kind(media, supervisor, book, kind):
    meeting = book(start=at(TOMORROW, 9), end=at(TOMORROW, 11))
    payload = {"kind": kind}
    payload.update(
        {"meeting": meeting.pk}
        if kind in ("name_plates", "banner")
        else {"date": TOMORROW.isoformat()}
    )
    response = _api(supervisor).post("/api/documents/", payload, format="json")
    assert response.status_code == 202, response.json()


def test_the_api_refuses_bad_input_in_the_error_shape(supervisor, outsider):
    api = _api(supervisor)
    response = api.post("/api/documents/", {"kind": "daily_notice"}, format="json")
    assert response.status_code == 400
    assert "date" in response.json()["error"]["fields"]
    response = api.post("/api/documents/", {"kind": "minutes"}, format="json")
    assert response.status_code == 400
    assert (
        _api(outsider)
        .post("/api/documents/", {"kind": "daily_notice", "date": TODAY.isoformat()}, format="json")
        .status_code
        == 403
    )
    assert not Document.objects.exists()


def test_someone_elses_document_is_not_found_through_the_api(media, clerk, make_user):
    document = services.request_document(by=clerk, kind=Kind.DAILY_NOTICE, day=TOMORROW, now=NOW)
    other = make_user("clerk-5", Role.CLERK)
    assert _api(other).get(f"/api/documents/{document.pk}/").status_code == 404
