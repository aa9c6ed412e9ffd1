"""The polled boards' conditional refresh in a real browser: an unchanged poll is revalidated by
the browser itself and answered 304 (the server builds nothing), htmx still gets the cached
body, and a change made from another session shows on the next poll."""

import time

import pytest
from django.utils import timezone

from conference import board_etag, views_hotline, views_lobby
from inspections.incidents import report_incident
from inspections.models import Check, CheckStatus
from tests import test_browser as shared
from tests.test_browser_duties import login, new_page
from tests.test_browser_lobby import meeting_in_45_minutes

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

WALL = {"width": 1920, "height": 1080}


def _clear_of_a_minute_change():
    """The ETag includes the minute: start the polls early in a minute, so two polls share it."""
    if timezone.localtime().second > 40:
        time.sleep(61 - timezone.localtime().second)


def _board_builds(monkeypatch, module, name):
    """Count how often the server builds the board (the 304 path must not)."""
    real = getattr(module, name)
    calls = []

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, counting)
    return calls


@pytest.fixture
def answers(monkeypatch):
    """The status the server gave each board request (the live server runs in this process).
    Playwright reports what the XHR saw, which is 200 with the cached body after a 304."""
    real = board_etag.get_conditional_response
    statuses = []

    def recording(request, **kwargs):
        response = real(request, **kwargs)
        statuses.append(304 if response is not None else 200)
        return response

    monkeypatch.setattr(board_etag, "get_conditional_response", recording)
    return statuses


def _poll(page, answers, url_part: str, trigger: str) -> int:
    """Run one htmx poll; return the server's status for it."""
    before = len(answers)
    with page.expect_response(lambda r: url_part in r.url) as caught:
        page.evaluate(trigger)
    response = caught.value
    response.finished()
    assert response.status == 200  # what htmx sees, 304 or not
    if answers[before:] == [304]:
        # The browser revalidated on its own: it sent the tag, the server sent no body.
        assert response.request.all_headers().get("if-none-match")
        assert response.all_headers().get("content-length") == "0"
    return answers[before:][-1]


def test_the_lobby_board_polls_304_while_unchanged_and_refreshes_on_a_change(
    live_server, browser, lobby_manager, clerk, room, hosting_unit, building, monkeypatch, answers
):
    meeting = meeting_in_45_minutes(
        "条件刷新演示会", lobby_manager, clerk, room, hosting_unit, building
    )
    level3 = meeting.checks.get(level=3)
    builds = _board_builds(monkeypatch, views_lobby, "building_board")
    context, page = new_page(browser, WALL)
    try:
        base = live_server.url
        login(page, base, lobby_manager)
        _clear_of_a_minute_change()
        page.goto(f"{base}/lobby/")
        page.evaluate("window.__marker = 42")
        refresh = "htmx.trigger('#lobby-board', 'refresh')"
        assert (
            _poll(page, answers, "/lobby/board/", refresh) == 200
        )  # the first poll: body and ETag
        built = len(builds)
        assert _poll(page, answers, "/lobby/board/", refresh) == 304  # unchanged: revalidated
        assert len(builds) == built  # and nothing was built for it
        page.wait_for_timeout(200)
        # htmx got the cached body and swapped it in: the board is still whole.
        assert "条件刷新演示会" in page.locator(f"#lobby-meeting-{meeting.pk}").inner_text()
        assert page.locator(f"#check-{level3.pk}").get_attribute("data-state") == "pending"

        # Another session ticks the check off: the next poll brings the new board.
        Check.objects.filter(pk=level3.pk).update(status=CheckStatus.DONE, done_at=timezone.now())
        assert _poll(page, answers, "/lobby/board/", refresh) == 200
        page.wait_for_selector(f"#check-{level3.pk}[data-state='done']")
        assert page.evaluate("window.__marker") == 42
        assert not page.page_errors, page.page_errors
    finally:
        context.close()


def test_the_hotline_board_polls_304_while_unchanged_and_shows_a_new_incident(
    live_server, browser, make_user, supervisor, monkeypatch, answers
):
    from core.roles import Role

    hotline = make_user("hotline-etag", Role.HOTLINE)
    builds = _board_builds(monkeypatch, views_hotline, "hotline_board")
    context, page = new_page(browser, WALL)
    try:
        base = live_server.url
        login(page, base, hotline)
        _clear_of_a_minute_change()
        page.goto(f"{base}/hotline/")
        poll = "htmx.ajax('GET', '/hotline/board/', {target: '#hotline-board', swap: 'outerHTML'})"
        assert _poll(page, answers, "/hotline/board/", poll) == 200
        built = len(builds)
        assert _poll(page, answers, "/hotline/board/", poll) == 304
        assert len(builds) == built
        page.wait_for_timeout(200)
        assert page.locator("#hotline-board #section-open").count() == 1

        incident = report_incident(
            by=supervisor, category="other", severity="high", description="三楼走廊漏水"
        )
        assert _poll(page, answers, "/hotline/board/", poll) == 200
        page.wait_for_selector(f"#incident-{incident.pk}")
        assert "三楼走廊漏水" in page.locator(f"#incident-{incident.pk}").inner_text()
        assert not page.page_errors, page.page_errors
    finally:
        context.close()
