"""Prefect flows: the daily run, date-range backfills and reclassification.

Each flow is a thin wrapper: it reads the configuration and runs the same pipeline as the
Python API (flows/pipeline.py), with every step as a Prefect task that handles a whole
batch (never one task per article or sentence), and publishes a summary artifact.
"""

# No `from __future__ import annotations` here: Prefect validates a flow's parameters
# against its annotations, and a deployment loads the flow without this module's names,
# so they must be objects already, not strings to resolve.

from datetime import date, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NONE as NO_CACHE

from stancewatch.flows import steps
from stancewatch.flows.config import Config, load_config, with_overrides
from stancewatch.flows.lifecycle import ProgressCallback, RunSummary
from stancewatch.flows.pipeline import collect, store_batch
from stancewatch.flows.reclassify import reclassify
from stancewatch.models.inference import InferenceOptions
from stancewatch.warehouse import db


# ------------------------------------------------------------------------------ tasks
@task(name="poll-feeds", cache_policy=NO_CACHE)
def poll_feeds_task(fetcher, config: Config, states: dict, conditional: bool,
                    progress: ProgressCallback | None = None) -> list[steps.FeedOutcome]:
    return steps.poll_feeds(fetcher, config.feeds, states, config.settings, conditional, progress)


@task(name="discover-sitemaps", cache_policy=NO_CACHE)
def sitemaps_task(fetcher, origins: list[str], since: datetime, until: datetime, settings):
    return steps.sitemap_candidates(fetcher, origins, since, until, settings)


@task(name="fetch-extract-batch", cache_policy=NO_CACHE)
def fetch_pages_task(fetcher, candidates: list, config: Config, window) -> steps.BatchResult:
    return steps.fetch_pages(fetcher, candidates, config.settings, window)


@task(name="classify-batch", cache_policy=NO_CACHE)
def classify_task(classifier, pages: list, fetched_at: datetime, settings) -> list:
    return steps.build_records(classifier, pages, fetched_at, settings)


@task(name="store-batch", cache_policy=NO_CACHE, retries=2, retry_delay_seconds=1)
def store_task(db_path: Path, run_id: str, records: list, failures: list) -> tuple[int, int]:
    return store_batch(db_path, run_id, records, failures)


class PrefectStages:
    """The pipeline's stages as Prefect tasks (visible, retried and timed in the UI)."""

    def poll_feeds(self, fetcher, config, states, conditional, progress):
        return poll_feeds_task(fetcher, config, states, conditional, progress)

    def sitemaps(self, fetcher, origins, window, settings):
        return sitemaps_task(fetcher, origins, *window, settings)

    def fetch_pages(self, fetcher, candidates, config, window):
        return fetch_pages_task.submit(fetcher, list(candidates), config, window)

    def classify(self, classifier, pages, fetched_at, settings):
        return classify_task(classifier, pages, fetched_at, settings)

    def store(self, db_path, run_id, records, failures):
        return store_task(db_path, run_id, records, failures)

    def close(self) -> None:
        return None


def prefect_flow_run_id() -> str | None:
    from prefect.context import FlowRunContext

    context = FlowRunContext.get()
    return str(context.flow_run.id) if context and context.flow_run else None


def run_logger_line(message: str) -> None:
    try:
        get_run_logger().info(message)
    except Exception:  # noqa: BLE001 - outside a flow run there is no run logger
        pass


def publish(summary: RunSummary, config: Config) -> None:
    """Markdown artifact for the Prefect UI, and the report folder if one is configured."""
    from prefect.artifacts import create_markdown_artifact

    from stancewatch.warehouse.report import run_summary_markdown, write_report

    with db.connect(Path(summary.db_path), read_only=True) as connection:
        markdown = run_summary_markdown(connection, summary)
    if config.settings.report_dir:
        write_report(Path(summary.db_path), Path(config.settings.report_dir))
    create_markdown_artifact(markdown, key=f"stancewatch-{summary.flow}",
                             description=f"stancewatch {summary.flow} run summary")


def flow_config(feeds_file: str, allow_private_networks: bool, model: str | None,
                device: str | None = None) -> Config:
    config = load_config(Path(feeds_file))
    return with_overrides(config, allow_private_networks=True if allow_private_networks else None,
                          model=model, device=device)


# ------------------------------------------------------------------------------ flows
# `progress` is the caller's progress(stage, done, total) (the CLI's display); it is not
# stored with the flow run (Prefect records unserialisable parameters as a placeholder).
@flow(name="stancewatch-daily")
def daily_flow(feeds_file: str, db_path: str, allow_private_networks: bool = False,
               model: str | None = None, device: str | None = None,
               progress: ProgressCallback | None = None) -> dict:
    config = flow_config(feeds_file, allow_private_networks, model, device)
    summary = collect(config, Path(db_path), "daily", PrefectStages(),
                      prefect_flow_run_id=prefect_flow_run_id(), progress=progress,
                      log=run_logger_line)
    publish(summary, config)
    return summary.as_dict()


@flow(name="stancewatch-backfill")
def backfill_flow(feeds_file: str, db_path: str, since: date, until: date,
                  url_file: str | None = None, allow_private_networks: bool = False,
                  model: str | None = None, device: str | None = None,
                  alert: bool = False, progress: ProgressCallback | None = None) -> dict:
    config = flow_config(feeds_file, allow_private_networks, model, device)
    summary = collect(config, Path(db_path), "backfill", PrefectStages(),
                      window=steps.window_bounds(since, until),
                      url_file=Path(url_file) if url_file else None, use_sitemaps=True,
                      prefect_flow_run_id=prefect_flow_run_id(), progress=progress,
                      log=run_logger_line, alert=alert)
    publish(summary, config)
    return summary.as_dict()


@flow(name="stancewatch-reclassify")
def reclassify_flow(db_path: str, since: date, until: date, model: str | None = None,
                    include_gated: bool = False, device: str = "auto", precision: str = "auto",
                    classify_threads: int = 0, progress: ProgressCallback | None = None) -> dict:
    summary = reclassify(Path(db_path), since, until, model, None, include_gated=include_gated,
                         inference=InferenceOptions(device, precision, classify_threads),
                         prefect_flow_run_id=prefect_flow_run_id(), progress=progress)
    run_logger_line(f"reclassified {summary.stats.articles_seen} articles with "
                    f"{summary.model_version}")
    return summary.as_dict()
