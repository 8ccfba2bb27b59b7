"""URL identity and the address policy for untrusted links."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from tld import get_fld

TRACKING_PARAMS = frozenset(
    {
        "fbclid", "gclid", "dclid", "gbraid", "wbraid", "msclkid", "mc_cid", "mc_eid",
        "igshid", "yclid", "_ga", "_gl", "ref_src", "cmpid", "ocid", "smid", "ito",
        "at_medium", "at_campaign", "spm", "__twitter_impression",
    }
)
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
ALLOWED_SCHEMES = ("http", "https")


class ForbiddenAddressError(ValueError):
    """A URL points somewhere a crawler of untrusted links must not go."""


def is_tracking_param(name: str) -> bool:
    lowered = name.lower()
    return lowered in TRACKING_PARAMS or lowered.startswith(TRACKING_PREFIXES)


def canonical_url(url: str, base: str | None = None) -> str:
    """One spelling per article: absolute, lower-case host, no fragment, no tracking."""
    absolute = urljoin(base, url.strip()) if base else url.strip()
    parts = urlsplit(absolute)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    port = parts.port
    default_port = {"http": 80, "https": 443}.get(scheme)
    netloc = host if port in (None, default_port) else f"{host}:{port}"
    if ":" in host and not host.startswith("["):
        netloc = f"[{host}]" if port in (None, default_port) else f"[{host}]:{port}"
    query = urlencode(
        [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not is_tracking_param(k)]
    )
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, query, ""))


def site_of(url: str) -> str:
    """The registrable domain (public suffix list, offline copy), else host:port for IP
    addresses and names without a known suffix."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower().rstrip(".")
    registrable = get_fld(host, fix_protocol=True, fail_silently=True) if host else None
    return str(registrable) if registrable else parts.netloc.lower()


def pick_canonical(fetched_url: str, declared: str | None) -> str:
    """The article's identity: its rel=canonical / og:url when that is an http(s) URL on the
    same site as the page, else the fetched URL. A page cannot claim another outlet's URL
    (it would be stored as that outlet, and the real article skipped as already stored)."""
    if declared:
        try:
            candidate = canonical_url(declared, base=fetched_url)
            parts = urlsplit(candidate)
            if (parts.scheme in ALLOWED_SCHEMES and parts.hostname
                    and site_of(candidate) == site_of(fetched_url)):
                return candidate
        except ValueError:  # a malformed declaration (bad port, broken IPv6) is ignored
            pass
    return canonical_url(fetched_url)


def origin_of(url: str) -> str:
    """scheme://host[:port] — the unit of robots.txt, sitemaps and politeness."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def domain_of(url: str) -> str:
    """The outlet's domain, for `source` when a page names no site: no www., and the port
    only when it is not the scheme's default (outlets on one host, different ports)."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    host = host[4:] if host.startswith("www.") else host
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return host if parts.port in (None, default) else f"{host}:{parts.port}"


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address carries (mapped, 6to4, Teredo client, NAT64)."""
    if ip.ipv4_mapped:
        return ip.ipv4_mapped
    if ip.sixtofour:
        return ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Not globally reachable per the IANA registries, though older Pythons' `is_global` says so
# (fixed in 3.11.10 / 3.12.4); 192.0.0.9 and .10 are the registry's global exceptions.
_NOT_GLOBAL = tuple(ipaddress.ip_network(n) for n in (
    "192.0.0.0/29", "192.0.0.8/32", "192.0.0.11/32", "192.0.0.12/30", "192.0.0.16/28",
    "192.0.0.32/27", "192.0.0.64/26", "192.0.0.128/25", "64:ff9b:1::/48", "2001:2::/48",
    "2001:10::/28", "2001:20::/28", "3fff::/20", "5f00::/16"))


def forbidden_reason(address: str) -> str | None:
    """Why a crawler of untrusted links must not connect here, or None for a public address.

    Only globally routable addresses pass (`is_global`): loopback, private, link-local,
    shared (CGNAT 100.64/10, where cloud metadata services live), benchmarking, reserved and
    multicast ranges do not, nor IPv6 addresses that embed such an IPv4 address."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            inner = forbidden_reason(str(embedded))
            return f"{inner} (inside {ip})" if inner else None
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_multicast:
        return "multicast"
    if ip.is_unspecified or ip.is_reserved:
        return "reserved"
    if ip.is_private:
        return "private"
    if not ip.is_global or any(ip in network for network in _NOT_GLOBAL
                               if network.version == ip.version):
        return "non-global"
    return None


def parse_networks(networks: tuple[str, ...] | list[str]) -> tuple[ipaddress._BaseNetwork, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


@dataclass(frozen=True)
class AddressPolicy:
    """Which addresses a fetch may connect to: public ones, plus the allowed networks
    (or every address with allow_private_networks, for local testing)."""

    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()

    def refusal(self, address: str) -> str | None:
        if self.allow_private_networks:
            return None
        reason = forbidden_reason(address)
        if reason is None:
            return None
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if any(ip in network for network in parse_networks(self.allowed_networks)):
            return None
        return reason


def check_url_allowed(url: str, policy: AddressPolicy | None = None) -> None:
    """Raise ForbiddenAddressError for a URL no fetch may follow: not http(s), no host, or
    an IP-literal host the policy refuses. Host names are checked when connecting, against
    the very addresses connected to (see extractors.http), so DNS cannot be rebound."""
    parts = urlsplit(url)  # raises ValueError for a malformed URL (e.g. "http://[::1/x")
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise ForbiddenAddressError(f"scheme {parts.scheme or '(none)'!r} is not http(s)")
    parts.port  # noqa: B018 - raises ValueError for a port out of range
    host = parts.hostname
    if not host:
        raise ForbiddenAddressError("URL has no host")
    try:
        ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return  # a name: checked at connect time
    reason = (policy or AddressPolicy()).refusal(host)
    if reason:
        raise ForbiddenAddressError(
            f"{host} is a {reason} address; use --allow-private-networks to permit it")
