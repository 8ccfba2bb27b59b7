"""stancewatch: where governments, leaders and commentators stand on security guarantees
for Ukraine and on Ukraine's NATO membership, from news feeds to a DuckDB warehouse.

The Python API (the CLI and the Prefect flows are thin layers over it)::

    import stancewatch

    summary = stancewatch.run("FEEDS.toml", "news.duckdb")          # the daily run, once
    stancewatch.backfill("FEEDS.toml", "news.duckdb", since="2025-01-01", until="2025-01-31")
    stancewatch.alert_history("news.duckdb", since="2025-01-01")       # what was alerted
    stancewatch.classify(["Peskov said guarantees are premature."])   # -> [SentenceStance]
    stancewatch.report("news.duckdb", "report/", topic="membership")
    with stancewatch.connect("news.duckdb") as con:                    # read-only SQL
        con.sql("SELECT * FROM actor_latest").show()

None of these needs a Prefect server; heavy modules (torch, Prefect) load on first use.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import duckdb

    from stancewatch.flows.lifecycle import RunSummary
    from stancewatch.models.interface import SentenceStance
    from stancewatch.warehouse.report import ReportFiles

__version__ = "0.2.0"
__all__ = [
    "__version__",
    "alert_history",
    "backfill",
    "classify",
    "connect",
    "reclassify",
    "report",
    "run",
]


def run(feeds: str | Path | Sequence[str], db: str | Path, **settings: Any) -> RunSummary:
    """Poll the feeds once, store new articles with their stances; returns the run summary.

    `feeds` is a FEEDS.toml path or a list of feed URLs; keyword arguments override
    settings (`allow_private_networks=True`, `model=...`, `device="cpu"` …)."""
    from stancewatch.flows import api

    return api.run(feeds, Path(db), **settings)


def backfill(feeds: str | Path | Sequence[str], db: str | Path, *, since: date | str,
             until: date | str, urls: str | Path | None = None, alert: bool = False,
             **settings: Any) -> RunSummary:
    """Articles published in [since, until] from feeds, sitemaps and an optional URL file.

    Changes of watched holders it uncovers are recorded as suppressed, never sent, unless
    `alert=True`."""
    from stancewatch.flows import api

    return api.backfill(feeds, Path(db), since=since, until=until, urls=urls, alert=alert,
                        **settings)


def alert_history(db: str | Path, *, since: date | str | None = None) -> list[dict[str, Any]]:
    """The `alerts` table: one dict per alert and channel (status, attempts, times, error),
    for changes first seen on or after `since`. (The alerts library itself is the
    subpackage `stancewatch.alerts`.)"""
    from stancewatch.flows import api

    return api.alert_history(Path(db), since=since)


def reclassify(db: str | Path, *, since: date | str, until: date | str,
               model: str | None = None, **settings: Any) -> RunSummary:
    """Re-run the current classifier over stored articles published in the window
    (`include_gated=True`: also those the relevance gate left unclassified; `device=`,
    `precision=` as in the settings)."""
    from stancewatch.flows import api

    return api.reclassify(Path(db), since=since, until=until, model=model, **settings)


def classify(texts: Sequence[str], date: date | str | None = None, *,
             model: str | None = None, **settings: Any) -> list[SentenceStance]:
    """Stances on both topics and the holder for each text (a sentence or a paragraph).

    `date` (the article's date; today when absent) resolves titles such as "NATO's
    secretary general" to the person in office then."""
    from stancewatch.flows import api

    return api.classify(texts, date=date, model=model, **settings)


def report(db: str | Path, out: str | Path, **filters: Any) -> ReportFiles:
    """Write report.html, report.md and CSV/Parquet extracts; filters: since, until, topic,
    source."""
    from stancewatch.warehouse.report import write_report

    return write_report(Path(db), Path(out), **filters)


def connect(db: str | Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection to the warehouse (read-only by default, so a run can still write;
    close it, or use it in a `with` block)."""
    from stancewatch.warehouse.db import open_warehouse

    return open_warehouse(Path(db), read_only=read_only)
