"""docs/api.md's example, run as written against the test server (issue 9, "Done means"): a
script using only `requests` gets a token, finds a free room, books it, reads its three checks,
reschedules it and sees the checks move, cancels it, and finds it cancelled in the room's feed."""

import datetime as dt
import importlib.util
from pathlib import Path

import pytest
from django.core.cache import cache

from bookings.models import Meeting, MeetingStatus
from inspections.models import Check

EXAMPLE = Path(__file__).resolve().parent.parent / "docs" / "api_example.py"


def _example():
    spec = importlib.util.spec_from_file_location("api_example", EXAMPLE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.django_db(transaction=True)
def test_the_documented_example_runs_end_to_end(live_server, settings, clerk, room, hosting_unit):
    # Feed links are made on the public origin (SITE_URL): here, the test server.
    settings.SITE_URL = live_server.url
    cache.clear()  # the token endpoint's rate limit counts in the cache
    lines: list[str] = []
    result = _example().main(live_server.url, clerk.username, "pw-for-tests-only", say=lines.append)
    meeting = Meeting.objects.get(pk=result["meeting"])
    assert meeting.status == MeetingStatus.CANCELLED
    hour = dt.timedelta(hours=1)
    before = [dt.datetime.fromisoformat(v) for v in result["before"]]
    after = [dt.datetime.fromisoformat(v) for v in result["after"]]
    assert len(before) == len(after) == 3
    assert [b + hour for b in before] == after
    assert sorted(Check.objects.filter(meeting=meeting).values_list("due_at", flat=True)) == after
    assert result["feed_status"] == "CANCELLED"
    assert lines[-1] == "in the room's feed: STATUS:CANCELLED"
