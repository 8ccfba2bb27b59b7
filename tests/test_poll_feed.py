"""flows.steps.poll_feed: one feed in, candidates and the feed's own failures out. The world's
edge is a real loopback server (tests/hostile_server.py); everything else is the real code."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from stancewatch.extractors.http import Fetcher
from stancewatch.flows.config import FeedSpec, Settings
from stancewatch.flows.steps import poll_feed, poll_feeds
from stancewatch.warehouse.records import FeedState
from tests.hostile_server import HOST, Response, hostile_server, rss

SETTINGS = Settings(politeness_delay=0, connect_timeout=1, read_timeout=1, deadline=3, retries=0,
                    allowed_networks=(f"{HOST}/32",))
RSS_TYPE = "application/rss+xml"


@pytest.fixture(scope="module")
def server():
    """One server for the module (each test routes its own paths)."""
    with hostile_server() as state:
        yield state


def poll(url: str, state: FeedState | None = None, settings: Settings = SETTINGS,
         conditional: bool = True, language: str | None = "en"):
    with Fetcher(settings.fetch_policy()) as fetcher:
        return poll_feed(fetcher, FeedSpec(url, "Test feed", language), state, settings, conditional)


def test_items_become_candidates_with_canonical_urls_dates_and_the_feeds_language(server):
    base = server.base
    feed = server.route("/canonical.xml", Response(body=rss([
        ("Tracked", f"{base}/a.html?utm_source=rss&amp;utm_medium=feed&amp;id=7", None),
        ("Dated", f"{base}/b.html#comments", "Mon, 10 Feb 2025 08:00:00 GMT"),
    ]), content_type=RSS_TYPE, headers=(("ETag", '"v1"'),
                                          ("Last-Modified", "Mon, 10 Feb 2025 09:00:00 GMT"))))
    outcome = poll(feed)
    assert outcome.status == "ok" and outcome.failures == []
    first, second = outcome.candidates
    assert first.url == f"{base}/a.html?utm_source=rss&utm_medium=feed&id=7"
    assert first.canonical == f"{base}/a.html?id=7"  # tracking dropped, the page's own query kept
    assert second.canonical == f"{base}/b.html" and first.published_at is None
    assert second.published_at == datetime(2025, 2, 10, 8, 0, tzinfo=UTC)
    assert {c.feed_url for c in outcome.candidates} == {feed}
    assert {c.language for c in outcome.candidates} == {"en"}
    assert outcome.state == FeedState(feed, '"v1"', "Mon, 10 Feb 2025 09:00:00 GMT", "ok")


def test_a_known_etag_gets_a_304_unless_the_run_reads_everything(server):
    feed = server.route("/etag.xml", Response(body=rss([("One", f"{server.base}/one.html", None)]),
                                              content_type=RSS_TYPE, headers=(("ETag", '"v1"'),)))
    first = poll(feed)
    again = poll(feed, first.state)
    assert again.status == "not_modified" and again.candidates == [] and again.failures == []
    assert again.state == FeedState(feed, '"v1"', None, "not_modified")  # the validator is kept
    backfill = poll(feed, first.state, conditional=False)  # a backfill reads the feed whole
    assert backfill.status == "ok" and len(backfill.candidates) == 1
    assert server.hits["/etag.xml"] == 3


@pytest.mark.parametrize("response, reason, transient", [
    (Response(status=404, body=b"gone", content_type="text/plain"), "HTTP 404", False),
    (Response(status=503, body=b"busy", content_type="text/plain"), "HTTP 503", True),
    (Response(body=b"<html><body>a page</body></html>"), "not an RSS or Atom feed", False),
    (Response(body=b"<?xml version='1.0'?><rss version='2.0'><channel><title>Markets & more",
              content_type=RSS_TYPE), "malformed feed with no items", False),
])
def test_every_problem_is_a_failure_of_this_feed(server, response, reason, transient):
    feed = server.route(f"/problem-{response.status}-{len(response.body)}.xml", response)
    outcome = poll(feed)
    assert outcome.status == "failed" and outcome.candidates == [] and outcome.state is None
    [failure] = outcome.failures
    assert (failure.url, failure.stage, failure.feed_url) == (feed, "feed", feed)
    assert reason in failure.error and failure.transient is transient


def test_items_over_the_cap_and_unusable_links_are_one_failure_row_each(server):
    base = server.base
    items = [(f"Story {n}", f"{base}/story-{n}.html", None) for n in range(4)]
    feed = server.route("/capped.xml", Response(body=rss(
        [("No link", "", None), ("Script", "javascript:alert(1)", None), *items]),
        content_type=RSS_TYPE))
    capped = Settings(**{**vars(SETTINGS), "max_items_per_feed": 3})
    outcome = poll(feed, settings=capped)
    assert outcome.status == "ok"
    assert [c.url for c in outcome.candidates] == [f"{base}/story-0.html", f"{base}/story-1.html",
                                                    f"{base}/story-2.html"]
    cap, skipped = outcome.failures
    assert "feed has 4 items; only the first 3 were processed" in cap.error
    assert skipped.error.startswith("2 items skipped:") and "no link" in skipped.error


def test_poll_feeds_reports_progress_per_feed(server):
    feeds = [FeedSpec(server.route(f"/f{n}.xml", Response(
        body=rss([(f"S{n}", f"{server.base}/s{n}.html", None)]), content_type=RSS_TYPE)))
        for n in range(3)]
    seen: list[tuple[str, int, int | None]] = []
    with Fetcher(SETTINGS.fetch_policy()) as fetcher:
        outcomes = poll_feeds(fetcher, feeds, {}, SETTINGS, progress=lambda *call: seen.append(call))
    assert [o.feed for o in outcomes] == feeds  # in the order of the feeds file
    assert sorted(seen) == [("feeds", 1, 3), ("feeds", 2, 3), ("feeds", 3, 3)]
