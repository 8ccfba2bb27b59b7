"""The fetcher against a real loopback server: address pinning, deadlines, decoding caps,
retry decisions, robots.txt, failure budgets. The resolver is the one fake: DNS is the
world's edge."""

from __future__ import annotations

import gzip
import socket
import threading
import time

import psutil
import pytest

from stancewatch.errors import PermanentFetchError, TransientFetchError
from stancewatch.extractors.http import Fetcher, FetchPolicy, _parse_retry_after, validator_header
from stancewatch.extractors.transport import BoundedDecoder, DecodedTooLarge, DecodingError
from tests.hostile_server import HOST, Response, blackhole_port, gzip_bomb, hostile_server

FAST = dict(politeness_delay=0, connect_timeout=1, read_timeout=1, deadline=2, retries=1,
            backoff=0.05, allowed_networks=(f"{HOST}/32",), per_domain_concurrency=4)


@pytest.fixture()
def server():
    with hostile_server() as state:
        yield state


def fetcher(**overrides) -> Fetcher:
    return Fetcher(FetchPolicy(**{**FAST, **overrides}))


class FlippingResolver:
    """Answers a public address first, then loopback: a DNS-rebinding attacker."""

    def __init__(self, port: int) -> None:
        self.calls = 0
        self.port = port

    def __call__(self, host, port, *args):
        self.calls += 1
        address = "93.184.216.34" if self.calls == 1 else "127.0.0.1"
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]


@pytest.mark.slow
def test_dns_rebinding_never_reaches_loopback():
    hits = []
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]

    def accept() -> None:
        listener.settimeout(5)
        try:
            connection, _ = listener.accept()
            hits.append(connection.recv(100))
            connection.close()
        except OSError:
            pass

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    resolver = FlippingResolver(port)
    policy = FetchPolicy(**{**FAST, "allowed_networks": (), "connect_timeout": 0.3, "retries": 2})
    with Fetcher(policy, resolver=resolver) as client:
        with pytest.raises((TransientFetchError, PermanentFetchError)) as failure:
            client.get(f"http://rebind.example:{port}/secret", kind="feed")
    listener.close()
    thread.join(timeout=6)
    assert hits == []  # the loopback listener never saw a request
    assert "loopback" in failure.value.reason or "connect" in failure.value.reason


def test_a_name_resolving_to_any_forbidden_address_is_refused(server):
    def mixed(host, port, *args):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.216.34", port)),
                (socket.AF_INET, socket.SOCK_STREAM, 6, "", ("100.100.100.200", port))]

    with Fetcher(FetchPolicy(**FAST), resolver=mixed) as client:
        with pytest.raises(PermanentFetchError, match="non-global address"):
            client.get("http://metadata.example/latest", kind="feed")


def test_names_resolving_to_allowed_network_are_fetched(server):
    server.route("/ok.xml", Response(body=b"<rss/>", content_type="application/rss+xml"))

    def to_server(host, port, *args):
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (HOST, port))]

    port = server.base.rsplit(":", 1)[1]
    with Fetcher(FetchPolicy(**FAST), resolver=to_server) as client:
        result = client.get(f"http://outlet.example:{port}/ok.xml", kind="feed")
    assert result.content == b"<rss/>"


def test_stacked_gzip_bomb_is_stopped_while_decoding(server):
    server.route("/bomb.xml", Response(body=gzip_bomb(400_000_000, layers=2),
                                       content_type="application/rss+xml",
                                       headers=(("Content-Encoding", "gzip, gzip"),)))
    before = psutil.Process().memory_info().rss
    with fetcher(max_bytes=2_000_000) as client:
        with pytest.raises(PermanentFetchError, match="cap .after decompression"):
            client.get(server.base + "/bomb.xml", kind="feed")
    assert psutil.Process().memory_info().rss - before < 200_000_000


def test_three_stacked_encodings_are_refused(server):
    body = gzip.compress(gzip.compress(gzip.compress(b"<rss/>")))
    server.route("/three.xml", Response(body=body, content_type="application/rss+xml",
                                        headers=(("Content-Encoding", "gzip, gzip, gzip"),)))
    with fetcher() as client, pytest.raises(PermanentFetchError, match="3 stacked"):
        client.get(server.base + "/three.xml", kind="feed")


def test_two_stacked_encodings_decode(server):
    body = gzip.compress(gzip.compress(b"<rss>fine</rss>"))
    server.route("/two.xml", Response(body=body, content_type="application/rss+xml",
                                      headers=(("Content-Encoding", "gzip, gzip"),)))
    with fetcher() as client:
        assert client.get(server.base + "/two.xml", kind="feed").content == b"<rss>fine</rss>"


def test_trickled_headers_end_at_the_deadline_without_retry(server):
    server.route("/slow-headers.xml", Response(trickle_headers=True))
    with fetcher(deadline=1.5, read_timeout=5, retries=3) as client:
        started = time.monotonic()
        with pytest.raises(TransientFetchError, match="deadline"):
            client.get(server.base + "/slow-headers.xml", kind="feed")
        elapsed = time.monotonic() - started
    assert elapsed < 4
    assert server.hits["/slow-headers.xml"] == 1


def test_dead_host_uses_up_its_failure_budget():
    with blackhole_port() as port, fetcher(connect_timeout=0.2, retries=1,
                                           host_failure_budget=2) as client:
        reasons = []
        started = time.monotonic()
        for number in range(6):
            with pytest.raises(TransientFetchError) as failure:
                client.get(f"http://{HOST}:{port}/{number}.html", kind="feed")
            reasons.append(failure.value.reason)
        elapsed = time.monotonic() - started
    assert "connect timeout" in reasons[0]
    assert all("host_failure_budget" in reason for reason in reasons[1:])
    assert elapsed < 3


def test_retry_decisions_by_type(server):
    server.route("/500.xml", Response(status=500))
    server.route("/404.xml", Response(status=404))
    server.route("/429.xml", Response(status=429, headers=(("Retry-After", "²"),)))
    with fetcher() as client:
        with pytest.raises(TransientFetchError, match="after 2 attempts"):
            client.get(server.base + "/500.xml", kind="feed")
        with pytest.raises(PermanentFetchError, match="HTTP 404"):
            client.get(server.base + "/404.xml", kind="feed")
        with pytest.raises(TransientFetchError, match="HTTP 429"):
            client.get(server.base + "/429.xml", kind="feed")
    assert server.hits["/500.xml"] == 2 and server.hits["/404.xml"] == 1


def test_robots_unreachable_is_transient_then_recovers(server):
    server.route("/robots.txt", lambda n: Response(status=503) if n <= 2 else
                 Response(body=b"User-agent: *\nAllow: /\n", content_type="text/plain"))
    server.route("/a.html", Response(body=b"<html><body>ok</body></html>"))
    with fetcher() as client, pytest.raises(TransientFetchError, match="robots.txt unreachable"):
        client.get(server.base + "/a.html", kind="page")
    with fetcher() as client:  # the next run
        assert client.get(server.base + "/a.html", kind="page").status == 200


def test_robots_over_500_kib_is_read_up_to_the_limit(server):
    rules = b"User-agent: *\nDisallow: /private/\n"
    server.route("/robots.txt", Response(body=rules + b"# padding\n" * 100_000,
                                         content_type="text/plain"))
    server.route("/public.html", Response(body=b"<html><body>ok</body></html>"))
    with fetcher(max_bytes=100_000) as client:
        assert client.get(server.base + "/public.html", kind="page").status == 200
        with pytest.raises(PermanentFetchError, match="disallowed by robots.txt"):
            client.get(server.base + "/private/x.html", kind="page")


@pytest.mark.parametrize("url, message", [
    ("http://[::1/x", "malformed URL"),
    (f"http://{HOST}:99999/x", "malformed URL"),
    ("data:,x", "scheme"),
])
def test_malformed_urls_are_permanent_failures(url, message):
    with fetcher() as client, pytest.raises(PermanentFetchError, match=message):
        client.get(url, kind="page")


@pytest.mark.parametrize("location", ["data:,x", "http:\\\\evil\\x", "http://[::1/x",
                                      f"http://{HOST}:99999/x"])
def test_hostile_redirects_fail_the_page_only(server, location):
    server.route("/jump.html", Response(status=302, headers=(("Location", location),)))
    with fetcher() as client, pytest.raises(PermanentFetchError):
        client.get(server.base + "/jump.html", kind="page")


def test_validators_that_cannot_be_sent_back_are_not_kept(server):
    server.route("/etag.xml", Response(body=b"<rss/>", content_type="application/rss+xml",
                                       headers=(("ETag", '"caf\u00e9"'),
                                                ("Last-Modified", "Mon, 10 Feb 2025 08:00:00 GMT"))))
    with fetcher() as client:
        result = client.get(server.base + "/etag.xml", kind="feed")
        assert result.etag is None and result.last_modified.startswith("Mon")
        again = client.get(server.base + "/etag.xml", kind="feed", etag='"caf\u00e9"')
    assert again.status == 200
    assert validator_header('"abc"') == '"abc"' and validator_header("x\r\ny") is None


def test_retry_after_accepts_only_ascii_seconds_or_dates():
    assert _parse_retry_after("12") == 12.0
    assert _parse_retry_after("²") is None
    assert _parse_retry_after("Mon, 01 Jan 9999 00:00:00 GMT") > 0
    assert _parse_retry_after("soon") is None


def test_bounded_decoder_limits_every_step():
    bomb = gzip_bomb(50_000_000, layers=2)
    decoder = BoundedDecoder(["gzip", "gzip"], 1_000_000)
    with pytest.raises(DecodedTooLarge):
        decoder.feed(bomb)
    assert decoder.size <= 1_000_000 + 64 * 1024
    with pytest.raises(DecodingError):
        BoundedDecoder(["gzip"], 1000).feed(b"not gzip at all")


def test_sitemaps_gzip_files_caps_and_malformed_entries(server):
    from datetime import UTC, datetime

    from stancewatch.flows.config import Settings
    from stancewatch.flows.steps import sitemap_candidates

    def urlset(urls: list[str]) -> bytes:
        return ('<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                + "".join(f"<url><loc>{u}</loc></url>" for u in urls) + "</urlset>").encode()

    children = [f"{server.base}/map-{i}.xml.gz" for i in range(3)]
    server.route("/robots.txt", Response(body=b"Sitemap: " + (server.base + "/index.xml").encode(),
                                         content_type="text/plain"))
    server.route("/index.xml", Response(body=(
        '<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        + "".join(f"<sitemap><loc>{c}</loc></sitemap>" for c in children)
        + "</sitemapindex>").encode(), content_type="application/xml"))
    for number, child in enumerate(children):
        urls = [f"{server.base}/a/{number}-{i}.html" for i in range(40)]
        urls.append(f"http://{HOST}:99999/broken")
        server.route(child.removeprefix(server.base), Response(
            body=gzip.compress(urlset(urls)), content_type="application/x-gzip"))
    settings = Settings(**{**FAST, "max_sitemap_urls": 100})
    window = (datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    with fetcher() as client:
        found, failures = sitemap_candidates(client, [server.base], *window, settings)
    reasons = " | ".join(f.error for f in failures)
    assert len(found) == 100 and "max_sitemap_urls" in reasons
    assert "malformed <loc>" not in reasons or "skipped" in reasons
