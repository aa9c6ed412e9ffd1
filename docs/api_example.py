"""The API from a client's side, with nothing but `requests` (docs/api.md walks through it).

    python docs/api_example.py http://127.0.0.1:8000 clerk <password>

Gets a token, finds a free room for tomorrow 10:00-11:00, books it, reads its three checks,
moves it one hour later and sees the checks move, cancels it, and fetches the room's calendar
feed, where the meeting now shows as cancelled. tests/test_api_example.py runs it against the
test server.
"""

import datetime as dt
import sys
from zoneinfo import ZoneInfo

import requests

TZ = ZoneInfo("Asia/Shanghai")
TIMEOUT = 30  # seconds; a client should never wait for ever


class Client(requests.Session):
    """A session whose every request gives up after TIMEOUT seconds."""

    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", TIMEOUT)
        return super().request(*args, **kwargs)


def main(base: str, username: str, password: str, *, say=print) -> dict:
    api = Client()
    # 1. A token for this login (10 tries a minute; then 429 with Retry-After).
    response = api.post(
        timeout=TIMEOUT,
        url=f"{base}/api/auth/token/",
        json={"username": username, "password": password},
    )
    response.raise_for_status()
    api.headers["Authorization"] = f"Token {response.json()['token']}"
    say("token: ok")

    # 2. A free room for tomorrow 10:00-11:00 for 12 people (smallest that fits first).
    tomorrow = dt.datetime.now(TZ).date() + dt.timedelta(days=1)
    start = dt.datetime.combine(tomorrow, dt.time(10), tzinfo=TZ)
    end = start + dt.timedelta(hours=1)
    response = api.get(
        timeout=TIMEOUT,
        url=f"{base}/api/rooms/availability/",
        params={"start": start.isoformat(), "end": end.isoformat(), "attendees": 12},
    )
    response.raise_for_status()
    room = response.json()["results"][0]
    say(f"free room: {room['id']} {room['name']}")

    # 3. Book it for a hosting unit.
    unit = api.get(f"{base}/api/hosting-units/").json()["results"][0]
    response = api.post(
        timeout=TIMEOUT,
        url=f"{base}/api/meetings/",
        json={
            "room": room["id"],
            "title": "接口示例会议",
            "hosting_unit": unit["id"],
            "start": start.isoformat(),
            "end": end.isoformat(),
            "attendees": 12,
        },
    )
    response.raise_for_status()
    meeting = response.json()
    say(f"booked: meeting {meeting['id']}, level {meeting['level']}")

    # 4. Its three checks: 2 h, 1 h and 30 min before the start.
    checks = api.get(f"{base}/api/meetings/{meeting['id']}/checks/").json()
    before = sorted(check["due_at"] for check in checks)
    say(f"checks due: {', '.join(before)}")

    # 5. One hour later: the checks move with it.
    response = api.post(
        timeout=TIMEOUT,
        url=f"{base}/api/meetings/{meeting['id']}/reschedule/",
        json={
            "start": (start + dt.timedelta(hours=1)).isoformat(),
            "end": (end + dt.timedelta(hours=1)).isoformat(),
        },
    )
    response.raise_for_status()
    checks = api.get(f"{base}/api/meetings/{meeting['id']}/checks/").json()
    after = sorted(check["due_at"] for check in checks)
    say(f"checks due now: {', '.join(after)}")

    # 6. Cancelled.
    response = api.post(
        timeout=TIMEOUT,
        url=f"{base}/api/meetings/{meeting['id']}/cancel/",
        json={"reason": "示例结束"},
    )
    response.raise_for_status()
    say(f"cancelled: {response.json()['status']}")

    # 7. The room's calendar feed (the room's JSON carries the caller's link): the meeting is
    #    there, cancelled, so a subscribed phone removes it.
    room = api.get(f"{base}/api/rooms/{room['id']}/").json()
    feed = Client().get(room["ical_url"])  # the link itself is the credential
    feed.raise_for_status()
    uid = f"meeting-{meeting['id']}@"
    event = next(part for part in feed.text.split("BEGIN:VEVENT")[1:] if uid in part)
    status = next(
        line.split(":", 1)[1].strip() for line in event.splitlines() if line.startswith("STATUS:")
    )
    say(f"in the room's feed: STATUS:{status}")
    return {"meeting": meeting["id"], "before": before, "after": after, "feed_status": status}


if __name__ == "__main__":
    main(*sys.argv[1:4])
