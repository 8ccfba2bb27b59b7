"""Loopback HTTP servers for bundled outlets (the demo, tests and benchmarks).

Each outlet folder is served at the root of its own server, with {{BASE:slug}}
placeholders replaced by the outlets' real base URLs, and with ETag /
Last-Modified so that conditional GETs get real 304s.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from stancewatch.flows.config import render_placeholders

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".xml": "application/xml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".json": "application/json",
}
FEED_TYPES = {"rss.xml": "application/rss+xml; charset=utf-8",
              "feed.xml": "application/rss+xml; charset=utf-8",
              "atom.xml": "application/atom+xml; charset=utf-8"}
FIXED_LAST_MODIFIED = formatdate(1_740_000_000, usegmt=True)


class _OutletHandler(BaseHTTPRequestHandler):
    server_version = "demo-outlet/1.0"
    root: Path
    bases: dict[str, str]
    requests_seen: list[str]

    def log_message(self, format: str, *args: object) -> None:  # quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - http.server API
        self.requests_seen.append(self.path)
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        target = (self.root / path.lstrip("/")).resolve()
        if target.is_dir():
            target = target / "index.html"
        if self.root not in target.parents and target != self.root or not target.is_file():
            self.send_error(404, "Not Found")
            return
        body = render_placeholders(target.read_text(encoding="utf-8"), self.bases).encode("utf-8")
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        if self.headers.get("If-None-Match") == etag:
            self.send_response(304)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(200)
        content_type = FEED_TYPES.get(target.name) or CONTENT_TYPES.get(target.suffix,
                                                                          "application/octet-stream")
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", FIXED_LAST_MODIFIED)
        self.end_headers()
        self.wfile.write(body)


@contextmanager
def serve_outlets(sites_dir: Path, host: str | None = None) -> Iterator[dict[str, str]]:
    """Serve every sub-folder of `sites_dir`; yields {slug: base_url}. Each outlet gets its
    own loopback address (127.0.0.2, 127.0.0.3, …) so that outlets are distinct hosts."""
    servers: list[ThreadingHTTPServer] = []
    bases: dict[str, str] = {}
    requests_seen: dict[str, list[str]] = {}
    for number, folder in enumerate(sorted(p for p in sites_dir.iterdir() if p.is_dir())):
        address = host or f"127.0.0.{number + 2}"
        seen: list[str] = []
        handler = type(f"Handler_{folder.name}", (_OutletHandler,),
                       {"root": folder.resolve(), "bases": bases, "requests_seen": seen})
        server = ThreadingHTTPServer((address, 0), handler)
        server.daemon_threads = True
        servers.append(server)
        bases[folder.name] = f"http://{address}:{server.server_address[1]}"
        requests_seen[folder.name] = seen
        threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
    try:
        yield bases
    finally:
        for server in servers:
            server.shutdown()
            server.server_close()


def render_feeds_file(template: Path, bases: dict[str, str], output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(render_placeholders(template.read_text(encoding="utf-8"), bases),
                      encoding="utf-8")
    return output
