"""The lockout behind the proxy, end to end: one attacker must not lock a login for everybody.

Every loopback address is this machine's, so two clients with different addresses can reach
nginx from here: the attacker from 127.0.0.2, who writes a fresh forged X-Forwarded-For on every
attempt, and the real owner of the login from 127.0.0.3. With TRUSTED_PROXY_COUNT=1 the desk
counts the attacker's failures against 127.0.0.2 only (the address nginx appended), so the
attacker is locked out after five and the owner still gets in.
"""

from __future__ import annotations

import http.client
import ssl
from urllib.parse import urlencode

ATTACKER, OWNER = "127.0.0.2", "127.0.0.3"
USERNAME = "bureau"  # a demo login the locust users do not use


def probe(port: int, cafile: str, password: str) -> tuple[bool, str]:
    """(as expected, one line for the report)."""
    context = ssl.create_default_context(cafile=cafile)
    attempts = [
        _log_in(port, context, ATTACKER, "wrong-password", forwarded=f"203.0.113.{n}")
        for n in range(5)
    ]
    attacker_after = _log_in(port, context, ATTACKER, password, forwarded="198.51.100.1")
    owner = _log_in(port, context, OWNER, password)
    ok = attempts == [200, 200, 200, 200, 429] and attacker_after == 429 and owner == 302
    line = (
        f"Lockout behind the proxy: 5 wrong passwords for `{USERNAME}` from {ATTACKER}, each with "
        f"a different forged X-Forwarded-For, answered {attempts}; the right password from "
        f"{ATTACKER} then {attacker_after}, from {OWNER} {owner} "
        f"({'as designed' if ok else 'NOT as designed: expected 200 x4, 429, 429, 302'})."
    )
    return ok, line


def _log_in(port, context, source: str, password: str, forwarded: str = "") -> int:
    """GET the form (for the CSRF cookie), POST the log-in; the POST's status."""
    connection = http.client.HTTPSConnection(
        "127.0.0.1", port, context=context, source_address=(source, 0), timeout=120
    )
    try:
        connection.request("GET", "/login/")
        form = connection.getresponse()
        form.read()
        cookies = [
            header.split(";", 1)[0]
            for header in form.headers.get_all("Set-Cookie") or []
            if header.startswith("csrftoken=")
        ]
        token = cookies[0].split("=", 1)[1] if cookies else ""
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={token}",
            "Referer": f"https://127.0.0.1:{port}/login/",
        }
        if forwarded:
            headers["X-Forwarded-For"] = forwarded
        body = urlencode({"username": USERNAME, "password": password, "csrfmiddlewaretoken": token})
        connection.request("POST", "/login/", body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()
