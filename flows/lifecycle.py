"""One run's bookkeeping, written once: the warehouse lock, the `runs` row, failures,
feed states and the summary. Every kind of run (daily, backfill, reclassify, Dask) is a
`with run_lifecycle(...) as run:` block; an exception inside marks the run failed (with
its reason) and still closes it, so no path leaves a run 'running'.
"""

from __future__ import annotations

import errno
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from stancewatch.errors import RunFailedError
from stancewatch.warehouse import db
from stancewatch.warehouse.records import FailureRecord, FeedState, RunStats

OPEN_WAIT_SECONDS = 10.0
ProgressCallback = Callable[[str, int, int | None], None]
"""progress(stage, done, total): stages are 'feeds' (polled), 'pages' (fetched and
extracted) and 'articles' (stored, or reclassified); total is None while unknown. It may be
called from worker threads (feeds are polled in parallel)."""


@dataclass
class RunSummary:
    run_id: str
    flow: str
    status: str
    stats: RunStats
    model_version: str
    db_path: str
    failures: list[FailureRecord] = field(default_factory=list)
    error: str | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["failures"] = [asdict(f) for f in self.failures]
        return data


def _no_progress(stage: str, done: int, total: int | None) -> None:
    return None


@dataclass
class Run:
    """Handed to the body of a run: counters, failures and the warehouse it writes to."""

    run_id: str
    flow: str
    db_path: Path
    model_version: str
    stats: RunStats = field(default_factory=RunStats)
    failures: list[FailureRecord] = field(default_factory=list)
    progress: ProgressCallback = _no_progress
    log: Callable[[str], None] = lambda message: None
    status: str = "running"
    error: str | None = None

    def record_failures(self, failures: Sequence[FailureRecord], *, stored: bool = False) -> None:
        """Keep failures for the summary; write them unless a batch transaction did."""
        if not failures:
            return
        self.failures.extend(failures)
        if not stored:
            with db.connect(self.db_path) as connection:
                db.record_failures(connection, self.run_id, failures)

    def feed_states(self) -> dict[str, FeedState]:
        with db.connect(self.db_path) as connection:
            return db.feed_states(connection)

    def save_feed_states(self, states: Iterable[FeedState]) -> None:
        with db.connect(self.db_path) as connection:
            db.save_feed_states(connection, list(states))

    def summary(self) -> RunSummary:
        return RunSummary(self.run_id, self.flow, self.status, self.stats, self.model_version,
                          str(self.db_path), list(self.failures), self.error)


def _describe(exc: BaseException) -> str:
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted"
    return f"{exc.__class__.__name__}: {exc}"[:500]


def disk_full(exc: BaseException | None) -> bool:
    """Whether an error (or one it came from) is the disk running out of space."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, OSError) and exc.errno == errno.ENOSPC:
            return True
        if "No space left on device" in str(exc) or "disk is full" in str(exc).lower():
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


@contextmanager
def run_lifecycle(db_path: Path, flow: str, model_version: str, *,
                  prefect_flow_run_id: str | None = None,
                  progress: ProgressCallback | None = None,
                  log: Callable[[str], None] | None = None) -> Iterator[Run]:
    """Lock the warehouse, open a `runs` row, run the body, close the row either way."""
    with db.run_lock(db_path):
        run = Run(uuid.uuid4().hex[:12], flow, db_path, model_version,
                  progress=progress or _no_progress, log=log or (lambda message: None))
        # up front: a notebook holding the file open is reported now, not mid-run
        with db.connect(db_path, wait_seconds=OPEN_WAIT_SECONDS) as connection:
            db.start_run(connection, run.run_id, flow, model_version, prefect_flow_run_id)
        failure: BaseException | None = None
        try:
            yield run
            run.status = "completed"
        except BaseException as exc:
            failure = exc
            run.status, run.error = "failed", _describe(exc)
            if disk_full(exc):
                run.error = (f"the disk holding {db_path} is full; the batch being written was "
                             "rolled back and nothing stored before it is lost: free space and "
                             "run again")
                raise RunFailedError(run.error) from exc
            raise
        finally:
            run.stats.failures = len(run.failures)
            try:
                with db.connect(db_path) as connection:
                    db.finish_run(connection, run.run_id, run.stats, run.status, run.error)
            except Exception:
                if failure is None:
                    raise
                # the run's own error is the one to report; the row is closed as 'crashed'
                # by the next run
