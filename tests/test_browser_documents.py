"""The supervisor downloads last week's briefing from the browser (issue 7, "Done means"):
Debian's /usr/bin/chromium through Playwright against the live server (skipped without it
unless REQUIRE_BROWSER=1 or RUN_BROWSER=1). The page asks for the document, shows it waiting
(polling by itself), and once the sweeper has made it, the download is a Word file in the
official layout with its charts. Screenshots land in test-output/screenshots/."""

import datetime as dt
import io
import threading
from pathlib import Path

import pytest
from django.utils import timezone
from docx import Document as Docx
from docx.shared import Mm

from reports import services
from reports.models import Document, Status
from tests import test_browser as shared
from tests.test_browser import assert_no_csp_violations, shot
from tests.test_browser_duties import login, new_page

pytestmark = [pytest.mark.browser]

browser = shared.browser
building = shared.building

DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_the_supervisor_downloads_last_weeks_briefing(
    live_server, browser, supervisor, media, book
):
    today = timezone.localdate()
    last_week = today - dt.timedelta(days=7)
    monday = last_week - dt.timedelta(days=last_week.weekday())
    for n in range(3):  # a few meetings last week, so the charts have bars
        start = timezone.make_aware(dt.datetime.combine(monday + dt.timedelta(days=n), dt.time(9)))
        book(start=start, end=start + dt.timedelta(hours=2), now=start - dt.timedelta(days=2))
    context, page = new_page(browser, DESKTOP)
    try:
        base = live_server.url
        login(page, base, supervisor)
        page.goto(f"{base}/documents/")
        page.select_option("#id_kind", "weekly_briefing")
        page.fill("#id_day", last_week.isoformat())
        page.click("#generate-button")
        page.wait_for_selector("#documents-table tr[data-status=pending]")
        assert page.get_attribute("#documents-table-wrap", "data-waiting") == "1"
        shot(page, "documents-waiting.png")

        # The sweeper makes it (a worker would): the page notices by its own polling.
        (document,) = Document.objects.all()
        worker = threading.Thread(target=services.run_pending)
        worker.start()
        worker.join()
        assert Document.objects.get(pk=document.pk).status == Status.DONE
        page.wait_for_selector(f"#document-{document.pk}[data-status=done] a.btn-primary")
        shot(page, "documents-ready.png")
        with page.expect_download() as download_info:
            page.click(f"#document-{document.pk} a.btn-primary")
        download = download_info.value
        assert download.suggested_filename.startswith("每周业务简报-")
        content = Path(download.path()).read_bytes()
        assert_no_csp_violations(page)
    finally:
        context.close()
    word = Docx(io.BytesIO(content))
    section = word.sections[0]
    # Word keeps sizes in twips: compare to a twip (635 EMU).
    assert abs(section.page_width - Mm(210)) <= 635
    assert abs(section.page_height - Mm(297)) <= 635
    assert round(section.top_margin.mm) == 37 and round(section.left_margin.mm) == 28
    assert word.paragraphs[0].text == "每周业务简报"
    assert word.paragraphs[0].style.name == "Title"
    assert len(word.inline_shapes) >= 3  # the charts
