"""The client's address behind a known number of trusted reverse proxies.

Behind nginx every request comes from the proxy's address (REMOTE_ADDR), so the lockout would
count one attacker's failures against everybody's address. Each trusted proxy appends the
address it received the request from to X-Forwarded-For; with TRUSTED_PROXY_COUNT proxies the
client is the entry that many places from the right. Entries further left were written by the
client and are never believed. With 0 proxies (the default) the header is ignored altogether,
so a server that faces clients directly cannot be fooled by it.

The rule is the one Django REST framework applies with NUM_PROXIES (settings.py passes it the
same count), so the lockout and the rate limits agree on who the client is.
"""

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_ip(request: HttpRequest) -> str | None:
    """AXES_CLIENT_IP_CALLABLE: the client's address as the outermost trusted proxy saw it."""
    remote_addr = request.META.get("REMOTE_ADDR")
    proxies = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies == 0 or not forwarded.strip():
        return remote_addr
    hops = [hop.strip() for hop in forwarded.split(",")]
    candidate = hops[-min(proxies, len(hops))]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        # Junk where the proxy writes an address: the proxy is misconfigured, and junk must
        # not become a fresh lockout identity per request.
        return remote_addr
