"""The daily flow on a 2-worker Dask LocalCluster gives the same warehouse as the normal flow.

The demo outlets are served from threads in this process on loopback; the Dask worker
processes fetch from them, classify with the real model and hand Parquet batches over to
the flow's single writer. Batches of 13 (three of them) so that work is spread over both
workers and the syndicated copy is linked across batches through the warehouse.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

pytestmark = pytest.mark.slow  # a Dask LocalCluster and the real model


def rows(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


ARTICLES = "SELECT url FROM articles"
DUPLICATES = """SELECT copy.url, original.url FROM articles AS copy
                JOIN articles AS original ON copy.duplicate_of = original.article_id"""
MENTIONS = """SELECT a.url, m.sentence_index, m.topic, m.stance, m.actor
              FROM mentions AS m JOIN articles AS a USING (article_id)"""
ARTICLE_STANCES = """SELECT a.url, s.topic, s.stance, s.mentions
                     FROM article_stances AS s JOIN articles AS a USING (article_id)"""
SENTENCES = "SELECT article_id, count(*) FROM sentences GROUP BY 1"
ALIASES = "SELECT url, article_id FROM url_aliases"
FAILURES = "SELECT DISTINCT url, stage, error FROM failures"
FEED_STATES = "SELECT feed_url, etag, last_modified FROM feed_state"


def test_dask_workers_give_the_normal_flows_warehouse(prefect_harness, demo_feeds, tmp_path,
                                                      monkeypatch):
    from stancewatch.flows.cli import main
    from stancewatch.flows.dask_run import daily_flow_distributed

    monkeypatch.setenv("STANCEWATCH_BATCH_SIZE", "13")
    # The normal flow with the same batch size: the warehouses must be equal row for row
    # (int8, the CPU default, reads one sentence per call, so labels do not depend on
    # which sentences share a batch: models/README.md).
    normal = tmp_path / "normal.duckdb"
    assert main(["run", "--feeds", str(demo_feeds), "--db", str(normal), "--quiet"]) == 0
    db_path = tmp_path / "dask.duckdb"
    handover = tmp_path / "handover"
    summary = daily_flow_distributed(str(demo_feeds), str(db_path), workers=2,
                                     handover_dir=str(handover), keep_handover=True)
    assert summary["status"] == "completed"

    for query in (ARTICLES, DUPLICATES, MENTIONS, ARTICLE_STANCES, SENTENCES, ALIASES, FAILURES,
                  FEED_STATES):
        assert sorted(rows(db_path, query)) == sorted(rows(normal, query)), query
    assert len(rows(db_path, DUPLICATES)) == 1
    assert rows(db_path, "SELECT count(*) FROM mentions")[0][0] > 0

    # three batches went through Parquet folders, loaded by the writer in order
    batches = summary["batches"]
    assert [b["number"] for b in batches] == [1, 2, 3]
    assert sum(b["duplicates"] for b in batches) == summary["stats"]["duplicates"] == 1
    assert batches[0]["duplicates"] == 0  # the copy comes later, linked to a loaded original
    handed_over = 0
    for batch in batches:
        folder = Path(batch["folder"])
        assert folder.parent == handover
        assert {f.name for f in folder.glob("*.parquet")} == {
            "new_articles.parquet", "new_aliases.parquet", "new_sentences.parquet",
            "new_mentions.parquet", "new_article_stances.parquet"}
        handed_over += pq.read_metadata(folder / "new_articles.parquet").num_rows
    stored = rows(db_path, "SELECT count(*) FROM stored_articles WHERE run_id = ?", [summary["run_id"]])
    assert handed_over == stored[0][0] == summary["stats"]["articles_new"]

    # the same run bookkeeping as the normal flow (feed states, compared above, included)
    run = rows(db_path, "SELECT flow, status, articles_new, duplicates FROM runs")
    assert run == [("daily-dask", "completed", stored[0][0], 1)]
