"""Polite, defensive HTTP for untrusted news URLs.

Every request: the address policy on every connection (checked against the very address
connected to, so DNS answers cannot be rebound between check and connect), per-server
delay and concurrency cap, robots.txt for pages (first 500 KiB, RFC 9309), timeouts plus
a wall-clock deadline over the whole response (headers included), a size cap enforced
while decoding (at most two stacked gzip/deflate encodings), retries with backoff on
5xx/timeouts, Retry-After on 429/503, a per-server failure budget, and conditional GET.
"""

from __future__ import annotations

import email.utils
import re
import socket
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from stancewatch.errors import FetchError, PermanentFetchError, TransientFetchError
from stancewatch.extractors.transport import (
    BoundedDecoder,
    DeadlineExceeded,
    DecodedTooLarge,
    DecodingError,
    PinnedTransport,
    Resolver,
    content_codings,
    response_deadline,
)
from stancewatch.extractors.urls import (
    AddressPolicy,
    ForbiddenAddressError,
    check_url_allowed,
    origin_of,
)

FetchKind = Literal["feed", "page", "robots", "sitemap"]
DEFAULT_USER_AGENT = "stancewatch/0.1 (news stance monitoring; +https://example.org/stancewatch)"
RETRY_STATUSES = frozenset({500, 502, 503, 504})
PAGE_TYPES = ("text/html", "application/xhtml+xml")
GZIP_FILE_TYPES = ("application/x-gzip", "application/gzip", "application/octet-stream")
BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                   "application/octet-stream")


def setting(default: object, doc: str, low: float | None = None, high: float | None = None,
            choices: tuple[str, ...] = ()) -> Any:
    """A setting's one definition: default, documented range, and what it is for."""
    return field(default=default, metadata={"doc": doc, "range": (low, high), "choices": choices})


@dataclass(frozen=True)
class FetchPolicy:
    """How every request behaves. `flows.config.Settings` extends it; the feeds file's
    [settings] and STANCEWATCH_* variables set any of these (validated against the range)."""

    user_agent: str = setting(DEFAULT_USER_AGENT, "User-Agent header sent with every request")
    connect_timeout: float = setting(5.0, "seconds to open a connection", 0.1, 120)
    read_timeout: float = setting(15.0, "seconds to wait for the next bytes", 0.1, 300)
    deadline: float = setting(30.0, "wall-clock seconds for a whole response, headers included",
                              1, 600)
    max_bytes: int = setting(5_000_000, "largest response body, after decompression", 1_000,
                             200_000_000)
    retries: int = setting(2, "extra attempts after a 5xx, 429, timeout or connection error",
                           0, 10)
    backoff: float = setting(0.5, "first retry delay in seconds; doubles each attempt", 0, 60)
    max_retry_after: float = setting(30.0, "longest Retry-After honoured within a run; longer "
                                     "waits end the attempt (retried next run)", 0, 600)
    politeness_delay: float = setting(1.0, "seconds between request starts to one server",
                                      0, 60)
    per_domain_concurrency: int = setting(2, "requests in flight per server", 1, 32)
    max_redirects: int = setting(5, "redirect hops followed (each passes the address policy)",
                                 0, 20)
    allow_private_networks: bool = setting(False, "allow loopback, private and other non-global "
                                           "addresses (local testing only)")
    allowed_networks: tuple[str, ...] = setting((), "networks allowed despite the address "
                                                "policy, e.g. [\"10.1.0.0/16\"]")
    respect_robots: bool = setting(True, "obey robots.txt for article pages")
    host_failure_budget: int = setting(
        6, "consecutive timeouts or connection failures after which a server's remaining URLs "
        "are skipped for this run (recorded, retried next run)", 1, 1_000)


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str
    content: bytes
    etag: str | None = None
    last_modified: str | None = None
    truncated: bool = False

    @property
    def not_modified(self) -> bool:
        return self.status == 304


@dataclass
class FetchCounters:
    requests: int = 0
    not_modified: int = 0
    retries: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, *, requests: int = 0, not_modified: int = 0, retries: int = 0) -> None:
        with self.lock:
            self.requests += requests
            self.not_modified += not_modified
            self.retries += retries


class _DomainGate:
    """At most N requests in flight per host, and a minimum gap between their starts."""

    def __init__(self, concurrency: int, delay: float) -> None:
        self._delay = delay
        self._semaphores: dict[str, threading.Semaphore] = defaultdict(
            lambda: threading.Semaphore(concurrency)
        )
        self._next_start: dict[str, float] = defaultdict(float)
        self._lock = threading.Lock()

    def enter(self, host: str) -> None:
        with self._lock:
            semaphore = self._semaphores[host]
        semaphore.acquire()
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_start[host])
            self._next_start[host] = start + self._delay
        if start > now:
            time.sleep(start - now)

    def leave(self, host: str) -> None:
        self._semaphores[host].release()


class _FailureBudget:
    """Consecutive timeouts / connection failures per server; a success resets the count."""

    def __init__(self, budget: int) -> None:
        self._budget = budget
        self._failures: dict[str, int] = defaultdict(int)
        self._lock = threading.Lock()

    def exhausted(self, host: str) -> bool:
        with self._lock:
            return self._failures[host] >= self._budget

    def failed(self, host: str) -> None:
        with self._lock:
            self._failures[host] += 1

    def succeeded(self, host: str) -> None:
        with self._lock:
            self._failures[host] = 0


_ASCII_SECONDS = re.compile(r"[0-9]{1,9}")
_HEADER_VALUE = re.compile(r"[\x20-\x7e]{1,1024}")


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if _ASCII_SECONDS.fullmatch(value):
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    try:
        return max(0.0, when.timestamp() - time.time())
    except (OverflowError, OSError, ValueError):
        return None


def validator_header(value: str | None) -> str | None:
    """An ETag / Last-Modified worth sending back: printable ASCII only (anything else could
    not be sent in a request header, so it is not kept)."""
    if value is None or not _HEADER_VALUE.fullmatch(value):
        return None
    return value


def http_status_error(url: str, status: int) -> FetchError:
    """429 and 5xx may pass; other 4xx will not."""
    kind = TransientFetchError if status == 429 or status >= 500 else PermanentFetchError
    return kind(url, f"HTTP {status}", status)


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _check_content_type(url: str, kind: FetchKind, content_type: str) -> None:
    media = _media_type(content_type)
    if not media:
        return
    if kind == "page" and media not in PAGE_TYPES:
        raise PermanentFetchError(url, f"unexpected content-type {media!r} for an article page")
    if kind == "sitemap" and media in GZIP_FILE_TYPES:
        return  # a .xml.gz file: recognised by its content (extractors.sitemaps)
    if kind in ("feed", "sitemap") and media.startswith(BINARY_PREFIXES):
        raise PermanentFetchError(url, f"unexpected content-type {media!r} for a {kind}")


@dataclass
class _RobotsRules:
    parser: RobotFileParser | None  # None: everything allowed
    unreachable: str | None = None  # why robots.txt could not be read (retry next run)


class Fetcher:
    """One per run; thread-safe. Close it (or use it as a context manager)."""

    def __init__(self, policy: FetchPolicy, resolver: Resolver = socket.getaddrinfo) -> None:
        self.policy = policy
        self.counters = FetchCounters()
        self.address_policy = AddressPolicy(policy.allow_private_networks, policy.allowed_networks)
        self._gate = _DomainGate(policy.per_domain_concurrency, policy.politeness_delay)
        self._budget = _FailureBudget(policy.host_failure_budget)
        self._robots: dict[str, _RobotsRules] = {}
        self._robots_lock = threading.Lock()
        timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
        self._transport = PinnedTransport(self.address_policy, resolver)
        self._client = httpx.Client(  # builds requests (headers, timeouts); never sends them
            timeout=timeout,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            transport=self._transport,
            trust_env=False,
        )

    def __enter__(self) -> Fetcher:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        self._client.close()

    # ------------------------------------------------------------------ policy
    def check_allowed(self, url: str) -> None:
        """Scheme, host and IP-literal checks; names are checked when connecting."""
        try:
            check_url_allowed(url, self.address_policy)
        except ForbiddenAddressError as exc:
            raise PermanentFetchError(url, f"refused: {exc}") from None
        except ValueError as exc:
            raise PermanentFetchError(url, f"malformed URL: {exc}") from None

    def _robots_for(self, origin: str) -> _RobotsRules:
        with self._robots_lock:
            rules = self._robots.get(origin)
        if rules is None:
            rules = self._load_robots(origin)
            with self._robots_lock:
                self._robots[origin] = rules
        return rules

    def check_robots(self, url: str) -> None:
        """Raise unless robots.txt lets us fetch `url`; an unreachable robots.txt means
        'disallow for now' (RFC 9309): a transient failure, retried next run."""
        if not self.policy.respect_robots:
            return
        rules = self._robots_for(origin_of(url))
        if rules.unreachable:
            raise TransientFetchError(url, f"robots.txt unreachable ({rules.unreachable}): "
                                      "not fetched for now (RFC 9309), retried next run")
        if rules.parser is not None and not rules.parser.can_fetch(self.policy.user_agent, url):
            raise PermanentFetchError(url, "disallowed by robots.txt")

    def robots_allows(self, url: str) -> bool:
        try:
            self.check_robots(url)
        except FetchError:
            return False
        return True

    def sitemaps_from_robots(self, origin: str) -> list[str]:
        rules = self._robots_for(origin)
        return list(rules.parser.site_maps() or []) if rules.parser else []

    def _load_robots(self, origin: str) -> _RobotsRules:
        try:
            result = self.get(origin + "/robots.txt", kind="robots")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500 and exc.status != 429:
                return _RobotsRules(None)  # RFC 9309: unavailable robots.txt allows everything
            return _RobotsRules(None, unreachable=exc.reason)
        parser = RobotFileParser()
        parser.parse(result.content.decode("utf-8", errors="replace").splitlines())
        return _RobotsRules(parser)

    # ------------------------------------------------------------------ fetch
    def get(self, url: str, *, kind: FetchKind, etag: str | None = None,
            last_modified: str | None = None) -> FetchResult:
        """GET with redirects followed by hand, so each hop passes the address policy."""
        try:
            return self._get(url, kind, validator_header(etag), validator_header(last_modified))
        except FetchError:
            raise
        except (httpx.InvalidURL, httpx.UnsupportedProtocol, ValueError, UnicodeError) as exc:
            raise PermanentFetchError(url, f"malformed URL: {str(exc)[:160]}") from None

    def _get(self, url: str, kind: FetchKind, etag: str | None,
             last_modified: str | None) -> FetchResult:
        self.check_allowed(url)
        if kind == "page":
            self.check_robots(url)
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            status, headers, content, truncated = self._get_with_retries(
                current, kind, etag, last_modified)
            if status in (301, 302, 303, 307, 308):
                location = headers.get("location")
                if not location:
                    raise PermanentFetchError(url, f"HTTP {status} redirect without Location",
                                              status)
                target = location.strip()
                try:
                    current = urljoin(current, target)
                    self.check_allowed(current)
                    httpx.URL(current)  # what httpx cannot parse is malformed here, not later
                except FetchError as exc:
                    raise type(exc)(url, f"redirect to {target[:120]!r} {exc.reason}",
                                    status) from None
                except (ValueError, httpx.InvalidURL) as exc:
                    raise PermanentFetchError(url, f"redirect to {target[:120]!r}: malformed URL "
                                              f"({str(exc)[:120]})", status) from None
                if kind == "page":
                    try:
                        self.check_robots(current)
                    except FetchError as exc:
                        raise type(exc)(url, f"redirect target {current[:120]!r}: {exc.reason}",
                                        status) from None
                continue
            if status == 304:
                self.counters.add(not_modified=1)
                return FetchResult(url, current, 304, "", b"", etag, last_modified)
            if status >= 400:
                raise http_status_error(url, status)
            content_type = headers.get("content-type", "")
            _check_content_type(url, kind, content_type)
            return FetchResult(url, current, status, content_type, content,
                               validator_header(headers.get("etag")),
                               validator_header(headers.get("last-modified")), truncated)
        raise PermanentFetchError(url, f"too many redirects (more than {self.policy.max_redirects})")

    def _get_with_retries(self, url: str, kind: FetchKind, etag: str | None,
                          last_modified: str | None) -> tuple[int, httpx.Headers, bytes, bool]:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        host = urlsplit(url).netloc.lower()  # per server: host and port
        attempt = 0
        while True:
            attempt += 1
            if self._budget.exhausted(host):
                raise TransientFetchError(
                    url, f"skipped: {host} failed {self.policy.host_failure_budget} times in a "
                    "row in this run (host_failure_budget); retried next run")
            self._gate.enter(host)
            status: int | None = None
            try:
                status, response_headers, content, truncated = self._get_once(url, kind, headers)
            except DeadlineExceeded:
                self._budget.failed(host)
                # a server that trickles bytes will do it again: no retry in this run
                raise TransientFetchError(
                    url, f"response took longer than the {self.policy.deadline:g}s deadline"
                ) from None
            except ForbiddenAddressError as exc:
                raise PermanentFetchError(url, f"refused: {exc}") from None
            except httpx.TimeoutException as exc:
                self._budget.failed(host)
                problem = _describe_timeout(exc, self.policy)
                retry_in: float = self.policy.backoff * 2 ** (attempt - 1)
            except httpx.TransportError as exc:
                self._budget.failed(host)
                problem = f"connection failed: {_describe_transport(exc)}"
                retry_in = self.policy.backoff * 2 ** (attempt - 1)
            finally:
                self._gate.leave(host)
            if status is not None:
                self._budget.succeeded(host)
                if status == 429 or status in RETRY_STATUSES:
                    retry_after = _parse_retry_after(response_headers.get("retry-after"))
                    if retry_after is not None and retry_after > self.policy.max_retry_after:
                        raise TransientFetchError(
                            url, f"HTTP {status}, Retry-After {retry_after:.0f}s exceeds "
                            f"the {self.policy.max_retry_after:g}s limit", status)
                    retry_in = (retry_after if retry_after is not None
                                else self.policy.backoff * 2 ** (attempt - 1))
                    problem = f"HTTP {status}"
                else:
                    return status, response_headers, content, truncated
            if attempt > self.policy.retries:
                raise TransientFetchError(url, f"{problem} (after {attempt} attempts)", status)
            self.counters.add(retries=1)
            time.sleep(retry_in)

    @contextmanager
    def _open(self, url: str, headers: dict[str, str]) -> Iterator[httpx.Response]:
        """The response, straight from the transport: redirects are ours to judge (httpx's
        client would parse the Location itself, before the address policy sees it)."""
        request = self._client.build_request("GET", url, headers=headers)
        response = self._transport.handle_request(request)
        response.request = request
        try:
            yield response
        finally:
            response.close()

    def _get_once(self, url: str, kind: FetchKind, headers: dict[str, str]
                  ) -> tuple[int, httpx.Headers, bytes, bool]:
        """One request under the deadline; the body decoded here under the size cap."""
        self.counters.add(requests=1)
        # robots.txt: the first 500 KiB are read, the rest ignored (RFC 9309)
        limit = ROBOTS_MAX_BYTES if kind == "robots" else self.policy.max_bytes
        with response_deadline(self.policy.deadline), self._open(url, headers) as response:
            if response.status_code in (301, 302, 303, 304, 307, 308) or response.status_code >= 400:
                return response.status_code, response.headers, b"", False
            try:
                decoder = BoundedDecoder(content_codings(response.headers.get("content-encoding")),
                                         limit)
            except DecodingError as exc:
                raise PermanentFetchError(url, str(exc), response.status_code) from None
            declared = response.headers.get("content-length", "")
            if (kind != "robots" and not decoder.encoded and declared.isascii()
                    and declared.isdigit() and int(declared) > limit):
                raise PermanentFetchError(url, f"response of {int(declared):,} bytes exceeds the "
                                          f"{limit:,}-byte cap", response.status_code)
            chunks: list[bytes] = []
            try:
                for chunk in response.iter_raw():
                    chunks.append(decoder.feed(chunk))
            except DecodedTooLarge:
                if kind != "robots":
                    raise PermanentFetchError(
                        url, f"response exceeds the {limit:,}-byte cap"
                        + (" (after decompression)" if decoder.encoded else ""),
                        response.status_code) from None
                return response.status_code, response.headers, b"".join(chunks), True
            except DecodingError as exc:
                raise PermanentFetchError(url, str(exc), response.status_code) from None
            return response.status_code, response.headers, b"".join(chunks), False


ROBOTS_MAX_BYTES = 500 * 1024


def _describe_timeout(exc: Exception, policy: FetchPolicy) -> str:
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout ({policy.connect_timeout:g}s)"
    if isinstance(exc, httpx.ReadTimeout):
        return f"read timeout ({policy.read_timeout:g}s)"
    return f"timeout: {exc.__class__.__name__}"


def _describe_transport(exc: httpx.TransportError) -> str:
    text = str(exc) or exc.__class__.__name__
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "DNS lookup failed" in text or "Name or service not known" in text \
            or "nodename nor servname" in text or "Errno -2" in text:
        return "DNS lookup failed"
    return text.splitlines()[0][:200]
