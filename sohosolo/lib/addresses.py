"""The client's address, one rule for every throttle and lockout: behind PROXY_COUNT reverse proxies, the address the
outermost of them saw, which is the PROXY_COUNT-th from the right of X-Forwarded-For (each proxy appends the address
it got the request from). What a client writes itself in X-Forwarded-For stands to the left and is never read: a
forged header changes nothing. Without proxies (PROXY_COUNT=0), REMOTE_ADDR alone."""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    proxies = getattr(settings, "PROXY_COUNT", 0)
    if not proxies:
        return remote
    hops = [hop.strip() for hop in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if hop.strip()]
    if len(hops) < proxies:
        return remote  # not through our proxies (a health check from inside): the address that connected
    candidate = hops[-proxies]
    try:
        return str(ipaddress.ip_address(candidate.split("%")[0]))
    except ValueError:
        return remote


def address_for_axes(request: HttpRequest) -> str | None:
    """The same, for django-axes, which stores it in an address column: None when there is no address."""
    address = client_address(request)
    return None if address == "unknown" else address
