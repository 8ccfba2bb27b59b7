"""The network edge under extractors.http: connections pinned to checked addresses, a
wall-clock deadline on every socket operation, and content decoding with a size cap.

- `PinnedBackend` resolves a host once, refuses it if any address is outside the
  `AddressPolicy`, and connects to the checked address itself: nothing can re-resolve
  the name in between (DNS rebinding). TLS still verifies the certificate for the host
  name (httpcore passes the URL's host as server_hostname).
- A per-thread deadline (`response_deadline`) bounds connect, TLS, header and body reads:
  a server that trickles its headers cannot hold a request past it.
- `BoundedDecoder` inflates gzip/deflate itself, a bounded piece at a time, so a small
  compressed body cannot expand past the cap inside one call (stacked gzip bombs).
"""

from __future__ import annotations

import socket
import threading
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import httpcore
import httpx

from stancewatch.extractors.urls import AddressPolicy, ForbiddenAddressError

Resolver = Callable[..., list[tuple[Any, ...]]]
MAX_STACKED_ENCODINGS = 2
DECODE_PIECE = 64 * 1024

_local = threading.local()


class DeadlineExceeded(Exception):
    """The response took longer than its wall-clock deadline (not an httpcore error, so it
    passes through httpx untouched and is never retried as a timeout)."""


@contextmanager
def response_deadline(seconds: float) -> Iterator[None]:
    """Every socket operation of this thread's request ends by `seconds` from now."""
    previous = getattr(_local, "deadline", None)
    _local.deadline = time.monotonic() + seconds
    try:
        yield
    finally:
        _local.deadline = previous


def _bounded(timeout: float | None) -> float | None:
    deadline = getattr(_local, "deadline", None)
    if deadline is None:
        return timeout
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise DeadlineExceeded()
    return remaining if timeout is None else min(timeout, remaining)


def _past_deadline() -> bool:
    deadline = getattr(_local, "deadline", None)
    return deadline is not None and time.monotonic() >= deadline


class _DeadlineStream(httpcore.NetworkStream):
    def __init__(self, stream: httpcore.NetworkStream) -> None:
        self._stream = stream

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        try:
            return self._stream.read(max_bytes, _bounded(timeout))
        except httpcore.TimeoutException:
            if _past_deadline():
                raise DeadlineExceeded() from None
            raise

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        try:
            self._stream.write(buffer, _bounded(timeout))
        except httpcore.TimeoutException:
            if _past_deadline():
                raise DeadlineExceeded() from None
            raise

    def close(self) -> None:
        self._stream.close()

    def start_tls(self, ssl_context: Any, server_hostname: str | None = None,
                  timeout: float | None = None) -> httpcore.NetworkStream:
        return _DeadlineStream(self._stream.start_tls(ssl_context, server_hostname,
                                                      _bounded(timeout)))

    def get_extra_info(self, info: str) -> Any:
        return self._stream.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """Resolve, check every address against the policy, connect to a checked one."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver = socket.getaddrinfo) -> None:
        self._policy = policy
        self._resolver = resolver
        self._plain = httpcore.SyncBackend()

    def addresses(self, host: str, port: int) -> list[str]:
        try:
            infos = self._resolver(host, port, 0, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        except socket.gaierror as exc:
            raise httpcore.ConnectError(f"DNS lookup failed for {host}: {exc.strerror}") from None
        addresses = list(dict.fromkeys(str(info[4][0]) for info in infos))
        for address in addresses:
            reason = self._policy.refusal(address)
            if reason:
                raise ForbiddenAddressError(
                    f"{host} resolves to a {reason} address ({address}); use "
                    "--allow-private-networks to permit it")
        if not addresses:
            raise httpcore.ConnectError(f"DNS lookup failed for {host}: no addresses")
        return addresses

    def connect_tcp(self, host: str, port: int, timeout: float | None = None,
                    local_address: str | None = None,
                    socket_options: Iterable[Any] | None = None) -> httpcore.NetworkStream:
        last_error: Exception | None = None
        for address in self.addresses(host, port):
            try:
                stream = self._plain.connect_tcp(address, port, _bounded(timeout), local_address,
                                                 socket_options)
                return _DeadlineStream(stream)
            except httpcore.ConnectTimeout:
                if _past_deadline():
                    raise DeadlineExceeded() from None
                raise
            except httpcore.ConnectError as exc:
                last_error = exc
        raise last_error or httpcore.ConnectError(f"cannot connect to {host}")

    def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.NetworkStream:
        raise ForbiddenAddressError("unix sockets are not fetched")

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)


class PinnedTransport(httpx.HTTPTransport):
    """httpx's transport with the connection pool on a PinnedBackend."""

    def __init__(self, policy: AddressPolicy, resolver: Resolver = socket.getaddrinfo,
                 limits: httpx.Limits | None = None) -> None:
        limits = limits or httpx.Limits(max_connections=64, max_keepalive_connections=32)
        super().__init__(trust_env=False, limits=limits)
        ssl_context = self._pool._ssl_context
        self._pool.close()
        self._pool = httpcore.ConnectionPool(
            ssl_context=ssl_context, max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=PinnedBackend(policy, resolver))


# ------------------------------------------------------------------ content decoding
class DecodingError(Exception):
    """The body cannot be decoded within the rules (unknown or too many encodings)."""


class DecodedTooLarge(Exception):
    """Decoding would pass the size cap."""


def content_codings(header: str | None) -> list[str]:
    """The Content-Encoding list, outermost last, 'identity' dropped."""
    codings = [part.strip().lower() for part in (header or "").split(",") if part.strip()]
    codings = [c for c in codings if c != "identity"]
    if len(codings) > MAX_STACKED_ENCODINGS:
        raise DecodingError(f"{len(codings)} stacked content encodings (at most "
                            f"{MAX_STACKED_ENCODINGS} are decoded)")
    for coding in codings:
        if coding not in ("gzip", "x-gzip", "deflate"):
            raise DecodingError(f"unsupported content encoding {coding!r}")
    return codings


class _Inflater:
    def __init__(self, coding: str) -> None:
        self.coding = coding
        self._object = zlib.decompressobj(zlib.MAX_WBITS | 16 if coding != "deflate"
                                          else zlib.MAX_WBITS)
        self._first = True

    def pieces(self, data: bytes) -> Iterator[bytes]:
        """Inflate `data`, at most DECODE_PIECE bytes of output per step."""
        while data:
            try:
                out = self._object.decompress(data, DECODE_PIECE)
            except zlib.error:
                if self.coding == "deflate" and self._first:  # raw deflate, no zlib header
                    self._object = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._first = False
                    continue
                raise DecodingError(f"corrupt {self.coding} data") from None
            self._first = False
            yield out
            data = self._object.unconsumed_tail
            if self._object.eof and self._object.unused_data:  # another gzip member
                data = self._object.unused_data
                self._object = zlib.decompressobj(zlib.MAX_WBITS | 16)


class BoundedDecoder:
    """Decode a body through its content codings, never holding more than `limit` bytes."""

    def __init__(self, codings: list[str], limit: int) -> None:
        self._stages = [_Inflater(coding) for coding in reversed(codings)]
        self._limit = limit
        self.size = 0
        self.encoded = bool(codings)

    def _run(self, data: bytes, stage: int) -> Iterator[bytes]:
        if stage == len(self._stages):
            yield data
            return
        for piece in self._stages[stage].pieces(data):
            yield from self._run(piece, stage + 1)

    def feed(self, chunk: bytes) -> bytes:
        out: list[bytes] = []
        for piece in self._run(chunk, 0):
            self.size += len(piece)
            if self.size > self._limit:
                raise DecodedTooLarge()
            out.append(piece)
        return b"".join(out)
