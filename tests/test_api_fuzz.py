"""Schema-driven fuzzing of the whole API (issue 9 point 4).

schemathesis reads /api/schema/ from the WSGI application and generates requests for every
operation, reads and writes, valid ("positive") and invalid ("negative"), once with a token for a
clerk who may not see the secret meeting and once with the supervisor's. Every answer must be
below 500, carry a documented status code and content type, and match its documented schema; no
answer to the clerk may carry the secret meeting's title or its incident's description.

Bounded so that the PostgreSQL pass of .ci/run stays within its budget: a fixed number of
examples per operation, mode and token (derandomized, so a run is repeatable), and a soft time
budget after which no more cases are sent (the run then passes on what it has checked and says
so on stderr). It runs in that pass only (RUN_SLOW=1 on PostgreSQL): the requests commit, as
in production, which a SQLite run under the embedded default gains nothing from.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from dataclasses import dataclass, field

import pytest
import schemathesis
from django.core.cache import cache
from django.utils import timezone
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from rest_framework.throttling import ScopedRateThrottle
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from bookings import services
from bookings.models import Confidentiality, Leader, LeaderRank
from bookings.visibility import title_for
from core.roles import Role
from inspections.incidents import report_incident
from inspections.models import Check, IncidentCategory, Severity
from tests.conftest import on_postgres
from tests.staffing_factories import make_staff

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        os.environ.get("RUN_SLOW") != "1",
        reason="fuzzes every API operation for a few minutes; "
        "runs in the PostgreSQL pass of .ci/run with RUN_SLOW=1",
    ),
]

SECRET_TITLE = "绝密专项会议XYZ"
SECRET_INCIDENT = "绝密会场XYZ的投影仪故障"
MAX_EXAMPLES = 15  # per operation, generation mode and token
# Soft budget for the whole run: once spent, the remaining cases return without a request.
# About 60 operations x 2 modes x 2 tokens x 15 examples take well under it on PostgreSQL.
BUDGET_SECONDS = 240
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _leaks(body: bytes) -> list[str]:
    """The secret strings found in a response body, raw or JSON-escaped."""
    found = []
    for secret in (SECRET_TITLE, SECRET_INCIDENT):
        escaped = json.dumps(secret)[1:-1]
        if secret.encode() in body or escaped.encode() in body:
            found.append(secret)
    return found


@pytest.fixture
def seeded(transactional_db, make_user, create_room, hosting_unit, settings, monkeypatch):
    """Rooms, a leader, a normal and a secret meeting (with its checks and an incident), and
    the two tokens. Requests commit (transactional_db), as they would in production."""
    settings.ALLOWED_HOSTS = ["localhost", "testserver"]
    # Generated token requests must not trip the throttle for the rest of the run.
    cache.clear()
    monkeypatch.setattr(ScopedRateThrottle, "allow_request", lambda self, request, view: True)

    supervisor = make_user("supervisor", Role.SUPERVISOR, Role.LOBBY_MANAGER)
    clerk = make_user("clerk", Role.CLERK)
    # The clerk role may view secret meetings, but a clerk linked to staff needs a valid
    # authorisation as well: this one has none.
    make_staff(user=clerk, authorised=False)
    attendant = make_user("attendant", Role.ATTENDANT)

    rooms = [create_room(number=n, capacity=c) for n, c in (("301", 30), ("502", 80), ("8F", 12))]
    leader = Leader.objects.create(
        name="张建国", title="副区长", rank=LeaderRank.DISTRICT, unit=hosting_unit
    )
    day = timezone.localdate() + dt.timedelta(days=3)
    tz = timezone.get_current_timezone()

    def at(hour):
        return dt.datetime.combine(day, dt.time(hour), tzinfo=tz)

    normal = services.book_meeting(
        by=clerk,
        room=rooms[0],
        title="季度工作例会",
        hosting_unit=hosting_unit,
        start=at(9),
        end=at(11),
        attendees=20,
    )
    secret = services.book_meeting(
        by=supervisor,
        room=rooms[1],
        title=SECRET_TITLE,
        hosting_unit=hosting_unit,
        start=at(14),
        end=at(16),
        attendees=40,
        leader=leader,
        leader_rank=LeaderRank.DISTRICT,
        confidentiality=Confidentiality.SECRET,
    )
    incident = report_incident(
        by=attendant,
        meeting=secret,
        category=IncidentCategory.EQUIPMENT,
        severity=Severity.HIGH,
        description=SECRET_INCIDENT,
    )
    checks = list(Check.objects.filter(meeting=secret).values_list("pk", flat=True))
    assert checks, "booking the secret meeting laid down its checks"
    assert title_for(clerk, secret) != SECRET_TITLE
    assert title_for(supervisor, secret) == SECRET_TITLE

    ids = {normal.pk, secret.pk, incident.pk, leader.pk, hosting_unit.pk, *checks}
    ids |= {room.pk for room in rooms}
    return {
        "clerk": Token.objects.create(user=clerk).key,
        "supervisor": Token.objects.create(user=supervisor).key,
        "ids": sorted(ids),
    }


def _strategy(operation, mode, ids):
    """Generated cases, and as many again with `id` set to a seeded row's key, so that the
    detail and write operations reach real rows instead of answering 404 throughout."""
    generated = operation.as_strategy(generation_mode=mode)
    names = {parameter.name for parameter in operation.path_parameters}
    if "id" not in names:
        return generated
    seeded = st.sampled_from(ids).flatmap(
        lambda pk: operation.as_strategy(generation_mode=mode, path_parameters={"id": pk})
    )
    return st.one_of(generated, seeded)


@dataclass
class _Run:
    started: float
    sent: int = 0
    skipped: int = 0
    unsatisfiable: list[tuple[str, str]] = field(default_factory=list)
    # (who, operation): the first failure; later cases of the same pair are not sent.
    failures: dict[tuple[str, str], str] = field(default_factory=dict)


def _fuzz(run: _Run, strategy, *, who: str, token: str, label: str) -> None:
    headers = {"Authorization": f"Token {token}"}
    key = (who, label)

    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def fuzz(case):
        if key in run.failures or time.monotonic() - run.started > BUDGET_SECONDS:
            run.skipped += 1
            return
        run.sent += 1
        response = case.call(headers=headers)
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except (Exception, FailureGroup) as exc:
            run.failures[key] = str(exc)
            return
        if who == "clerk" and (leaks := _leaks(response.content)):
            curl = case.as_curl_command()
            run.failures[key] = f"{leaks} in a {response.status_code} answer to {curl}"

    try:
        fuzz()
    except Unsatisfiable:
        # Nothing to get wrong: e.g. an operation without parameters or body has no negative
        # variant. Recorded, so that the summary shows it.
        run.unsatisfiable.append(key)


def test_generated_requests_get_documented_answers_and_no_secret_reaches_the_clerk(seeded):
    if not on_postgres():
        pytest.skip("the fuzzing run belongs to the PostgreSQL pass of .ci/run")
    from conference.wsgi import application

    schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 25, "the schema lists the API's operations"

    run = _Run(started=time.monotonic())
    # The clerk goes first: the supervisor's writes may rename or cancel the secret meeting.
    for who in ("clerk", "supervisor"):
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                strategy = _strategy(operation, mode, seeded["ids"])
                _fuzz(
                    run,
                    strategy,
                    who=who,
                    token=seeded[who],
                    label=f"{mode.value} {operation.label}",
                )

    took = time.monotonic() - run.started
    print(
        f"\nfuzzed {len(operations)} operations: {run.sent} requests in {took:.0f} s"
        + (f", {run.skipped} cases not sent (budget or earlier failure)" if run.skipped else "")
        + (f", {len(run.unsatisfiable)} without cases" if run.unsatisfiable else ""),
        file=sys.stderr,
    )
    report = "\n\n".join(f"[{who}] {label}\n{text}" for (who, label), text in run.failures.items())
    assert not run.failures, report
