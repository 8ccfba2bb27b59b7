"""A loopback web server that misbehaves on purpose, for the fault suite.

Everything it serves is built here; each path is one behaviour. It binds to
127.0.0.3 so that a run can allow exactly that address (allowed_networks) while
redirects to 127.0.0.1, private and link-local addresses stay forbidden.
"""

from __future__ import annotations

import gzip
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.3"
CAP_BYTES = 2_000_000  # the fault run's max_bytes

GOOD_TEXT = (
    "Kremlin spokesman Dmitry Peskov said on Tuesday that talk of security guarantees for "
    "Ukraine was premature, repeating Moscow's line that any Western troops would be unwelcome. "
    "NATO Secretary General Mark Rutte said the alliance's commitments to Kyiv stood. "
    "Hungarian Prime Minister Viktor Orbán said Budapest would not support an invitation "
    "while the war continued. Diplomats said talks on a reassurance force would continue "
    "next week in Paris, where officials from about thirty countries are expected. "
)


def article_html(title: str, body: str, charset: str = "utf-8", lang: str = "en",
                 published: str | None = "2025-02-10T08:00:00+00:00", head: str = "") -> str:
    date_meta = (f'<meta property="article:published_time" content="{published}">'
                 if published else "") + head
    paragraphs = "".join(f"<p>{sentence.strip()}.</p>" for sentence in body.split(". ") if sentence)
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="{charset}">'
            f"<title>{title}</title><meta property=\"og:site_name\" content=\"Hostile Times\">"
            f"{date_meta}</head><body><nav>Home | World | Sport</nav><article><h1>{title}</h1>{paragraphs}"
            f"</article><footer>Hostile Times</footer></body></html>")


def rss(items: list[tuple[str, str, str | None]], encoding: str = "utf-8",
        title: str = "Hostile feed") -> bytes:
    """items: (title, link or '', pubDate or None)."""
    body = "".join(
        "<item><title>{}</title>{}{}</item>".format(
            t, f"<link>{link}</link>" if link else "", f"<pubDate>{date}</pubDate>" if date else "")
        for t, link, date in items)
    text = (f'<?xml version="1.0" encoding="{encoding}"?><rss version="2.0"><channel>'
            f"<title>{title}</title><link>http://{HOST}/</link>{body}</channel></rss>")
    return text.encode(encoding)


@dataclass
class Response:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/html; charset=utf-8"
    headers: tuple[tuple[str, str], ...] = ()
    trickle: bool = False
    stall: float = 0.0
    trickle_headers: bool = False  # status line, then one header byte every 0.2 s, forever


class HostileServer:
    def __init__(self) -> None:
        self.routes: dict[str, Response] = {}
        self.hits: dict[str, int] = {}
        self.lock = threading.Lock()
        self.stop = threading.Event()
        self.base = ""

    def route(self, path: str, response: Response) -> str:
        self.routes[path] = response
        return self.base + path

    def hit(self, path: str) -> int:
        with self.lock:
            self.hits[path] = self.hits.get(path, 0) + 1
            return self.hits[path]


def _handler(state: HostileServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def do_GET(self) -> None:  # noqa: N802
            path = self.path.split("#", 1)[0]
            count = state.hit(path)
            response = state.routes.get(path)
            if path == "/robots.txt" and response is None:
                response = Response(body=b"User-agent: *\nDisallow: /private/\n",
                                    content_type="text/plain")
            if response is None:
                response = Response(status=404, body=b"not found", content_type="text/plain")
            if callable(response):
                response = response(count)
            etag = dict(response.headers).get("ETag")
            if etag and self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.send_header("ETag", etag)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            if response.stall:
                state.stop.wait(response.stall)
                return
            if response.trickle_headers:
                try:
                    self.wfile.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
                    while not state.stop.is_set():
                        self.wfile.write(b"a")
                        self.wfile.flush()
                        state.stop.wait(0.2)
                except OSError:
                    pass
                return
            self.send_response(response.status)
            for name, value in response.headers:
                self.send_header(name, value)
            self.send_header("Content-Type", response.content_type)
            if response.trickle:  # no length: the body never ends
                self.send_header("Connection", "close")
                self.end_headers()
                while not state.stop.is_set():
                    try:
                        self.wfile.write(b"<")
                        self.wfile.flush()
                    except OSError:
                        return
                    state.stop.wait(0.2)
                return
            self.send_header("Content-Length", str(len(response.body)))
            self.end_headers()
            try:
                self.wfile.write(response.body)
            except OSError:
                pass

    return Handler


@contextmanager
def hostile_server() -> Iterator[HostileServer]:
    state = HostileServer()
    server = ThreadingHTTPServer((HOST, 0), _handler(state))
    server.daemon_threads = True
    state.base = f"http://{HOST}:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    try:
        yield state
    finally:
        state.stop.set()
        server.shutdown()
        server.server_close()


@contextmanager
def refusing_port() -> Iterator[int]:
    """A port with nothing listening: connection refused."""
    probe = socket.socket()
    probe.bind((HOST, 0))
    port = probe.getsockname()[1]
    probe.close()
    yield port


@contextmanager
def blackhole_port() -> Iterator[int]:
    """A listener whose accept queue is full: new SYNs are dropped (connect timeout)."""
    listener = socket.socket()
    listener.bind((HOST, 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(3):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect((HOST, port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    time.sleep(0.1)
    try:
        yield port
    finally:
        for filler in fillers:
            filler.close()
        listener.close()


def gzip_bomb(size: int, layers: int = 1) -> bytes:
    """`size` zero bytes gzipped `layers` times (served with `Content-Encoding: gzip, …`)."""
    body = b"\0" * size
    for _ in range(layers):
        body = gzip.compress(body, compresslevel=9)
    return body
