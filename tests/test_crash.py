"""Crashes and concurrency: SIGKILL the daily flow at random points and re-run; the
warehouse must end identical to an uninterrupted run. Readers during a run wait for a
writer's short transaction and always see whole articles."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from stancewatch.warehouse.db import connect
from tools.demo_sites import render_feeds_file, serve_outlets
from tools.synthetic import build_synthetic_sites

pytestmark = pytest.mark.slow  # real runs killed and re-run: minutes

ROOT = Path(__file__).resolve().parent.parent
ARTICLES = 80


@pytest.fixture(scope="module")
def synthetic_feeds(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    template = build_synthetic_sites(folder, ARTICLES, outlets=3, seed=11)
    template.write_text(template.read_text().replace("[settings]", "[settings]\nbatch_size = 8"))
    with serve_outlets(folder) as bases:
        yield render_feeds_file(template, bases, folder / "feeds-rendered.toml")


@pytest.fixture(scope="module")
def cli_env(prefect_harness):
    from prefect.settings import PREFECT_API_URL

    return {**os.environ, "PREFECT_API_URL": PREFECT_API_URL.value() or "",
            "PREFECT_LOGGING_LEVEL": "ERROR"}


def start_run(feeds: Path, db_path: Path, env: dict) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "stancewatch", "run", "--feeds", str(feeds),
                             "--db", str(db_path)], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def snapshot(db_path: Path) -> dict[str, object]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        def q(sql: str) -> list:
            return connection.execute(sql).fetchall()

        return {
            "articles": sorted(q("SELECT url, duplicate_of IS NULL FROM articles")),
            "sentences": q("SELECT count(*) FROM sentences")[0][0],
            "mentions": sorted(q("SELECT article_id, sentence_index, topic, stance, actor "
                                 "FROM mentions")),
            "article_stances": sorted(q("SELECT article_id, topic, stance FROM article_stances")),
            "repeated": q("SELECT count(*) - count(DISTINCT url) FROM stored_articles")[0][0],
            "orphans": q("""
                SELECT (SELECT count(*) FROM sentences s WHERE NOT EXISTS
                           (SELECT 1 FROM stored_articles a WHERE a.article_id = s.article_id))
                     + (SELECT count(*) FROM sentence_stances m WHERE NOT EXISTS
                           (SELECT 1 FROM sentences s WHERE s.article_id = m.article_id
                              AND s.sentence_index = m.sentence_index))
                     + (SELECT count(*) FROM article_topic_stances t WHERE NOT EXISTS
                           (SELECT 1 FROM stored_articles a WHERE a.article_id = t.article_id))
                     + (SELECT count(*) FROM stored_articles a WHERE NOT EXISTS
                           (SELECT 1 FROM sentences s WHERE s.article_id = a.article_id))""")[0][0],
        }


def stored_count(db_path: Path) -> int:
    with connect(db_path, read_only=True, wait_seconds=60) as connection:
        return connection.execute("SELECT count(*) FROM stored_articles").fetchall()[0][0]


def test_sigkill_at_random_points_then_rerun_matches_uninterrupted(synthetic_feeds, cli_env,
                                                                   tmp_path):
    reference_db = tmp_path / "reference.duckdb"
    started = time.monotonic()
    reference = start_run(synthetic_feeds, reference_db, cli_env)
    assert reference.wait(timeout=600) == 0, reference.stderr.read()
    duration = time.monotonic() - started
    expected = snapshot(reference_db)
    assert len(expected["articles"]) == ARTICLES and expected["mentions"]

    crashed_db = tmp_path / "crashed.duckdb"
    rng = random.Random(2024)
    partial_kills = 0
    for _ in range(4):
        process = start_run(synthetic_feeds, crashed_db, cli_env)
        time.sleep(rng.uniform(0.25, 0.9) * duration)
        if process.poll() is not None:  # finished before the kill: nothing left to test
            break
        process.send_signal(signal.SIGKILL)
        process.wait()
        if crashed_db.exists():
            count = stored_count(crashed_db)
            partial_kills += 0 < count < ARTICLES
    assert partial_kills >= 1, "no kill landed in the middle of a run"

    final = start_run(synthetic_feeds, crashed_db, cli_env)
    assert final.wait(timeout=600) == 0, final.stderr.read()
    observed = snapshot(crashed_db)
    assert observed["repeated"] == 0 and observed["orphans"] == 0
    assert observed["articles"] == expected["articles"]
    assert observed["sentences"] == expected["sentences"]
    assert observed["mentions"] == expected["mentions"]
    assert observed["article_stances"] == expected["article_stances"]
    with duckdb.connect(str(crashed_db), read_only=True) as connection:
        statuses = [row[0] for row in connection.execute(
            "SELECT status FROM runs ORDER BY started_at").fetchall()]
    assert statuses[-1] == "completed" and "running" not in statuses
    assert statuses.count("crashed") >= 1


def test_readers_during_a_run_see_whole_articles(synthetic_feeds, cli_env, tmp_path):
    db_path = tmp_path / "read-while-writing.duckdb"
    process = start_run(synthetic_feeds, db_path, cli_env)
    reads, counts = 0, []
    try:
        while process.poll() is None:
            if db_path.exists():
                with connect(db_path, read_only=True, wait_seconds=60) as connection:
                    half_written = connection.execute(
                        "SELECT count(*) FROM stored_articles a WHERE NOT EXISTS (SELECT 1 FROM "
                        "sentences s WHERE s.article_id = a.article_id)").fetchall()[0][0]
                    counts.append(connection.execute(
                        "SELECT count(*) FROM stored_articles").fetchall()[0][0])
                assert half_written == 0
                reads += 1
            time.sleep(0.3)
    finally:
        process.wait(timeout=600)
    assert process.returncode == 0
    assert reads >= 3 and counts == sorted(counts)  # readers got in, and only saw progress
    assert any(0 < c < ARTICLES for c in counts), counts


def test_second_run_while_one_is_writing_exits_nonzero(synthetic_feeds, cli_env, tmp_path):
    db_path = tmp_path / "two-writers.duckdb"
    first = start_run(synthetic_feeds, db_path, cli_env)
    try:
        deadline = time.monotonic() + 120
        while not Path(f"{db_path}.lock").exists() or not Path(f"{db_path}.lock").read_text():
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.2)
        second = start_run(synthetic_feeds, db_path, cli_env)
        assert second.wait(timeout=120) == 1
        message = second.stderr.read()
        assert "another stancewatch run (pid" in message and "is writing to" in message
    finally:
        first.wait(timeout=600)
    assert first.returncode == 0
