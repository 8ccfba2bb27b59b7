"""The Python API: runs without Prefect, against real loopback outlets and DuckDB files."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

import stancewatch
import stancewatch.errors


@pytest.mark.slow
def test_run_without_prefect_then_connect_read_only(demo_feeds, tmp_path):
    db_path = tmp_path / "api.duckdb"
    env_before = os.environ.get("PREFECT_API_URL")
    summary = stancewatch.run(demo_feeds, db_path, allow_private_networks=True)
    assert summary.status == "completed" and summary.stats.articles_new > 10
    assert os.environ.get("PREFECT_API_URL") == env_before  # no temporary server was started
    with stancewatch.connect(db_path) as connection:
        stored = connection.execute("SELECT count(*) FROM articles").fetchone()[0]
        runs = connection.execute("SELECT flow, status FROM runs").fetchall()
    assert stored == summary.stats.articles_new
    assert runs == [("daily", "completed")]


def test_bad_setting_is_a_user_error(demo_feeds, tmp_path):
    with pytest.raises(stancewatch.errors.UserError, match="deadline"):
        stancewatch.run(demo_feeds, tmp_path / "x.duckdb", deadline=float("nan"))


@pytest.mark.slow
def test_classify_returns_stances_and_holders():
    first, second = stancewatch.classify([
        "Kremlin spokesman Dmitry Peskov said security guarantees for Kyiv were premature.",
        "The match ended in a goalless draw.",
    ])
    assert first.actor == "Dmitry Peskov" and first.guarantees.stance == "against"
    assert second.membership.stance == "none" and second.guarantees.stance == "none"
    with pytest.raises(TypeError):
        stancewatch.classify("one string")


def test_outside_the_checkout_only_stancewatch_is_importable(tmp_path):
    code = ("import importlib.util as u, stancewatch;"
            "print([n for n in ('models','flows','warehouse','extractors','alerts') if u.find_spec(n)])")
    result = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]"
