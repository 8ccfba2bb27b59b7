"""The daily flow beyond one machine: heavy stages on a Dask cluster, one warehouse writer.

Each batch of new article URLs is fetched, extracted and classified by ONE task on a
Dask worker (prefect-dask's DaskTaskRunner: a LocalCluster, or an existing scheduler).
Workers never open the warehouse: a worker hands its batch over as a folder of Parquet
files (warehouse.db.write_parquet_batch) and returns only that folder's path and small
bookkeeping. The flow process is the single writer: it loads the folders in batch order,
so DuckDB's one read-write process per file never bites. See docs/scaling.md.

Duplicate linking needs the warehouse (stored originals) and the batches before this one,
so it happens in the writer, just before a folder is loaded: the folder's article rows are
read back and given to steps.link_duplicates (the same function the normal flow uses), and
the links it finds are written into the folder (duplicate_of set; a copy's mentions and
article stances dropped, as link_duplicates does to a record). Loading in batch order keeps
the result identical to flows.pipeline.collect with the same batches.
"""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime
from pathlib import Path

import distributed
import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from prefect import flow, task
from prefect.cache_policies import NONE as NO_CACHE
from prefect_dask import DaskTaskRunner

from stancewatch.extractors.http import Fetcher
from stancewatch.flows import steps
from stancewatch.flows.config import Config
from stancewatch.flows.daily import (
    flow_config,
    poll_feeds_task,
    prefect_flow_run_id,
    publish,
    run_logger_line,
)
from stancewatch.flows.lifecycle import RunSummary, run_lifecycle
from stancewatch.flows.pipeline import alert_step, get_classifier
from stancewatch.models.classifier import model_version_for
from stancewatch.warehouse import db
from stancewatch.warehouse.records import ArticleRecord, FailureRecord

FLOW_NAME = "daily-dask"
ARTICLE_FIELDS = [f.name for f in fields(ArticleRecord)
                  if f.name not in ("sentences", "mentions", "stances", "model_version", "aliases",
                                    "duplicate_of", "sentences_dropped")]
# published_local and extraction_mode travel in the Parquet article rows too


@dataclass(frozen=True)
class HandedOverBatch:
    """What a worker returns: where its Parquet batch lies, and the batch's bookkeeping."""

    number: int
    folder: str
    articles: int
    mentions: int
    gated: int = 0
    failures: list[FailureRecord] = field(default_factory=list)
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0
    classify_seconds: float = 0.0
    http_requests: int = 0
    http_not_modified: int = 0


def dask_task_runner(scheduler_address: str | None, workers: int) -> DaskTaskRunner:
    """An existing scheduler if given, else a LocalCluster of single-threaded worker processes
    (one batch per process at a time; the model's own threads do the rest)."""
    if scheduler_address:
        return DaskTaskRunner(address=scheduler_address)
    return DaskTaskRunner(cluster_class=distributed.LocalCluster,
                          cluster_kwargs={"n_workers": workers, "threads_per_worker": 1})


# ------------------------------------------------------------------------------ tasks
@task(name="fetch-extract-classify-batch", cache_policy=NO_CACHE)
def process_batch_task(config: Config, candidates: list[steps.Candidate], run_id: str, number: int,
                       handover_dir: str) -> HandedOverBatch:
    """Runs on a Dask worker: its own Fetcher (one per batch; a Fetcher does not cross
    processes) and its own classifier (loaded once per worker process)."""
    with Fetcher(config.settings.fetch_policy()) as fetcher:
        fetched = steps.fetch_pages(fetcher, candidates, config.settings)
    started = time.perf_counter()
    classifier = get_classifier(config.settings.model, config.settings.actors_file,
                                config.settings.inference())
    records = steps.build_records(classifier, fetched.pages, datetime.now(UTC), config.settings)
    classify_seconds = time.perf_counter() - started
    folder = db.write_parquet_batch(Path(handover_dir), run_id, number, records)
    return HandedOverBatch(
        number, str(folder), len(records), sum(len(r.mentions) for r in records),
        sum(r.unclassified == "gated" for r in records), fetched.failures,
        fetched.fetch_seconds, fetched.extract_seconds, classify_seconds,
        fetcher.counters.requests, fetcher.counters.not_modified)


@task(name="load-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def load_batch_task(db_path: Path, run_id: str, batch: HandedOverBatch) -> int:
    """The single writer, in the flow process: link duplicates, then load the folder."""
    folder = Path(batch.folder)
    with db.connect(db_path) as connection:
        links = link_handed_over(connection, folder)
        db.load_parquet_batch(connection, run_id, folder, batch.failures)
    return len(links)


def link_handed_over(connection: duckdb.DuckDBPyConnection, folder: Path) -> dict[str, str]:
    """steps.link_duplicates over a handed-over batch's article rows (all it needs of a
    record); the links found are written into the folder before it is loaded."""
    articles = pq.read_table(folder / "new_articles.parquet")
    rows = articles.select(ARTICLE_FIELDS).to_pylist()
    linked = steps.link_duplicates(connection, [
        ArticleRecord(**row, sentences=[], mentions=[], stances=[], model_version="")
        for row in rows])
    links = {record.article_id: record.duplicate_of for record in linked if record.duplicate_of}
    if links:
        duplicate_of = pa.array([links.get(a) for a in articles["article_id"].to_pylist()], pa.string())
        _replace_parquet(folder / "new_articles.parquet", articles.set_column(
            articles.schema.get_field_index("duplicate_of"), "duplicate_of", duplicate_of))
        copies = pa.array(list(links), pa.string())
        for name in ("new_mentions", "new_article_stances"):
            table = pq.read_table(folder / f"{name}.parquet")
            _replace_parquet(folder / f"{name}.parquet",
                             table.filter(pc.invert(pc.is_in(table["article_id"], value_set=copies))))
    return links


def _replace_parquet(path: Path, table: pa.Table) -> None:
    partial = path.with_suffix(".parquet.partial")
    pq.write_table(table, partial)
    os.replace(partial, path)


# ------------------------------------------------------------------------------ the run
def collect_on_dask(config: Config, db_path: Path, runner: DaskTaskRunner, handover_dir: Path,
                    keep_handover: bool = False) -> tuple[RunSummary, list[dict]]:
    """Feeds → (on the workers) articles → stances → Parquet → (one writer) warehouse."""
    loaded: list[dict] = []
    model_version = model_version_for(config.settings.model)
    with run_lifecycle(db_path, FLOW_NAME, model_version, prefect_flow_run_id=prefect_flow_run_id(),
                       log=run_logger_line) as run:
        stats = run.stats
        started = time.perf_counter()
        with Fetcher(config.settings.fetch_policy()) as fetcher:
            outcomes = poll_feeds_task(fetcher, config, run.feed_states(), True, run.progress)
        stats.http_requests = fetcher.counters.requests
        stats.http_not_modified = fetcher.counters.not_modified
        stats.fetch_seconds += time.perf_counter() - started
        candidates = [c for outcome in outcomes for c in outcome.candidates]
        steps.count_feed_outcomes(stats, outcomes)
        with db.connect(db_path) as connection:
            fresh, already = steps.new_candidates(connection, candidates)
        run.record_failures([f for outcome in outcomes for f in outcome.failures])
        stats.articles_seen = len(fresh) + already
        batches = list(steps.chunks(fresh, config.settings.batch_size))
        run.log(f"{len(outcomes)} feeds: {stats.feeds_ok} ok, {stats.feeds_not_modified} "
                f"not modified, {stats.feeds_failed} failed; {len(fresh)} new article URLs "
                f"in {len(batches)} batches for the Dask workers")
        if batches:
            # the cluster starts only when there is work: a run of 304s stays cheap
            with runner:
                futures = [runner.submit(process_batch_task, parameters={
                    "config": config, "candidates": list(batch), "run_id": run.run_id,
                    "number": number, "handover_dir": str(handover_dir)})
                    for number, batch in enumerate(batches, start=1)]
                # load in batch order, whatever order the workers finish in: duplicate
                # links then come out as in the normal flow
                for future in futures:
                    batch = future.result()
                    started = time.perf_counter()
                    duplicates = load_batch_task(db_path, run.run_id, batch)
                    stats.store_seconds += time.perf_counter() - started
                    stats.articles_new += batch.articles
                    stats.duplicates += duplicates
                    stats.mentions_new += batch.mentions
                    stats.articles_gated += batch.gated
                    stats.fetch_seconds += batch.fetch_seconds
                    stats.extract_seconds += batch.extract_seconds
                    stats.classify_seconds += batch.classify_seconds
                    stats.http_requests += batch.http_requests
                    stats.http_not_modified += batch.http_not_modified
                    run.record_failures(batch.failures, stored=True)
                    run.progress("articles", stats.articles_new, len(fresh))
                    loaded.append({"number": batch.number, "folder": batch.folder,
                                   "articles": batch.articles, "duplicates": duplicates})
                    if not keep_handover:
                        shutil.rmtree(batch.folder, ignore_errors=True)
                    run.log(f"batch {batch.number}/{len(batches)}: {batch.articles} stored "
                            f"({duplicates} duplicates), {len(batch.failures)} failed")
        # feed state last: a crash before this point re-reads the feeds next time
        run.save_feed_states(steps.feed_states_to_save(outcomes, run.failures))
        alert_step(run, config)
    return run.summary(), loaded


# ------------------------------------------------------------------------------ flow
@flow(name="stancewatch-daily-dask")
def daily_flow_distributed(feeds_file: str, db_path: str, scheduler_address: str | None = None,
                           workers: int = 2, handover_dir: str | None = None,
                           allow_private_networks: bool = False, model: str | None = None,
                           keep_handover: bool = False) -> dict:
    """The daily run with fetch+extract+classify on Dask. With workers on other machines,
    `handover_dir` must be storage that they and this process share (an NFS mount, say)."""
    config = flow_config(feeds_file, allow_private_networks, model)
    warehouse = Path(db_path)
    handover = Path(handover_dir) if handover_dir else Path(f"{warehouse}.handover")
    summary, loaded = collect_on_dask(config, warehouse, dask_task_runner(scheduler_address, workers),
                                      handover, keep_handover)
    publish(summary, config)
    return {**summary.as_dict(), "handover_dir": str(handover), "batches": loaded}
