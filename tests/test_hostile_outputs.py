"""Hostile input, round two: what reaches files, spreadsheets, Markdown and terminals, and
the settings and warehouse paths an operator can get wrong. Real files, real DuckDB."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pyarrow.csv as pa_csv
import pytest

from stancewatch.flows.cli import main
from stancewatch.flows.config import ConfigError, load_config
from stancewatch.flows.lifecycle import RunSummary, disk_full
from stancewatch.flows.steps import window_bounds
from stancewatch.untrusted import for_markdown, for_terminal
from stancewatch.warehouse.db import connect, run_lock
from stancewatch.warehouse.records import FailureRecord, RunStats
from stancewatch.warehouse.report import run_summary_markdown, write_report
from tests.report_fixtures import Quote, article, build_warehouse

MONDAY = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)


def at(days: float) -> datetime:
    return MONDAY + timedelta(days=days)


def quote(actor: str, topic: str, stance: str, text: str) -> Quote:
    return Quote(text, topic, stance, actor, "Testland", 0.9)

FEEDS = '[settings]\n{setting}\n\n[[feeds]]\nurl = "https://a.example/rss"\n'
PAYLOADS = ("=HYPERLINK(\"http://evil.example\",\"x\")", "+1+1", "-2+3", "@SUM(A1)",
            "\tTAB", "\rCR")


def hostile_warehouse(tmp_path: Path) -> Path:
    items = [article(payload, f"p{number}", at(number), [
        quote(payload, "membership", "favor", f"{payload} said membership is welcome."),
        quote(payload, "membership", "favor", f"{payload} repeated it.")])
        for number, payload in enumerate(PAYLOADS)]
    return build_warehouse(tmp_path / "w.duckdb", items, [FailureRecord(
        "https://x.example/<script>alert(1)</script>", "fetch",
        "![pixel](http://tracker.example/p.png) [click](javascript:alert(1)) \x1b]0;owned\x07",
        "https://x.example/rss")])


def test_csv_extracts_never_start_a_cell_with_a_formula(tmp_path):
    files = write_report(hostile_warehouse(tmp_path), tmp_path / "out")
    cells = []
    for path in files.extracts:
        if path.suffix == ".csv":
            table = pa_csv.read_csv(path)
            for column in table.columns:
                if column.type == "string":
                    cells += [value for value in column.to_pylist() if value]
    assert any(cell.startswith("'=HYPERLINK") for cell in cells)
    risky = [cell for cell in cells if cell[0] in "=+-@\t\r"]
    assert risky == []


def test_report_writes_never_follow_planted_symlinks(tmp_path):
    db_path = hostile_warehouse(tmp_path)
    out = tmp_path / "out"
    (out / "extracts").mkdir(parents=True)
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    (out / "extracts" / "runs.csv").symlink_to(victim)
    (out / "report.html").symlink_to(victim)
    outside = tmp_path / "outside"
    outside.mkdir()
    write_report(db_path, out)
    assert victim.read_text() == "precious"
    assert not (out / "report.html").is_symlink() and (out / "extracts" / "runs.csv").is_file()
    # a planted folder link is replaced by a real folder, nothing written through it
    (out / "extracts").rename(tmp_path / "old-extracts")
    (out / "extracts").symlink_to(outside)
    write_report(db_path, out)
    assert list(outside.iterdir()) == [] and not (out / "extracts").is_symlink()


def test_lock_file_planted_as_a_symlink_is_refused(tmp_path):
    victim = tmp_path / "victim.txt"
    victim.write_text("precious")
    db_path = tmp_path / "w.duckdb"
    Path(f"{db_path}.lock").symlink_to(victim)
    with pytest.raises(Exception, match="symbolic link"):
        with run_lock(db_path):
            pass
    assert victim.read_text() == "precious"


def test_markdown_artifact_escapes_urls_and_errors(tmp_path):
    db_path = hostile_warehouse(tmp_path)
    failures = [FailureRecord("http://x.example/<script>alert(1)</script>", "fetch",
                              "![p](http://tracker.example/p.png) [c](javascript:alert(1))")]
    summary = RunSummary("r1", "daily", "completed", RunStats(), "m", str(db_path), failures)
    with connect(db_path, read_only=True) as connection:
        markdown = run_summary_markdown(connection, summary)
    assert "<script>" not in markdown and "](javascript:" not in markdown
    assert "![p](" not in markdown and "\\<script\\>" in markdown


def test_terminal_and_markdown_text_lose_control_sequences():
    title = "Breaking\x1b]0;owned\x07 \x1b[31mred\x1b[0m \u202eevil"
    shown = for_terminal(title)
    assert "\x1b" not in shown and "\x07" not in shown and "\u202e" not in shown
    assert for_markdown("[x](javascript:alert(1)) <b>") == "\\[x\\]\\(javascript:alert\\(1\\)\\) \\<b\\>"


def test_run_summary_on_the_terminal_is_stripped(tmp_path, capsys):
    from stancewatch.flows.cli import _print_summary

    summary = RunSummary("r1", "daily", "completed", RunStats(), "m", "db", [
        FailureRecord("http://x.example/\x1b]0;owned\x07", "feed", "title \x1b[2J cleared")])
    _print_summary(summary.as_dict())
    printed = capsys.readouterr().out
    assert "\x1b" not in printed and "\x07" not in printed and "cleared" in printed


@pytest.mark.parametrize("setting, message", [
    ("deadline = nan", "finite"),
    ("read_timeout = nan", "finite"),
    ("connect_timeout = 1e308", "out of range"),
    ("politeness_delay = inf", "finite"),
    ("per_domain_concurrency = 0", "out of range"),
    ("batch_size = 0", "out of range"),
    ("max_bytes = 0", "out of range"),
    ("retries = 1000", "out of range"),
    ("max_retry_after = inf", "finite"),
    ("max_redirects = 1000000", "out of range"),
    ('user_agent = "a\\r\\nX-Injected: 1"', "control characters"),
])
def test_bad_settings_are_one_line_errors(tmp_path, setting, message):
    path = tmp_path / "feeds.toml"
    path.write_text(FEEDS.format(setting=setting))
    with pytest.raises(ConfigError, match=message):
        load_config(path, environ={})


def test_bad_environment_setting_exits_2(tmp_path, capsys, monkeypatch):
    path = tmp_path / "feeds.toml"
    path.write_text(FEEDS.format(setting=""))
    monkeypatch.setenv("STANCEWATCH_DEADLINE", "nan")
    assert main(["run", "--feeds", str(path), "--db", str(tmp_path / "w.duckdb")]) == 2
    error = capsys.readouterr().err.strip()
    assert "STANCEWATCH_DEADLINE" in error and "\n" not in error


def test_feeds_file_that_is_not_a_file_or_too_big(tmp_path):
    with pytest.raises(ConfigError, match="not a regular file"):
        load_config(Path("/dev/zero"), environ={})
    big = tmp_path / "big.toml"
    big.write_bytes(b"#" * 5_000_000)
    with pytest.raises(ConfigError, match="larger than"):
        load_config(big, environ={})


@pytest.mark.parametrize("content, message", [
    (b"this is a text file, not a database\n" * 10, "not a DuckDB database"),
    (b"\0" * 4096, "not a DuckDB database"),
])
def test_a_file_that_is_not_a_warehouse_is_refused_in_one_line(tmp_path, capsys, content, message):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS.format(setting=""))
    db_path = tmp_path / "w.duckdb"
    db_path.write_bytes(content)
    assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 2
    error = capsys.readouterr().err.strip()
    assert message in error and "\n" not in error and "Traceback" not in error


def test_a_truncated_warehouse_is_refused_in_one_line(tmp_path, capsys):
    db_path = tmp_path / "w.duckdb"
    with duckdb.connect(str(db_path)) as connection:
        connection.execute("CREATE TABLE t AS SELECT range AS x FROM range(100000)")
    data = db_path.read_bytes()
    db_path.write_bytes(data[: len(data) // 3])
    assert main(["report", "--db", str(db_path), "--out", str(tmp_path / "out")]) == 2
    error = capsys.readouterr().err.strip()
    assert "\n" not in error and "Traceback" not in error and str(db_path) in error


def test_dev_null_as_warehouse_is_refused_before_any_lock(tmp_path, capsys):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS.format(setting=""))
    assert main(["run", "--feeds", str(feeds), "--db", "/dev/null"]) == 2
    assert "not a regular file" in capsys.readouterr().err
    assert not Path("/dev/null.lock").exists()


@pytest.mark.slow
def test_a_notebook_holding_the_warehouse_is_named_up_front(tmp_path, capsys):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS.format(setting="connect_timeout = 0.2\nretries = 0"))
    db_path = tmp_path / "w.duckdb"
    duckdb.connect(str(db_path)).close()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import duckdb, time, sys; c = duckdb.connect(sys.argv[1], read_only=True); "
        "print('open', flush=True); time.sleep(60)"), str(db_path)], stdout=subprocess.PIPE)
    try:
        assert holder.stdout.readline().strip() == b"open"
        started = time.monotonic()
        assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 1
        elapsed = time.monotonic() - started
    finally:
        holder.kill()
    error = capsys.readouterr().err
    assert f"process {holder.pid}" in error and "close that connection" in error
    assert elapsed < 20


def test_a_window_to_the_end_of_time_is_a_window():
    start, end = window_bounds(date(1, 1, 1), date(9999, 12, 31))
    assert start.year == 1 and end.year == 9999


@pytest.mark.slow
def test_backfill_over_all_time_runs(tmp_path, capsys):
    feeds = tmp_path / "feeds.toml"
    feeds.write_text(FEEDS.format(setting="connect_timeout = 0.2\nretries = 0"))
    code = main(["backfill", "--feeds", str(feeds), "--db", str(tmp_path / "w.duckdb"),
                 "--since", "0001-01-01", "--until", "9999-12-31"])
    assert code == 0, capsys.readouterr().err


def test_disk_full_is_recognised_through_the_error_chain():
    try:
        try:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        except OSError as inner:
            raise RuntimeError("TransactionContext Error: cannot rollback") from inner
    except RuntimeError as outer:
        assert disk_full(outer)
    assert not disk_full(ValueError("bad"))
