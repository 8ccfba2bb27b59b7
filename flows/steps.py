"""The pipeline's steps as plain, typed functions (no Prefect in here).

Flows in flows/daily.py call them as tasks; the benchmark calls them directly.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb

from stancewatch.extractors.dates import sane_date
from stancewatch.extractors.dedup import NEAR_DUPLICATE_DISTANCE, content_hash, is_near_duplicate, simhash
from stancewatch.extractors.extract import ExtractedArticle, ExtractionError, extract_article
from stancewatch.extractors.feeds import FeedError, parse_feed
from stancewatch.extractors.http import Fetcher, FetchError
from stancewatch.extractors.sentences import split_sentences
from stancewatch.extractors.sitemaps import SitemapError, parse_sitemap
from stancewatch.extractors.urls import canonical_url, domain_of, pick_canonical
from stancewatch.flows.config import FeedSpec, Settings
from stancewatch.flows.lifecycle import ProgressCallback
from stancewatch.models.aggregate import ArticleStance, Mention, aggregate_article
from stancewatch.models.classifier import StanceClassifier
from stancewatch.models.interface import TOPICS
from stancewatch.models.relevance import RelevanceRule, default_rule
from stancewatch.warehouse import db
from stancewatch.warehouse.records import (
    ArticleRecord,
    FailureRecord,
    FeedState,
    MentionRecord,
    RunStats,
)

COPY_MIN_SHARED_SENTENCES = 4  # a copy shares at least this many sentences with its original
COPY_MIN_SHARED_SHARE = 0.6  # … and at least this share of its own sentences
CLASSIFIED_LANGUAGES = ("en",)


@dataclass(frozen=True)
class Candidate:
    """An article URL found in a feed, a sitemap or a URL file."""

    url: str
    canonical: str
    feed_url: str | None = None
    language: str | None = None
    published_at: datetime | None = None


@dataclass
class FeedOutcome:
    feed: FeedSpec
    status: str  # ok | not_modified | failed
    candidates: list[Candidate] = field(default_factory=list)
    failures: list[FailureRecord] = field(default_factory=list)
    state: FeedState | None = None


@dataclass(frozen=True)
class FetchedPage:
    candidate: Candidate
    final_url: str
    canonical: str
    extracted: ExtractedArticle


@dataclass
class BatchResult:
    pages: list[FetchedPage]
    failures: list[FailureRecord]
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0
    out_of_window: int = 0


def charset_of(content_type: str) -> str | None:
    for part in content_type.split(";")[1:]:
        name, _, value = part.strip().partition("=")
        if name.lower() == "charset" and value:
            return value.strip("\"' ")
    return None


def chunks(items: Sequence, size: int) -> Iterator[Sequence]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


# ---------------------------------------------------------------------------- feeds
def poll_feed(fetcher: Fetcher, feed: FeedSpec, state: FeedState | None, settings: Settings,
              conditional: bool = True) -> FeedOutcome:
    """Fetch and parse one feed; every problem becomes a recorded failure of this feed."""
    try:
        return _poll_feed(fetcher, feed, state, settings, conditional)
    except Exception as exc:  # noqa: BLE001 - one hostile feed must not stop the run
        return FeedOutcome(feed, "failed", failures=[FailureRecord(
            feed.url, "feed", f"feed could not be processed: {exc.__class__.__name__}: "
            f"{str(exc)[:200]}", feed.url)])


def _poll_feed(fetcher: Fetcher, feed: FeedSpec, state: FeedState | None, settings: Settings,
               conditional: bool) -> FeedOutcome:
    try:
        result = fetcher.get(
            feed.url, kind="feed",
            etag=state.etag if state and conditional else None,
            last_modified=state.last_modified if state and conditional else None,
        )
    except FetchError as exc:
        return FeedOutcome(feed, "failed", failures=[
            FailureRecord(feed.url, "feed", exc.reason, feed.url, exc.transient)])
    if result.not_modified:
        return FeedOutcome(feed, "not_modified",
                           state=FeedState(feed.url, state.etag if state else None,
                                           state.last_modified if state else None, "not_modified"))
    try:
        parsed = parse_feed(result.content, result.final_url, result.content_type)
    except FeedError as exc:
        return FeedOutcome(feed, "failed", failures=[FailureRecord(feed.url, "feed", str(exc), feed.url)])
    failures: list[FailureRecord] = []
    entries = parsed.entries
    if len(entries) > settings.max_items_per_feed:
        failures.append(FailureRecord(
            feed.url, "feed", f"feed has {len(entries):,} items; only the first "
            f"{settings.max_items_per_feed:,} were processed (max_items_per_feed)", feed.url))
        entries = entries[: settings.max_items_per_feed]
    skipped = list(parsed.skipped)
    candidates = []
    for entry in entries:
        try:
            candidates.append(Candidate(entry.url, canonical_url(entry.url), feed.url,
                                        feed.language, sane_date(entry.published_at)))
        except ValueError as exc:
            skipped.append((entry.title or entry.url, f"item link is malformed ({str(exc)[:80]})"))
    if skipped:
        failures.append(FailureRecord(feed.url, "feed", summarize_skipped(skipped), feed.url))
    return FeedOutcome(feed, "ok", candidates, failures,
                       FeedState(feed.url, result.etag, result.last_modified, "ok"))


def summarize_skipped(skipped: Sequence[tuple[str, str]], examples: int = 3) -> str:
    """One failure row per feed, however many items were skipped: counts per reason and the
    first few items' labels."""
    by_reason = Counter(reason for _, reason in skipped)
    reasons = "; ".join(f"{count:,} × {reason}" for reason, count in by_reason.most_common(5))
    if len(by_reason) > 5:
        reasons += f"; {len(by_reason) - 5} other reasons"
    labels = ", ".join(repr(label[:60]) for label, _ in skipped[:examples])
    noun = "item" if len(skipped) == 1 else "items"
    return f"{len(skipped):,} {noun} skipped: {reasons} (first: {labels})"


def poll_feeds(fetcher: Fetcher, feeds: Sequence[FeedSpec], states: dict[str, FeedState],
               settings: Settings, conditional: bool = True,
               progress: ProgressCallback | None = None) -> list[FeedOutcome]:
    """Every feed, `fetch_workers` at a time; progress("feeds", done, total) as each ends."""
    lock = threading.Lock()
    done = 0

    def poll(feed: FeedSpec) -> FeedOutcome:
        nonlocal done
        outcome = poll_feed(fetcher, feed, states.get(feed.url), settings, conditional)
        if progress is not None:
            with lock:
                done += 1
                progress("feeds", done, len(feeds))
        return outcome

    with ThreadPoolExecutor(max_workers=max(1, settings.fetch_workers)) as pool:
        return list(pool.map(poll, feeds))


def count_feed_outcomes(stats: RunStats, outcomes: Sequence[FeedOutcome]) -> None:
    stats.feeds_ok = sum(o.status == "ok" for o in outcomes)
    stats.feeds_failed = sum(o.status == "failed" for o in outcomes)
    stats.feeds_not_modified = sum(o.status == "not_modified" for o in outcomes)


def feed_states_to_save(outcomes: Sequence[FeedOutcome], failures: Iterable[FailureRecord]
                        ) -> list[FeedState]:
    """ETags to remember: not for a feed whose pages failed for a passing reason (5xx,
    timeouts), so the next run reads that feed again and retries them."""
    retry_feeds = {f.feed_url for f in failures if f.transient}
    return [o.state for o in outcomes if o.state and o.feed.url not in retry_feeds]


def sitemap_candidates(fetcher: Fetcher, origins: Iterable[str], since: datetime, until: datetime,
                       settings: Settings | None = None
                       ) -> tuple[list[Candidate], list[FailureRecord]]:
    """Articles announced in the sites' sitemaps (robots.txt Sitemap: lines, else /sitemap.xml)
    whose date falls in the window; undated entries are kept and checked after extraction.
    Per origin at most `max_sitemaps` sitemap files and `max_sitemap_urls` articles."""
    settings = settings or Settings()
    candidates: list[Candidate] = []
    failures: list[FailureRecord] = []
    for origin in dict.fromkeys(origins):
        try:
            found, problems = _origin_sitemap_candidates(fetcher, origin, since, until, settings)
        except Exception as exc:  # noqa: BLE001 - one hostile site must not stop the run
            found, problems = [], [FailureRecord(origin, "sitemap", f"sitemaps could not be read: "
                                                 f"{exc.__class__.__name__}: {str(exc)[:200]}")]
        candidates += found
        failures += problems
    return candidates, failures


def _origin_sitemap_candidates(fetcher: Fetcher, origin: str, since: datetime, until: datetime,
                               settings: Settings) -> tuple[list[Candidate], list[FailureRecord]]:
    candidates: list[Candidate] = []
    failures: list[FailureRecord] = []
    malformed = 0
    queue = fetcher.sitemaps_from_robots(origin) or [origin + "/sitemap.xml"]
    seen: set[str] = set()
    while queue and len(seen) < settings.max_sitemaps:
        sitemap_url = queue.pop(0)
        if sitemap_url in seen:
            continue
        seen.add(sitemap_url)
        try:
            result = fetcher.get(sitemap_url, kind="sitemap")
            parsed = parse_sitemap(result.content, settings.max_bytes)
        except (FetchError, SitemapError) as exc:
            failures.append(FailureRecord(sitemap_url, "sitemap", getattr(exc, "reason", str(exc))))
            continue
        queue.extend(parsed.children)
        for entry in parsed.entries:
            published = sane_date(entry.published_at)
            if published is not None and not since <= published < until:
                continue
            try:
                candidates.append(Candidate(entry.url, canonical_url(entry.url), None, None,
                                            published))
            except ValueError:
                malformed += 1
                continue
            if len(candidates) >= settings.max_sitemap_urls:
                failures.append(FailureRecord(origin, "sitemap", (
                    f"sitemaps list more than {settings.max_sitemap_urls:,} articles for the "
                    "window; only the first were queued (max_sitemap_urls)")))
                return candidates, failures
    if queue:
        failures.append(FailureRecord(origin, "sitemap", (
            f"more than {settings.max_sitemaps} sitemap files; {len(queue)} left unread "
            "(max_sitemaps)")))
    if malformed:
        failures.append(FailureRecord(origin, "sitemap", f"{malformed:,} sitemap entries with a "
                                      "malformed <loc> skipped"))
    return candidates, failures


def url_file_candidates(path: Path) -> tuple[list[Candidate], list[FailureRecord]]:
    candidates, failures = [], []
    for number, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(),
                                  start=1):
        url = line.strip()
        if not url or url.startswith("#"):
            continue
        try:
            if not url.startswith(("http://", "https://")):
                raise ValueError("not an http(s) URL")
            candidates.append(Candidate(url, canonical_url(url)))
        except ValueError as exc:
            failures.append(FailureRecord(url[:500], "urls", f"{path}:{number}: {exc}"))
    return candidates, failures


def new_candidates(connection: duckdb.DuckDBPyConnection, candidates: Iterable[Candidate]
                   ) -> tuple[list[Candidate], int]:
    """Drop candidates already stored (by canonical URL or alias) and repeats within the run."""
    unique: dict[str, Candidate] = {}
    for candidate in candidates:
        unique.setdefault(candidate.canonical, candidate)
    known = db.known_urls(connection, list(unique))
    fresh = [c for key, c in unique.items() if key not in known]
    return fresh, len(unique) - len(fresh)


# ---------------------------------------------------------------------------- pages
def fetch_page(fetcher: Fetcher, candidate: Candidate, settings: Settings
               ) -> tuple[FetchedPage | None, FailureRecord | None, float, float]:
    """One article: fetch, extract, pick its identity. Every problem is this page's failure."""
    started = time.perf_counter()
    try:
        result = fetcher.get(candidate.url, kind="page")
    except FetchError as exc:
        return None, FailureRecord(candidate.url, "fetch", exc.reason, candidate.feed_url,
                                   exc.transient), time.perf_counter() - started, 0.0
    except Exception as exc:  # noqa: BLE001 - a hostile response must not stop the run
        return None, FailureRecord(candidate.url, "fetch", f"fetch crashed: {exc!r}"[:300],
                                   candidate.feed_url), time.perf_counter() - started, 0.0
    fetched = time.perf_counter()
    try:
        extracted = extract_article(result.content, result.final_url, settings.min_text_chars,
                                    charset_of(result.content_type))
        canonical = pick_canonical(result.final_url, extracted.declared_canonical)
    except ExtractionError as exc:
        return None, FailureRecord(candidate.url, "extract", str(exc), candidate.feed_url), \
            fetched - started, time.perf_counter() - fetched
    except Exception as exc:  # noqa: BLE001 - a hostile page must not stop the run
        return None, FailureRecord(candidate.url, "extract", f"extractor crashed: {exc!r}"[:300],
                                   candidate.feed_url), fetched - started, time.perf_counter() - fetched
    page = FetchedPage(candidate, result.final_url, canonical, extracted)
    return page, None, fetched - started, time.perf_counter() - fetched


def fetch_pages(fetcher: Fetcher, candidates: Sequence[Candidate], settings: Settings,
                window: tuple[datetime, datetime] | None = None) -> BatchResult:
    """Fetch and extract a batch concurrently (the per-domain gate keeps it polite)."""
    batch = BatchResult([], [])
    with ThreadPoolExecutor(max_workers=max(1, settings.fetch_workers)) as pool:
        for page, failure, fetch_s, extract_s in pool.map(
                lambda c: fetch_page(fetcher, c, settings), candidates):
            batch.fetch_seconds += fetch_s
            batch.extract_seconds += extract_s
            if failure:
                batch.failures.append(failure)
            elif page is not None:
                if window and not _in_window(page, window):
                    batch.out_of_window += 1
                    continue
                batch.pages.append(page)
    return batch


def _published(page: FetchedPage) -> datetime | None:
    return sane_date(page.extracted.published_at) or page.candidate.published_at


def publication_day(page: FetchedPage) -> date | None:
    """The day titles resolve on: the page's own day, else its UTC date, else None (today)."""
    published = _published(page)
    return page.extracted.published_local or (published.date() if published else None)


def _in_window(page: FetchedPage, window: tuple[datetime, datetime]) -> bool:
    published = _published(page)
    return published is not None and window[0] <= published < window[1]


# ---------------------------------------------------------------------------- classify
def _mentions_from(stances: Sequence) -> list[MentionRecord]:
    mentions = []
    for index, stance in enumerate(stances):
        for topic in TOPICS:
            judged = stance.topic(topic)
            if judged.stance != "none":
                mentions.append(MentionRecord(index, topic, judged.stance,
                                              round(judged.confidence, 4),
                                              stance.actor, stance.actor_group,
                                              stance.holder_rule))
    return mentions


def _article_stances(mentions: Sequence[MentionRecord]) -> list[ArticleStance]:
    return aggregate_article([Mention(m.topic, m.stance, m.confidence) for m in mentions], TOPICS)


def classify_sentences(classifier: StanceClassifier, sentences_per_article: Sequence[Sequence[str]],
                       days: Sequence[date | None] | None = None
                       ) -> list[tuple[list[MentionRecord], list[ArticleStance]]]:
    """One model call for the whole batch; holders resolved per article (context), titles
    as of each article's publication day."""
    days = list(days) if days is not None else [None] * len(sentences_per_article)
    flat = [sentence for sentences in sentences_per_article for sentence in sentences]
    scores = classifier.scorer.score(flat)
    results = []
    offset = 0
    for sentences, day in zip(sentences_per_article, days, strict=True):
        own = scores[offset : offset + len(sentences)]
        offset += len(sentences)
        stances = classifier.combine(own, classifier.article_holders(sentences, day))
        mentions = _mentions_from(stances)
        results.append((mentions, _article_stances(mentions)))
    return results


def unclassified_reason(title: str | None, text: str, language: str | None,
                        rule: RelevanceRule | None) -> str | None:
    """Why an article is stored without stances: 'gated' when it mentions none of the
    relevance terms (it cannot be on either topic), 'language' when it might be on topic but
    is in a language the classifier does not read; None: classify it. The gate comes first,
    so 'language' marks exactly the foreign articles worth a multilingual model."""
    if rule is not None and not rule.may_be_relevant(title, text):
        return "gated"
    if (language or "en")[:2] not in CLASSIFIED_LANGUAGES:
        return "language"
    return None


def build_records(classifier: StanceClassifier, pages: Sequence[FetchedPage], fetched_at: datetime,
                  settings: Settings | None = None) -> list[ArticleRecord]:
    """Pages → article records with sentences and stances. Copies (same canonical URL in the
    batch) collapse into one record; articles the relevance gate rules out and text in other
    languages are stored but not classified (`unclassified` says which)."""
    settings = settings or Settings()
    rule = default_rule() if settings.relevance_gate else None
    unique: dict[str, FetchedPage] = {}
    aliases: dict[str, set[str]] = {}
    for page in pages:
        unique.setdefault(page.canonical, page)
        aliases.setdefault(page.canonical, set()).update(
            {page.candidate.canonical, canonical_url(page.final_url)})
    pages = list(unique.values())
    cap = settings.max_sentences_per_article
    all_sentences = [split_sentences(page.extracted.text) for page in pages]
    sentences = [found[:cap] for found in all_sentences]
    reasons = [unclassified_reason(page.extracted.title, page.extracted.text,
                                   page.extracted.language or page.candidate.language, rule)
               for page in pages]
    classifiable = [i for i, reason in enumerate(reasons) if reason is None]
    classified = dict(zip(classifiable, classify_sentences(
        classifier, [sentences[i] for i in classifiable],
        [publication_day(pages[i]) for i in classifiable]), strict=True))
    records = []
    for index, page in enumerate(pages):
        mentions, stances = classified.get(index, ([], []))
        text = page.extracted.text
        records.append(ArticleRecord(
            article_id=db.article_id_for(page.canonical),
            url=page.canonical,
            source=page.extracted.site_name or domain_of(page.canonical),
            domain=domain_of(page.canonical),
            title=page.extracted.title,
            author=page.extracted.author,
            published_at=_published(page),
            language=page.extracted.language or page.candidate.language,
            text=text,
            content_hash=content_hash(text),
            simhash=simhash(text),
            feed_url=page.candidate.feed_url,
            fetched_at=fetched_at,
            sentences=sentences[index],
            mentions=mentions,
            stances=stances,
            model_version=classifier.model_version,
            aliases=sorted(aliases[page.canonical] - {page.canonical}),
            sentences_dropped=len(all_sentences[index]) - len(sentences[index]),
            published_local=page.extracted.published_local,
            extraction_mode=page.extracted.mode,
            unclassified=reasons[index],
        ))
    return records


def shares_most_sentences(copy: Sequence[str], original: Sequence[str]) -> bool:
    own = set(copy)
    shared = len(own & set(original))
    return shared >= COPY_MIN_SHARED_SENTENCES and shared >= COPY_MIN_SHARED_SHARE * len(own)


def link_duplicates(connection: duckdb.DuckDBPyConnection, records: Sequence[ArticleRecord]
                    ) -> list[ArticleRecord]:
    """Mark exact and near copies (of stored articles or of earlier ones in this batch);
    a copy keeps its text and sentences but no mentions, so trends count it once."""
    from dataclasses import replace

    ordered = sorted(records, key=lambda r: (r.published_at or r.fetched_at, r.article_id))
    by_sentences = db.sentence_overlap_originals(connection, ordered, COPY_MIN_SHARED_SENTENCES,
                                                 COPY_MIN_SHARED_SHARE)
    linked: list[ArticleRecord] = []
    for record in ordered:
        original = db.find_original(connection, record.article_id, record.content_hash,
                                    record.simhash, NEAR_DUPLICATE_DISTANCE)
        original = original or by_sentences.get(record.article_id)
        if original is None:
            original = next((earlier.article_id for earlier in linked
                             if earlier.duplicate_of is None
                             and (earlier.content_hash == record.content_hash
                                  or is_near_duplicate(earlier.simhash, record.simhash)
                                  or shares_most_sentences(record.sentences, earlier.sentences))),
                            None)
        if original is not None:
            record = replace(record, duplicate_of=original, mentions=[], stances=[])
        linked.append(record)
    return linked


# ---------------------------------------------------------------------------- windows
def window_bounds(since: date, until: date) -> tuple[datetime, datetime]:
    """[since 00:00, until+1 00:00) in UTC: both dates are included (until 9999-12-31 means
    'no end')."""
    start = datetime(since.year, since.month, since.day, tzinfo=UTC)
    end = datetime(until.year, until.month, until.day, tzinfo=UTC)
    end = end + timedelta(days=1) if until < date.max else datetime.max.replace(tzinfo=UTC)
    return start, end


def reclassify_articles(connection: duckdb.DuckDBPyConnection, classifier: StanceClassifier,
                        article_ids: Sequence[str], on_batch: Callable[[int], None] | None = None
                        ) -> int:
    """Re-run the current classifier over stored articles; replaces their stances."""
    total = 0
    for batch in chunks(list(article_ids), 64):
        sentences = [[row[1] for row in connection.execute(
            db.load_sql("article_sentences"), {"article_id": article_id}).fetchall()]
            for article_id in batch]
        # fetchall, not fetchone: DuckDB refuses further work on a connection whose last
        # result is unfinished, and replace_stances below writes on this connection.
        days = [next(iter(rows), (None,))[0] for rows in (connection.execute(
            db.load_sql("article_day"), {"article_id": article_id}).fetchall()
            for article_id in batch)]
        results = classify_sentences(classifier, sentences, days)
        total += db.replace_stances(connection, batch, results, classifier.model_version)
        if on_batch:
            on_batch(len(batch))
    return total
