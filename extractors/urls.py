"""URL identity and the address policy for untrusted links."""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

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


def pick_canonical(fetched_url: str, declared: str | None) -> str:
    """Prefer the page's own rel=canonical / og:url when it stays on an http(s) URL."""
    if declared:
        candidate = canonical_url(declared, base=fetched_url)
        if urlsplit(candidate).scheme in ALLOWED_SCHEMES and urlsplit(candidate).hostname:
            return candidate
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


def _forbidden_ip(address: str) -> str | None:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "loopback"
    if ip.is_link_local:
        return "link-local"
    if ip.is_private:
        return "private"
    if ip.is_multicast or ip.is_reserved or ip.is_unspecified:
        return "reserved"
    return None


def parse_networks(networks: tuple[str, ...] | list[str]) -> tuple[ipaddress._BaseNetwork, ...]:
    return tuple(ipaddress.ip_network(network, strict=False) for network in networks)


def check_url_allowed(url: str, allow_private_networks: bool,
                      allowed_networks: tuple[str, ...] = ()) -> None:
    """Raise ForbiddenAddressError for non-http(s) schemes and, unless allowed (all of them,
    or the listed networks), for hosts that resolve to loopback, private or link-local."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise ForbiddenAddressError(f"scheme {parts.scheme or '(none)'!r} is not http(s)")
    host = parts.hostname
    if not host:
        raise ForbiddenAddressError("URL has no host")
    if allow_private_networks:
        return
    try:
        infos = socket.getaddrinfo(host, parts.port or 80, proto=socket.IPPROTO_TCP)
    except socket.gaierror as exc:
        raise OSError(f"DNS lookup failed for {host}: {exc.strerror}") from exc
    exceptions = parse_networks(allowed_networks)
    for info in infos:
        address = str(info[4][0])
        reason = _forbidden_ip(address)
        if reason and any(ipaddress.ip_address(address.split("%", 1)[0]) in network
                          for network in exceptions):
            continue
        if reason:
            raise ForbiddenAddressError(
                f"{host} resolves to a {reason} address ({info[4][0]}); "
                "use --allow-private-networks to permit it"
            )
