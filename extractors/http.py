"""Polite, defensive HTTP for untrusted news URLs.

Every request: address policy on each hop, per-domain delay and concurrency cap,
robots.txt for pages, timeouts plus a wall-clock deadline (trickling servers),
a size cap on decoded bytes (gzip bombs), retries with backoff on 5xx/timeouts,
Retry-After on 429/503, and conditional GET (ETag / If-Modified-Since).
"""

from __future__ import annotations

import email.utils
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from stancewatch.errors import FetchError, PermanentFetchError, TransientFetchError
from stancewatch.extractors.urls import ForbiddenAddressError, check_url_allowed, origin_of

FetchKind = Literal["feed", "page", "robots", "sitemap"]
DEFAULT_USER_AGENT = "stancewatch/0.1 (news stance monitoring; +https://example.org/stancewatch)"
RETRY_STATUSES = frozenset({500, 502, 503, 504})
PAGE_TYPES = ("text/html", "application/xhtml+xml")
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


@dataclass(frozen=True)
class FetchResult:
    url: str
    final_url: str
    status: int
    content_type: str
    content: bytes
    etag: str | None = None
    last_modified: str | None = None

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


def _parse_retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


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
    if kind in ("feed", "sitemap") and media.startswith(BINARY_PREFIXES):
        raise PermanentFetchError(url, f"unexpected content-type {media!r} for a {kind}")


class Fetcher:
    """One per run; thread-safe. Close it (or use it as a context manager)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self.counters = FetchCounters()
        self._gate = _DomainGate(policy.per_domain_concurrency, policy.politeness_delay)
        self._robots: dict[str, RobotFileParser | None] = {}
        self._robots_lock = threading.Lock()
        self._allowed_hosts: dict[str, FetchError | None] = {}
        timeout = httpx.Timeout(policy.read_timeout, connect=policy.connect_timeout)
        self._client = httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            headers={"User-Agent": policy.user_agent, "Accept-Encoding": "gzip, deflate"},
            limits=httpx.Limits(max_connections=64, max_keepalive_connections=32),
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
        """Address policy, cached per host (DNS is asked once per host and run)."""
        host = (urlsplit(url).hostname or "").lower()
        scheme = urlsplit(url).scheme.lower()
        key = f"{scheme}://{host}"
        if key not in self._allowed_hosts:
            try:
                check_url_allowed(url, self.policy.allow_private_networks,
                                  self.policy.allowed_networks)
                self._allowed_hosts[key] = None
            except ForbiddenAddressError as exc:
                self._allowed_hosts[key] = PermanentFetchError(url, f"refused: {exc}")
            except OSError as exc:  # DNS lookup failed: may work next run
                self._allowed_hosts[key] = TransientFetchError(url, str(exc))
        problem = self._allowed_hosts[key]
        if problem:
            raise type(problem)(url, problem.reason)

    def robots_allows(self, url: str) -> bool:
        if not self.policy.respect_robots:
            return True
        origin = origin_of(url)
        with self._robots_lock:
            known = origin in self._robots
        if not known:
            parser = self._load_robots(origin)
            with self._robots_lock:
                self._robots[origin] = parser
        parser = self._robots[origin]
        return True if parser is None else parser.can_fetch(self.policy.user_agent, url)

    def sitemaps_from_robots(self, origin: str) -> list[str]:
        self.robots_allows(origin + "/")
        parser = self._robots.get(origin)
        return list(parser.site_maps() or []) if parser else []

    def _load_robots(self, origin: str) -> RobotFileParser | None:
        parser = RobotFileParser()
        try:
            result = self.get(origin + "/robots.txt", kind="robots")
        except FetchError as exc:
            if exc.status is not None and 400 <= exc.status < 500:
                return None  # RFC 9309: unavailable robots.txt allows everything
            parser.disallow_all = True  # unreachable: assume complete disallow
            return parser
        parser.parse(result.content.decode("utf-8", errors="replace").splitlines())
        return parser

    # ------------------------------------------------------------------ fetch
    def get(
        self,
        url: str,
        *,
        kind: FetchKind,
        etag: str | None = None,
        last_modified: str | None = None,
    ) -> FetchResult:
        """GET with redirects followed by hand, so each hop passes the address policy."""
        self.check_allowed(url)
        if kind == "page" and not self.robots_allows(url):
            raise PermanentFetchError(url, "disallowed by robots.txt")
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            self.check_allowed(current)
            status, headers, content = self._get_with_retries(current, kind, etag, last_modified)
            if status in (301, 302, 303, 307, 308):
                location = headers.get("location")
                if not location:
                    raise PermanentFetchError(url, f"HTTP {status} redirect without Location", status)
                current = urljoin(current, location)
                try:
                    self.check_allowed(current)
                except FetchError as exc:
                    raise type(exc)(url, f"redirect to {current[:120]} {exc.reason}", status) from None
                if kind == "page" and not self.robots_allows(current):
                    raise PermanentFetchError(url, f"redirect target {current} disallowed by robots.txt")
                continue
            if status == 304:
                self.counters.add(not_modified=1)
                return FetchResult(url, current, 304, "", b"", etag, last_modified)
            if status >= 400:
                raise http_status_error(url, status)
            content_type = headers.get("content-type", "")
            _check_content_type(url, kind, content_type)
            return FetchResult(
                url, current, status, content_type, content,
                headers.get("etag"), headers.get("last-modified"),
            )
        raise PermanentFetchError(url, f"too many redirects (more than {self.policy.max_redirects})")

    def _get_with_retries(
        self, url: str, kind: FetchKind, etag: str | None, last_modified: str | None
    ) -> tuple[int, httpx.Headers, bytes]:
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        host = urlsplit(url).netloc.lower()  # per server: host and port
        attempt = 0
        while True:
            attempt += 1
            self._gate.enter(host)
            try:
                status, response_headers, content = self._get_once(url, headers)
            except _DeadlineExceeded as exc:
                # a server that trickles bytes will do it again: no retry
                raise TransientFetchError(url, _describe_timeout(exc, self.policy)) from None
            except httpx.TimeoutException as exc:
                problem: str = _describe_timeout(exc, self.policy)
                retry_in: float | None = self.policy.backoff * 2 ** (attempt - 1)
                status = None
            except httpx.TransportError as exc:
                problem = f"connection failed: {_describe_transport(exc)}"
                retry_in = self.policy.backoff * 2 ** (attempt - 1)
                status = None
            finally:
                self._gate.leave(host)
            if status is not None:
                if status == 429 or (status in RETRY_STATUSES):
                    retry_after = _parse_retry_after(response_headers.get("retry-after"))
                    if retry_after is not None and retry_after > self.policy.max_retry_after:
                        raise TransientFetchError(
                            url, f"HTTP {status}, Retry-After {retry_after:.0f}s exceeds "
                            f"the {self.policy.max_retry_after:.0f}s limit", status)
                    retry_in = (retry_after if retry_after is not None
                                else self.policy.backoff * 2 ** (attempt - 1))
                    problem = f"HTTP {status}"
                else:
                    return status, response_headers, content
            if attempt > self.policy.retries:
                raise TransientFetchError(url, f"{problem} (after {attempt} attempts)", status)
            self.counters.add(retries=1)
            time.sleep(retry_in)

    def _get_once(self, url: str, headers: dict[str, str]) -> tuple[int, httpx.Headers, bytes]:
        deadline = time.monotonic() + self.policy.deadline
        self.counters.add(requests=1)
        with self._client.stream("GET", url, headers=headers) as response:
            if response.status_code in (301, 302, 303, 304, 307, 308) or response.status_code >= 400:
                return response.status_code, response.headers, b""
            declared = response.headers.get("content-length")
            if declared and declared.isdigit() and int(declared) > self.policy.max_bytes:
                raise PermanentFetchError(url, f"response of {int(declared):,} bytes exceeds the "
                                 f"{self.policy.max_bytes:,}-byte cap", response.status_code)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise PermanentFetchError(url, f"response exceeds the {self.policy.max_bytes:,}-byte "
                                     "cap (after decompression)", response.status_code)
                if time.monotonic() > deadline:
                    raise _DeadlineExceeded()
                chunks.append(chunk)
            return response.status_code, response.headers, b"".join(chunks)


class _DeadlineExceeded(Exception):
    pass


def _describe_timeout(exc: Exception, policy: FetchPolicy) -> str:
    if isinstance(exc, _DeadlineExceeded):
        return f"response took longer than the {policy.deadline:.0f}s deadline"
    if isinstance(exc, httpx.ConnectTimeout):
        return f"connect timeout ({policy.connect_timeout:.0f}s)"
    if isinstance(exc, httpx.ReadTimeout):
        return f"read timeout ({policy.read_timeout:.0f}s)"
    return f"timeout: {exc.__class__.__name__}"


def _describe_transport(exc: httpx.TransportError) -> str:
    text = str(exc) or exc.__class__.__name__
    if "Connection refused" in text or "Errno 111" in text:
        return "connection refused"
    if "Name or service not known" in text or "nodename nor servname" in text or "Errno -2" in text:
        return "DNS lookup failed"
    return text.splitlines()[0][:200]
