"""The shopper's address, as every per-address rate limit (captcha, SMS, login) must see it (SPEC M).

Behind a load balancer every connection comes from the balancer. ``TRUSTED_PROXIES`` (addresses or networks,
e.g. ``10.0.0.0/8,192.168.1.7``) says which hops to believe: the ``X-Forwarded-For`` chain plus the
connection's own address is read from the right (the hop nearest to us), skipping trusted proxies; the first
address that is not one is the client. A client can put anything at the left of the header, but never to the
right of what our own proxies appended, so a forged header changes nothing. With no trusted proxy (the
default) the header is ignored entirely and the connection's address is the client.

Daphne runs with ``--proxy-headers`` (Procfile), which makes its own idea of the peer (access log,
websocket scope) the left-most forwarded address; this module does not rely on that: it reads the whole
header and treats ``REMOTE_ADDR`` as one more hop.
"""

from __future__ import annotations

import ipaddress
import socket

from django.conf import settings
from django.http import HttpRequest

from config.settings_memo import from_settings

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
UNKNOWN = "unknown"


def _read_trusted_networks() -> tuple[IPNetwork, ...]:
    """TRUSTED_PROXIES as networks (read once, and again after a setting changes)."""
    proxies = getattr(settings, "TRUSTED_PROXIES", ()) or ()
    return tuple(ipaddress.ip_network(item.strip(), strict=False) for item in proxies if item.strip())


trusted_networks = from_settings(_read_trusted_networks)


def _parse(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip().strip('"')
    if value.startswith("[") and "]" in value:  # [v6]:port
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # v4:port
        value = value.split(":", 1)[0]
    # The C parser first (as strict: no leading zeros, no short forms); ipaddress's own for the rest (scope ids).
    try:
        return ipaddress.IPv4Address(socket.inet_pton(socket.AF_INET, value))
    except OSError:
        pass
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def _trusted(address: ipaddress.IPv4Address | ipaddress.IPv6Address, networks: tuple[IPNetwork, ...]) -> bool:
    return any(address in network for network in networks)


def client_ip(request: HttpRequest) -> str:
    """The client's address for rate limits and logs; "unknown" when nothing usable was sent."""
    return client_ip_from(request.META.get("REMOTE_ADDR") or "", request.headers.get("X-Forwarded-For", ""))


def client_ip_from(remote_addr: str, forwarded_for: str) -> str:
    """`client_ip` from the raw connection address and X-Forwarded-For header (for a route without Django)."""
    remote = _parse(remote_addr)
    networks = trusted_networks()
    if not networks:
        return str(remote) if remote else UNKNOWN
    hops = [header for header in forwarded_for.split(",") if header.strip()]
    parsed = [_parse(hop) for hop in hops]
    # Daphne --proxy-headers puts the left-most forwarded address in REMOTE_ADDR: it is not a hop of its own.
    if remote is not None and not (parsed and parsed[0] == remote):
        parsed.append(remote)
    leftmost: ipaddress.IPv4Address | ipaddress.IPv6Address | None = None
    for address in reversed(parsed):
        if address is None:  # garbage in the chain: stop believing anything further left
            break
        leftmost = address
        if not _trusted(address, networks):
            return str(address)
    return str(leftmost) if leftmost else UNKNOWN
