"""Prefect flows: the daily run, date-range backfills and reclassification.

A flow reads as the story of the run; every step is a plain function from
flows/steps.py, wrapped as a task that handles a whole batch (never one task per
article or sentence). Pages of batch k+1 are fetched while batch k is classified.
"""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE as NO_CACHE

from extractors.http import Fetcher
from flows import steps
from flows.config import Config, load_config, with_overrides
from models.classifier import StanceClassifier, load_classifier, model_version_for
from warehouse import db
from warehouse.records import FailureRecord, RunStats

_CLASSIFIERS: dict[tuple[str | None, str | None], StanceClassifier] = {}
_CLASSIFIERS_LOCK = threading.Lock()


def get_classifier(model: str | None, actors_file: str | None) -> StanceClassifier:
    """Loaded once per process: a served deployment reuses it across scheduled runs."""
    with _CLASSIFIERS_LOCK:
        key = (model, actors_file)
        if key not in _CLASSIFIERS:
            _CLASSIFIERS[key] = load_classifier(model, Path(actors_file) if actors_file else None)
        return _CLASSIFIERS[key]


@dataclass
class RunSummary:
    run_id: str
    flow: str
    status: str
    stats: RunStats
    model_version: str
    db_path: str
    failures: list[FailureRecord] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [asdict(f) for f in self.failures]
        return data


# ------------------------------------------------------------------------------ tasks
@task(name="poll-feeds", cache_policy=NO_CACHE)
def poll_feeds_task(fetcher: Fetcher, config: Config, states: dict, conditional: bool
                    ) -> list[steps.FeedOutcome]:
    return steps.poll_feeds(fetcher, config.feeds, states, config.settings, conditional)


@task(name="discover-sitemaps", cache_policy=NO_CACHE)
def sitemaps_task(fetcher: Fetcher, origins: list[str], since: datetime, until: datetime):
    return steps.sitemap_candidates(fetcher, origins, since, until)


@task(name="fetch-extract-batch", cache_policy=NO_CACHE)
def fetch_pages_task(fetcher: Fetcher, candidates: list, config: Config, window) -> steps.BatchResult:
    return steps.fetch_pages(fetcher, candidates, config.settings, window)


@task(name="classify-batch", cache_policy=NO_CACHE)
def classify_task(classifier: StanceClassifier, pages: list, fetched_at: datetime) -> list:
    return steps.build_records(classifier, pages, fetched_at)


@task(name="store-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def store_task(db_path: Path, run_id: str, records: list, failures: list) -> tuple[int, int]:
    with db.connect(db_path) as connection:
        linked = steps.link_duplicates(connection, records)
        db.store_articles(connection, run_id, linked, failures)
    duplicates = sum(1 for record in linked if record.duplicate_of)
    return len(linked), duplicates


class _StageRunner:
    """Same orchestration with Prefect tasks or plain calls (benchmark's no-Prefect path)."""

    def __init__(self, use_prefect: bool) -> None:
        self.use_prefect = use_prefect
        self._pool = None if use_prefect else ThreadPoolExecutor(max_workers=1)

    def submit(self, stage, *args) -> Future:
        if self.use_prefect:
            return stage.submit(*args)
        return self._pool.submit(stage.fn, *args)

    def call(self, stage, *args):
        return stage(*args) if self.use_prefect else stage.fn(*args)

    def close(self) -> None:
        if self._pool:
            self._pool.shutdown()


def _prefect_flow_run_id() -> str | None:
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return str(context.flow_run.id) if context and context.flow_run else None


def _log(message: str) -> None:
    try:
        get_run_logger().info(message)
    except Exception:  # noqa: BLE001 - outside a flow run there is no run logger
        pass


def collect(config: Config, db_path: Path, flow_name: str, *, use_prefect: bool = True,
            window: tuple[datetime, datetime] | None = None, url_file: Path | None = None,
            use_sitemaps: bool = False) -> RunSummary:
    """Feeds (and for backfills sitemaps and a URL file) → articles → stances → warehouse."""
    run_id = uuid.uuid4().hex[:12]
    stats = RunStats()
    all_failures: list[FailureRecord] = []
    runner = _StageRunner(use_prefect)
    with db.run_lock(db_path):
        # the model loads only when there is something to classify: a run with nothing
        # new (all 304s) stays cheap
        model_version = model_version_for(config.settings.model)
        with db.connect(db_path) as connection:
            db.start_run(connection, run_id, flow_name, model_version, _prefect_flow_run_id())
            states = db.feed_states(connection)
        status, error = "completed", None
        try:
            with Fetcher(config.settings.fetch_policy()) as fetcher:
                started = time.perf_counter()
                outcomes = runner.call(poll_feeds_task, fetcher, config, states, window is None)
                candidates = [c for outcome in outcomes for c in outcome.candidates]
                failures = [f for outcome in outcomes for f in outcome.failures]
                steps.count_feed_outcomes(stats, outcomes)
                if window is not None:
                    candidates = [c for c in candidates if c.published_at is None
                                  or window[0] <= c.published_at < window[1]]
                    if use_sitemaps:
                        origins = [origin_of(feed.url) for feed in config.feeds]
                        found, sitemap_failures = runner.call(sitemaps_task, fetcher, origins, *window)
                        candidates += found
                        failures += sitemap_failures
                    if url_file is not None:
                        listed, listed_failures = steps.url_file_candidates(url_file)
                        candidates += listed
                        failures += listed_failures
                stats.fetch_seconds += time.perf_counter() - started
                with db.connect(db_path) as connection:
                    fresh, already = steps.new_candidates(connection, candidates)
                    db.record_failures(connection, run_id, failures)
                all_failures += failures
                stats.articles_seen = len(fresh) + already
                _log(f"{len(outcomes)} feeds: {stats.feeds_ok} ok, {stats.feeds_not_modified} "
                     f"not modified, {stats.feeds_failed} failed; {len(fresh)} new article URLs")
                batches = list(steps.chunks(fresh, config.settings.batch_size))
                pending = runner.submit(fetch_pages_task, fetcher, batches[0], config, window) \
                    if batches else None
                for number in range(len(batches)):
                    fetched = pending.result()
                    pending = (runner.submit(fetch_pages_task, fetcher, batches[number + 1],
                                             config, window)
                               if number + 1 < len(batches) else None)
                    stats.fetch_seconds += fetched.fetch_seconds
                    stats.extract_seconds += fetched.extract_seconds
                    started = time.perf_counter()
                    classifier = get_classifier(config.settings.model, config.settings.actors_file)
                    records = runner.call(classify_task, classifier, fetched.pages,
                                          datetime.now(UTC))
                    stats.classify_seconds += time.perf_counter() - started
                    started = time.perf_counter()
                    stored, duplicates = runner.call(store_task, db_path, run_id, records,
                                                     fetched.failures)
                    stats.store_seconds += time.perf_counter() - started
                    stats.articles_new += stored
                    stats.duplicates += duplicates
                    stats.mentions_new += sum(len(r.mentions) for r in records)
                    all_failures += fetched.failures
                    _log(f"batch {number + 1}/{len(batches)}: {stored} stored "
                         f"({duplicates} duplicates), {len(fetched.failures)} failed")
                # feed state last: a crash before this point re-reads the feeds next time,
                # and so does a feed whose pages failed for a passing reason (5xx, timeout)
                with db.connect(db_path) as connection:
                    db.save_feed_states(connection, steps.feed_states_to_save(outcomes,
                                                                              all_failures))
                stats.http_requests = fetcher.counters.requests
                stats.http_not_modified = fetcher.counters.not_modified
        except Exception as exc:
            status, error = "failed", f"{exc.__class__.__name__}: {exc}"[:500]
            raise
        finally:
            runner.close()
            stats.failures = len(all_failures)
            with db.connect(db_path) as connection:
                db.finish_run(connection, run_id, stats, status, error)
    return RunSummary(run_id, flow_name, status, stats, model_version, str(db_path), all_failures)


def _publish(summary: RunSummary, config: Config) -> None:
    """Markdown artifact for the Prefect UI, and the report folder if one is configured."""
    from prefect.artifacts import create_markdown_artifact

    lines = [f"# stancewatch {summary.flow} run `{summary.run_id}`", "",
             "| measure | value |", "|---|---|"]
    for key, value in asdict(summary.stats).items():
        shown = round(value, 2) if isinstance(value, float) else value
        lines.append(f"| {key.replace('_', ' ')} | {shown} |")
    try:
        from warehouse.report import summary_markdown, write_report

        with db.connect(Path(summary.db_path), read_only=True) as connection:
            lines += ["", summary_markdown(connection, summary.run_id)]
        if config.settings.report_dir:
            write_report(Path(summary.db_path), Path(config.settings.report_dir))
    except ImportError:
        pass
    if summary.failures:
        lines += ["", "## Failures", "", "| stage | url | reason |", "|---|---|---|"]
        lines += [f"| {f.stage} | {f.url} | {f.error} |" for f in summary.failures[:50]]
    create_markdown_artifact("\n".join(lines), key=f"stancewatch-{summary.flow}",
                             description=f"stancewatch {summary.flow} run summary")


def _config(feeds_file: str, allow_private_networks: bool, model: str | None) -> Config:
    config = load_config(Path(feeds_file))
    return with_overrides(config, allow_private_networks=True if allow_private_networks else None,
                          model=model)


# ------------------------------------------------------------------------------ flows
@flow(name="stancewatch-daily")
def daily_flow(feeds_file: str, db_path: str, allow_private_networks: bool = False,
               model: str | None = None) -> dict:
    config = _config(feeds_file, allow_private_networks, model)
    summary = collect(config, Path(db_path), "daily")
    _publish(summary, config)
    return summary.as_dict()


@flow(name="stancewatch-backfill")
def backfill_flow(feeds_file: str, db_path: str, since: date, until: date,
                  url_file: str | None = None, allow_private_networks: bool = False,
                  model: str | None = None) -> dict:
    config = _config(feeds_file, allow_private_networks, model)
    summary = collect(config, Path(db_path), "backfill", window=steps.window_bounds(since, until),
                      url_file=Path(url_file) if url_file else None, use_sitemaps=True)
    _publish(summary, config)
    return summary.as_dict()


def reclassify(db_path: Path, since: date, until: date, model: str | None,
               actors_file: str | None) -> RunSummary:
    run_id = uuid.uuid4().hex[:12]
    stats = RunStats()
    classifier = get_classifier(model, actors_file)
    start, end = steps.window_bounds(since, until)
    with db.run_lock(db_path), db.connect(db_path) as connection:
        db.start_run(connection, run_id, "reclassify", classifier.model_version)
        ids = [row[0] for row in connection.execute(
            db.load_sql("articles_in_window"), {"since": start, "until": end}).fetchall()]
        started = time.perf_counter()
        stats.mentions_new = steps.reclassify_articles(connection, classifier, ids)
        stats.classify_seconds = time.perf_counter() - started
        stats.articles_seen = len(ids)
        db.finish_run(connection, run_id, stats, "completed")
    return RunSummary(run_id, "reclassify", "completed", stats, classifier.model_version,
                      str(db_path))


@flow(name="stancewatch-reclassify")
def reclassify_flow(db_path: str, since: date, until: date, model: str | None = None) -> dict:
    summary = reclassify(Path(db_path), since, until, model, None)
    _log(f"reclassified {summary.stats.articles_seen} articles with {summary.model_version}")
    return summary.as_dict()


def origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"
