"""Synthetic warehouses for the report tests, written through the real warehouse code.

`article()` builds one ArticleRecord from the quotes it carries; `store_run()` writes a batch
the way a run does (start_run, store_articles with failures, finish_run). `build_demo_warehouse()`
writes twelve weeks of realistic coverage with known stance arcs, duplicates, undated
articles and a failing feed, so the report has something worth looking at.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from stancewatch.models.aggregate import ArticleStance
from stancewatch.warehouse.db import (
    article_id_for,
    connect,
    finish_run,
    start_run,
    store_articles,
)
from stancewatch.warehouse.records import (
    ArticleRecord,
    FailureRecord,
    MentionRecord,
    RunStats,
)

MODEL_VERSION = "synthetic-test-1"
OUTLET_DOMAINS = {
    "Kyiv Ledger": "kyiv-ledger.example",
    "Atlantic Dispatch": "atlantic-dispatch.example",
    "EuroWire": "eurowire.example",
    "Danube Daily": "danube-daily.example",
}
FIRST_MONDAY = date(2025, 1, 6)


@dataclass(frozen=True)
class Quote:
    """One on-topic sentence and what the classifier said about it."""

    sentence: str
    topic: str
    stance: str
    actor: str | None = None
    actor_group: str | None = None
    confidence: float = 0.9


def article_stance(quotes: Sequence[Quote], topic: str) -> ArticleStance | None:
    """Majority of polar sentences; both sides with 30 %+ is mixed; only neutral is neutral."""
    on_topic = [quote for quote in quotes if quote.topic == topic]
    if not on_topic:
        return None
    favor = sum(1 for quote in on_topic if quote.stance == "favor")
    against = sum(1 for quote in on_topic if quote.stance == "against")
    if favor + against == 0:
        stance = "neutral"
    elif min(favor, against) / (favor + against) >= 0.3:
        stance = "mixed"
    else:
        stance = "favor" if favor > against else "against"
    confidence = round(sum(quote.confidence for quote in on_topic) / len(on_topic), 4)
    return ArticleStance(topic, stance, confidence, len(on_topic))


def article(source: str, slug: str, published: datetime | None, quotes: Sequence[Quote], *,
            fetched_at: datetime | None = None, duplicate_of: str | None = None,
            title: str | None = None, url: str | None = None) -> ArticleRecord:
    domain = OUTLET_DOMAINS.get(source, "news.example")
    url = url or f"https://{domain}/{slug}"
    sentences = [f"{title or slug.replace('-', ' ').capitalize()}, {source} reported."]
    mentions = []
    for quote in quotes:
        mentions.append(MentionRecord(len(sentences), quote.topic, quote.stance, quote.confidence,
                                      quote.actor, quote.actor_group))
        sentences.append(quote.sentence)
    sentences.append("Talks are expected to continue next week.")
    text = " ".join(sentences)
    digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
    stances = [stance for topic in ("membership", "guarantees")
               if (stance := article_stance(quotes, topic)) is not None]
    return ArticleRecord(
        article_id=article_id_for(url), url=url, source=source, domain=domain,
        title=title or slug.replace("-", " ").capitalize(), author=None,
        published_at=published, language="en", text=text, content_hash=digest,
        simhash=int(digest[:15], 16), feed_url=f"https://{domain}/rss",
        fetched_at=fetched_at or (published or datetime(2025, 1, 1, tzinfo=UTC))
        + timedelta(hours=2),
        sentences=sentences, mentions=mentions, stances=stances, model_version=MODEL_VERSION,
        duplicate_of=duplicate_of,
    )


def copy_of(original: ArticleRecord, source: str, slug: str) -> ArticleRecord:
    """A syndicated copy: same text and mentions, another outlet, marked as a duplicate."""
    domain = OUTLET_DOMAINS.get(source, "news.example")
    url = f"https://{domain}/{slug}"
    return ArticleRecord(
        **{**vars(original), "article_id": article_id_for(url), "url": url, "source": source,
           "domain": domain, "feed_url": f"https://{domain}/rss", "aliases": [],
           "duplicate_of": original.article_id,
           "fetched_at": original.fetched_at + timedelta(hours=1)})


def store_run(connection, run_id: str, articles: Sequence[ArticleRecord],
              failures: Sequence[FailureRecord] = (), *, flow: str = "daily",
              status: str = "completed", error: str | None = None,
              feeds_ok: int = 4, feeds_failed: int = 0) -> None:
    start_run(connection, run_id, flow, MODEL_VERSION)
    store_articles(connection, run_id, articles, failures)
    duplicates = sum(1 for item in articles if item.duplicate_of)
    stats = RunStats(
        feeds_ok=feeds_ok, feeds_failed=feeds_failed, articles_seen=len(articles) + len(failures),
        articles_new=len(articles) - duplicates, duplicates=duplicates, failures=len(failures),
        mentions_new=sum(len(item.mentions) for item in articles),
        http_requests=len(articles) + len(failures) + feeds_ok + feeds_failed)
    finish_run(connection, run_id, stats, status, error)


def build_warehouse(path: Path, articles: Sequence[ArticleRecord],
                    failures: Sequence[FailureRecord] = ()) -> Path:
    """A warehouse holding exactly these articles, stored by one completed run."""
    with connect(path) as connection:
        store_run(connection, "run-0001", articles, failures)
    return path


# ------------------------------------------------------------------------ demo warehouse
SENTENCES = {
    ("membership", "favor"): [
        "{actor} said Ukraine's future is in NATO and the path to membership is irreversible.",
        "{actor} called for an invitation to join the alliance at the next summit.",
        "{actor} said NATO membership remains the cheapest guarantee of peace in Europe.",
    ],
    ("membership", "against"): [
        "{actor} said Ukraine joining NATO was not realistic and should be taken off the table.",
        "{actor} ruled out NATO membership for Ukraine as part of any settlement.",
        "{actor} warned that admitting Ukraine to the alliance would be a grave mistake.",
    ],
    ("membership", "neutral"): [
        "{actor} said the question of Ukraine's NATO membership would be discussed with allies.",
        "{actor} declined to say whether Ukraine should be invited to join the alliance.",
    ],
    ("guarantees", "favor"): [
        "{actor} said Europe must back any ceasefire with firm security guarantees for Ukraine.",
        "{actor} offered troops for a reassurance force to guarantee a settlement.",
        "{actor} said Ukraine needs binding guarantees so that Russia cannot attack again.",
    ],
    ("guarantees", "against"): [
        "{actor} rejected sending troops to guarantee a settlement in Ukraine.",
        "{actor} said Western security guarantees for Kyiv were unacceptable.",
    ],
    ("guarantees", "neutral"): [
        "{actor} said security guarantees for Ukraine were still being discussed.",
        "{actor} said the details of any guarantees would be settled after a ceasefire.",
    ],
}


@dataclass(frozen=True)
class Arc:
    """An actor's dominant stance on a topic, week by week (None: not in the news)."""

    actor: str
    actor_group: str
    topic: str
    weeks: tuple[str | None, ...]


def _arc(actor: str, group: str, topic: str, *spans: tuple[int, str | None]) -> Arc:
    weeks: list[str | None] = []
    for count, stance in spans:
        weeks.extend([stance] * count)
    return Arc(actor, group, topic, tuple(weeks))


DEMO_ARCS = (
    _arc("Volodymyr Zelensky", "Ukraine", "membership", (12, "favor")),
    _arc("Volodymyr Zelensky", "Ukraine", "guarantees", (12, "favor")),
    _arc("Donald Trump", "United States", "membership", (4, "neutral"), (8, "against")),
    _arc("Donald Trump", "United States", "guarantees", (6, "against"), (6, "neutral")),
    _arc("Pete Hegseth", "United States", "membership", (5, None), (7, "against")),
    _arc("Dmitry Peskov", "Russia", "membership", (12, "against")),
    _arc("Dmitry Peskov", "Russia", "guarantees", (2, None), (10, "against")),
    _arc("Mark Rutte", "NATO", "membership", (5, "favor"), (7, "neutral")),
    _arc("Keir Starmer", "United Kingdom", "guarantees", (3, "neutral"), (9, "favor")),
    _arc("Emmanuel Macron", "France", "guarantees", (1, None), (11, "favor")),
    _arc("Robert Fico", "Slovakia", "membership", (6, "neutral"), (6, "against")),
    _arc("Friedrich Merz", "Germany", "guarantees", (9, "neutral"), (3, "favor")),
    _arc("Government of Hungary", "Hungary", "membership", (2, None), (10, "against")),
    _arc("Donald Tusk", "Poland", "membership", (12, "favor")),
)
DEMO_FAILING_FEED = "https://danube-daily.example/rss"


@dataclass
class DemoWarehouse:
    path: Path
    articles: list[ArticleRecord] = field(default_factory=list)
    duplicates: list[ArticleRecord] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)


def _demo_articles(rng: random.Random, weeks: int) -> list[ArticleRecord]:
    outlets = list(OUTLET_DOMAINS)
    articles: list[ArticleRecord] = []
    for week in range(weeks):
        monday = datetime.combine(FIRST_MONDAY + timedelta(weeks=week), time(6), tzinfo=UTC)
        quotes: list[Quote] = []
        for arc in DEMO_ARCS:
            stance = arc.weeks[week] if week < len(arc.weeks) else arc.weeks[-1]
            if stance is None:
                continue
            for _ in range(rng.choice((2, 3, 3))):
                template = rng.choice(SENTENCES[(arc.topic, stance)])
                quotes.append(Quote(template.format(actor=arc.actor), arc.topic, stance,
                                    arc.actor, arc.actor_group,
                                    round(rng.uniform(0.62, 0.98), 3)))
            if rng.random() < 0.25:  # a dissonant aside: the dominant stance still holds
                other = rng.choice([s for s in ("favor", "against", "neutral") if s != stance])
                template = rng.choice(SENTENCES[(arc.topic, other)])
                quotes.append(Quote(template.format(actor=arc.actor), arc.topic, other,
                                    arc.actor, arc.actor_group, round(rng.uniform(0.5, 0.7), 3)))
        for _ in range(3):  # unattributed on-topic sentences
            topic = rng.choice(("membership", "guarantees"))
            quotes.append(Quote(
                "Analysts said the debate over Ukraine's security would dominate the week.",
                topic, "neutral", None, None, 0.7))
        rng.shuffle(quotes)
        number = 0
        while quotes:
            size = rng.choice((2, 3, 4))
            chunk, quotes = quotes[:size], quotes[size:]
            number += 1
            source = outlets[(week + number) % len(outlets)]
            published = monday + timedelta(hours=rng.randrange(0, 24 * 7 - 8))
            undated = number % 7 == 0
            lead = chunk[0].actor or "Officials"
            articles.append(article(
                source, f"w{week + 1:02d}-{number:02d}-{lead.lower().replace(' ', '-')}",
                None if undated else published, chunk,
                fetched_at=published + timedelta(hours=1),
                title=f"{lead} on Ukraine's security, week {week + 1}"))
        for extra in range(2):  # off-topic coverage counts in volume only
            articles.append(article(
                outlets[extra], f"w{week + 1:02d}-energy-{extra}",
                monday + timedelta(days=extra + 1), [], title="Energy prices ease"))
    return articles


def build_demo_warehouse(path: Path, *, weeks: int = 12, seed: int = 7) -> DemoWarehouse:
    """Twelve weeks from 6 Jan 2025, four outlets, one run per week (the last ones with
    a failing feed and extraction failures, one failed), a copy now and then."""
    rng = random.Random(seed)
    demo = DemoWarehouse(path)
    originals = _demo_articles(rng, weeks)
    by_week: dict[int, list[ArticleRecord]] = {}
    for item in originals:
        when = (item.published_at or item.fetched_at).date()
        by_week.setdefault((when - FIRST_MONDAY).days // 7, []).append(item)
    with connect(path) as connection:
        for week in sorted(by_week):
            batch = list(by_week[week])
            demo.articles.extend(batch)
            copied = [item for item in batch if item.mentions][:1] if week % 2 == 0 else []
            for item in copied:
                other = "EuroWire" if item.source != "EuroWire" else "Kyiv Ledger"
                duplicate = copy_of(item, other, f"syndicated-{item.article_id}")
                batch.append(duplicate)
                demo.duplicates.append(duplicate)
            failures: list[FailureRecord] = []
            if week >= weeks - 3:
                failures.append(FailureRecord(DEMO_FAILING_FEED, "feed",
                                              "HTTP 503 Service Unavailable",
                                              DEMO_FAILING_FEED))
            if week % 3 == 1:
                failures.append(FailureRecord(
                    f"https://atlantic-dispatch.example/live-{week}", "extract",
                    "extracted text too short (112 characters, need 250)",
                    "https://atlantic-dispatch.example/rss"))
            if week == weeks - 1:
                failures.append(FailureRecord(
                    "https://eurowire.example/paywalled-analysis", "fetch",
                    "read timeout after 15 s", "https://eurowire.example/rss"))
            run_id = f"demo-{week + 1:02d}"
            failed = week == weeks - 2
            error = "worker killed after the first batch (out of memory)" if failed else None
            store_run(connection, run_id, batch, failures,
                      status="failed" if failed else "completed", error=error,
                      feeds_ok=4 - (1 if week >= weeks - 3 else 0),
                      feeds_failed=1 if week >= weeks - 3 else 0)
            demo.run_ids.append(run_id)
    return demo
