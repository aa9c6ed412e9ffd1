"""The permission matrix (issue 10, security): every role, a clerk whose clearance ran out, an
authorised attendant serving the secret meeting and an anonymous visitor against every page, API
endpoint, document download and feed the URL configuration has.

Each case below states the design (who is let in; what everyone else gets: sent to log in,
forbidden, or not found); the test holds the application to it. A URL pattern the table does not
name fails the test, so no page joins the application unreviewed. Every response collected
(HTML, JSON, iCalendar, the Word documents read back with python-docx, the xlsx exports) is
searched for the secret meeting's markers (tests/permission_world.py): none may reach a persona
without clearance, and the leader's notes reach only the staff serving the meeting.

Outcomes: OK (200, or a redirect within the flow), LOGIN (anonymous: to /login/, the API: 401),
FORBIDDEN (403), HIDDEN (404, not telling the object exists), PUBLIC (reachable by token without
a login). State-changing requests are sent inside a savepoint rolled back afterwards; a refused one
must leave no audit row.
"""

import html
import io
import logging
import os
import re
import zipfile
from dataclasses import dataclass, field

import pytest
import time_machine
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import reverse

from core.models import AuditEntry, Notification, OutboxEmail
from core.roles import Role
from tests import permission_world as pw
from tests.conftest import NOW
from tests.permission_urls import walk

# --- outcomes ---------------------------------------------------------------------------------
OK = "ok"  # let in: 200, or a redirect within the flow (or, for a change, its refusal of bad input)
LOGIN = "login"  # anonymous: sent to /login/ (pages) or 401 (API)
FORBIDDEN = "forbidden"  # 403
HIDDEN = "hidden"  # 404: not telling that the object exists
PUBLIC = "public"  # reachable by its token or address without logging in (200)
REFUSED = "refused"  # a change let in but refused as bad input (form error): nothing written

# --- personas ---------------------------------------------------------------------------------
ANON = pw.ANONYMOUS
CLERK = Role.CLERK.value
SUPERVISOR = Role.SUPERVISOR.value
LOBBY = Role.LOBBY_MANAGER.value
HOTLINE = Role.HOTLINE.value
GROUP_LEADER = Role.GROUP_LEADER.value
ENV = Role.ENV_SUPERVISOR.value
ATTENDANT = Role.ATTENDANT.value
AUDIO = Role.AUDIO_TECH.value
BUREAU = Role.BUREAU.value
UNCLEARED = pw.CLERK_UNCLEARED
SERVER = pw.SECRET_SERVER
NO_ROLE = pw.NO_ROLE

LOGGED_IN = frozenset(p for p in pw.PERSONAS if p != ANON)
# Anyone holding a role (inspections.views.can_read_checks: staff roles read checks and report
# incidents).
ANY_ROLE = LOGGED_IN - {NO_ROLE}
# bookings.access.can_manage_bookings: clerks and the supervisor book, confirm, change, cancel.
BOOKERS = frozenset({CLERK, UNCLEARED, SUPERVISOR})
# ... and to change a secret meeting they must also see its details (get_meeting_for(write=True)).
SECRET_BOOKERS = frozenset({CLERK, SUPERVISOR})
# bookings.access.QUEUE_ROLES: every serving role works the department queues; not the bureau.
QUEUE = ANY_ROLE - {BUREAU}
# staffing.access.can_assign: lobby managers and the supervisor dispatch.
DISPATCHERS = frozenset({SUPERVISOR, LOBBY})
# The live boards (navigation._desks): the building board and the hotline board.
WATCHERS = frozenset({SUPERVISOR, LOBBY, HOTLINE})
# staffing.roster.can_view_roster: the information centre, the desks that dispatch and the hotline.
ROSTER = frozenset({CLERK, UNCLEARED, SUPERVISOR, LOBBY, HOTLINE})
# inspections.views.BOARD_ROLES: who logs, takes and completes requests and logs patrols; the
# office rounds page is theirs too (staffing.views.rounds.can_view_rounds).
REQUEST_HANDLERS = frozenset({SUPERVISOR, LOBBY, HOTLINE, GROUP_LEADER, ENV})
# Quality inspections: the supervisor and lobby managers of their building.
INSPECTORS = frozenset({SUPERVISOR, LOBBY})
# Corrective actions: inspectors, and staff members (their own actions).
ACTION_READERS = INSPECTORS | frozenset({GROUP_LEADER, ENV, ATTENDANT, AUDIO, UNCLEARED, SERVER})
# reports.access.GENERATORS[daily_notice]: clerks, the supervisor, lobby managers, the hotline.
NOTICE_MAKERS = frozenset({CLERK, UNCLEARED, SUPERVISOR, LOBBY, HOTLINE})
# Whose details of the secret meeting the policy opens (bookings.visibility).
CLEARED = frozenset({CLERK, SUPERVISOR, SERVER})


@dataclass(frozen=True)
class Rule:
    """Who is let in; everyone else logged in gets `deny`; `anon` is the anonymous visitor's
    outcome; `but` names personas whose outcome differs from that (with the reason in a comment
    beside the case)."""

    allow: frozenset
    deny: str = FORBIDDEN
    anon: str = LOGIN
    but: dict = field(default_factory=dict)

    def expected(self, persona: str) -> str:
        if persona in self.but:
            return self.but[persona]
        if persona == ANON:
            return self.anon
        return OK if persona in self.allow else self.deny


EVERYONE = Rule(LOGGED_IN)
PUBLIC_RULE = Rule(LOGGED_IN, anon=PUBLIC)


def only(*groups, deny=FORBIDDEN, **but) -> Rule:
    allowed = frozenset().union(*(g if isinstance(g, frozenset) else {g} for g in groups))
    return Rule(allowed, deny=deny, but=dict(but))


# For a page that ignores the method (it reads no form), a POST is answered as the GET: the
# same rule, checked in the exhaustive pass only (RUN_SLOW=1), to keep the everyday pass short.
AS_GET = object()


@dataclass(frozen=True)
class Case:
    """One request: the URL name (or route, for unnamed patterns), its parameters (names of the
    world's objects: "id:normal", "token:door", "kind:department", or plain strings), a query
    string, the method, the form or JSON body, and the rule."""

    url: str
    method: str
    rule: Rule
    params: tuple = ()
    query: str = ""
    data: dict | None = None
    slow: bool = False  # only in the exhaustive pass
    personas: tuple = pw.PERSONAS


def case(url, rule, *, post=None, params=None, query="", data=None, method=None, personas=None):
    """The cases of one address: GET with `rule`, and POST with `post` (a rule, or AS_GET)."""
    items = tuple((params or {}).items())
    extra = {"personas": tuple(personas)} if personas else {}
    if method:
        return [Case(url, method, rule, items, query, data, **extra)]
    found = [Case(url, "get", rule, items, query, **extra)]
    if post is AS_GET:
        found.append(Case(url, "post", rule, items, query, data, slow=True, **extra))
    elif post is not None:
        found.append(Case(url, "post", post, items, query, data, **extra))
    return found


def posts(url, rule, **kw):
    return case(url, rule, method="post", **kw)


# fmt: off
CASES = [
    # --- homes and the day ---------------------------------------------------------------------
    # Every logged-in user has a home: their own desk (a redirect) or today's meetings.
    *case("home", EVERYONE, post=AS_GET),
    *case("today", EVERYONE, post=AS_GET),
    # The login form itself: public (Django's form view takes PUT like POST).
    *case("login", PUBLIC_RULE, post=PUBLIC_RULE),
    *case("login", PUBLIC_RULE, method="put", data={}),
    # Logging out ends on the login page, for anyone.
    *posts("logout", Rule(frozenset(), deny=LOGIN)),
    # The health check the load balancer polls: anonymous, says only "ok".
    *case("healthz", PUBLIC_RULE),
    *case("quality-figures", only(INSPECTORS), post=AS_GET),
    # --- the live desks (conference/) ----------------------------------------------------------
    # The door display is a public page behind its token; it shows "会议" for a secret meeting.
    *case("door-display", PUBLIC_RULE, params={"token": "token:door"}),
    *case("door-rows", PUBLIC_RULE, params={"token": "token:door"}),
    *case("door-links", only(SUPERVISOR), post=AS_GET),
    *posts("door-link-issue", only(SUPERVISOR), params={"building_pk": "id:building"}),
    *posts("door-link-revoke", only(SUPERVISOR), params={"pk": "id:door_link"}),
    *case("lobby", only(WATCHERS), post=AS_GET),
    *case("lobby-board", only(WATCHERS), post=AS_GET),
    *case("hotline", only(WATCHERS), post=AS_GET),
    *case("hotline-board", only(WATCHERS), post=AS_GET),
    # The incident is on the secret meeting: whoever may resolve but not see it gets a 404.
    *posts("hotline-incident-resolve", only(SUPERVISOR, LOBBY, HOTLINE, deny=FORBIDDEN,
           **{LOBBY: HIDDEN, HOTLINE: HIDDEN}), params={"pk": "id:incident"}),
    *posts("hotline-request-take", only(WATCHERS), params={"pk": "id:request"}),
    *posts("hotline-request-complete", only(WATCHERS), params={"pk": "id:request"}),
    # The hotline reassigns duties (staffing.access.can_reassign), even on the secret meeting:
    # the new person is validated as for any assignment.
    *posts("hotline-duty-reassign", only(WATCHERS), params={"pk": "id:duty"}),
    *posts("hotline-duty-reassign", only(WATCHERS), params={"pk": "id:secret_duty"}),
    *case("console", only(BOOKERS), post=AS_GET),
    *case("console-board", only(BOOKERS), post=AS_GET),
    *posts("console-confirm", only(BOOKERS), params={"pk": "id:requested"}),
    *case("overview", only(SUPERVISOR), post=AS_GET),
    # --- the API ------------------------------------------------------------------------------
    *posts("api-token", Rule(LOGGED_IN, anon=OK)),  # obtaining a token: open (bad input: 400)
    # The OpenAPI schema is readable without a login, the same for everyone (and costly to
    # build: asked for by a visitor, a user without a role and a clerk).
    *case("api-schema", PUBLIC_RULE, personas=(ANON, NO_ROLE, CLERK)),
    *case("api-docs", EVERYONE),
    *case("api/", Rule(frozenset(), deny=HIDDEN, anon=HIDDEN), post=Rule(frozenset(), deny=HIDDEN,
          anon=HIDDEN), params={"__path__": "nowhere/"}),  # the catch-all: a 404 in the error shape
    *case("api-building-list", EVERYONE),
    *case("api-hosting-unit-list", EVERYONE),
    *case("api-hosting-unit-detail", EVERYONE, params={"pk": "id:unit"}),
    *case("api-leader-list", EVERYONE),
    *case("api-leader-detail", EVERYONE, params={"pk": "id:leader"}),
    *case("api-room-list", EVERYONE),
    *case("api-room-availability", EVERYONE,
          query="start=2026-11-28T09:00:00%2B08:00&end=2026-11-28T10:00:00%2B08:00&attendees=5"),
    *case("api-room-detail", EVERYONE, params={"pk": "id:secret_room"}),
    # Every logged-in user sees that a meeting exists; writing needs the booking role, and for
    # the secret meeting its details too.
    *case("api-meeting-list", EVERYONE, post=only(BOOKERS)),
    *case("api-meeting-detail", EVERYONE, params={"pk": "id:normal"}),
    *case("api-meeting-detail", only(BOOKERS), params={"pk": "id:normal"}, method="patch", data={}),
    *case("api-meeting-detail", EVERYONE, params={"pk": "id:secret"}),
    *case("api-meeting-detail", only(SECRET_BOOKERS), params={"pk": "id:secret"}, method="patch",
          data={}),
    *posts("api-meeting-cancel", only(BOOKERS), params={"pk": "id:normal"}),
    *posts("api-meeting-cancel", only(SECRET_BOOKERS), params={"pk": "id:secret"}),
    *posts("api-meeting-confirm", only(BOOKERS), params={"pk": "id:requested"}),
    *posts("api-meeting-reschedule", only(BOOKERS), params={"pk": "id:normal"}),
    *posts("api-meeting-reschedule", only(SECRET_BOOKERS), params={"pk": "id:secret"}),
    *case("api-staff-list", only(ROSTER)),
    # Duties of a meeting: staff roles (not the bureau's viewers); a secret meeting's are masked.
    *case("api-meeting-duties", only(ANY_ROLE - {BUREAU}), params={"pk": "id:normal"}),
    *case("api-meeting-duties", only(ANY_ROLE - {BUREAU}), params={"pk": "id:secret"}),
    *posts("api-meeting-dispatch", only(DISPATCHERS), params={"pk": "id:secret"}),
    *case("api-duty-list", EVERYONE, query="mine=1"),  # one's own duties
    # A duty is acknowledged by its person or a dispatcher; to anyone else it does not exist.
    *posts("api-duty-acknowledge", only(DISPATCHERS, ATTENDANT, deny=HIDDEN),
           params={"pk": "id:duty"}),
    *posts("api-duty-arrived", only(DISPATCHERS, ATTENDANT, deny=HIDDEN),
           params={"pk": "id:duty"}),
    *posts("api-duty-release", only(DISPATCHERS), params={"pk": "id:duty"}),
    *posts("api-duty-reassign", only(DISPATCHERS, HOTLINE), params={"pk": "id:duty"}),
    *case("api-office-round-list", only(REQUEST_HANDLERS)),
    # A round is completed by the person on it or a dispatcher; staff roles without it get 403,
    # everyone else a 404.
    *posts("api-office-round-complete", only(DISPATCHERS, ATTENDANT, deny=HIDDEN,
           **{HOTLINE: FORBIDDEN, GROUP_LEADER: FORBIDDEN, ENV: FORBIDDEN}),
           params={"pk": "id:round"}),
    *posts("api-office-round-cancel", only(DISPATCHERS), params={"pk": "id:round"}),
    # The check, incident and its resolution belong to the secret meeting: hidden (404) from
    # everyone who may not see its details; those who see it but may not act get 403.
    *case("api-meeting-checks", only(CLEARED, deny=HIDDEN, **{NO_ROLE: FORBIDDEN}),
          params={"pk": "id:secret"}),
    *posts("api-check-complete", only(SUPERVISOR, deny=HIDDEN, **{CLERK: FORBIDDEN,
           SERVER: FORBIDDEN, NO_ROLE: FORBIDDEN}), params={"pk": "id:check"}),
    *case("api-incident-list", only(ANY_ROLE), post=only(ANY_ROLE)),
    *case("api-incident-detail", only(CLEARED, deny=HIDDEN, **{NO_ROLE: FORBIDDEN}),
          params={"pk": "id:incident"}),
    *posts("api-incident-resolve", only(SUPERVISOR, deny=HIDDEN, **{CLERK: FORBIDDEN,
           SERVER: FORBIDDEN, NO_ROLE: FORBIDDEN}), params={"pk": "id:incident"}),
    *case("api-request-list", only(ANY_ROLE), post=only(REQUEST_HANDLERS)),
    *posts("api-request-take", only(REQUEST_HANDLERS), params={"pk": "id:request"}),
    *posts("api-request-complete", only(REQUEST_HANDLERS), params={"pk": "id:request"}),
    # A corrective action is closed by an inspector or the person it is assigned to.
    *posts("api-corrective-action-close", only(INSPECTORS, ATTENDANT), params={"pk": "id:action"}),
    *posts("api-complaint-reply", only(SUPERVISOR), params={"pk": "id:complaint"}),
    # Documents: listed and requested by anyone with a role; downloaded by whom each was made
    # for (its requester, or a member of its role); to anyone else it does not exist.
    *case("api-document-list", only(ANY_ROLE), post=only(ANY_ROLE)),
    *case("api-document-detail", only(CLERK, deny=HIDDEN), params={"pk": "id:doc_clerk_notice"}),
    *case("api-document-detail", only(CLERK, deny=HIDDEN), params={"pk": "id:doc_role_notice"}),
    *case("api-document-detail", only(LOBBY, deny=HIDDEN), params={"pk": "id:doc_lobby_notice"}),
    *case("api-document-download", only(CLERK, deny=HIDDEN), params={"pk": "id:doc_clerk_notice"}),
    *case("api-document-download", only(CLERK, deny=HIDDEN), params={"pk": "id:doc_role_notice"}),
    *case("api-document-download", only(CLERK, deny=HIDDEN), params={"pk": "id:doc_plates"}),
    *case("api-document-download", only(LOBBY, deny=HIDDEN), params={"pk": "id:doc_lobby_notice"}),
    # Calendar links (feeds.access): rooms for clerks, lobby managers and the supervisor; units
    # for clerks and the supervisor; a person's duties for that person only.
    *case("api-feeds", EVERYONE),
    *posts("api-feed-link", only(CLERK, UNCLEARED, LOBBY, SUPERVISOR),
           params={"kind": "room", "object_id": "id:secret_room"}),
    *posts("api-feed-link", only(CLERK, UNCLEARED, SUPERVISOR),
           params={"kind": "unit", "object_id": "id:unit"}),
    *posts("api-feed-link", only(SERVER),
           params={"kind": "staff", "object_id": "id:staff_secret_server"}),
    *posts("api-feed-regenerate", only(CLERK, UNCLEARED, LOBBY, SUPERVISOR),
           params={"kind": "room", "object_id": "id:secret_room"}),
    # --- bookings -----------------------------------------------------------------------------
    # Searching and the calendars are open to every logged-in user (booking links only for
    # bookers); the secret meeting shows as "涉密会议".
    *case("room-search", EVERYONE, post=AS_GET),
    *posts("search-book", only(BOOKERS)),
    *case("day-timeline", EVERYONE, post=AS_GET),
    *case("room-week", EVERYONE, post=AS_GET, params={"pk": "id:secret_room"}),
    *case("meeting-list", EVERYONE, post=AS_GET),
    *case("meeting-export", EVERYONE, post=AS_GET),
    *case("pending-list", only(BOOKERS), post=AS_GET),
    *posts("pending-confirm", only(BOOKERS), params={"pk": "id:requested"}),
    *case("meeting-new", only(BOOKERS), post=only(BOOKERS)),
    *case("meeting-detail", EVERYONE, post=AS_GET, params={"pk": "id:normal"}),
    *case("meeting-detail", EVERYONE, post=AS_GET, params={"pk": "id:secret"}),
    *case("meeting-edit", only(BOOKERS), post=only(BOOKERS), params={"pk": "id:normal"}),
    *case("meeting-edit", only(SECRET_BOOKERS), post=only(SECRET_BOOKERS),
          params={"pk": "id:secret"}),
    *case("meeting-reschedule", only(BOOKERS), post=only(BOOKERS), params={"pk": "id:normal"}),
    *case("meeting-reschedule", only(SECRET_BOOKERS), post=only(SECRET_BOOKERS),
          params={"pk": "id:secret"}),
    *posts("meeting-confirm", only(BOOKERS), params={"pk": "id:requested"}),
    *posts("meeting-cancel", only(BOOKERS), params={"pk": "id:normal"}),
    *posts("meeting-cancel", only(SECRET_BOOKERS), params={"pk": "id:secret"}),
    *posts("order-add", only(BOOKERS), params={"pk": "id:normal"}),
    *posts("order-add", only(SECRET_BOOKERS), params={"pk": "id:secret"}),
    *case("order-edit", only(BOOKERS), post=only(BOOKERS),
          params={"pk": "id:normal", "order_pk": "id:order"}),
    *case("order-edit", only(SECRET_BOOKERS), post=only(SECRET_BOOKERS),
          params={"pk": "id:secret", "order_pk": "id:secret_order"}),
    *posts("order-cancel", only(BOOKERS), params={"pk": "id:normal", "order_pk": "id:order"}),
    *posts("order-cancel", only(SECRET_BOOKERS),
           params={"pk": "id:secret", "order_pk": "id:secret_order"}),
    *case("department-index", only(QUEUE), post=AS_GET),
    *case("department-queue", only(QUEUE), post=AS_GET, params={"department": "kind:department"}),
    # Moving an order on: the queue's roles; the secret meeting's only for those who see it.
    *posts("order-advance", only(QUEUE), params={"order_pk": "id:order"}),
    *posts("order-advance", only(QUEUE & CLEARED), params={"order_pk": "id:secret_order"}),
    *case("series-new", only(BOOKERS), post=only(BOOKERS)),
    *case("series-detail", EVERYONE, post=AS_GET, params={"pk": "id:series"}),
    *case("series-cancel-from", only(BOOKERS), post=only(BOOKERS),
          params={"pk": "id:series_meeting"}),
    *case("series-reschedule-from", only(BOOKERS), post=only(BOOKERS),
          params={"pk": "id:series_meeting"}),
    # --- staffing -----------------------------------------------------------------------------
    *case("roster", only(ROSTER), post=AS_GET),
    *case("roster-export", only(ROSTER), post=AS_GET),
    *case("roster-import", only(SUPERVISOR), post=only(SUPERVISOR)),
    *case("clearance", only(ROSTER), post=AS_GET),
    *case("staff-detail", only(ROSTER), post=AS_GET, params={"pk": "id:staff_secret_server"}),
    *case("office-rounds", only(REQUEST_HANDLERS), post=AS_GET),
    *posts("office-rounds-dispatch", only(DISPATCHERS)),
    *posts("office-round-cancel", only(DISPATCHERS), params={"pk": "id:round"}),
    # My duties: the page is everyone's (empty without a staff record); a duty is its person's.
    *case("my-duties", EVERYONE, post=AS_GET),
    *posts("my-duty-acknowledge", only(ATTENDANT, deny=HIDDEN), params={"pk": "id:duty"}),
    *posts("my-duty-arrived", only(ATTENDANT, deny=HIDDEN), params={"pk": "id:duty"}),
    *posts("my-duty-round-done", only(ATTENDANT, deny=HIDDEN), params={"pk": "id:round_duty"}),
    *case("dispatch", only(DISPATCHERS), post=AS_GET),
    *posts("dispatch-run", only(DISPATCHERS)),
    *posts("dispatch-reassign", only(DISPATCHERS), params={"pk": "id:duty"}),
    *posts("dispatch-release", only(DISPATCHERS), params={"pk": "id:duty"}),
    *posts("dispatch-assign", only(DISPATCHERS), params={"pk": "id:secret"}),
    # --- inspections --------------------------------------------------------------------------
    *case("checks-board", only(ANY_ROLE), post=AS_GET),
    # The check is the secret meeting's: hidden from whoever may not see its details; reading it
    # does not let the clerk or the serving attendant complete it (not responsible for it).
    *case("check-detail", only(CLEARED, deny=HIDDEN, **{NO_ROLE: FORBIDDEN}),
          post=only(SUPERVISOR, deny=HIDDEN, **{CLERK: FORBIDDEN, SERVER: FORBIDDEN,
                                                NO_ROLE: FORBIDDEN}),
          params={"pk": "id:check"}),
    *case("incident-list", only(ANY_ROLE), post=AS_GET),
    *case("incident-new", only(ANY_ROLE), post=only(ANY_ROLE)),
    *posts("incident-resolve", only(SUPERVISOR, deny=HIDDEN, **{CLERK: FORBIDDEN,
           SERVER: FORBIDDEN, NO_ROLE: FORBIDDEN}), params={"pk": "id:incident"}),
    *case("request-list", only(ANY_ROLE), post=AS_GET),
    *case("request-new", only(REQUEST_HANDLERS), post=only(REQUEST_HANDLERS)),
    *posts("request-take", only(REQUEST_HANDLERS), params={"pk": "id:request"}),
    *posts("request-complete", only(REQUEST_HANDLERS), params={"pk": "id:request"}),
    *case("patrol-new", only(REQUEST_HANDLERS), post=only(REQUEST_HANDLERS)),
    *posts("routine-tick", only(ATTENDANT, deny=HIDDEN), params={"pk": "id:duty"}),
    # --- quality ------------------------------------------------------------------------------
    *case("quality-inspection-list", only(INSPECTORS), post=AS_GET),
    *case("quality-inspection-new", only(INSPECTORS), post=only(INSPECTORS)),
    *case("quality-inspection-detail", only(INSPECTORS), post=AS_GET,
          params={"pk": "id:inspection"}),
    # The finding's photo: inspectors, and the person its action is assigned to.
    *case("quality-finding-photo", only(INSPECTORS, ATTENDANT), post=AS_GET,
          params={"pk": "id:finding"}),
    *posts("quality-action-add", only(INSPECTORS), params={"pk": "id:finding"}),
    *case("quality-action-list", only(ACTION_READERS), post=AS_GET),
    *posts("quality-action-close", only(INSPECTORS, ATTENDANT), params={"pk": "id:action"}),
    # --- feedback -----------------------------------------------------------------------------
    # The hosting unit's link: public; the secret meeting's is not open yet (the meeting has not
    # ended: 400), and it never shows the title.
    *case("feedback-form", PUBLIC_RULE, post=PUBLIC_RULE, params={"token": "token:feedback"}),
    *case("feedback-form", PUBLIC_RULE, post=PUBLIC_RULE,
          params={"token": "token:feedback_secret"}),
    *case("feedback-thanks", PUBLIC_RULE, post=PUBLIC_RULE, params={"token": "token:feedback"}),
    # The feedback card: bookers and lobby managers; the secret meeting's only for who sees it.
    *case("feedback-card", only(BOOKERS, LOBBY), post=only(BOOKERS, LOBBY),
          params={"pk": "id:past"}),
    *case("feedback-card", only(CLEARED, deny=HIDDEN), post=only(CLEARED, deny=HIDDEN),
          params={"pk": "id:secret"}),
    *case("feedback-list", only(SUPERVISOR), post=AS_GET),
    *case("complaint-list", only(SUPERVISOR), post=AS_GET),
    *case("complaint-detail", only(SUPERVISOR), post=only(SUPERVISOR),
          params={"pk": "id:complaint"}),
    # --- documents ----------------------------------------------------------------------------
    *case("documents", only(ANY_ROLE), post=AS_GET),
    *case("document-generate", EVERYONE, post=EVERYONE),  # the form posts; GET goes back
    # Name plates of the secret meeting (reports.access.can_generate): generators who see it,
    # and the authorised attendant serving it. The hotline and the bureau generate other kinds:
    # their form does not offer name plates, so it is refused as bad input.
    *posts("document-generate", only(CLERK, SUPERVISOR, SERVER, **{HOTLINE: REFUSED,
           BUREAU: REFUSED}), data={"kind": "name_plates", "meeting": "id:secret"}),
    *case("document-download", only(CLERK, deny=HIDDEN), post=AS_GET,
          params={"pk": "id:doc_clerk_notice"}),
    *case("document-download", only(CLERK, deny=HIDDEN), post=AS_GET,
          params={"pk": "id:doc_role_notice"}),
    *case("document-download", only(CLERK, deny=HIDDEN), post=AS_GET,
          params={"pk": "id:doc_plates"}),
    *case("document-download", only(LOBBY, deny=HIDDEN), post=AS_GET,
          params={"pk": "id:doc_lobby_notice"}),
    # The print pages, generated live for the viewer.
    *case("document-print", only(NOTICE_MAKERS), post=AS_GET,
          params={"kind": "daily_notice"}),
    *case("document-print", only(SUPERVISOR, CLERK, UNCLEARED), params={"kind": "weekly_briefing"}),
    *case("document-print", only(SUPERVISOR, CLERK, UNCLEARED, BUREAU),
          params={"kind": "bureau_report"}),
    *case("document-print", only(CLERK, SUPERVISOR, SERVER), params={"kind": "name_plates"},
          query="meeting=id:secret"),
    *case("document-print", only(CLERK, SUPERVISOR, SERVER), params={"kind": "banner"},
          query="meeting=id:secret"),
    # --- calendar feeds -----------------------------------------------------------------------
    *case("feeds", EVERYONE, post=AS_GET),
    *posts("feed-link", only(CLERK, UNCLEARED, LOBBY, SUPERVISOR),
           params={"kind": "room", "object_id": "id:secret_room"}),
    *posts("feed-link", only(SERVER),
           params={"kind": "staff", "object_id": "id:staff_secret_server"}),
    # The feed itself: public behind its token; the secret meeting is "会议", time and room.
    *case("feed", PUBLIC_RULE, params={"token": "token:feed_room"}),
    *case("feed", PUBLIC_RULE, params={"token": "token:feed_unit"}),
    *case("feed", PUBLIC_RULE, params={"token": "token:feed_staff"}),
    # --- notifications ------------------------------------------------------------------------
    *case("notifications", EVERYONE, post=AS_GET),
    *posts("notifications-read-all", EVERYONE),
    # Marking a notification read touches only one's own (others' ids are ignored).
    *posts("notification-read", EVERYONE, params={"pk": "id:notification"}),
]
# fmt: on

# Patterns not in the matrix, and why.
SKIPPED_PREFIXES = {
    "admin/": "Django's admin: is_staff and model permissions (tests/test_core_audit.py)",
}
SKIPPED_NAMES = {
    "set_language": "i18n: changes the session's language only (tests/test_language.py)",
}


# --- running a case ---------------------------------------------------------------------------


def _value(world: pw.World, spec):
    """A parameter: "id:<name>", "token:<name>", "kind:<name>" from the world, else as written."""
    if not isinstance(spec, str) or ":" not in spec:
        return spec
    source, _sep, name = spec.partition(":")
    table = {"id": world.ids, "token": world.tokens, "kind": world.kinds}.get(source)
    return spec if table is None else table[name]


def path_of(world: pw.World, c: Case) -> str:
    params = {key: _value(world, spec) for key, spec in c.params}
    if c.url.endswith("/") and "__path__" in params:  # an unnamed pattern, by its route
        path = "/" + c.url + params["__path__"]
    else:
        path = reverse(c.url, kwargs=params or None)
    if c.query:
        query = "&".join(
            f"{key}={_value(world, value)}"
            for key, value in (pair.split("=", 1) for pair in c.query.split("&"))
        )
        path = f"{path}?{query}"
    return path


def outcome(response) -> str:
    status = response.status_code
    if status in (301, 302, 303):
        return LOGIN if response["Location"].split("?")[0].endswith("/login/") else OK
    return {401: LOGIN, 403: FORBIDDEN, 404: HIDDEN}.get(
        status, OK if status < 500 and status != 405 else f"HTTP {status}"
    )


def _body(response) -> bytes:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content)
    return response.content


def _xml_text(data: bytes) -> str:
    """The XML parts of an Office file: as stored (attributes too: a name plate is a picture
    whose alt text is the name) and with the tags dropped (a run split over elements)."""
    parts = []
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.endswith((".xml", ".rels")):
                xml = archive.read(name).decode("utf-8", "replace")
                # Character references (&#32477;) as the characters they stand for.
                parts += [xml, html.unescape(re.sub(r"<[^>]+>", "", xml))]
    return "\n".join(parts)


def _docx_text(data: bytes) -> str:
    """What a reader of the Word file sees: paragraphs, every table cell (nested tables too),
    headers and footers, read with python-docx; and the raw XML text besides."""
    import docx

    document = docx.Document(io.BytesIO(data))
    seen = []

    def blocks(container):
        for paragraph in container.paragraphs:
            seen.append(paragraph.text)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    blocks(cell)

    blocks(document)
    for section in document.sections:
        blocks(section.header)
        blocks(section.footer)
    return "\n".join(seen) + "\n" + _xml_text(data)


def text_of(response) -> str:
    """The response as text a person (or program) reading it would get, headers included (a
    download's file name)."""
    headers = "\n".join(f"{name}: {value}" for name, value in response.items())
    return headers + "\n" + _body_text(response)


def _body_text(response) -> str:
    data = _body(response)
    kind = response.get("Content-Type", "")
    if "wordprocessingml" in kind:
        return _docx_text(data)
    if "spreadsheetml" in kind:
        return _xml_text(data)
    if kind.startswith("image/"):
        return ""
    text = data.decode("utf-8", "replace")
    if "json" in kind and text:
        import json

        # Unescaped, so a title is found however the encoder wrote it.
        text += json.dumps(json.loads(text), ensure_ascii=False)
    return text


def _markers_forbidden_to(persona: str) -> tuple[str, ...]:
    if persona in pw.READS_LEADER_NOTES:
        return ()
    if persona in pw.CLEARED:
        return (pw.LEADER_NOTES,)
    return pw.SECRET_MARKERS


@dataclass
class Run:
    mismatches: list = field(default_factory=list)
    leaks: list = field(default_factory=list)
    unchanged: list = field(default_factory=list)  # refused changes that wrote audit rows
    texts: dict = field(default_factory=dict)  # (url, params, method, persona) -> text
    requests: int = 0


def _send(client, c: Case, path: str, world: pw.World):
    data = {key: _value(world, value) for key, value in (c.data or {}).items()}
    if c.method == "get":
        return client.get(path)
    send = getattr(client, c.method)
    if c.url.startswith("api"):
        return send(path, data, content_type="application/json")
    if c.method == "post":
        return send(path, data)
    return send(path, data, content_type="application/json")


def run_matrix(world: pw.World, cases) -> Run:
    # Thousands of refusals are the point here: their warnings would only cost time.
    logging.disable(logging.WARNING)
    try:
        return _run(world, cases)
    finally:
        logging.disable(logging.NOTSET)


def _run(world: pw.World, cases) -> Run:
    clients = {}
    for persona in pw.PERSONAS:
        client = Client()
        if persona != ANON:
            client.force_login(world.users[persona])
        clients[persona] = client
    run = Run()
    for c in cases:
        path = path_of(world, c)
        for persona in c.personas:
            client = clients[persona]
            cache.clear()  # the throttles (token, feeds) count per client: not this test's subject
            expected = c.rule.expected(persona)
            if c.method == "get":
                response = _send(client, c, path, world)
                written = 0
            else:
                before = AuditEntry.objects.count()
                with transaction.atomic():  # every change is undone: the world stays as built
                    response = _send(client, c, path, world)
                    written = AuditEntry.objects.count() - before
                    transaction.set_rollback(True)
                if persona != ANON and not client.session.session_key:
                    client.force_login(world.users[persona])  # after logging out
            run.requests += 1
            got = outcome(response)
            want = OK if expected == PUBLIC else expected
            if expected == REFUSED and got == OK:
                got = REFUSED if not written else f"written ({written} audit rows)"
            label = f"{c.method.upper()} {path} as {persona}"
            if got != want:
                run.mismatches.append(
                    f"{label}: expected {expected}, got {got} ({response.status_code})"
                )
            if want not in (OK, LOGIN) and written:
                run.unchanged.append(f"{label}: refused ({got}) but wrote {written} audit rows")
            text = text_of(response)
            run.texts[(c.url, c.params, c.method, persona)] = text
            for marker in _markers_forbidden_to(persona):
                if marker in text:
                    run.leaks.append(f"{label}: {marker!r} in the response")
    return run


def _key(pattern) -> str:
    return pattern.name or pattern.route


def _reviewed(pattern) -> bool:
    skipped_prefix = any(pattern.route.startswith(prefix) for prefix in SKIPPED_PREFIXES)
    return not skipped_prefix and pattern.name not in SKIPPED_NAMES


# --- the tests --------------------------------------------------------------------------------


def test_every_url_pattern_and_each_method_it_accepts_is_in_the_matrix():
    """A new page, endpoint or method cannot slip in unreviewed: each pattern of the root URL
    configuration is in CASES (or skipped above, with the reason), with every method it accepts
    (a view that does not restrict its methods is tried with GET and POST)."""
    covered: dict[str, set] = {}
    for c in CASES:
        covered.setdefault(c.url, set()).add(c.method)
    missing = []
    for pattern in walk():
        if not _reviewed(pattern):
            continue
        wanted = pattern.methods if pattern.methods is not None else {"get", "post"}
        absent = set(wanted) - covered.get(_key(pattern), set())
        if absent:
            missing.append(f"{pattern.route} ({_key(pattern)}): {sorted(absent)}")
    assert not missing, "URL patterns the permission matrix does not cover:\n" + "\n".join(missing)
    known = {_key(p) for p in walk()}
    stale = sorted({c.url for c in CASES} - known)
    assert not stale, f"cases for URL names that no longer exist: {stale}"


@pytest.fixture
def world(db, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # A private cache: the matrix clears it before each request (the throttles' counts).
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "permission-matrix",
        }
    }
    with time_machine.travel(NOW, tick=False):
        yield pw.build_world()


def assert_as_designed(run: Run) -> None:
    problems = run.mismatches + run.unchanged + run.leaks
    assert not problems, (
        f"{len(problems)} of {run.requests} requests break the design:\n" + "\n".join(problems)
    )


def test_every_persona_gets_what_the_design_says_and_no_secret_leaks(world):
    with time_machine.travel(NOW, tick=False):
        run = run_matrix(world, [c for c in CASES if not c.slow])
    assert_as_designed(run)

    # The markers are found where the design shows them, so their absence elsewhere means
    # something: the cleared clerk reads the secret title on its page, in the notice made for
    # them and the plates in its name-plate file; the serving attendant reads the leader's notes.
    def seen(url, params, persona, method="get"):
        return run.texts[(url, tuple(params.items()), method, persona)]

    secret_page = {"pk": "id:secret"}
    assert pw.SECRET_TITLE in seen("meeting-detail", secret_page, CLERK)
    assert pw.LEADER_NOTES in seen("meeting-detail", secret_page, SERVER)
    assert pw.SECRET_TITLE in seen("document-download", {"pk": "id:doc_clerk_notice"}, CLERK)
    plates = seen("document-download", {"pk": "id:doc_plates"}, CLERK)
    assert all(name in plates for name in pw.SECRET_PLATES)
    assert pw.SECRET_TITLE in seen("meeting-export", {}, CLERK)
    # ... and a persona without clearance does get the meeting, as "涉密会议".
    assert "涉密会议" in seen("meeting-detail", secret_page, ATTENDANT)


@pytest.mark.slow
@pytest.mark.skipif(
    os.environ.get("RUN_SLOW") != "1", reason="the exhaustive pass: runs with RUN_SLOW=1"
)
def test_pages_that_ignore_the_method_answer_a_post_as_the_get(world):
    """The POSTs left out of the everyday pass (AS_GET): the same rule, the same leak check."""
    with time_machine.travel(NOW, tick=False):
        run = run_matrix(world, [c for c in CASES if c.slow])
    assert run.requests > 0
    assert_as_designed(run)


def test_notifications_and_e_mails_tell_the_uncleared_nothing_secret(world):
    """What leaves the pages: every notification and queued e-mail of the world (bookings told
    to the bureau, duties, incidents, checks coming due and going late, overdue actions)."""
    assert Notification.objects.exists() and OutboxEmail.objects.exists()
    leaks = []
    for persona, user in world.users.items():
        said = [f"{n.title} {n.body} {n.url}" for n in Notification.objects.filter(recipient=user)]
        said += [f"{m.subject} {m.body}" for m in OutboxEmail.objects.filter(to=user.email)]
        leaks += [
            f"{persona}: {marker!r} in {text[:80]!r}"
            for text in said
            for marker in _markers_forbidden_to(persona)
            if marker in text
        ]
    assert not leaks, "\n".join(leaks)
