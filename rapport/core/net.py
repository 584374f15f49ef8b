"""The client's address, behind ``PROXY_COUNT`` trusted reverse proxies (docs/deploy.md)."""

import ipaddress

from django.conf import settings


def _valid_ip(value: str | None) -> str | None:
    try:
        return str(ipaddress.ip_address((value or "").strip()))
    except ValueError:
        return None


def client_ip(request) -> str | None:
    """The address the client connected from, for the brute-force lock and the audit log.

    With ``PROXY_COUNT=0`` it is ``REMOTE_ADDR``: an ``X-Forwarded-For`` header is the client's own claim and is
    ignored. With N trusted proxies in front, each appending the address it saw to ``X-Forwarded-For``, it is the
    N-th address from the right: the one the outermost trusted proxy saw (anything further left was sent by the
    client and may be forged). A missing, short or malformed header falls back to ``REMOTE_ADDR``.
    """
    remote = _valid_ip(request.META.get("REMOTE_ADDR"))
    count = int(getattr(settings, "PROXY_COUNT", 0) or 0)
    if count <= 0:
        return remote
    forwarded = [part for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    if len(forwarded) < count:
        return remote
    return _valid_ip(forwarded[-count]) or remote
