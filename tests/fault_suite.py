"""The fault suite: the real daily flow against a server that misbehaves on purpose.

`make faults` prints the table; `make test` runs the same cases through pytest
(tests/test_faults.py). Each case must end with the run completed, the fault recorded
in `failures` with a clear reason (or, for input we tolerate, handled as stated), every
good article of the same run stored, and nothing stored twice.
"""

from __future__ import annotations

import random
import sys
import tempfile
from collections.abc import Callable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from tests.hostile_server import (
    CAP_BYTES,
    HostileServer,
    Response,
    article_html,
    blackhole_port,
    gzip_bomb,
    hostile_server,
    refusing_port,
    rss,
)

WORDS = ("alliance minister summit talks ceasefire treaty parliament border defence budget "
         "officials capital delegation spokesman agreement envoy ministry coalition region "
         "brigade winter energy grid harbour grain railway election court reform bank market "
         "river village factory harvest bridge port convoy hospital school museum festival "
         "council tariff pipeline drone radar artillery convoy shelter volunteer ambassador "
         "negotiator framework mandate deployment corridor observer inspector monitor").split()


def unique_text(seed: int, sentences: int = 9) -> str:
    """Distinct prose per page, so near-duplicate detection does not merge test pages."""
    rng = random.Random(seed)
    return " ".join(
        "The " + " ".join(rng.choice(WORDS) for _ in range(rng.randint(10, 16))) + "."
        for _ in range(sentences))


@dataclass
class Case:
    name: str
    expected: str
    url: str  # feed or page URL the case is about
    check: Callable[[duckdb.DuckDBPyConnection, str], tuple[str, bool]]
    kind: str = "page"  # page: linked from the good feed; feed: its own feeds entry


@dataclass
class CaseResult:
    name: str
    expected: str
    observed: str
    passed: bool


def failure_is(stage: str, *needles: str) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        found = connection.execute(
            "SELECT stage, error FROM failures WHERE url = ? OR url LIKE ? || '#%'",
            [url, url]).fetchall()
        stored = connection.execute("SELECT count(*) FROM url_aliases WHERE url = ?",
                                    [url]).fetchall()[0][0]
        if not found:
            return ("no failure recorded" + (", stored" if stored else ""), False)
        matching = [(s, e) for s, e in found
                    if s == stage and all(n.lower() in e.lower() for n in needles)]
        observed_stage, error = (matching or found)[0]
        return (f"[{observed_stage}] {error}", bool(matching) and not stored)
    return check


def stored_as(predicate_sql: str, description: str) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        rows = connection.execute(
            f"SELECT count(*), bool_and({predicate_sql}) FROM articles a "
            "WHERE a.url = ? OR a.url LIKE ? || '%'", [url, url]).fetchall()
        count, ok = rows[0]
        failures = connection.execute("SELECT error FROM failures WHERE url = ?", [url]).fetchall()
        observed = f"stored {count}" + (f"; {description}" if ok else "") + (
            f"; failure: {failures[0][0]}" if failures else "")
        return observed, bool(count) and bool(ok)
    return check


def feed_items_stored(count: int, extra_failure: str | None = None) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        stored = connection.execute("SELECT count(*), count(DISTINCT url) FROM stored_articles "
                                    "WHERE feed_url = ?", [url]).fetchall()[0]
        failures = [r[0] for r in connection.execute(
            "SELECT error FROM failures WHERE url = ?", [url]).fetchall()]
        ok = stored[0] == count and stored[1] == count
        if extra_failure:
            ok = ok and any(extra_failure in f for f in failures)
        observed = f"{stored[0]} items stored" + (f"; {failures[0]}" if failures else "")
        return observed, ok
    return check


def build_cases(server: HostileServer, refused_port: int, blackhole: int,
                second: HostileServer) -> tuple[list[Case], list[str]]:
    """Register every behaviour on the server; returns the cases and the good page URLs."""
    seed = iter(range(1000, 100000))

    def page(path: str, title: str = "Good story", **kwargs) -> str:
        return server.route(path, Response(body=article_html(title, unique_text(next(seed)),
                                                             **kwargs).encode()))

    good = [page(f"/good/{i}.html", f"Good story {i}") for i in range(4)]
    cases: list[Case] = []

    def feed_case(name: str, expected: str, path: str, response: Response | Callable,
                  check: Callable) -> None:
        server.routes[path] = response
        cases.append(Case(name, expected, server.base + path, check, kind="feed"))

    def page_case(name: str, expected: str, path: str, response: Response | Callable | None,
                  check: Callable) -> None:
        if response is not None:
            server.routes[path] = response
        cases.append(Case(name, expected, server.base + path, check))

    host = server.base.split("//")[1].split(":")[0]
    # ---- connections
    cases.append(Case("connection refused", "feed failed: connection refused",
                      f"http://{host}:{refused_port}/feed.xml",
                      failure_is("feed", "connection refused"), kind="feed"))
    cases.append(Case("DNS failure", "feed failed: DNS lookup failed",
                      "http://does-not-exist.invalid/feed.xml",
                      failure_is("feed", "dns lookup failed"), kind="feed"))
    cases.append(Case("connect timeout", "feed failed: connect timeout",
                      f"http://{host}:{blackhole}/feed.xml",
                      failure_is("feed", "connect timeout"), kind="feed"))
    feed_case("read timeout", "feed failed: read timeout", "/stall.xml", Response(stall=30),
              failure_is("feed", "read timeout"))
    feed_case("trickling server", "feed failed: over the deadline", "/trickle.xml",
              Response(trickle=True, content_type="application/rss+xml"),
              failure_is("feed", "deadline"))
    # ---- statuses
    for status in (500, 502):
        feed_case(f"HTTP {status}", f"feed failed: HTTP {status} after retries",
                  f"/status-{status}.xml", Response(status=status, body=b"oops"),
                  failure_is("feed", f"HTTP {status}", "after 2 attempts"))
    feed_case("503 + Retry-After", "honoured, then failed after retries", "/503-retry.xml",
              Response(status=503, headers=(("Retry-After", "1"),)),
              failure_is("feed", "HTTP 503", "after 2 attempts"))
    recover_items = [page(f"/recover/{i}.html") for i in range(2)]
    recover_body = rss([(f"r{i}", url, None) for i, url in enumerate(recover_items)])
    feed_case("503 once, then OK", "retried; both items stored", "/503-once.xml",
              lambda n: Response(status=503) if n == 1 else Response(
                  body=recover_body, content_type="application/rss+xml"),
              feed_items_stored(2))
    feed_case("429 + Retry-After", "honoured, then failed after retries", "/429.xml",
              Response(status=429, headers=(("Retry-After", "1"),)),
              failure_is("feed", "HTTP 429", "after 2 attempts"))
    feed_case("429, Retry-After 1 h", "failed at once: wait over the limit", "/429-long.xml",
              Response(status=429, headers=(("Retry-After", "3600"),)),
              failure_is("feed", "HTTP 429", "exceeds"))
    # ---- redirects
    page_case("redirect loop", "page failed: too many redirects", "/loop.html",
              Response(status=302, headers=(("Location", "/loop.html"),)),
              failure_is("fetch", "too many redirects"))
    for name, target, reason in (
            ("redirect to loopback", "http://127.0.0.1:9/x", "loopback"),
            ("redirect to private", "http://10.0.0.1/x", "private"),
            ("redirect to link-local", "http://169.254.169.254/latest/meta-data/", "link-local"),
            ("redirect to file://", "file:///etc/passwd", "scheme")):
        page_case(name, f"page refused: {reason}", f"/redirect-{reason}.html",
                  Response(status=302, headers=(("Location", target),)),
                  failure_is("fetch", "refused", reason))
    page_case("404 article", "page failed: HTTP 404", "/gone.html", None,
              failure_is("fetch", "HTTP 404"))
    page_case("robots.txt disallow", "page not fetched", "/private/secret.html",
              Response(body=article_html("secret", unique_text(5)).encode()),
              failure_is("fetch", "robots.txt"))
    # ---- responses that lie
    page_case("wrong content-type", "page failed: content-type", "/image.html",
              Response(body=b"\x89PNG....", content_type="image/png"),
              failure_is("fetch", "content-type"))
    feed_case("HTML instead of a feed", "feed failed: not a feed", "/not-a-feed.xml",
              Response(body=article_html("Home", unique_text(6)).encode()),
              failure_is("feed", "not an rss or atom feed"))
    big_feed = rss([("x" * 1000, "", None)] * (CAP_BYTES // 1000 + 100))
    feed_case("feed over the size cap", "feed failed: exceeds the cap", "/huge.xml",
              Response(body=big_feed, content_type="application/rss+xml"),
              failure_is("feed", "exceeds"))
    feed_case("gzip bomb", "feed failed: cap hit while decompressing", "/bomb.xml",
              Response(body=gzip_bomb(60_000_000), content_type="application/rss+xml",
                       headers=(("Content-Encoding", "gzip"),)),
              failure_is("feed", "exceeds", "decompression"))
    invalid_utf8_page = page("/utf8/1.html", "Invalid UTF-8 item")
    feed_case("invalid UTF-8 feed", "parsed anyway; item stored", "/invalid-utf8.xml",
              Response(body=rss([("bad \xff byte", invalid_utf8_page, None)]).replace(
                  b"bad \xc3\xbf byte", b"bad \xff\xfe byte"), content_type="application/rss+xml"),
              feed_items_stored(1))
    for encoding in ("windows-1251", "koi8-r"):
        text = ("Президент заявил, что переговоры о гарантиях безопасности продолжатся. "
                "Министр иностранных дел встретился с послами соседних стран в столице. "
                "Экономисты ожидают роста цен на зерно и энергию до конца зимы. "
                "В парламенте прошли слушания о бюджете обороны на следующий год. "
                "Жители прибрежных районов готовятся к сильному шторму в выходные. ")
        cyrillic = server.route(f"/{encoding}/1.html", Response(
            body=article_html("Новости", text, charset=encoding, lang="ru").encode(encoding),
            content_type=f"text/html; charset={encoding}"))
        feed_case(f"{encoding} feed and page", "decoded; stored as ru, not classified",
                  f"/{encoding}.xml",
                  Response(body=rss([("Гарантии безопасности", cyrillic, None)], encoding=encoding),
                           content_type=f"application/rss+xml; charset={encoding}"),
                  stored_as_feed_item("language = 'ru' AND text LIKE '%гарантиях%' "
                                      "AND NOT EXISTS (SELECT 1 FROM mentions m "
                                      "WHERE m.article_id = a.article_id)"))
    feed_case("billion laughs", "feed refused: entities", "/laughs.xml", Response(
        body=(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "ha"><!ENTITY b "&a;&a;&a;&a;">'
              b'<!ENTITY c "&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;">]><rss version="2.0"><channel>'
              b"<title>&d;</title></channel></rss>"), content_type="application/rss+xml"),
        failure_is("feed", "entities"))
    feed_case("external entity", "feed refused: entities", "/xxe.xml", Response(
        body=(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
              b'<rss version="2.0"><channel><title>&xxe;</title></channel></rss>'),
        content_type="application/rss+xml"), failure_is("feed", "entities"))
    many_pages = [page(f"/many/{i}.html") for i in range(5)]
    feed_case("10,000 items", "capped (recorded); 5 distinct pages stored once", "/many.xml",
              Response(body=rss([(f"item {i}", f"{many_pages[i % 5]}#item-{i}", None)
                                 for i in range(10_000)]), content_type="application/rss+xml"),
              feed_items_stored(5, extra_failure="10,000 items"))
    feed_case("items: no link, javascript:", "items skipped with reasons", "/badlinks.xml",
              Response(body=rss([("no link", "", None), ("js", "javascript:alert(1)", None)]),
                       content_type="application/rss+xml"),
              failure_is("feed", "not http(s)"))
    future_page = page("/dates/future.html", "Future dated", published=None)
    garbled_page = page("/dates/garbled.html", "Garbled date", published=None)
    feed_case("future / unparseable dates", "stored; no date in the future", "/dates.xml",
              Response(body=rss([("future", future_page, "Tue, 01 Jan 2999 00:00:00 GMT"),
                                 ("garbled", garbled_page, "the day after tomorrow")]),
                       content_type="application/rss+xml"),
              dates_sane(2))
    # ---- pages
    page_case("page with no text", "page failed: too little text", "/empty.html",
              Response(body=b"<html><body><nav>Home</nav><div class='ad'>Buy</div></body></html>"),
              failure_is("extract", "characters"))
    page_case("20 MB page", "page failed: over the size cap", "/huge.html",
              Response(body=b"<html><body>" + b"<p>word</p>" * 1_900_000 + b"</body></html>"),
              failure_is("fetch", "exceeds"))
    german = ("Die Regierung in Berlin erklärte am Montag, dass die Gespräche über die "
              "Sicherheitsgarantien für die Ukraine in der kommenden Woche fortgesetzt werden. "
              "Der Außenminister traf sich mit Vertretern der Nachbarländer in der Hauptstadt. "
              "Ökonomen rechnen bis zum Ende des Winters mit steigenden Energiepreisen. "
              "Im Bundestag wurde über den Verteidigungshaushalt des kommenden Jahres beraten. "
              "Die Bewohner der Küstenregionen bereiten sich auf einen schweren Sturm vor. ")
    page_case("page in another language", "stored as de, not classified", "/german.html",
              Response(body=article_html("Nachrichten", german, lang="de").encode()),
              stored_as("a.language = 'de' AND NOT EXISTS (SELECT 1 FROM mentions m "
                        "WHERE m.article_id = a.article_id)", "language de, no mentions"))
    # ---- round two: malformed values are one item's failure, never the run's
    good_item = page("/malformed/good.html", "Survives its neighbours")
    feed_case("malformed item links", "skipped, recorded; the good item stored",
              "/malformed-links.xml",
              Response(body=rss([("port", f"http://{host}:99999/x.html", None),
                                 ("bracket", "http://[::1/x", None),
                                 ("good", good_item, None)]),
                       content_type="application/rss+xml"),
              feed_items_stored(1, extra_failure="2 items skipped"))
    cases.append(Case("feed URL with port 99999", "feed failed: malformed URL",
                      f"http://{host}:99999/feed.xml", failure_is("feed", "malformed url"),
                      kind="feed"))
    page_case("canonical with port 99999", "declaration ignored; stored under its own URL",
              "/bad-canonical.html", Response(body=article_html(
                  "Bad canonical", unique_text(next(seed)),
                  head=f'<link rel="canonical" href="http://{host}:99999/other">').encode()),
              stored_as("a.url LIKE '%/bad-canonical.html'", "own URL"))
    page_case("cross-site canonical", "not stored as the victim's URL", "/impostor.html",
              Response(body=article_html(
                  "Impostor", unique_text(next(seed)),
                  head='<link rel="canonical" href="https://victim-news.example/real-story">'
                       '<meta property="og:site_name" content="Victim News">').encode()),
              stored_as("a.url LIKE '%/impostor.html' AND NOT EXISTS (SELECT 1 FROM url_aliases u"
                        " WHERE u.url LIKE '%victim-news%')", "own URL; victim URL unclaimed"))
    page_case("canonical with &amp;", "identity ?id=7&page=2", "/amp.html?id=7&page=2",
              Response(body=article_html(
                  "Entity canonical", unique_text(next(seed)),
                  head=f'<link rel="canonical" href="{server.base}/amp.html?id=7&amp;page=2">'
                  ).encode()),
              stored_as("a.url LIKE '%/amp.html?id=7&page=2'", "decoded identity"))
    for name, target, reason in (
            ("redirect to data:", "data:,x", "scheme"),
            ("redirect to http:\\evil\\x", "http:\\evil\\x", ""),  # read as a path here: 404
            ("redirect to CGNAT metadata", "http://100.100.100.200/latest/meta-data/", "non-global"),
            ("redirect to 6to4 loopback", "http://[2002:7f00:1::]/x", "loopback"),
            ("redirect to 192.0.0.0/24", "http://192.0.0.8/x", "non-global")):
        page_case(name, f"page failed: {reason or 'any reason'}", f"/hop-{len(cases)}.html",
                  Response(status=302, headers=(("Location", target),)),
                  failure_is("fetch", reason))
    feed_case("Retry-After: ²", "treated as absent; failed after retries", "/retry-digit.xml",
              Response(status=503, headers=(("Retry-After", "²"),)),
              failure_is("feed", "HTTP 503", "after 2 attempts"))
    etag_items = [page(f"/etag/{i}.html") for i in range(2)]
    feed_case("non-ASCII ETag", "items stored; validator not kept", "/etag.xml",
              Response(body=rss([(f"e{i}", url, None) for i, url in enumerate(etag_items)]),
                       content_type="application/rss+xml",
                       headers=(("ETag", '"caf\u00e9"'),
                                ("Last-Modified", "Mon, 10 Feb 2025 08:00:00 GMT\u00a0"))),
              validators_not_kept(2))
    feed_case("stacked gzip bomb", "feed failed: cap hit while decoding", "/bomb2.xml",
              Response(body=gzip_bomb(1_000_000_000, layers=2), content_type="application/rss+xml",
                       headers=(("Content-Encoding", "gzip, gzip"),)),
              failure_is("feed", "exceeds", "decompression"))
    feed_case("three stacked encodings", "feed failed: refused", "/bomb3.xml",
              Response(body=gzip_bomb(1000, layers=3), content_type="application/rss+xml",
                       headers=(("Content-Encoding", "gzip, gzip, gzip"),)),
              failure_is("feed", "3 stacked"))
    feed_case("headers trickled", "feed failed at the deadline, not retried", "/slow-headers.xml",
              Response(trickle_headers=True), failure_is("feed", "deadline"))
    dead_items = [f"http://{host}:{blackhole}/dead/{i}.html" for i in range(20)]
    feed_case("dead host, 20 items", "all recorded fast (robots/failure budget)", "/dead.xml",
              Response(body=rss([(f"d{i}", url, None) for i, url in enumerate(dead_items)]),
                       content_type="application/rss+xml"),
              pages_failed(dead_items, "robots.txt unreachable", "host_failure_budget"))
    page_case("page of 2,000 sentences", f"stored with {SENTENCE_CAP} sentences; rest counted",
              "/endless.html", Response(body=article_html(
                  "Endless", " ".join(f"Sentence number {i} says {unique_text(i, 1)}"
                                      for i in range(2000))).encode()),
              sentences_capped(SENTENCE_CAP))
    feed_case("80,000 link-less items", "one summary failure row", "/linkless.xml",
              Response(body=b'<?xml version="1.0"?><rss version="2.0"><channel><title>x</title>'
                            + b"<item></item>" * 80_000 + b"</channel></rss>",
                       content_type="application/rss+xml"),
              one_failure_row("80,000 items skipped"))
    feed_case("<!ENTITY inside CDATA", "not refused; item stored", "/cdata-entity.xml",
              Response(body=rss([("<![CDATA[about <!ENTITY x>]]>", page("/cdata/1.html"), None)]),
                       content_type="application/rss+xml"),
              feed_items_stored(1))
    # ---- robots.txt on a second origin
    second.route("/robots.txt", Response(status=503))
    unreachable = [second.route(f"/r503/{i}.html", Response(body=article_html(
        "Behind 503 robots", unique_text(next(seed))).encode())) for i in range(2)]
    feed_case("robots.txt answers 503", "pages retried next run; feed ETag not saved",
              "/robots503.xml", Response(body=rss([(f"r{i}", url, None)
                                                  for i, url in enumerate(unreachable)]),
                                         content_type="application/rss+xml",
                                         headers=(("ETag", '"robots-503"'),)),
              retried_next_run(unreachable))
    return cases, good


SENTENCE_CAP = 300


def validators_not_kept(count: int) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        stored = connection.execute("SELECT count(*) FROM stored_articles WHERE feed_url = ?",
                                    [url]).fetchall()[0][0]
        state = connection.execute("SELECT etag, last_modified FROM feed_state WHERE feed_url = ?",
                                   [url]).fetchall()
        ok = stored == count and state == [(None, None)]
        return f"{stored} stored; feed_state {state}", ok
    return check


def pages_failed(urls: list[str], *reasons: str) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        rows = connection.execute("SELECT url, error FROM failures WHERE url IN (SELECT unnest(?))",
                                  [urls]).fetchall()
        explained = [r for r in rows if any(reason in r[1] for reason in reasons)]
        ok = len({r[0] for r in explained}) == len(urls)
        return f"{len(rows)} failures, {len(explained)} with the expected reason", ok
    return check


def sentences_capped(cap: int) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        rows = connection.execute(
            "SELECT count(*) FROM sentences s JOIN stored_articles a USING (article_id) "
            "WHERE a.url = ?", [url]).fetchall()
        capped = connection.execute("SELECT max(sentences_capped) FROM runs").fetchall()[0][0]
        return f"{rows[0][0]} sentences stored; runs.sentences_capped {capped}", \
            rows[0][0] == cap and (capped or 0) >= 1_600
    return check


def one_failure_row(needle: str) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        rows = connection.execute("SELECT error FROM failures WHERE url = ? OR url LIKE ? || '#%'",
                                  [url, url]).fetchall()
        return f"{len(rows)} failure rows: {rows[0][0][:60] if rows else ''}", \
            len(rows) == 1 and needle in rows[0][0]
    return check


def retried_next_run(urls: list[str]) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        errors = [r[0] for r in connection.execute(
            "SELECT error FROM failures WHERE url IN (SELECT unnest(?))", [urls]).fetchall()]
        state = connection.execute("SELECT etag FROM feed_state WHERE feed_url = ?",
                                   [url]).fetchall()
        ok = (len(errors) == len(urls) and all("robots.txt unreachable" in e for e in errors)
              and state == [])
        return f"{len(errors)} transient failures; feed_state {state}", ok
    return check


def stored_as_feed_item(predicate_sql: str) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        rows = connection.execute(
            f"SELECT count(*), bool_and({predicate_sql}) FROM stored_articles a "
            "WHERE a.feed_url = ?", [url]).fetchall()
        count, ok = rows[0]
        return f"{count} stored" + ("; decoded, language ru, no mentions" if ok else ""), \
            count == 1 and bool(ok)
    return check


def dates_sane(count: int) -> Callable:
    def check(connection: duckdb.DuckDBPyConnection, url: str) -> tuple[str, bool]:
        rows = connection.execute("SELECT published_at FROM stored_articles WHERE feed_url = ?",
                                  [url]).fetchall()
        now = datetime.now(UTC)
        sane = all(r[0] is None or r[0] <= now for r in rows)
        return f"{len(rows)} stored; dates {[str(r[0]) for r in rows]}", len(rows) == count and sane
    return check


def run_fault_suite(workdir: Path, run: Callable[[list[str]], int]) -> list[CaseResult]:
    """Serve the hostile cases, run the daily flow once over all of them, judge each case."""
    with ExitStack() as stack:
        server = stack.enter_context(hostile_server())
        second = stack.enter_context(hostile_server())
        refused = stack.enter_context(refusing_port())
        blackhole = stack.enter_context(blackhole_port())
        cases, good_pages = build_cases(server, refused, blackhole, second)
        page_cases = [case for case in cases if case.kind == "page"]
        good_feed = server.route("/good.xml", Response(
            body=rss([(f"good {i}", url, "Mon, 10 Feb 2025 08:00:00 GMT")
                      for i, url in enumerate(good_pages)]
                     + [(case.name, case.url, None) for case in page_cases]),
            content_type="application/rss+xml"))
        feeds = workdir / "faults.toml"
        host = server.base.split("//")[1].split(":")[0]
        lines = ["[settings]", "politeness_delay = 0", "connect_timeout = 1", "read_timeout = 1",
                 "deadline = 3", "retries = 1", "backoff = 0.1", "max_retry_after = 5",
                 f"max_bytes = {CAP_BYTES}", "per_domain_concurrency = 8", "fetch_workers = 12",
                 f'allowed_networks = ["{host}/32"]',
                 f"max_sentences_per_article = {SENTENCE_CAP}", "",
                 "[[feeds]]", f'url = "{good_feed}"',
                 'name = "good feed"']
        for case in cases:
            if case.kind == "feed":
                lines += ["", "[[feeds]]", f'url = "{case.url}"', f'name = "{case.name}"']
        feeds.write_text("\n".join(lines) + "\n")
        db_path = workdir / "faults.duckdb"
        exit_code = run(["run", "--feeds", str(feeds), "--db", str(db_path)])
    results: list[CaseResult] = []
    with duckdb.connect(str(db_path), read_only=True) as connection:
        status = connection.execute("SELECT status FROM runs").fetchall()
        completed = exit_code == 0 and status == [("completed",)]
        results.append(CaseResult("the run itself", "completed, exit 0",
                                  f"exit {exit_code}, status {status}", completed))
        good_stored = connection.execute(
            "SELECT count(*) FROM url_aliases WHERE url IN (SELECT unnest(?))", [good_pages]
        ).fetchall()[0][0]
        results.append(CaseResult("good articles of the same run", f"all {len(good_pages)} stored",
                                  f"{good_stored} stored", good_stored == len(good_pages)))
        twice = connection.execute(
            "SELECT count(*) - count(DISTINCT url), count(*) FILTER (duplicate_of IS NULL) - "
            "count(DISTINCT content_hash) FILTER (duplicate_of IS NULL) FROM stored_articles"
        ).fetchall()[0]
        results.append(CaseResult("nothing stored twice", "0 repeated URLs; copies linked",
                                  f"{twice[0]} repeated URLs, {twice[1]} unlinked copies",
                                  twice == (0, 0)))
        for case in cases:
            observed, passed = case.check(connection, case.url)
            results.append(CaseResult(case.name, case.expected, observed, passed))
    return results


def format_table(results: list[CaseResult]) -> str:
    widths = (30, 44, 70)
    lines = [f"{'case':<{widths[0]}} {'expected':<{widths[1]}} {'observed':<{widths[2]}} pass",
             "-" * (sum(widths) + 8)]
    for r in results:
        observed = r.observed if len(r.observed) <= widths[2] else r.observed[: widths[2] - 1] + "…"
        lines.append(f"{r.name:<{widths[0]}} {r.expected:<{widths[1]}} {observed:<{widths[2]}} "
                     f"{'yes' if r.passed else 'NO'}")
    passed = sum(r.passed for r in results)
    lines.append(f"{passed} passed, {len(results) - passed} failed")
    return "\n".join(lines)


def main() -> int:
    from stancewatch.flows.cli import main as cli

    with tempfile.TemporaryDirectory(prefix="stancewatch-faults-") as folder:
        results = run_fault_suite(Path(folder), cli)
    print(format_table(results))
    return 0 if all(r.passed for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
