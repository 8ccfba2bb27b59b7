"""The story of a collecting run (daily or backfill), once, for every way of running it.

`collect` drives the steps in flows/steps.py through a `Stages` object: `PlainStages`
calls them directly (the Python API, no Prefect), `flows.daily.PrefectStages` runs them
as Prefect tasks. Pages of batch k+1 are fetched while batch k is classified. Once the
articles are stored, `alert_step` tells the watch lists' channels who moved.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

from stancewatch.extractors.http import Fetcher
from stancewatch.extractors.urls import origin_of
from stancewatch.flows import steps
from stancewatch.flows.config import Config
from stancewatch.flows.lifecycle import ProgressCallback, Run, RunSummary, run_lifecycle
from stancewatch.models.classifier import StanceClassifier, load_classifier, model_version_for
from stancewatch.models.inference import InferenceOptions
from stancewatch.warehouse import db
from stancewatch.warehouse.records import ArticleRecord, FailureRecord, FeedState

Window = tuple[datetime, datetime]

_CLASSIFIERS: dict[tuple[str | None, str | None, InferenceOptions], StanceClassifier] = {}
_CLASSIFIERS_LOCK = threading.Lock()


def get_classifier(model: str | None, actors_file: str | None,
                   inference: InferenceOptions | None = None) -> StanceClassifier:
    """Loaded once per process: a served deployment reuses it across scheduled runs."""
    with _CLASSIFIERS_LOCK:
        key = (model, actors_file, inference or InferenceOptions())
        if key not in _CLASSIFIERS:
            _CLASSIFIERS[key] = load_classifier(model, Path(actors_file) if actors_file else None,
                                                key[2])
        return _CLASSIFIERS[key]


class Stages(Protocol):
    """How each step runs: plain calls, or Prefect tasks."""

    def poll_feeds(self, fetcher: Fetcher, config: Config, states: dict[str, FeedState],
                   conditional: bool, progress: ProgressCallback) -> list[steps.FeedOutcome]: ...

    def sitemaps(self, fetcher: Fetcher, origins: list[str], window: Window,
                 settings: steps.Settings) -> tuple[list[steps.Candidate], list[FailureRecord]]: ...

    def fetch_pages(self, fetcher: Fetcher, candidates: Sequence[steps.Candidate], config: Config,
                    window: Window | None) -> Future[steps.BatchResult]: ...

    def classify(self, classifier: StanceClassifier, pages: list[steps.FetchedPage],
                 fetched_at: datetime, settings: steps.Settings) -> list[ArticleRecord]: ...

    def store(self, db_path: Path, run_id: str, records: list[ArticleRecord],
              failures: list[FailureRecord]) -> tuple[int, int]: ...

    def close(self) -> None: ...


def store_batch(db_path: Path, run_id: str, records: list[ArticleRecord],
                failures: list[FailureRecord]) -> tuple[int, int]:
    """One transaction per batch: link copies, write articles, sentences, stances, failures."""
    with db.connect(db_path) as connection:
        linked = steps.link_duplicates(connection, records)
        db.store_articles(connection, run_id, linked, failures)
    return len(linked), sum(1 for record in linked if record.duplicate_of)


def alert_step(run: Run, config: Config, window: Window | None = None, send: bool = True) -> None:
    """After the run's articles are stored, still inside its lock: record the watch lists'
    new changes and deliver them (alerts/dispatch.py). A daily run looks at changes whose
    first day is within alert_lookback_days of today; a backfill at its window, and records
    what it uncovers as suppressed unless asked to send (`send`, `--alert`). Channels that
    fail are recorded and retried next run; they never fail the run."""
    if not config.alerting.watches:
        return
    from stancewatch.alerts.dispatch import deliver_alerts

    if window is None:
        since = datetime.now(UTC).date() - timedelta(days=config.settings.alert_lookback_days)
        until = None
    else:
        since, until = window[0].date(), (window[1] - timedelta(microseconds=1)).date()
    outcome = deliver_alerts(run.db_path, config.alerting, run.run_id, since=since, until=until,
                             send=send, max_attempts=config.settings.alert_max_attempts,
                             log=run.log)
    run.stats.alerts_sent += outcome.sent
    run.stats.alerts_failed += outcome.failed


class PlainStages:
    """The steps as plain function calls; page fetching runs one batch ahead in a thread."""

    def __init__(self) -> None:
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="stancewatch-fetch")

    def poll_feeds(self, fetcher: Fetcher, config: Config, states: dict[str, FeedState],
                   conditional: bool, progress: ProgressCallback) -> list[steps.FeedOutcome]:
        return steps.poll_feeds(fetcher, config.feeds, states, config.settings, conditional,
                                progress)

    def sitemaps(self, fetcher: Fetcher, origins: list[str], window: Window,
                 settings: steps.Settings) -> tuple[list[steps.Candidate], list[FailureRecord]]:
        return steps.sitemap_candidates(fetcher, origins, window[0], window[1], settings)

    def fetch_pages(self, fetcher: Fetcher, candidates: Sequence[steps.Candidate], config: Config,
                    window: Window | None) -> Future[steps.BatchResult]:
        return self._pool.submit(steps.fetch_pages, fetcher, candidates, config.settings, window)

    def classify(self, classifier: StanceClassifier, pages: list[steps.FetchedPage],
                 fetched_at: datetime, settings: steps.Settings) -> list[ArticleRecord]:
        return steps.build_records(classifier, pages, fetched_at, settings)

    def store(self, db_path: Path, run_id: str, records: list[ArticleRecord],
              failures: list[FailureRecord]) -> tuple[int, int]:
        return store_batch(db_path, run_id, records, failures)

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def collect(config: Config, db_path: Path, flow_name: str, stages: Stages | None = None, *,
            window: Window | None = None, url_file: Path | None = None,
            use_sitemaps: bool = False, prefect_flow_run_id: str | None = None,
            progress: ProgressCallback | None = None, log: Callable[[str], None] | None = None,
            alert: bool | None = None) -> RunSummary:
    """Feeds (and for backfills sitemaps and a URL file) → articles → stances → warehouse →
    alerts. `alert`: send alerts (default: a daily run does, a backfill does not)."""
    stages = stages or PlainStages()
    settings = config.settings
    # the model loads only when there is something to classify: a run with nothing new
    # (all 304s) stays cheap
    model_version = model_version_for(settings.model)
    try:
        with run_lifecycle(db_path, flow_name, model_version, prefect_flow_run_id=prefect_flow_run_id,
                           progress=progress, log=log) as run, \
                Fetcher(settings.fetch_policy()) as fetcher:
            stats = run.stats
            started = time.perf_counter()
            run.progress("feeds", 0, len(config.feeds))
            outcomes = stages.poll_feeds(fetcher, config, run.feed_states(), window is None,
                                         run.progress)
            candidates = [c for outcome in outcomes for c in outcome.candidates]
            failures = [f for outcome in outcomes for f in outcome.failures]
            steps.count_feed_outcomes(stats, outcomes)
            if window is not None:
                candidates = [c for c in candidates if c.published_at is None
                              or window[0] <= c.published_at < window[1]]
                if use_sitemaps:
                    origins = [origin_of(feed.url) for feed in config.feeds]
                    found, sitemap_failures = stages.sitemaps(fetcher, origins, window, settings)
                    candidates += found
                    failures += sitemap_failures
                if url_file is not None:
                    listed, listed_failures = steps.url_file_candidates(url_file)
                    candidates += listed
                    failures += listed_failures
            stats.fetch_seconds += time.perf_counter() - started
            with db.connect(db_path) as connection:
                fresh, already = steps.new_candidates(connection, candidates)
            run.record_failures(failures)
            stats.articles_seen = len(fresh) + already
            run.log(f"{len(outcomes)} feeds: {stats.feeds_ok} ok, {stats.feeds_not_modified} "
                    f"not modified, {stats.feeds_failed} failed; {len(fresh)} new article URLs")
            batches = list(steps.chunks(fresh, settings.batch_size))
            pending = stages.fetch_pages(fetcher, batches[0], config, window) if batches else None
            done_pages = 0
            run.progress("pages", 0, len(fresh))
            run.progress("articles", 0, len(fresh))
            for number in range(len(batches)):
                assert pending is not None  # submitted one batch ahead
                fetched = pending.result()
                pending = (stages.fetch_pages(fetcher, batches[number + 1], config, window)
                           if number + 1 < len(batches) else None)
                stats.fetch_seconds += fetched.fetch_seconds
                stats.extract_seconds += fetched.extract_seconds
                done_pages += len(batches[number])
                run.progress("pages", done_pages, len(fresh))
                started = time.perf_counter()
                classifier = (get_classifier(settings.model, settings.actors_file,
                                             settings.inference())
                              if fetched.pages else None)
                records = (stages.classify(classifier, fetched.pages, datetime.now(UTC), settings)
                           if classifier else [])
                stats.classify_seconds += time.perf_counter() - started
                started = time.perf_counter()
                stored, duplicates = stages.store(db_path, run.run_id, records, fetched.failures)
                stats.store_seconds += time.perf_counter() - started
                stats.articles_new += stored
                stats.duplicates += duplicates
                stats.mentions_new += sum(len(r.mentions) for r in records)
                stats.sentences_capped += sum(r.sentences_dropped for r in records)
                stats.articles_gated += sum(r.unclassified == "gated" for r in records)
                run.record_failures(fetched.failures, stored=True)
                run.progress("articles", stats.articles_new, len(fresh))
                run.log(f"batch {number + 1}/{len(batches)}: {stored} stored ({duplicates} "
                        f"duplicates), {len(fetched.failures)} failed")
            # feed state last: a crash before this point re-reads the feeds next time, and so
            # does a feed whose pages failed for a passing reason (5xx, timeout)
            run.save_feed_states(steps.feed_states_to_save(outcomes, run.failures))
            stats.http_requests = fetcher.counters.requests
            stats.http_not_modified = fetcher.counters.not_modified
            alert_step(run, config, window, send=window is None if alert is None else alert)
    finally:
        stages.close()
    return run.summary()
