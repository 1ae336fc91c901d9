"""What the crawler may fetch: the one policy every request, redirect and browser navigation passes.

The archive is evidence of what a portal published, so nothing that is not the portal's may be fetched
or archived. :func:`refusal` is the whole policy, a pure function of a *canonical* URL (the real
``https://HOST/PATH``, never the mirror form), the portal's registry entry and the configured
``PORTAL_MIRROR``; it answers ``None`` (allowed) or the reason of the refusal:

* the scheme is ``http`` or ``https`` (no ``file:``, ``ftp:``, ``data:``, ``javascript:`` …);
* no credentials in the URL, and no port other than the scheme's default;
* the host is not a literal private, loopback, link-local, metadata, multicast or otherwise
  non-public address (IPv4 in any spelling the resolver accepts -- ``2130706433``, ``0x7f.1`` --,
  IPv6, IPv4-mapped IPv6);
* the host is the portal's own ``host`` or one of its registry ``attachment_hosts``.

``PORTAL_MIRROR`` is the one exception to the address rule, and only in its mirrored form:
:func:`outgoing_refusal` judges the URL the download handler is about to send, which is under the
mirror by construction when a mirror is configured. A canonical URL naming the mirror's own address
(a listing row ``http://127.0.0.1:8765/…``) is refused like any other loopback URL.

Enforcement lives elsewhere: :class:`crawler.offsite.GuardMiddleware` (every request, before robots.txt,
the cache and WARC capture), the mirror download handler (the last step before a connection), the
browser's request filter (navigations inside Chromium) and the spider (a refused listing row becomes a
skipped row with its reason, never a report).
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from crawler.mirror import from_mirror

if TYPE_CHECKING:
    from crawler.registry import Portal

SCHEMES = ("http", "https")
_DEFAULT_PORTS = {"http": 80, "https": 443}
# Cloud metadata services answer on these addresses; some (Alibaba Cloud's 100.100.100.200) are not in a
# private range, so they are named here (the rest are link-local or private and refused as such).
METADATA = frozenset(
    ipaddress.ip_address(a) for a in ("169.254.169.254", "100.100.100.200", "fd00:ec2::254", "169.254.170.2")
)
# A host made only of digits, dots and hex notation is an IPv4 literal to the C resolver (inet_aton):
# 2130706433, 0x7f.1 and 127.1 all mean 127.0.0.1.
_NUMERIC_HOST = re.compile(r"^[0-9a-fx.]+$", re.IGNORECASE)


def literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The IP address ``host`` spells, in any notation a resolver accepts; None for a name."""
    host = host.strip("[]").rstrip(".")
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])  # an IPv6 zone (%eth0) does not change the address
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host) and any(c.isdigit() for c in host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            return None
    return None


def address_refusal(host: str) -> str | None:
    """Why a literal address may not be fetched; None for a public address or a host name."""
    address = literal_address(host)
    if address is None:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA:
        return f"cloud metadata address {address}"
    for kind in ("loopback", "link_local", "unspecified", "multicast", "private", "reserved"):
        if getattr(address, f"is_{kind}"):
            return f"{kind.replace('_', '-')} address {address}"
    if not address.is_global:
        return f"non-public address {address}"
    return None


def allowed_hosts(portal: Portal | None) -> frozenset[str]:
    """The hosts of a portal's own: its ``host`` and the ``attachment_hosts`` its registry entry allows."""
    if portal is None:
        return frozenset()
    return frozenset(h.lower().rstrip(".") for h in (portal.host, *portal.attachment_hosts))


def refusal(url: str, portal: Portal | None, mirror: str = "") -> str | None:
    """None when ``url`` (canonical) may be fetched for ``portal``; otherwise why not.

    ``portal`` None (a non-portal spider: ``scrapy fetch``, ``scrapy shell``) applies the scheme and
    address rules only. ``mirror`` is accepted for symmetry with :func:`outgoing_refusal`: it never makes
    a canonical URL acceptable.
    """
    del mirror  # the mirror's address is allowed only in the mirrored form (outgoing_refusal)
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError as exc:
        return f"unparsable URL ({exc})"
    scheme = parts.scheme.lower()
    if scheme not in SCHEMES:
        return f"scheme {scheme + ':' if scheme else '(none)'} is not http or https"
    host = (parts.hostname or "").rstrip(".")
    if not host:
        return "no host"
    if reason := address_refusal(host):
        return reason
    if parts.username is not None or parts.password is not None:
        return "credentials in the URL"
    if port is not None and port != _DEFAULT_PORTS[scheme]:
        return f"port {port} (only the default port of {scheme})"
    if portal is not None and host not in allowed_hosts(portal):
        return f"off-site host {host} (the portal's hosts: {', '.join(sorted(allowed_hosts(portal)))})"
    return None


def outgoing_refusal(url: str, mirror: str) -> str | None:
    """Judge the URL the download handler is about to connect to (the mirror form when a mirror is set).

    Under the configured mirror: allowed (the one exception to the address rule). Without a mirror:
    the scheme and address rules. With a mirror, a URL outside it would reach the real internet from
    a crawl meant for the mirror: refused.
    """
    if mirror:
        base = mirror.rstrip("/") + "/"
        return None if url.startswith(base) else f"{url} is outside the configured mirror {mirror}"
    return refusal(url, None)


def browser_refusal(url: str, portal: Portal | None, mirror: str = "") -> str | None:
    """The policy for a URL Chromium is about to request: with a mirror, every browser request (the
    page, a challenge script's reload, a script-driven navigation) must stay under the mirror, and its
    canonical form must be the portal's; without one, the URL itself is judged."""
    if mirror:
        canonical = from_mirror(url, mirror)
        if canonical is None:
            return f"outside the configured mirror {mirror}"
        return refusal(canonical, portal)
    return refusal(url, portal)
