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
from typing import Literal
from urllib.parse import urljoin, urlsplit
from urllib.robotparser import RobotFileParser

import httpx

from extractors.urls import ForbiddenAddressError, check_url_allowed

FetchKind = Literal["feed", "page", "robots", "sitemap"]
DEFAULT_USER_AGENT = "stancewatch/0.1 (news stance monitoring; +https://example.org/stancewatch)"
RETRY_STATUSES = frozenset({500, 502, 503, 504})
PAGE_TYPES = ("text/html", "application/xhtml+xml")
BINARY_PREFIXES = ("image/", "audio/", "video/", "font/", "application/pdf", "application/zip",
                   "application/octet-stream")


@dataclass(frozen=True)
class FetchPolicy:
    user_agent: str = DEFAULT_USER_AGENT
    connect_timeout: float = 5.0
    read_timeout: float = 15.0
    deadline: float = 30.0
    max_bytes: int = 5_000_000
    retries: int = 2
    backoff: float = 0.5
    max_retry_after: float = 30.0
    politeness_delay: float = 1.0
    per_domain_concurrency: int = 2
    max_redirects: int = 5
    allow_private_networks: bool = False
    allowed_networks: tuple[str, ...] = ()
    respect_robots: bool = True


class FetchError(Exception):
    """A URL could not be fetched; `reason` is one line a person can act on."""

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.status = status


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


def _media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def _check_content_type(url: str, kind: FetchKind, content_type: str) -> None:
    media = _media_type(content_type)
    if not media:
        return
    if kind == "page" and media not in PAGE_TYPES:
        raise FetchError(url, f"unexpected content-type {media!r} for an article page")
    if kind in ("feed", "sitemap") and media.startswith(BINARY_PREFIXES):
        raise FetchError(url, f"unexpected content-type {media!r} for a {kind}")


class Fetcher:
    """One per run; thread-safe. Close it (or use it as a context manager)."""

    def __init__(self, policy: FetchPolicy) -> None:
        self.policy = policy
        self.counters = FetchCounters()
        self._gate = _DomainGate(policy.per_domain_concurrency, policy.politeness_delay)
        self._robots: dict[str, RobotFileParser | None] = {}
        self._robots_lock = threading.Lock()
        self._allowed_hosts: dict[str, str | None] = {}
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
                self._allowed_hosts[key] = f"refused: {exc}"
            except OSError as exc:
                self._allowed_hosts[key] = str(exc)
        problem = self._allowed_hosts[key]
        if problem:
            raise FetchError(url, problem)

    def robots_allows(self, url: str) -> bool:
        if not self.policy.respect_robots:
            return True
        parts = urlsplit(url)
        origin = f"{parts.scheme}://{parts.netloc}"
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
            raise FetchError(url, "disallowed by robots.txt")
        current = url
        for _hop in range(self.policy.max_redirects + 1):
            self.check_allowed(current)
            status, headers, content = self._get_with_retries(current, kind, etag, last_modified)
            if status in (301, 302, 303, 307, 308):
                location = headers.get("location")
                if not location:
                    raise FetchError(url, f"HTTP {status} redirect without Location", status)
                current = urljoin(current, location)
                try:
                    self.check_allowed(current)
                except FetchError as exc:
                    raise FetchError(url, f"redirect to {current[:120]} {exc.reason}", status) from None
                if kind == "page" and not self.robots_allows(current):
                    raise FetchError(url, f"redirect target {current} disallowed by robots.txt")
                continue
            if status == 304:
                self.counters.add(not_modified=1)
                return FetchResult(url, current, 304, "", b"", etag, last_modified)
            if status >= 400:
                raise FetchError(url, f"HTTP {status}", status)
            content_type = headers.get("content-type", "")
            _check_content_type(url, kind, content_type)
            return FetchResult(
                url, current, status, content_type, content,
                headers.get("etag"), headers.get("last-modified"),
            )
        raise FetchError(url, f"too many redirects (more than {self.policy.max_redirects})")

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
                raise FetchError(url, _describe_timeout(exc, self.policy)) from None
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
                        raise FetchError(
                            url, f"HTTP {status}, Retry-After {retry_after:.0f}s exceeds "
                            f"the {self.policy.max_retry_after:.0f}s limit", status)
                    retry_in = (retry_after if retry_after is not None
                                else self.policy.backoff * 2 ** (attempt - 1))
                    problem = f"HTTP {status}"
                else:
                    return status, response_headers, content
            if attempt > self.policy.retries:
                raise FetchError(url, f"{problem} (after {attempt} attempts)", status)
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
                raise FetchError(url, f"response of {int(declared):,} bytes exceeds the "
                                 f"{self.policy.max_bytes:,}-byte cap", response.status_code)
            chunks: list[bytes] = []
            size = 0
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > self.policy.max_bytes:
                    raise FetchError(url, f"response exceeds the {self.policy.max_bytes:,}-byte "
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
