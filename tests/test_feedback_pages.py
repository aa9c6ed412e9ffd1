"""The public feedback form (no login), the printable card, the meeting panel and the
supervisor's pages, with their query counts pinned."""

import datetime as dt
import re

import pytest
import segno
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext

from bookings.models import Confidentiality
from feedback import qr, services
from feedback.models import OVERALL, Answer, Complaint, ComplaintStatus
from staffing import services as staffing_services
from staffing.models import DutyRole
from tests import test_feedback_services as shared
from tests.conftest import NOW
from tests.staffing_factories import make_staff
from tests.test_feedback_services import rate_all

# The shared fixture: a confirmed meeting that ended yesterday.
past_meeting = shared.past_meeting

AFTER = NOW  # the meetings of past_meeting ended the day before
# Query counts of the supervisor's lists, whatever the number of rows.
PINNED_LIST = 6  # session, user, roles, bell; answers, ratings
PINNED_COMPLAINTS = 5  # session, user, roles, bell; complaints


@pytest.fixture
def at_now(time_machine):
    time_machine.move_to(AFTER, tick=False)


def _form_post(meeting, score=5, **extra):
    data = {f"rating-{key}": str(score) for key in services.services_for(meeting)}
    data.update(extra)
    return data


# --- the public form ----------------------------------------------------------------------------


def test_the_contact_opens_the_link_without_logging_in_and_the_page_is_chinese(
    client, past_meeting, at_now
):
    meeting = past_meeting(title="第四季度工作推进会")
    invitation = services.invite(meeting, now=AFTER)
    response = client.get(f"/f/{invitation.token}/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert response.status_code == 200
    assert response["Content-Language"] == "zh-hans"
    page = response.content.decode()
    assert 'lang="zh-CN"' in page
    assert "第四季度工作推进会" in page
    assert "2026年11月26日（星期四）" in page
    assert meeting.room.name in page
    # One 1-5 scale per service, each choice labelled in words, and nothing of the staff desk.
    for key in services.services_for(meeting):
        for score in range(1, 6):
            assert f'id="rating-{key}-{score}"' in page
            assert f'for="rating-{key}-{score}"' in page
    assert 'id="nav-items"' not in page and "/logout/" not in page
    assert 'name="viewport"' in page


@pytest.mark.parametrize("confidentiality", [Confidentiality.SECRET, Confidentiality.INTERNAL])
def test_a_secret_or_internal_title_never_reaches_the_public_page(
    client, past_meeting, at_now, confidentiality, supervisor
):
    meeting = past_meeting(title="机密人事研究会", confidentiality=confidentiality)
    invitation = services.invite(meeting, now=AFTER)
    client.force_login(supervisor)  # even a supervisor opening the public link sees the public face
    for response in (
        client.get(f"/f/{invitation.token}/"),
        client.post(f"/f/{invitation.token}/", {"comment": "少了评分"}),
    ):
        assert "机密人事研究会" not in response.content.decode()
    assert "机密人事研究会" not in services.invitation_email_body(invitation, meeting)


def test_csrf_works_for_an_anonymous_contact_and_a_forged_post_is_refused(past_meeting, at_now):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=AFTER)
    url = f"/f/{invitation.token}/"
    forged = Client(enforce_csrf_checks=True)
    assert forged.post(url, _form_post(meeting)).status_code == 403
    browser = Client(enforce_csrf_checks=True)
    page = browser.get(url)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode())[1]
    assert "csrftoken" in browser.cookies
    response = browser.post(url, {**_form_post(meeting, 4), "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert response["Location"] == f"/f/{invitation.token}/thanks/"
    assert browser.get(response["Location"]).status_code == 200
    assert Answer.objects.get().overall == 4


def test_a_bad_post_shows_the_form_again_with_the_choices_kept_and_saves_nothing(
    client, past_meeting, at_now
):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=AFTER)
    data = _form_post(meeting, 4, comment="茶水很好")
    data[f"rating-{OVERALL}"] = "6"
    response = client.post(f"/f/{invitation.token}/", data)
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="form-error"' in page and "茶水很好" in page
    first = services.services_for(meeting)[0]
    assert f'id="rating-{first}-4" value="4" checked' in page
    del data[f"rating-{OVERALL}"]
    assert client.post(f"/f/{invitation.token}/", data).status_code == 400
    assert not Answer.objects.exists()


def test_a_low_rating_through_the_form_reaches_the_supervisors_complaints(
    client, past_meeting, at_now, supervisor
):
    meeting = past_meeting()
    invitation = services.invite(meeting, now=AFTER)
    response = client.post(f"/f/{invitation.token}/", _form_post(meeting, 2, comment="音响有杂音"))
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    client.force_login(supervisor)
    listing = client.get("/feedback/complaints/").content.decode()
    assert f'data-complaint="{complaint.pk}"' in listing
    detail = client.get(f"/feedback/complaints/{complaint.pk}/")
    assert "音响有杂音" in detail.content.decode()
    replied = client.post(f"/feedback/complaints/{complaint.pk}/", {"reply": "已更换话筒"})
    assert replied.status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == ComplaintStatus.REPLIED and complaint.reply == "已更换话筒"


def test_an_answered_link_and_an_expired_one_say_so(client, past_meeting, time_machine):
    answered, old = past_meeting(), past_meeting(start=NOW - dt.timedelta(days=10))
    first = services.invite(answered, now=AFTER)
    services.submit(first.token, rate_all(answered), now=AFTER)
    second = services.invite(old, now=old.start)
    time_machine.move_to(AFTER, tick=False)
    response = client.get(f"/f/{first.token}/")
    assert response.status_code == 200 and 'data-code="answered"' in response.content.decode()
    again = client.post(f"/f/{first.token}/", _form_post(answered))
    assert 'data-code="answered"' in again.content.decode()
    expired = client.get(f"/f/{second.token}/")
    assert expired.status_code == 410 and 'data-code="expired"' in expired.content.decode()
    assert client.get("/f/not-a-real-token-12345/").status_code == 404
    assert Answer.objects.count() == 1


# --- the card and the panel -----------------------------------------------------------------------


def test_a_clerk_makes_the_link_and_prints_the_card_with_its_qr_code(client, clerk, book):
    meeting = book(now=NOW)
    client.force_login(clerk)
    assert "make-link" in client.get(f"/meetings/{meeting.pk}/feedback-card/").content.decode()
    client.post(f"/meetings/{meeting.pk}/feedback-card/")
    invitation = meeting.feedback_invitation
    link = services.link_for(invitation)
    page = client.get(f"/meetings/{meeting.pk}/feedback-card/").content.decode()
    assert link in page
    assert f'src="{qr.svg_data_uri(link)}"' in page.replace("&#x27;", "'")


def test_the_qr_code_is_made_from_the_exact_link():
    link = "http://127.0.0.1:8000/f/AbCdEfGhIjKlMnOpQrStUvWxYz012345/"
    code = segno.make(link, error="m", micro=False)
    assert qr.make(link).matrix == code.matrix
    assert qr.svg_data_uri(link) == code.svg_data_uri(scale=4, border=4)
    png = qr.png_bytes(link)
    assert png.startswith(b"\x89PNG\r\n\x1a\n")
    import io

    expected = io.BytesIO()
    code.save(expected, kind="png", scale=10, border=4)
    assert png == expected.getvalue()
    assert qr.make(link + "x").matrix != code.matrix


def test_who_may_print_the_card(client, book, outsider, attendant, supervisor, lobby_manager):
    meeting = book(now=NOW)
    url = f"/meetings/{meeting.pk}/feedback-card/"
    for user, status in ((outsider, 403), (attendant, 403), (lobby_manager, 200)):
        client.force_login(user)
        assert client.get(url).status_code == status, user
    # The attendant serving the meeting hands the card over.
    person = make_staff(user=attendant, days=[meeting.start.date()])
    staffing_services.assign_duty(
        meeting, by=supervisor, staff=person, role=DutyRole.ATTENDANT, now=NOW
    )
    client.force_login(attendant)
    assert client.get(url).status_code == 200
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_meeting_page_shows_the_feedback_state_ratings_and_the_card_link(
    client, clerk, past_meeting, at_now, outsider
):
    meeting = past_meeting()
    client.force_login(clerk)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert f"/meetings/{meeting.pk}/feedback-card/" in page
    assert 'id="feedback-state"' in page
    invitation = services.invite(meeting, now=AFTER)
    services.submit(invitation.token, rate_all(meeting, 4, **{OVERALL: 3}), now=AFTER)
    page = client.get(f"/meetings/{meeting.pk}/").content.decode()
    assert 'id="feedback-ratings"' in page and "<strong>3</strong>/5" in page
    client.force_login(outsider)
    assert 'id="feedback-ratings"' not in client.get(f"/meetings/{meeting.pk}/").content.decode()


# --- the supervisor's lists -------------------------------------------------------------------


def test_only_the_supervisor_reads_feedback_and_complaints(client, clerk, attendant):
    for user in (clerk, attendant):
        client.force_login(user)
        assert client.get("/feedback/").status_code == 403
        assert client.get("/feedback/complaints/").status_code == 403


def test_open_complaints_come_first_and_an_overdue_one_is_said_in_words(
    client, past_meeting, supervisor, time_machine
):
    meetings = [past_meeting(start=NOW - dt.timedelta(days=d, hours=4)) for d in (1, 6)]
    for meeting in meetings:
        services.submit(
            services.invite(meeting, now=meeting.end).token,
            rate_all(meeting, 1),
            now=meeting.end + dt.timedelta(hours=1),
        )
    recent, old = (Complaint.objects.get(meeting=m) for m in meetings)
    services.reply(recent, by=supervisor, text="已处理", now=recent.opened_at)
    time_machine.move_to(AFTER, tick=False)
    client.force_login(supervisor)
    page = client.get("/feedback/complaints/").content.decode()
    assert page.index(f'data-complaint="{old.pk}"') < page.index(f'data-complaint="{recent.pk}"')
    row = page[page.index(f'data-complaint="{old.pk}"') :].split("</tr>")[0]
    assert "overdue" in row and gettext("Overdue") in row


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_lists_query_counts_do_not_grow_with_rows(client, past_meeting, supervisor):
    client.force_login(supervisor)

    def answer(i):
        meeting = past_meeting(start=NOW - dt.timedelta(days=1, hours=3 * i))
        services.submit(services.invite(meeting, now=NOW).token, rate_all(meeting, 2), now=NOW)

    answer(0)
    one = {url: _queries(client, url) for url in ("/feedback/", "/feedback/complaints/")}
    for i in range(1, 4):
        answer(i)
    many = {url: _queries(client, url) for url in ("/feedback/", "/feedback/complaints/")}
    assert many == one
    assert one["/feedback/"] == PINNED_LIST, one
    assert one["/feedback/complaints/"] == PINNED_COMPLAINTS, one
