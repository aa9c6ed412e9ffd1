"""The web tier seen from outside: a logged-in page and an API call, each answer classified.

While PostgreSQL is down every answer must be the 503 (the page in Chinese with Retry-After,
or the API's JSON error with code "unavailable"), never a 500 or a traceback; once it is back
the same session and token must get 200 again, with gunicorn left running.
"""

import http.cookiejar
import json
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

PAGE = "/notifications/"
API = "/api/rooms/"
PAGE_MESSAGE = "会务服务台暂时无法使用"
API_MESSAGE = "服务暂时无法使用"


@dataclass
class Answer:
    at: float  # time.monotonic()
    what: str  # "page" or "api"
    status: int
    kind: str  # "ok", "503", or what went wrong
    # The 503's message in Chinese (the text comes from the translation catalogue; without
    # it the page is still marked zh-CN but reads in English).
    chinese: bool = False


class Probe:
    def __init__(self, port: int, *, username: str, password: str, token: str):
        self.base = f"http://127.0.0.1:{port}"
        self.token = token
        self.cookies = http.cookiejar.CookieJar()
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(self.cookies), _NoRedirect()
        )
        self.username, self.password = username, password

    def log_in(self) -> None:
        form = self._fetch("/login/")[1].decode()
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)[1]
        body = urllib.parse.urlencode(
            {"username": self.username, "password": self.password, "csrfmiddlewaretoken": token}
        ).encode()
        status, _body, _headers = self._fetch("/login/", data=body)
        if status != 302:
            raise RuntimeError(f"logging in answered {status}")

    def page(self) -> Answer:
        status, body, headers = self._fetch(PAGE)
        kind = _classify_page(status, body, headers)
        chinese = PAGE_MESSAGE in body.decode(errors="replace")
        return Answer(time.monotonic(), "page", status, kind, chinese)

    def api(self) -> Answer:
        status, body, headers = self._fetch(API, headers={"Authorization": f"Token {self.token}"})
        kind = _classify_api(status, body, headers)
        chinese = kind == "503" and API_MESSAGE in json.loads(body)["error"]["message"]
        return Answer(time.monotonic(), "api", status, kind, chinese)

    def _fetch(self, path: str, *, data=None, headers=None) -> tuple[int, bytes, dict]:
        # Always http://127.0.0.1 (self.base), never a URL from elsewhere.
        request = urllib.request.Request(self.base + path, data=data, headers=headers or {})  # noqa: S310
        try:
            with self.opener.open(request, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)
        except (urllib.error.URLError, OSError) as error:
            return 0, str(error).encode(), {}


def _classify_page(status: int, body: bytes, headers: dict) -> str:
    text = body.decode(errors="replace")
    if "Traceback" in text or "OperationalError" in text:
        return "traceback"
    if status == 200:
        return "ok"
    if status == 503:
        if not headers.get("Retry-After"):
            return "503 without Retry-After"
        if '<html lang="zh-CN">' not in text:
            return "503 not in Chinese"
        return "503"
    return f"unexpected {status}"


def _classify_api(status: int, body: bytes, headers: dict) -> str:
    if status == 200:
        return "ok"
    if status == 503:
        try:
            code = json.loads(body)["error"]["code"]
        except (ValueError, KeyError, TypeError):
            return "503 not in the API's error shape"
        if code != "unavailable" or not headers.get("Retry-After"):
            return "503 without code or Retry-After"
        return "503"
    return f"unexpected {status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None
