"""The Python API's implementations (`stancewatch.run`, `backfill`, … re-export them)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from stancewatch.flows import steps
from stancewatch.flows.config import (
    Config,
    Settings,
    check_overrides,
    config_from_urls,
    load_config,
    with_overrides,
)
from stancewatch.flows.lifecycle import ProgressCallback, RunSummary
from stancewatch.flows.pipeline import collect, get_classifier
from stancewatch.flows.reclassify import reclassify as reclassify_window
from stancewatch.models.interface import SentenceStance
from stancewatch.warehouse.report import parse_day

_lock = threading.Lock()


def build_config(feeds: str | Path | Sequence[str], settings: dict[str, Any]) -> Config:
    """A feeds file, or a list of feed URLs; keyword settings override file and environment."""
    config = (load_config(Path(feeds)) if isinstance(feeds, str | Path)
              else config_from_urls(list(feeds)))
    return with_overrides(config, **settings)


def _day(value: date | str, name: str) -> date:
    return value if isinstance(value, date) else parse_day(str(value), f"--{name}")


def run(feeds: str | Path | Sequence[str], db: Path, *, progress: ProgressCallback | None = None,
        **settings: Any) -> RunSummary:
    return collect(build_config(feeds, settings), db, "daily", progress=progress)


def backfill(feeds: str | Path | Sequence[str], db: Path, *, since: date | str,
             until: date | str, urls: str | Path | None = None, alert: bool = False,
             progress: ProgressCallback | None = None, **settings: Any) -> RunSummary:
    window = steps.window_bounds(_day(since, "since"), _day(until, "until"))
    return collect(build_config(feeds, settings), db, "backfill", window=window,
                   url_file=Path(urls) if urls else None, use_sitemaps=True, progress=progress,
                   alert=alert)


def alert_history(db: Path, *, since: date | str | None = None) -> list[dict[str, Any]]:
    from stancewatch.alerts.selection import list_alerts
    from stancewatch.warehouse.db import connect
    from stancewatch.warehouse.report import check_views

    with connect(db, read_only=True) as connection:
        check_views(connection, db)
        return list_alerts(connection, _day(since, "since") if since is not None else None)


def reclassify(db: Path, *, since: date | str, until: date | str, model: str | None = None,
               actors_file: str | None = None, include_gated: bool = False,
               progress: ProgressCallback | None = None, **settings: Any) -> RunSummary:
    """`settings`: device, precision, classify_threads (validated like the feeds file's)."""
    checked = Settings(**check_overrides(settings, "setting"))
    return reclassify_window(db, _day(since, "since"), _day(until, "until"), model, actors_file,
                             include_gated=include_gated, inference=checked.inference(),
                             progress=progress)


def classify(texts: Sequence[str], *, date: date | str | None = None, model: str | None = None,
             actors_file: str | None = None, **settings: Any) -> list[SentenceStance]:
    if isinstance(texts, str):
        raise TypeError("classify() takes a list of texts, not one string")
    day = None if date is None else _day(date, "date")
    checked = Settings(**check_overrides(settings, "setting"))
    classifier = get_classifier(model, actors_file, checked.inference())
    return classifier.classify_texts(list(texts), [day] * len(texts))
