"""What a person or a script sees from `stancewatch run`: progress on a terminal or plain
lines in a log, `--json` and `--quiet` for scripts, and library logging kept in the run log
instead of on the terminal."""

from __future__ import annotations

import io
import json
import logging
import os
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

from stancewatch.flows.terminal import PlainProgress, RichProgress, RunLogError, logging_to_file
from tests.hostile_server import Response, hostile_server, rss

ROOT = Path(__file__).resolve().parent.parent
# trafilatura logs "WARNING … discarding data" for a page that has no body to extract
NO_BODY_PAGE = b"<html><body><div class='comments'>Nothing but comments here.</div></body></html>"


def cli(*args: str) -> subprocess.CompletedProcess:
    """The installed command as a person runs it: its own process, stdout and stderr pipes."""
    return subprocess.run([sys.executable, "-m", "stancewatch", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=600,
                          env={**os.environ, "HF_HUB_OFFLINE": "1"})


@pytest.mark.slow
def test_runs_over_the_demo_outlets_keep_library_logging_off_the_terminal(demo_feeds, tmp_path):
    with hostile_server() as server:
        page = server.route("/comments-only.html", Response(body=NO_BODY_PAGE))
        feed = server.route("/feed.xml", Response(body=rss([("no body", page, None)]),
                                                  content_type="application/rss+xml"))
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(demo_feeds.read_text() + f'\n[[feeds]]\nurl = "{feed}"\n')
        db_path = tmp_path / "w.duckdb"

        plain = cli("run", "--feeds", str(feeds), "--db", str(db_path))  # stderr: not a terminal
        assert plain.returncode == 0, plain.stderr
        assert f"failed [extract] {page}" in plain.stdout
        assert "WARNING trafilatura" in Path(f"{db_path}.log").read_text()  # it did complain …
        assert not [line for line in plain.stderr.splitlines() if "WARNING" in line]  # … there
        assert "stancewatch: articles stored" in plain.stderr  # progress lines for the log

        again = cli("run", "--feeds", str(feeds), "--db", str(db_path), "--json")
        assert again.returncode == 0, again.stderr
        summary = json.loads(again.stdout)  # the whole of stdout is one JSON object
        assert summary["status"] == "completed" and summary["stats"]["feeds_not_modified"] >= 3
        assert summary["run_log"] == f"{db_path}.log"
        assert again.stderr == ""  # no progress lines for a script, no logging

        quiet = cli("run", "--feeds", str(feeds), "--db", str(db_path), "--quiet")
    assert quiet.returncode == 0, quiet.stderr
    assert quiet.stdout == "" and quiet.stderr == ""


def test_plain_progress_prints_a_line_per_finished_stage_and_rates():
    # the clock at construction, then at each call
    clock = iter([0, 0, 10, 10, 20, 40, 70, 70, 80, 80, 80])
    stream = io.StringIO()
    progress = PlainProgress(stream, every=30, clock=lambda: next(clock))
    progress("feeds", 0, 4)  # t=0: a stage starting prints nothing
    progress("feeds", 4, 4)  # t=10: a stage's end is always reported
    progress("pages", 0, 100)  # t=10
    progress("pages", 10, 100)  # t=20: 10 s after the last line, too soon
    progress("pages", 30, 100)  # t=40: 30 s after it, due
    progress("pages", 100, 100)  # t=70
    progress("pages", 100, 100)  # t=70: a finished stage is reported once
    progress("articles", 0, 100)  # t=80
    progress("articles", 97, 100)  # t=80: 10 s after the last line, too soon …
    progress.close()  # … but where it ended is reported at the end
    assert stream.getvalue().splitlines() == [
        "stancewatch: feeds polled 4/4 (100%), 0.4/s",
        "stancewatch: pages fetched + extracted 30/100 (30%), 1.0/s, about 1m10s left",
        "stancewatch: pages fetched + extracted 100/100 (100%), 1.7/s",
        "stancewatch: articles stored 97/100 (97%)",
    ]


def test_rich_progress_shows_a_row_per_stage_with_counts():
    stream = io.StringIO()
    with RichProgress(stream) as progress:
        progress("feeds", 2, 2)
        progress("pages", 30, 64)
        progress("articles", 28, 64)
    text = stream.getvalue()
    for label, count in (("feeds polled", "2/2"), ("pages fetched + extracted", "30/64"),
                         ("articles stored", "28/64")):
        assert label in text and count in text


def test_library_logging_and_warnings_go_to_the_run_log_not_the_terminal(tmp_path, capsys):
    terminal = logging.StreamHandler(sys.stderr)  # what Prefect's console handler is
    root = logging.getLogger()
    root.addHandler(terminal)
    try:
        with logging_to_file(tmp_path / "run.log", "test run"):
            logging.getLogger("trafilatura.core").warning("discarding data: %s", "page")
            logging.getLogger("htmldate.validators").error("invalid datetime string")
            warnings.warn("a library's UserWarning", UserWarning, stacklevel=1)
        logging.getLogger("trafilatura.core").warning("after the run")
    finally:
        root.removeHandler(terminal)
    err = capsys.readouterr().err
    assert "discarding data" not in err and "invalid datetime" not in err
    assert "UserWarning" not in err and "after the run" in err  # the terminal handler is back
    log = (tmp_path / "run.log").read_text()
    assert "WARNING trafilatura.core: discarding data: page" in log
    assert "ERROR htmldate.validators" in log and "a library's UserWarning" in log
    assert log.startswith("=== ") and "test run" in log


def test_run_log_planted_as_a_symlink_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (tmp_path / "w.duckdb.log").symlink_to(victim)
    with pytest.raises(RunLogError, match="symbolic link"):
        with logging_to_file(tmp_path / "w.duckdb.log", "run"):
            pass
    assert victim.read_text() == "precious"


def test_the_command_gives_a_temporary_prefect_server_time_to_start(monkeypatch):
    """Prefect waits 20 s for the server a run starts when none is configured; a loaded
    machine needs longer. The command raises the wait unless the user set one."""
    from stancewatch.flows.cli import _quiet_environment

    name = "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS"
    monkeypatch.delenv(name, raising=False)
    _quiet_environment()
    assert int(os.environ[name]) >= 60
    monkeypatch.setenv(name, "7")
    _quiet_environment()
    assert os.environ[name] == "7"
