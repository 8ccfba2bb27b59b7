"""Reporting views and the trend report, on real DuckDB files written by the real warehouse code.

The browser test renders report.html in headless Chromium (Debian's /usr/bin/chromium) and
checks that no request left the machine in two independent ways:
  * Chromium's only way out is a recording HTTP proxy on 127.0.0.1 that answers 502 to
    everything (and host-resolver rules make direct connections fail), so nothing can reach
    the network during the test;
  * Chromium's NetLog records every URL request with its initiator: none may come from the
    page (initiator "null" / isolation key file://). Requests Chromium makes for itself
    (Debian's build checks for extension updates and Google accounts even in headless
    mode) have no page initiator and are reported, not failed. Every request the proxy saw
    must be one of those.
A control page with one remote <img> must produce a page request in both, which shows the
check would catch a report that fetched anything.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import socketserver
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from html.parser import HTMLParser
from pathlib import Path

import pyarrow.csv as pa_csv
import pyarrow.parquet as pq
import pytest

from stancewatch.models.aggregate import ArticleStance  # noqa: E402
from stancewatch.warehouse.db import WarehouseError, connect, replace_stances  # noqa: E402
from stancewatch.warehouse.records import FailureRecord, MentionRecord  # noqa: E402
from stancewatch.warehouse.report import (  # noqa: E402
    ReportFilterError,
    ReportFilters,
    parse_day,
    summary_markdown,
    write_report,
)
from tests.report_fixtures import (
    Quote,
    article,
    build_demo_warehouse,
    build_warehouse,
    copy_of,
    store_run,
)

VIEWS = ("trend_articles", "trend_mentions", "stance_daily", "stance_weekly", "actor_stances",
         "actor_timeline", "actor_latest", "source_stances", "stance_shifts")
FILTERED = ("stance_daily", "stance_weekly", "actor_stances", "actor_timeline", "actor_latest",
            "source_stances", "stance_shifts")
MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)  # a Monday
INJECTION = "x'; DROP TABLE stored_articles; --"


def at(days: float, hours: float = 0) -> datetime:
    return MONDAY + timedelta(days=days, hours=hours)


def rows(connection, sql: str, params: dict | None = None) -> list[dict]:
    return connection.sql(sql, params=params).to_arrow_table().to_pylist()


def quote(actor: str, topic: str, stance: str, text: str = "", confidence: float = 0.9,
          group: str = "Testland") -> Quote:
    return Quote(text or f"{actor} spoke ({stance}) on {topic}.", topic, stance, actor, group,
                 confidence)


# ------------------------------------------------------------------------ views
def test_views_on_an_empty_warehouse_return_no_rows(tmp_path: Path) -> None:
    with connect(tmp_path / "empty.duckdb") as connection:
        for view in VIEWS:
            assert rows(connection, f"SELECT * FROM {view}") == [], view
        for view in FILTERED:
            found = rows(connection, f"SELECT * FROM {view}_in($since, $until, $topic, $source)",
                         {"since": date(2025, 1, 1), "until": None, "topic": "membership",
                          "source": None})
            assert found == [], view


def test_trends_count_a_duplicate_once_by_utc_publication_day(tmp_path: Path) -> None:
    favor = article("Kyiv Ledger", "favor", at(0), [
        quote("Volodymyr Zelensky", "membership", "favor"),
        quote("Volodymyr Zelensky", "membership", "favor", "Membership is the best guarantee.")])
    late_evening = datetime(2025, 3, 3, 23, 30, tzinfo=timezone(timedelta(hours=-5)))  # 4 Mar UTC
    against = article("EuroWire", "against", late_evening, [
        quote("Dmitry Peskov", "membership", "against")])
    undated = article("Atlantic Dispatch", "undated", None, [
        Quote("Guarantees were discussed.", "guarantees", "neutral")], fetched_at=at(2, 3))
    copy = copy_of(favor, "Danube Daily", "favor-copy")
    path = build_warehouse(tmp_path / "w.duckdb", [favor, against, undated, copy])
    with connect(path) as connection:
        daily = rows(connection, "SELECT * FROM stance_daily ORDER BY day, topic, stance")
        weekly = rows(connection, "SELECT * FROM stance_weekly ORDER BY topic, stance")
        trend_articles = rows(connection, "SELECT count(*) AS n FROM trend_articles")
    assert daily == [
        {"day": date(2025, 3, 3), "topic": "membership", "stance": "favor",
         "articles": 1, "mentions": 2},
        {"day": date(2025, 3, 4), "topic": "membership", "stance": "against",
         "articles": 1, "mentions": 1},
        {"day": date(2025, 3, 5), "topic": "guarantees", "stance": "neutral",
         "articles": 1, "mentions": 1},
    ]
    assert weekly == [
        {"week": date(2025, 3, 3), "topic": "guarantees", "stance": "neutral",
         "articles": 1, "mentions": 1},
        {"week": date(2025, 3, 3), "topic": "membership", "stance": "against",
         "articles": 1, "mentions": 1},
        {"week": date(2025, 3, 3), "topic": "membership", "stance": "favor",
         "articles": 1, "mentions": 2},
    ]
    assert trend_articles == [{"n": 3}]


def test_actor_and_source_views(tmp_path: Path) -> None:
    articles = [
        article("Kyiv Ledger", "a1", at(0), [quote("Keir Starmer", "guarantees", "favor"),
                                             quote("Keir Starmer", "guarantees", "neutral")]),
        article("Kyiv Ledger", "a2", at(8), [quote("Keir Starmer", "guarantees", "favor")]),
        article("EuroWire", "a3", at(9), [quote("Keir Starmer", "guarantees", "favor"),
                                          quote("Viktor Orbán", "guarantees", "against")]),
    ]
    path = build_warehouse(tmp_path / "w.duckdb", articles)
    with connect(path) as connection:
        stances = rows(connection, "SELECT * FROM actor_stances ORDER BY actor, stance")
        timeline = rows(connection, "SELECT * FROM actor_timeline WHERE actor = 'Keir Starmer' "
                                    "ORDER BY period")
        sources = rows(connection, "SELECT * FROM source_stances ORDER BY period, source")
        latest = rows(connection, "SELECT actor, topic, period, stance, period_mentions, "
                                  "total_mentions, quote, url FROM actor_latest ORDER BY actor")
    assert stances == [
        {"actor": "Keir Starmer", "actor_group": "Testland", "topic": "guarantees",
         "stance": "favor", "mentions": 3, "first_seen": date(2025, 3, 3),
         "last_seen": date(2025, 3, 12)},
        {"actor": "Keir Starmer", "actor_group": "Testland", "topic": "guarantees",
         "stance": "neutral", "mentions": 1, "first_seen": date(2025, 3, 3),
         "last_seen": date(2025, 3, 3)},
        {"actor": "Viktor Orbán", "actor_group": "Testland", "topic": "guarantees",
         "stance": "against", "mentions": 1, "first_seen": date(2025, 3, 12),
         "last_seen": date(2025, 3, 12)},
    ]
    assert timeline == [
        {"actor": "Keir Starmer", "topic": "guarantees", "period": date(2025, 3, 3),
         "favor": 1, "against": 0, "neutral": 1},
        {"actor": "Keir Starmer", "topic": "guarantees", "period": date(2025, 3, 10),
         "favor": 2, "against": 0, "neutral": 0},
    ]
    assert sources == [  # a1 is favor (a neutral aside), a3 has both sides: mixed
        {"source": "Kyiv Ledger", "topic": "guarantees", "period": date(2025, 3, 3),
         "favor": 1, "against": 0, "neutral": 0, "mixed": 0},
        {"source": "EuroWire", "topic": "guarantees", "period": date(2025, 3, 10),
         "favor": 0, "against": 0, "neutral": 0, "mixed": 1},
        {"source": "Kyiv Ledger", "topic": "guarantees", "period": date(2025, 3, 10),
         "favor": 1, "against": 0, "neutral": 0, "mixed": 0},
    ]
    starmer = latest[0]
    assert (starmer["period"], starmer["stance"], starmer["period_mentions"],
            starmer["total_mentions"]) == (date(2025, 3, 10), "favor", 2, 4)
    assert starmer["quote"] == "Keir Starmer spoke (favor) on guarantees."
    assert starmer["url"].startswith("https://")


def _shift_warehouse(path: Path) -> Path:
    """Hegseth moves from favor to against; Pavel flips on one mention a week (below the
    minimum); Rutte's middle week is a tie; Stubb goes favor, tie, against."""
    week1 = [
        quote("Pete Hegseth", "membership", "favor", "Hegseth said the door stays open."),
        quote("Pete Hegseth", "membership", "favor", "Hegseth backed an invitation."),
        quote("Pete Hegseth", "membership", "favor", "Hegseth said Kyiv belongs in NATO."),
        quote("Petr Pavel", "membership", "favor", "Pavel welcomed Ukraine's bid."),
        quote("Mark Rutte", "membership", "favor", "Rutte said the path is irreversible."),
        quote("Mark Rutte", "membership", "favor", "Rutte repeated the Bucharest promise."),
        quote("Alexander Stubb", "membership", "favor", "Stubb backed membership."),
        quote("Alexander Stubb", "membership", "favor", "Stubb said membership is the goal."),
    ]
    week2 = [
        quote("Pete Hegseth", "membership", "against",
              "Hegseth said NATO membership for Ukraine is unrealistic.", 0.81),
        quote("Pete Hegseth", "membership", "against",
              "Hegseth ruled out membership as part of a deal.", 0.95),
        quote("Pete Hegseth", "membership", "favor", "Hegseth praised Ukraine's army.", 0.6),
        quote("Petr Pavel", "membership", "against", "Pavel doubted a quick accession."),
        quote("Mark Rutte", "membership", "favor", "Rutte said allies agree on the goal."),
        quote("Mark Rutte", "membership", "against", "Rutte said it is not on the table now."),
        quote("Alexander Stubb", "membership", "favor", "Stubb hoped for progress."),
        quote("Alexander Stubb", "membership", "against", "Stubb said the timing is wrong."),
    ]
    week3 = [
        quote("Mark Rutte", "membership", "favor", "Rutte said the door is open."),
        quote("Mark Rutte", "membership", "favor", "Rutte said Ukraine will join one day."),
        quote("Alexander Stubb", "membership", "against", "Stubb opposed an invitation now."),
        quote("Alexander Stubb", "membership", "against", "Stubb said wait until peace."),
    ]
    against_copy_text = "Hegseth said the alliance would not invite Kyiv."
    week2_first = article("Atlantic Dispatch", "hegseth-unrealistic", at(8), week2[:1])
    week2_rest = article("EuroWire", "hegseth-deal", at(10), week2[1:])
    echoed = article("Kyiv Ledger", "hegseth-echo", at(11), [
        quote("Pete Hegseth", "membership", "against", week2[1].sentence, 0.95)])
    copied = article("Danube Daily", "hegseth-copy-source", at(12), [
        quote("Pete Hegseth", "membership", "against", against_copy_text, 0.99)])
    duplicate = copy_of(copied, "Atlantic Dispatch", "hegseth-copy")
    articles = [
        article("Kyiv Ledger", "week1", at(1), week1),
        week2_first, week2_rest, echoed, copied, duplicate,
        article("Kyiv Ledger", "week3", at(15), week3),
    ]
    return build_warehouse(path, articles)


def test_stance_shift_needs_the_minimum_and_carries_its_evidence(tmp_path: Path) -> None:
    path = _shift_warehouse(tmp_path / "w.duckdb")
    with connect(path) as connection:
        shifts = rows(connection, "SELECT * FROM stance_shifts ORDER BY actor")
        minimum = rows(connection, "SELECT stance_shift_min_mentions() AS n")[0]["n"]
    assert minimum == 2
    assert [(s["actor"], s["from_stance"], s["to_stance"]) for s in shifts] == [
        ("Alexander Stubb", "favor", "against"),
        ("Pete Hegseth", "favor", "against"),
    ]
    stubb, hegseth = shifts
    assert (stubb["from_period"], stubb["to_period"]) == (date(2025, 3, 3), date(2025, 3, 17))
    assert hegseth["topic"] == "membership"
    assert hegseth["actor_group"] == "Testland"
    assert hegseth["changed_on"] == date(2025, 3, 11)
    assert (hegseth["from_period"], hegseth["to_period"]) == (date(2025, 3, 3), date(2025, 3, 10))
    assert (hegseth["from_mentions"], hegseth["from_total"]) == (3, 3)
    # 4 against (the duplicate's copy is not counted) and 1 favor in the new week
    assert (hegseth["to_mentions"], hegseth["to_total"]) == (4, 5)
    evidence = hegseth["evidence"]
    assert [item["sentence"] for item in evidence] == [
        "Hegseth said the alliance would not invite Kyiv.",
        "Hegseth ruled out membership as part of a deal.",  # quoted twice, shown once
        "Hegseth said NATO membership for Ukraine is unrealistic.",
    ]
    assert evidence[0]["url"] == "https://danube-daily.example/hegseth-copy-source"
    assert evidence[1]["source"] == "EuroWire"  # earliest of the two copies of the sentence
    assert evidence[2]["published"] == date(2025, 3, 11)
    assert all(item["article_id"] and item["confidence"] for item in evidence)


def test_filtered_macros_agree_with_the_views(tmp_path: Path) -> None:
    path = _shift_warehouse(tmp_path / "w.duckdb")
    with connect(path) as connection:
        whole = rows(connection, "SELECT * FROM stance_weekly ORDER BY ALL")
        same = rows(connection, "SELECT * FROM stance_weekly_in(NULL, NULL, NULL, NULL) "
                                "ORDER BY ALL")
        later = rows(connection, "SELECT actor FROM stance_shifts_in($since, NULL, NULL, NULL)",
                     {"since": date(2025, 3, 10)})
        outlet = rows(connection, "SELECT DISTINCT source FROM trend_mentions_in("
                                  "NULL, NULL, 'membership', $source)", {"source": "EuroWire"})
    assert whole == same
    # from 10 March on, Stubb's week 2 tie and week 3 are all that is left: no shift
    assert later == []
    assert outlet == [{"source": "EuroWire"}]


# The old definition of trend_mentions, before migrations/003: every call joined the mentions
# to the original articles. trend_mention_facts must always hold exactly these rows.
TREND_MENTIONS_BY_JOIN = """
    SELECT m.article_id, m.sentence_index, m.topic, m.stance, m.confidence, m.actor,
           m.actor_group, a.source, a.url,
           CAST(timezone('UTC', COALESCE(a.published_at, a.fetched_at)) AS DATE) AS day
    FROM sentence_stances AS m JOIN stored_articles AS a USING (article_id)
    WHERE a.duplicate_of IS NULL AND m.stance IN ('favor', 'against', 'neutral')
    ORDER BY ALL"""


def test_trend_mention_facts_follow_stores_reclassification_and_copies(tmp_path: Path) -> None:
    dated = article("Kyiv Ledger", "dated", at(0, 10), [
        quote("Keir Starmer", "guarantees", "favor"),
        quote("Keir Starmer", "guarantees", "neutral"),
        Quote("Membership was discussed.", "membership", "neutral")])
    late_evening = datetime(2025, 3, 4, 21, 0, tzinfo=timezone(timedelta(hours=-5)))  # 5 Mar UTC
    evening = article("EuroWire", "evening", late_evening, [
        quote("Dmitry Peskov", "membership", "against")])
    undated = article("Atlantic Dispatch", "undated", None, [
        quote("Viktor Orbán", "guarantees", "against")], fetched_at=at(2, 3))

    def facts(connection) -> list[tuple]:
        return connection.execute("SELECT * FROM trend_mention_facts ORDER BY ALL").fetchall()

    def by_join(connection) -> list[tuple]:
        return connection.execute(TREND_MENTIONS_BY_JOIN).fetchall()

    path = tmp_path / "w.duckdb"
    with connect(path) as connection:
        store_run(connection, "run-0001", [dated, evening, undated])
        stored = facts(connection)
        assert stored == by_join(connection) and len(stored) == 5
        assert {(row[0], row[-1]) for row in stored} == {
            (dated.article_id, date(2025, 3, 3)), (evening.article_id, date(2025, 3, 5)),
            (undated.article_id, date(2025, 3, 5))}

        # Reclassification registers new_articles with only an article_id column.
        reclassified = [
            MentionRecord(1, "guarantees", "against", 0.7, "Keir Starmer", "Testland"),
            MentionRecord(2, "membership", "favor", 0.8, None, None),
            MentionRecord(3, "membership", "none", 0.5, None, None),  # off topic: left out
        ]
        replace_stances(connection, [dated.article_id, undated.article_id], [
            (reclassified, [ArticleStance("guarantees", "against", 0.7, 1),
                            ArticleStance("membership", "favor", 0.8, 1)]),
            ([], []),  # the undated article has no on-topic sentence any more
        ], "model-2")
        after_reclassify = facts(connection)
        assert after_reclassify == by_join(connection)
        assert sorted((row[0], row[1], row[3]) for row in after_reclassify) == sorted([
            (dated.article_id, 1, "against"), (dated.article_id, 2, "favor"),
            (evening.article_id, 1, "against")])

        # A copy stored later, with duplicate_of set, adds mentions but no facts.
        copy = copy_of(evening, "Danube Daily", "evening-copy")
        store_run(connection, "run-0002", [copy])
        assert connection.execute("SELECT count(*) FROM sentence_stances WHERE article_id = ?",
                                  [copy.article_id]).fetchone()[0] == 1
        assert facts(connection) == by_join(connection) == after_reclassify
        assert connection.execute("SELECT * FROM trend_mentions ORDER BY ALL").fetchall() \
            == after_reclassify

# ------------------------------------------------------------------------ report
@pytest.fixture(scope="module")
def demo_report(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("demo")
    demo = build_demo_warehouse(folder / "demo.duckdb")
    return demo, write_report(demo.path, folder / "report")


def test_report_files_and_extracts(demo_report) -> None:
    demo, files = demo_report
    page = files.html.read_text(encoding="utf-8")
    assert page.count("<svg") == 3
    for heading in ("Stance over time", "Who stands where", "Biggest shifts",
                    "Stance by outlet", "Volume", "Run health"):
        assert heading in page
    assert "Donald Trump" in page and "https://danube-daily.example/rss" in page
    assert "HTTP 503 Service Unavailable" in page
    markdown = files.markdown.read_text(encoding="utf-8")
    assert "## Biggest shifts" in markdown and "Donald Trump" in markdown
    names = {path.name for path in files.extracts}
    for table in ("share_weekly", "actor_grid", "shifts", "sources", "volume", "runs",
                  "failing_feeds"):
        assert {f"{table}.csv", f"{table}.parquet"} <= names
    shifts = pq.read_table(files.html.parent / "extracts" / "shifts.parquet").to_pylist()
    assert {(s["actor"], s["topic"], s["to_stance"]) for s in shifts} >= {
        ("Donald Trump", "membership", "against"), ("Robert Fico", "membership", "against"),
        ("Keir Starmer", "guarantees", "favor")}
    csv_shifts = pa_csv.read_csv(files.html.parent / "extracts" / "shifts.csv").to_pylist()
    evidence = json.loads(csv_shifts[0]["evidence"])
    assert evidence and evidence[0]["sentence"]
    volume = pq.read_table(files.html.parent / "extracts" / "volume.parquet").to_pylist()
    assert sum(row["articles"] for row in volume) == len(demo.articles)
    assert sum(row["duplicates"] for row in volume) == len(demo.duplicates)


def test_report_filters_are_applied(tmp_path: Path, demo_report) -> None:
    demo, _ = demo_report
    files = write_report(demo.path, tmp_path / "out", since=date(2025, 2, 1),
                         until=date(2025, 2, 28), topic="membership", source="Kyiv Ledger")
    share = pq.read_table(tmp_path / "out" / "extracts" / "share_weekly.parquet").to_pylist()
    assert share and {row["topic"] for row in share} == {"membership"}
    assert min(row["week"] for row in share) >= date(2025, 1, 27)
    assert max(row["week"] for row in share) <= date(2025, 2, 24)
    page = files.html.read_text(encoding="utf-8")
    assert "outlet: Kyiv Ledger" in page and "topic: Ukraine joining NATO" in page
    assert page.count("<svg") == 3


def test_report_on_an_empty_warehouse_says_there_is_no_data(tmp_path: Path) -> None:
    with connect(tmp_path / "empty.duckdb"):
        pass
    files = write_report(tmp_path / "empty.duckdb", tmp_path / "out")
    page = files.html.read_text(encoding="utf-8")
    assert "No data yet" in page and "No runs recorded yet" in page
    assert "<svg" not in page
    assert "No data yet" in files.markdown.read_text(encoding="utf-8")
    assert all(path.exists() for path in files.extracts)
    assert pq.read_table(tmp_path / "out" / "extracts" / "shifts.parquet").num_rows == 0


def test_report_filters_are_bound_parameters(tmp_path: Path, demo_report) -> None:
    demo, _ = demo_report
    files = write_report(demo.path, tmp_path / "out", source=INJECTION)
    assert "No data yet" in files.html.read_text(encoding="utf-8")
    assert "x&#x27;; DROP TABLE stored_articles; --" in files.html.read_text(encoding="utf-8")
    with connect(demo.path, read_only=True) as connection:
        count = rows(connection, "SELECT count(*) AS n FROM stored_articles")[0]["n"]
        injected = rows(connection, "SELECT * FROM stance_weekly_in(NULL, NULL, $topic, $source)",
                        {"topic": INJECTION, "source": INJECTION})
    assert count == len(demo.articles) + len(demo.duplicates)
    assert injected == []
    with pytest.raises(ReportFilterError, match="--topic"):
        write_report(demo.path, tmp_path / "out", topic=INJECTION)


def test_report_refuses_a_warehouse_with_stale_views(tmp_path: Path) -> None:
    with connect(tmp_path / "old.duckdb") as connection:
        connection.execute("UPDATE view_state SET digest = 'older'")
    with pytest.raises(WarehouseError, match="views .* are older"):
        write_report(tmp_path / "old.duckdb", tmp_path / "out")
    with pytest.raises(WarehouseError, match="no warehouse"):
        write_report(tmp_path / "missing.duckdb", tmp_path / "out")


def test_filter_validation() -> None:
    assert parse_day("2025-03-31") == date(2025, 3, 31)
    assert ReportFilters(since="2025-01-01").since == date(2025, 1, 1)
    with pytest.raises(ReportFilterError, match="--since"):
        parse_day("31/03/2025")
    with pytest.raises(ReportFilterError, match="after --until"):
        ReportFilters(since=date(2025, 3, 1), until=date(2025, 2, 1))
    with pytest.raises(ReportFilterError, match="membership, guarantees"):
        ReportFilters(topic="nato")
    with pytest.raises(ReportFilterError, match="--source"):
        ReportFilters(source="  ")


def test_text_from_the_warehouse_is_escaped(tmp_path: Path) -> None:
    hostile = "<img src=x onerror=alert(1)>"
    items = [article("$x$ & <Wire>", f"a{day}", at(day * 7), [
        quote(hostile, "membership", stance, f"{hostile} said <b>{stance}</b>."),
        quote(hostile, "membership", stance, f"{hostile} repeated {stance}.")],
        url=f"javascript:alert({day})") for day, stance in enumerate(("favor", "against"))]
    path = build_warehouse(tmp_path / "w.duckdb", items,
                           [FailureRecord("https://feed.example/rss", "feed", "<script>x</script>",
                                          "https://feed.example/rss")])
    page = write_report(path, tmp_path / "out").html.read_text(encoding="utf-8")
    assert "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "$x$ &amp; &lt;Wire&gt;" in page  # the outlet, in the chart as plain text
    assert hostile not in page and "<b>favor" not in page and "<script>x" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "javascript:" not in page


def test_summary_markdown_for_the_daily_flow(demo_report) -> None:
    demo, _ = demo_report
    with connect(demo.path, read_only=True) as connection:
        latest = summary_markdown(connection)
        failed = summary_markdown(connection, run_id="demo-11")
        missing = summary_markdown(connection, run_id="no-such-run")
    assert "## Latest stances" in latest and "## Shifts in the last four weeks" in latest
    # the demo ends on 30 March: Merz's shift in the week of 10 March is recent, Trump's
    # of 3 February is not
    assert "**Friedrich Merz**" in latest and "**Donald Trump**" not in latest
    assert "Run `demo-12` (daily): **completed**" in latest
    assert "https://danube-daily.example/rss: 3 of 10 runs" in latest
    assert "1 at fetch (last: read timeout after 15 s)" in latest
    assert "**failed**" in failed and "out of memory" in failed
    assert "Run `no-such-run` not found." in missing


def test_summary_markdown_on_an_empty_warehouse(tmp_path: Path) -> None:
    with connect(tmp_path / "empty.duckdb") as connection:
        text = summary_markdown(connection)
    assert "No data yet" in text and "No runs recorded yet." in text


# ------------------------------------------------------------------------ self-contained
class ResourceReferences(HTMLParser):
    """Every attribute or stylesheet that could make a browser fetch something remote."""

    def __init__(self) -> None:
        super().__init__()
        self.remote: list[str] = []
        self.links: list[str] = []
        self.tags: set[str] = set()
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        self._in_style = tag == "style"
        for name, value in attrs:
            value = value or ""
            if tag == "a" and name == "href":
                self.links.append(value)
            elif name.startswith("xmlns"):
                continue  # a namespace name, never fetched
            elif "http:" in value.lower() or "https:" in value.lower() or "//" in value:
                self.remote.append(f"<{tag} {name}={value!r}>")
            elif name == "style" and ("url(" in value or "@import" in value):
                self.remote.append(f"<{tag} style={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style and ("url(" in data or "@import" in data):
            self.remote.append(f"<style> {data.strip()[:80]}")


def test_report_html_has_no_remote_resources(demo_report) -> None:
    _, files = demo_report
    parser = ResourceReferences()
    parser.feed(files.html.read_text(encoding="utf-8"))
    assert parser.remote == []
    assert not parser.tags & {"script", "link", "img", "iframe", "object", "embed", "video",
                              "audio", "source", "image", "foreignobject"}
    assert parser.links and all(link.startswith(("https://", "#")) for link in parser.links)
    page = files.html.read_text(encoding="utf-8")
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) == len(set(ids)), "charts on one page must not share element ids"
    references = re.findall(r'(?:url\(#|href="#)([^)"]+)', page)
    assert references and set(references) <= set(ids)


# ------------------------------------------------------------------------ headless Chromium
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)


def require_chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is missing; .ci/run installs it with apt-get")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@dataclass
class RecordingProxy:
    """An HTTP proxy on loopback that records each request line and answers 502."""

    seen: list[str] = field(default_factory=list)
    port: int = 0


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    record = RecordingProxy()

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            line = self.rfile.readline(8192).decode("latin-1").strip()
            if line:  # a connection closed before any request (a preconnect) asked nothing
                record.seen.append(line)
            self.wfile.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n"
                             b"Connection: close\r\n\r\n")

    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    record.port = server.server_address[1]
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    yield record
    server.shutdown()
    server.server_close()


@dataclass
class BrowserRun:
    output: bytes
    page_requests: list[str]
    browser_requests: list[str]


def run_chromium(page: Path, workdir: Path, proxy: RecordingProxy, *action: str) -> BrowserRun:
    netlog = workdir / f"netlog-{len(list(workdir.glob('netlog-*')))}.json"
    command = [
        require_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
        "--no-first-run", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--disable-extensions", "--hide-scrollbars",
        f"--user-data-dir={workdir / 'profile'}",
        f"--proxy-server=http://127.0.0.1:{proxy.port}",
        "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
        f"--log-net-log={netlog}", "--window-size=1280,2400", *action, page.as_uri(),
    ]
    done = subprocess.run(command, capture_output=True, timeout=180, check=False)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    log = json.loads(netlog.read_text(encoding="utf-8"))
    names = {number: name for name, number in log["constants"]["logEventTypes"].items()}
    page_requests, browser_requests = [], []
    for event in log["events"]:
        params = event.get("params") or {}
        if names.get(event["type"]) != "URL_REQUEST_START_JOB" or "url" not in params:
            continue
        url = params["url"]
        if not url.startswith(("http:", "https:", "ws:", "wss:")):
            continue
        own = (params.get("initiator") == "not an origin"
               and "file://" not in params.get("network_isolation_key", ""))
        (browser_requests if own else page_requests).append(url)
    return BrowserRun(done.stdout, page_requests, browser_requests)


def _host(request_line: str) -> str:
    target = request_line.split(" ")[1] if " " in request_line else request_line
    return target.split("://", 1)[-1].split("/", 1)[0].split(":", 1)[0]


def assert_nothing_left(run: BrowserRun, proxy: RecordingProxy) -> None:
    assert run.page_requests == [], f"the page asked the network for {run.page_requests}"
    own_hosts = {_host(url) for url in run.browser_requests}
    strays = [line for line in proxy.seen if _host(line) not in own_hosts]
    assert strays == [], f"requests that no NetLog entry explains: {strays}"


@pytest.mark.slow
def test_the_check_catches_a_page_that_fetches(tmp_path: Path, proxy: RecordingProxy) -> None:
    control = tmp_path / "control.html"
    control.write_text('<!DOCTYPE html><p>control</p>'
                       '<img src="http://tracker.example/pixel.png">', encoding="utf-8")
    run = run_chromium(control, tmp_path, proxy, "--dump-dom")
    assert run.page_requests == ["http://tracker.example/pixel.png"]
    assert any("tracker.example" in line for line in proxy.seen)


def _count_colour(pixels, rgb: tuple[int, int, int], tolerance: int = 12) -> int:
    import numpy as np

    values = pixels[..., :3]
    if values.dtype != np.uint8:
        values = (values * 255).round().astype(int)
    return int((np.abs(values.astype(int) - np.array(rgb)).max(axis=-1) <= tolerance).sum())


@pytest.mark.slow
def test_report_renders_in_headless_chromium(tmp_path: Path, demo_report,
                                             proxy: RecordingProxy) -> None:
    import matplotlib.image

    _, files = demo_report
    screenshot = tmp_path / "report.png"
    shot = run_chromium(files.html, tmp_path, proxy, f"--screenshot={screenshot}")
    assert_nothing_left(shot, proxy)
    dom_run = run_chromium(files.html, tmp_path, proxy, "--dump-dom")
    assert_nothing_left(dom_run, proxy)

    dom = dom_run.output.decode("utf-8")
    charts = dom.split("<svg")[1:]
    assert len(charts) == 3
    for chart in charts:
        body = chart.split("</svg>")[0]
        assert body.count("<path") >= 10, "a chart drew no shapes"
    assert "Share of articles (%)" in dom and "Articles per week" in dom

    pixels = matplotlib.image.imread(screenshot)
    assert pixels.shape[:2] == (2400, 1280)
    # the stacked bars fill large areas with the stance colours (badges alone are tiny)
    assert _count_colour(pixels, (0x2E, 0x7D, 0x32)) > 20_000, "no favor bars on screen"
    assert _count_colour(pixels, (0xC6, 0x28, 0x28)) > 20_000, "no against bars on screen"
    assert _count_colour(pixels, (0x9E, 0x9E, 0x9E)) > 5_000, "no neutral bars on screen"


@pytest.mark.slow
def test_report_from_the_demo_run_renders_in_chromium(demo_run, tmp_path: Path,
                                                       proxy: RecordingProxy) -> None:
    """The warehouse `make demo` builds (conftest's demo_run: the real flow, twice)."""
    files = write_report(demo_run["db"], tmp_path / "report")
    page = files.html.read_text(encoding="utf-8")
    parser = ResourceReferences()
    parser.feed(page)
    assert parser.remote == []
    assert page.count("<svg") == 3 and "No data yet" not in page
    shot = run_chromium(files.html, tmp_path, proxy, f"--screenshot={tmp_path / 'demo.png'}")
    assert_nothing_left(shot, proxy)
    dom_run = run_chromium(files.html, tmp_path, proxy, "--dump-dom")
    assert_nothing_left(dom_run, proxy)
    charts = dom_run.output.decode("utf-8").split("<svg")[1:]
    assert len(charts) == 3 and all("<path" in chart for chart in charts)
    assert (tmp_path / "demo.png").stat().st_size > 10_000
