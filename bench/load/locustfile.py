"""The desk's working day under load: who does what, as their browsers would.

- Clerks search for a free room and book a result from the search page; some book the same
  slot a second time, which must be refused cleanly (back to the search with the conflict as the
  page's error message); half of the bookings are cancelled again, so the rooms do not fill.
- Lobby managers keep their building's dashboard open: the page, then the htmx board refreshes.
- The hotline keeps its board open the same way.
- Attendants open 我的任务 on their phones and acknowledge a duty when the page offers it.
- A probe asks for the login page and one static file (the floors: Django with no database
  work, and nginx alone).

Everyone logs in through /login/ with the demo logins (password in LOAD_PASSWORD). Any status
the page does not answer in normal use (5xx, 403, 404, a lockout's 429, a login that fails) is a
failure; a refused double booking is not, when it comes back as the search page's message.
Run by bench/load/run.py; the host is the proxy (https, its certificate in LOAD_CA_BUNDLE).
"""

from __future__ import annotations

import datetime as dt
import html
import itertools
import os
import random
import re
from zoneinfo import ZoneInfo

from locust import HttpUser, between, task

PASSWORD = os.environ.get("LOAD_PASSWORD", "")
# A fixed seed per process: two runs make the same choices in the same order per user.
RANDOM = random.Random(int(os.environ.get("LOAD_SEED", "10")))
TITLES = itertools.count(1)

FITTING_ROOM = re.compile(r'name="book-room" value="(\d+)"')
HIDDEN = re.compile(r'<input type="hidden" name="(book-[a-z]+)" value="([^"]*)"')
UNIT_SELECT = re.compile(r'<select name="book-hosting_unit".*?</select>', re.S)
OPTION = re.compile(r'<option value="(\d+)"')
MEETING_URL = re.compile(r"^/meetings/(\d+)/$")
ACKNOWLEDGE = re.compile(r'action="(/my-duties/\d+/acknowledge/)"')
STATIC_CSS = re.compile(r'href="(/static/[^"]+\.css)"')


class DeskUser(HttpUser):
    """A logged-in member of staff; subclasses name the logins they use."""

    abstract = True
    logins: tuple[str, ...] = ()
    # Staff look at the page, then act: a few seconds between two actions.
    wait_time = between(1, 4)

    def on_start(self) -> None:
        trust_the_proxy(self.client)
        self.username = RANDOM.choice(self.logins)
        self.client.get("/login/", name="/login/ (form)")
        with self.client.post(
            "/login/",
            data={
                "username": self.username,
                "password": PASSWORD,
                "csrfmiddlewaretoken": self.csrf(),
            },
            headers=self.referer("/login/"),
            allow_redirects=False,
            name="/login/ (log in)",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"log-in of {self.username} answered {response.status_code}")

    def csrf(self) -> str:
        return self.client.cookies.get("csrftoken", "")

    def referer(self, path: str) -> dict[str, str]:
        # A browser sends it; Django's CSRF check insists on it over HTTPS.
        return {"Referer": f"{self.host}{path}"}

    def page(self, path: str, name: str, marker: str, **kwargs):
        """GET a page and insist on a 200 that carries the page's marker."""
        with self.client.get(path, name=name, catch_response=True, **kwargs) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
            elif marker not in response.text:
                response.failure(f"no {marker!r} in the page")
            return response


class Clerk(DeskUser):
    logins = ("clerk",)
    fixed_count = 14

    @task
    def search_and_book(self) -> None:
        day = _working_day(RANDOM.randint(3, 60))
        start = dt.time(RANDOM.randint(8, 17), RANDOM.choice((0, 30)))
        end = (dt.datetime.combine(day, start) + dt.timedelta(hours=1)).time()
        query = (
            f"date={day.isoformat()}&start={start:%H:%M}&end={end:%H:%M}"
            f"&attendees={RANDOM.randint(5, 40)}"
        )
        search = self.page(f"/rooms/search/?{query}", "/rooms/search/", 'id="results"')
        if not search.ok:
            return
        fitting = search.text.split('id="near-misses"', 1)[0]
        rooms = FITTING_ROOM.findall(fitting)
        units_block = UNIT_SELECT.search(search.text)
        if not rooms or not units_block:
            return  # nothing free: the clerk tries another time
        form = {name: html.unescape(value) for name, value in HIDDEN.findall(search.text)}
        form.update(
            {
                "csrfmiddlewaretoken": self.csrf(),
                "book-room": RANDOM.choice(rooms[:3]),
                "book-title": f"负载测试会议 {next(TITLES)}",
                "book-hosting_unit": RANDOM.choice(OPTION.findall(units_block.group(0))),
                "book-leader_rank": "none",
            }
        )
        meeting = self.book(form, search_path=f"/rooms/search/?{query}")
        if meeting is None:
            return
        self.page(f"/meetings/{meeting}/", "/meetings/[id]/", 'id="meeting-title"')
        if RANDOM.random() < 0.25:
            # The same slot again (a second click, a colleague's booking): a clean refusal.
            self.book(form, search_path=f"/rooms/search/?{query}", expect_conflict=True)
        if RANDOM.random() < 0.5:
            self.cancel(meeting)

    def book(self, form: dict, *, search_path: str, expect_conflict: bool = False) -> str | None:
        """POST a search result; the meeting's id when booked, None when refused."""
        name = "/rooms/search/book/ (same slot again)" if expect_conflict else "/rooms/search/book/"
        with self.client.post(
            "/rooms/search/book/",
            data=form,
            headers=self.referer(search_path),
            allow_redirects=False,
            name=name,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            booked = MEETING_URL.match(location)
            refused = location.startswith("/rooms/search/")
            if response.status_code != 302 or not (booked or refused):
                response.failure(f"{response.status_code} to {location!r}")
                return None
            if booked and expect_conflict:
                response.failure("the same slot was booked twice")
                return booked.group(1)
            if booked:
                return booked.group(1)
        # Refused: the search page comes back with the reason as its error message.
        self.page(location, "/rooms/search/ (after a refusal)", "alert-danger")
        return None

    def cancel(self, meeting: str) -> None:
        path = f"/meetings/{meeting}/cancel/"
        with self.client.post(
            path,
            data={"reason": "负载测试取消", "csrfmiddlewaretoken": self.csrf()},
            headers=self.referer(f"/meetings/{meeting}/"),
            allow_redirects=False,
            name="/meetings/[id]/cancel/",
            catch_response=True,
        ) as response:
            if response.status_code != 302:
                response.failure(f"{response.status_code}")


class LobbyManager(DeskUser):
    logins = ("lobby-east", "lobby-west", "lobby-conference", "supervisor")
    fixed_count = 12

    def on_start(self) -> None:
        super().on_start()
        self.page("/lobby/", "/lobby/", 'id="lobby-board"')

    @task
    def board_refreshes(self) -> None:
        # htmx asks for the board alone and swaps it in (every 30 s in a browser; the load run
        # compresses a morning of refreshes into minutes).
        self.page("/lobby/board/", "/lobby/board/ (htmx)", 'id="lobby-counts"',
                  headers={"HX-Request": "true"})  # fmt: skip

    @task(1)
    def page_reload(self) -> None:
        self.page("/lobby/", "/lobby/", 'id="lobby-board"')


class Hotline(DeskUser):
    logins = ("hotline",)
    fixed_count = 5

    def on_start(self) -> None:
        super().on_start()
        self.page("/hotline/", "/hotline/", 'id="hotline-board"')

    @task(4)
    def board_refreshes(self) -> None:
        self.page("/hotline/board/", "/hotline/board/ (htmx)", 'id="hotline-board"',
                  headers={"HX-Request": "true"})  # fmt: skip

    @task(1)
    def page_reload(self) -> None:
        self.page("/hotline/", "/hotline/", 'id="hotline-board"')


class Attendant(DeskUser):
    logins = ("attendant", "group-leader", "env-supervisor")
    fixed_count = 17

    @task
    def phone(self) -> None:
        duties = self.page("/my-duties/", "/my-duties/", 'id="my-duties-heading"')
        if not duties.ok:
            return
        pending = ACKNOWLEDGE.findall(duties.text)
        if pending and RANDOM.random() < 0.3:
            with self.client.post(
                pending[0],
                data={"csrfmiddlewaretoken": self.csrf()},
                headers=self.referer("/my-duties/"),
                allow_redirects=False,
                name="/my-duties/[id]/acknowledge/",
                catch_response=True,
            ) as response:
                if response.status_code != 302:
                    response.failure(f"{response.status_code}")


class FloorProbe(HttpUser):
    """The floors of the same run: Django answering the login form (no database), and nginx
    alone serving a static file."""

    fixed_count = 2
    wait_time = between(1, 2)

    def on_start(self) -> None:
        trust_the_proxy(self.client)
        login = self.client.get("/login/", name="floor: /login/ (Django, no database)")
        found = STATIC_CSS.search(login.text)
        self.static = found.group(1) if found else ""

    @task
    def floors(self) -> None:
        self.client.get("/login/", name="floor: /login/ (Django, no database)")
        if self.static:
            self.client.get(self.static, name="floor: static file (nginx)")


def trust_the_proxy(client) -> None:
    """Verify TLS against the proxy's own certificate (LOAD_CA_BUNDLE), not switch it off."""
    client.verify = os.environ.get("LOAD_CA_BUNDLE") or True


def _working_day(days_ahead: int) -> dt.date:
    # The desk's own calendar (settings.TIME_ZONE), not this machine's.
    day = dt.datetime.now(ZoneInfo("Asia/Shanghai")).date() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day
