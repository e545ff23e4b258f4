"""Which URLs may receive webhooks: http(s) to hosts that resolve only to public addresses.

A registry that POSTs to any URL a caller names could be made to reach what only it can reach: its
own services on 127.0.0.1, the database and Redis on the private network, a cloud's metadata service
(169.254.169.254, Alibaba Cloud's 100.100.100.200) — server-side request forgery (OWASP API Security
Top 10, API7:2023). So a URL is checked when it is registered and again before every delivery, and
the delivery connects to the very address that was checked (``resolve_target``): a name that
resolved to a public address for the check cannot resolve to 127.0.0.1 for the connection (DNS
rebinding). Redirects are never followed (``sending``).

Every address a name resolves to must be public, not just one: the connection may use any of them.
Numeric hosts in the forms ``inet_aton`` accepts (``2130706433``, ``0177.0.0.1``, ``0x7f.1``) are
read as the address they mean, so they are refused for what they are.
"""

from __future__ import annotations

import concurrent.futures
import ipaddress
import re
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

MAX_URL_LENGTH = 2000

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

# (network, why it is refused); the first that holds names the reason.
_REFUSED = [
    (ipaddress.ip_network("169.254.169.254/32"), gettext_lazy("a cloud metadata address")),
    (ipaddress.ip_network("100.100.100.200/32"), gettext_lazy("a cloud metadata address")),
    (ipaddress.ip_network("fd00:ec2::254/128"), gettext_lazy("a cloud metadata address")),
    (ipaddress.ip_network("127.0.0.0/8"), gettext_lazy("a loopback address")),
    (ipaddress.ip_network("::1/128"), gettext_lazy("a loopback address")),
    (ipaddress.ip_network("0.0.0.0/8"), gettext_lazy("an unspecified address")),
    (ipaddress.ip_network("::/128"), gettext_lazy("an unspecified address")),
    (ipaddress.ip_network("10.0.0.0/8"), gettext_lazy("a private address")),
    (ipaddress.ip_network("172.16.0.0/12"), gettext_lazy("a private address")),
    (ipaddress.ip_network("192.168.0.0/16"), gettext_lazy("a private address")),
    (ipaddress.ip_network("fc00::/7"), gettext_lazy("a private address")),
    (ipaddress.ip_network("100.64.0.0/10"), gettext_lazy("a shared (carrier-grade NAT) address")),
    (ipaddress.ip_network("169.254.0.0/16"), gettext_lazy("a link-local address")),
    (ipaddress.ip_network("fe80::/10"), gettext_lazy("a link-local address")),
    (ipaddress.ip_network("224.0.0.0/4"), gettext_lazy("a multicast address")),
    (ipaddress.ip_network("ff00::/8"), gettext_lazy("a multicast address")),
    (ipaddress.ip_network("240.0.0.0/4"), gettext_lazy("a reserved address")),
    (ipaddress.ip_network("192.0.0.0/24"), gettext_lazy("a reserved address")),
    (ipaddress.ip_network("192.0.2.0/24"), gettext_lazy("a reserved address")),
    (ipaddress.ip_network("198.18.0.0/15"), gettext_lazy("a reserved address")),
    (ipaddress.ip_network("198.51.100.0/24"), gettext_lazy("a reserved address")),
    (ipaddress.ip_network("203.0.113.0/24"), gettext_lazy("a reserved address")),
    (ipaddress.ip_network("2001:db8::/32"), gettext_lazy("a reserved address")),
    (ipaddress.ip_network("100::/64"), gettext_lazy("a reserved address")),
]
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_NUMERIC_HOST = re.compile(r"^(0x[0-9a-f]+|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}$", re.IGNORECASE)


@dataclass(frozen=True)
class Target:
    """Where a delivery goes: the URL's parts and the one checked address to connect to."""

    scheme: str
    host: str
    port: int
    path: str
    address: str


# The C library's resolver has no timeout of its own: a lookup runs in one of these threads and is
# waited for at most WEBHOOKS_CONNECT_TIMEOUT_SECONDS, so a slow DNS server never holds a request.
_resolver = concurrent.futures.ThreadPoolExecutor(max_workers=4, thread_name_prefix="webhook-dns")


def _getaddrinfo(host: str, port: int) -> list[str]:
    """The addresses ``host`` resolves to (tests replace this with a fixed table)."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def _embedded_ipv4(address: IPAddress) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo, NAT64), if any."""
    if not isinstance(address, ipaddress.IPv6Address):
        return None
    if address.ipv4_mapped:
        return address.ipv4_mapped
    if address.sixtofour:
        return address.sixtofour
    if address.teredo:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _allowed_networks() -> list:
    return [ipaddress.ip_network(n, strict=False) for n in settings.WEBHOOKS_ALLOWED_NETWORKS]


def refusal(address: IPAddress) -> str | None:
    """Why ``address`` may not receive webhooks, or None if it may (a public address)."""
    if settings.WEBHOOKS_ALLOW_PRIVATE_ADDRESSES:
        return None
    if any(address in network for network in _allowed_networks() if network.version == address.version):
        return None
    embedded = _embedded_ipv4(address)
    if embedded is not None:
        reason = refusal(embedded)
        if reason is not None:
            return _("%(reason)s (%(ipv4)s inside an IPv6 address)") % {"reason": reason, "ipv4": embedded}
        if address.ipv4_mapped is None:
            # 6to4, Teredo and NAT64 reach their IPv4 address through a relay the registry does not choose.
            return str(gettext_lazy("an IPv6 address that carries an IPv4 address"))
        return None
    for network, reason in _REFUSED:
        if address.version == network.version and address in network:
            return str(reason)
    if not address.is_global:
        return str(gettext_lazy("not a public address"))
    return None


def _literal(host: str) -> IPAddress | None:
    """The address a numeric host names, however it is written; None for a name."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    if _NUMERIC_HOST.match(host):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(host))
        except OSError:
            raise ValidationError(
                {"url": [_("“%(host)s” is not a valid address.") % {"host": host}]}
            ) from None
    return None


def parse_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of a webhook URL, or ValidationError naming what is wrong."""
    url = (url or "").strip()
    if not url:
        raise ValidationError({"url": [_("Give the URL that will receive the deliveries.")]})
    if len(url) > MAX_URL_LENGTH:
        raise ValidationError({"url": [_("A URL has at most %(max)d characters.") % {"max": MAX_URL_LENGTH}]})
    if any(ch.isspace() or ord(ch) < 32 for ch in url):
        raise ValidationError({"url": [_("A URL cannot contain spaces or control characters.")]})
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise ValidationError({"url": [_("This is not a valid URL.")]}) from None
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise ValidationError({"url": [_("Only http:// and https:// URLs can receive webhooks.")]})
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            {"url": [_("Put no user name or password in the URL: check the signature instead.")]}
        )
    if parts.fragment:
        raise ValidationError({"url": [_("A webhook URL has no #fragment.")]})
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise ValidationError({"url": [_("The URL names no host.")]})
    try:
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise ValidationError({"url": [_("“%(host)s” is not a valid host name.") % {"host": host}]}) from None
    path = parts.path or "/"
    if parts.query:
        path = f"{path}?{parts.query}"
    return scheme, host, port or (443 if scheme == "https" else 80), path


def resolve_target(url: str) -> Target:
    """Check ``url`` and resolve its host once: every address must be public; the first is the one
    to connect to. ValidationError (on ``url``) saying which address is refused and why."""
    scheme, host, port, path = parse_url(url)
    literal = _literal(host)
    if literal is not None:
        addresses = [literal]
    else:
        seconds = settings.WEBHOOKS_CONNECT_TIMEOUT_SECONDS
        lookup = _resolver.submit(_getaddrinfo, host, port)
        try:
            found = lookup.result(timeout=seconds)
        except concurrent.futures.TimeoutError:
            raise ValidationError(
                {
                    "url": [
                        _("The host “%(host)s” could not be resolved within %(seconds)g s.")
                        % {"host": host, "seconds": seconds}
                    ]
                }
            ) from None
        except (OSError, UnicodeError):
            found = []
        if not found:
            raise ValidationError({"url": [_("The host “%(host)s” could not be found.") % {"host": host}]})
        addresses = []
        for text in found:
            address = ipaddress.ip_address(text.split("%", 1)[0])
            if address not in addresses:
                addresses.append(address)
    for address in addresses:
        reason = refusal(address)
        if reason is not None:
            if literal is not None:
                message = _("%(address)s is %(reason)s: webhooks go only to public internet addresses.")
            else:
                message = _(
                    "The host “%(host)s” resolves to %(address)s, %(reason)s: webhooks go only to "
                    "public internet addresses."
                )
            raise ValidationError({"url": [message % {"host": host, "address": address, "reason": reason}]})
    first = addresses[0]
    mapped = _embedded_ipv4(first) if isinstance(first, ipaddress.IPv6Address) and first.ipv4_mapped else None
    return Target(scheme=scheme, host=host, port=port, path=path, address=str(mapped or first))


def normalise_url(url: str) -> str:
    """The URL as stored: stripped; checks nothing beyond what ``parse_url`` does."""
    parse_url(url)
    return url.strip()
