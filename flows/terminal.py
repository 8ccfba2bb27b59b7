"""What a person running `stancewatch run` or `backfill` sees, and where logging goes.

- On a terminal: live progress (rich): feeds polled, pages fetched and extracted, articles
  stored, each with its rate and the time left.
- Not on a terminal (cron, CI, a pipe): one plain line per stage at most every
  `PLAIN_EVERY_S` seconds, and one when a stage is done, so a log shows the run moving.
- `--quiet`: nothing at all on success; `--json`: no plain lines either (the summary is the
  output).
- Logging is not the terminal's: during a run every record that would reach the terminal
  (trafilatura's "discarding data", htmldate, httpx, Prefect's own chatter at INFO, Python
  warnings) goes to the run log file instead (`--log`, default `<db>.log`). `--debug`
  leaves logging where it was.

The progress callback is flows.lifecycle's `progress(stage, done, total)`; the flows pass
it through to `collect()`, which calls it.
"""

from __future__ import annotations

import logging
import os
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import TextIO

from stancewatch.errors import UserError
from stancewatch.flows.lifecycle import ProgressCallback

PLAIN_EVERY_S = 15.0
RUN_LOG_MAX_BYTES = 20_000_000  # past this the run log starts over (it keeps recent runs)
RUN_LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
STAGE_LABELS: Mapping[str, str] = {
    "feeds": "feeds polled",
    "pages": "pages fetched + extracted",
    "articles": "articles stored",
}


class RunLogError(UserError):
    """The run log file cannot be written (names the file)."""


# ------------------------------------------------------------------ progress
def _duration(seconds: float) -> str:
    seconds = int(seconds)
    if seconds >= 3600:
        return f"{seconds // 3600}h{seconds % 3600 // 60:02d}m"
    if seconds >= 60:
        return f"{seconds // 60}m{seconds % 60:02d}s"
    return f"{seconds}s"


class PlainProgress:
    """Periodic lines for logs: `stancewatch: pages 640/3,000 (21%), 5.3/s, about 7m24s left`;
    a stage's end is always reported, and `close()` reports where unfinished stages ended."""

    def __init__(self, stream: TextIO, labels: Mapping[str, str] = STAGE_LABELS,
                 every: float = PLAIN_EVERY_S, clock: Callable[[], float] = time.monotonic
                 ) -> None:
        self._stream = stream
        self._labels = labels
        self._every = every
        self._clock = clock
        self._lock = threading.Lock()
        self._started: dict[str, float] = {}
        self._latest: dict[str, tuple[int, int | None]] = {}
        self._printed: dict[str, tuple[int, int | None]] = {}
        self._finished: set[str] = set()
        self._last_line = clock()  # the first line after `every` seconds, or a stage's end

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        now = self._clock()
        with self._lock:
            self._started.setdefault(stage, now)
            if stage in self._finished:
                return
            self._latest[stage] = (done, total)
            if total is not None and done >= total:
                self._finished.add(stage)
                self._print(stage, now)
            elif done and now - self._last_line >= self._every:
                self._print(stage, now)

    def close(self) -> None:
        now = self._clock()
        with self._lock:
            for stage, state in self._latest.items():
                if self._printed.get(stage) != state and state[0]:
                    self._finished.add(stage)
                    self._print(stage, now)

    def _print(self, stage: str, now: float) -> None:
        done, total = self._latest[stage]
        line = f"stancewatch: {self._labels.get(stage, stage)} {done:,}"
        if total is not None:
            line += f"/{total:,}" + (f" ({100 * done / total:.0f}%)" if total else "")
        elapsed = now - self._started[stage]
        if done and elapsed > 0:
            rate = done / elapsed
            line += f", {rate:.1f}/s"
            if total is not None and stage not in self._finished:
                line += f", about {_duration((total - done) / rate)} left"
        print(line, file=self._stream, flush=True)
        self._printed[stage] = (done, total)
        self._last_line = now


class RichProgress:
    """Live bars on the terminal, one row per stage, added as stages start."""

    def __init__(self, stream: TextIO, labels: Mapping[str, str] = STAGE_LABELS) -> None:
        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            ProgressColumn,
            SpinnerColumn,
            Task,
            TaskProgressColumn,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )
        from rich.text import Text

        class RateColumn(ProgressColumn):
            def render(self, task: Task) -> Text:
                speed = task.finished_speed or task.speed or (
                    task.completed / task.elapsed if task.completed and task.elapsed else None)
                return Text("" if speed is None else f"{speed:.1f}/s", style="progress.data.speed")

        self._labels = labels
        self._lock = threading.Lock()
        self._progress = Progress(
            SpinnerColumn(), TextColumn("{task.description:<26}"), BarColumn(),
            MofNCompleteColumn(), TaskProgressColumn(), RateColumn(), TimeElapsedColumn(),
            TextColumn("ETA"), TimeRemainingColumn(),
            console=Console(file=stream))
        self._tasks: dict[str, object] = {}

    def __enter__(self) -> RichProgress:
        self._progress.start()
        # a row from the start: a temporary Prefect server and the model take seconds to load
        self(next(iter(self._labels)), 0, None)
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._progress.stop()

    def __call__(self, stage: str, done: int, total: int | None) -> None:
        with self._lock:
            task = self._tasks.get(stage)
            if task is None:
                task = self._tasks[stage] = self._progress.add_task(
                    self._labels.get(stage, stage), total=total)
            self._progress.update(task, completed=done, total=total)  # type: ignore[arg-type]


# ------------------------------------------------------------------ logging
def _is_terminal_handler(handler: logging.Handler) -> bool:
    """A handler writing to the process's stdout or stderr (Prefect's console handler, a
    plain StreamHandler), not to a file or a test's buffer."""
    if isinstance(handler, logging.FileHandler) or not isinstance(handler, logging.StreamHandler):
        return False
    streams = {id(stream) for stream in (sys.stdout, sys.stderr, sys.__stdout__, sys.__stderr__)}
    return id(handler.stream) in streams or type(handler).__name__ == "PrefectConsoleHandler"


def open_run_log(path: Path) -> TextIO:
    """Append to the run log, never through a planted symbolic link; past
    RUN_LOG_MAX_BYTES it starts over."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW
    try:
        if path.is_file() and not path.is_symlink() and path.stat().st_size > RUN_LOG_MAX_BYTES:
            flags |= os.O_TRUNC
        descriptor = os.open(path, flags, 0o644)
    except OSError as exc:
        raise RunLogError(f"cannot write the run log {path}: {exc.strerror}"
                          + (" (it is a symbolic link)" if path.is_symlink() else "")) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise RunLogError(f"the run log {path} is not a regular file")
    return os.fdopen(descriptor, "a", encoding="utf-8", errors="replace")


@contextmanager
def logging_to_file(path: Path, headline: str) -> Iterator[None]:
    """Every log record that would reach the terminal goes to `path` instead, for the
    duration; the handlers are put back afterwards."""
    stream = open_run_log(path)
    stream.write(f"=== {datetime.now().isoformat(timespec='seconds')} {headline} "
                 f"(pid {os.getpid()})\n")
    stream.flush()
    file_handler = logging.StreamHandler(stream)
    file_handler.setFormatter(logging.Formatter(RUN_LOG_FORMAT))
    loggers = [logging.getLogger()] + [logger for logger in logging.root.manager.loggerDict.values()
                                       if isinstance(logger, logging.Logger)]
    swapped: list[tuple[logging.Logger, logging.Handler]] = []
    for logger in loggers:
        for handler in [h for h in logger.handlers if _is_terminal_handler(h)]:
            logger.removeHandler(handler)
            swapped.append((logger, handler))
    routed = {id(logger): logger for logger, _ in swapped}
    routed[id(logging.getLogger())] = logging.getLogger()
    for logger in routed.values():
        logger.addHandler(file_handler)
    # Prefect's own INFO lines (server started, flow run finished) belong in the run log; the
    # level goes back afterwards, so what Prefect logs at exit stays as quiet as it was
    prefect_logger = logging.getLogger("prefect")
    prefect_level = prefect_logger.level
    if prefect_logger.getEffectiveLevel() > logging.INFO:
        prefect_logger.setLevel(logging.INFO)
    logging.captureWarnings(True)
    try:
        yield
    finally:
        logging.captureWarnings(False)
        prefect_logger.setLevel(prefect_level)
        for logger in routed.values():
            logger.removeHandler(file_handler)
        for logger, handler in swapped:
            logger.addHandler(handler)
        stream.write(f"=== {datetime.now().isoformat(timespec='seconds')} done\n")
        stream.close()


# ------------------------------------------------------------------ the CLI's context
@contextmanager
def run_output(log_path: Path, headline: str, *, quiet: bool = False, json_output: bool = False,
               debug: bool = False, labels: Mapping[str, str] = STAGE_LABELS,
               stream: TextIO | None = None) -> Iterator[ProgressCallback | None]:
    """Around one run: yields the progress callback to hand to the flow (None when nothing
    is to be shown) with logging routed to the run log."""
    import prefect  # noqa: F401 - its logging setup first, so that it is what gets rerouted

    stream = stream or sys.stderr
    with logging_to_file(log_path, headline) if not debug else _nothing():
        if quiet:
            yield None
        elif stream.isatty():
            with RichProgress(stream, labels) as progress:
                yield progress
        elif json_output:
            yield None
        else:
            plain = PlainProgress(stream, labels)
            yield plain
            plain.close()  # where each stage ended (not after a failure: its error says)


@contextmanager
def _nothing() -> Iterator[None]:
    yield
