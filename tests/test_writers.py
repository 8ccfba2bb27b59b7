"""The warehouse writers (warehouse/db.py) on an in-memory DuckDB: what each one writes, that
a batch is whole or absent, and that the Parquet handover stores the same rows."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from stancewatch.models.aggregate import Mention, aggregate_article
from stancewatch.models.interface import TOPICS
from stancewatch.warehouse import db
from stancewatch.warehouse.records import ArticleRecord, FailureRecord, FeedState, MentionRecord, RunStats

PUBLISHED = datetime(2025, 2, 10, 8, 0, tzinfo=UTC)
TABLES = ("stored_articles", "url_aliases", "sentences", "sentence_stances",
          "article_topic_stances", "trend_mention_facts", "failures")


@pytest.fixture(scope="module")
def schema(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The migrated schema, made once: copying it is faster than migrating each time."""
    path = tmp_path_factory.mktemp("schema") / "schema.duckdb"
    with duckdb.connect(str(path)) as template:
        db.migrate(template)
    return path


def in_memory(schema: Path) -> duckdb.DuckDBPyConnection:
    memory = duckdb.connect(":memory:")
    memory.execute("SET enable_progress_bar = false")
    memory.execute("ATTACH ? AS template (READ_ONLY)", [str(schema)])
    memory.execute("COPY FROM DATABASE template TO memory")
    memory.execute("DETACH template")
    assert db.migrate(memory) == []  # nothing left to do: it is the current schema
    return memory


@pytest.fixture()
def connection(schema: Path):
    with in_memory(schema) as memory:
        db.start_run(memory, "run-1", "daily", "test-model")
        yield memory


def record(slug: str, mentions: list[MentionRecord], *, duplicate_of: str | None = None,
           aliases: tuple[str, ...] = ()) -> ArticleRecord:
    """An article whose stances are what models.aggregate makes of its mentions."""
    url = f"https://news.example/{slug}"
    sentences = [f"{slug} sentence {index}." for index in range(4)]
    stances = aggregate_article([Mention(m.topic, m.stance, m.confidence) for m in mentions],
                                TOPICS)
    return ArticleRecord(
        article_id=db.article_id_for(url), url=url, source="News Example", domain="news.example",
        title=slug, author=None, published_at=PUBLISHED, language="en", text=" ".join(sentences),
        content_hash=slug, simhash=len(slug), feed_url="https://news.example/rss",
        fetched_at=PUBLISHED, sentences=sentences, mentions=mentions, stances=stances,
        model_version="test-model", aliases=list(aliases), duplicate_of=duplicate_of)


def mention(index: int, topic: str, stance: str, actor: str | None = "Mark Rutte"
            ) -> MentionRecord:
    return MentionRecord(index, topic, stance, 0.9, actor, "NATO" if actor else None)


def counts(connection: duckdb.DuckDBPyConnection) -> dict[str, int]:
    return {table: connection.execute(f"SELECT count(*) FROM {table}").fetchall()[0][0]
            for table in TABLES}


def test_a_batch_writes_articles_aliases_sentences_stances_facts_and_failures(connection):
    topic = TOPICS[0]
    article = record("rutte", [mention(1, topic, "favor"), mention(2, topic, "favor")],
                     aliases=("https://news.example/rutte?utm_source=rss",))
    failure = FailureRecord("https://news.example/gone", "fetch", "HTTP 404",
                            "https://news.example/rss")
    db.store_articles(connection, "run-1", [article], [failure])
    assert counts(connection) == {"stored_articles": 1, "url_aliases": 2, "sentences": 4,
                                  "sentence_stances": 2, "article_topic_stances": 1,
                                  "trend_mention_facts": 2, "failures": 1}
    assert connection.execute("SELECT url, run_id FROM stored_articles").fetchall() == [
        (article.url, "run-1")]
    assert connection.execute(
        "SELECT sentence, stance, actor, model_version FROM mentions ORDER BY sentence_index"
    ).fetchall() == [("rutte sentence 1.", "favor", "Mark Rutte", "test-model"),
                     ("rutte sentence 2.", "favor", "Mark Rutte", "test-model")]
    [stance] = article.stances
    assert connection.execute("SELECT topic, stance, confidence, mentions FROM article_stances"
                              ).fetchall() == [(stance.topic, stance.stance, stance.confidence, 2)]
    assert connection.execute("SELECT run_id, url, stage, error FROM failures").fetchall() == [
        ("run-1", failure.url, "fetch", "HTTP 404")]
    assert db.known_urls(connection, [*article.aliases, "https://news.example/other"]) == {
        article.aliases[0]: article.article_id}


def test_storing_a_batch_again_adds_nothing(connection):
    article = record("again", [mention(1, TOPICS[-1], "against")])
    db.store_articles(connection, "run-1", [article])
    before = counts(connection)
    db.store_articles(connection, "run-1", [article])
    assert counts(connection) == before


def test_a_batch_that_fails_leaves_nothing_behind(connection):
    good = record("good", [mention(1, TOPICS[0], "neutral")])
    broken = ArticleRecord(**{**vars(record("broken", [])), "text": None})  # NOT NULL
    with pytest.raises(duckdb.ConstraintException):
        db.store_articles(connection, "run-1", [good, broken],
                          [FailureRecord("https://news.example/x", "fetch", "HTTP 500")])
    assert set(counts(connection).values()) == {0}  # not the good article, not the failure


def test_a_copy_keeps_its_sentences_but_adds_no_trend_facts(connection):
    original = record("original", [mention(1, TOPICS[0], "favor")])
    copy = record("copy", [mention(1, TOPICS[0], "favor")], duplicate_of=original.article_id)
    db.store_articles(connection, "run-1", [original, copy])
    assert connection.execute("SELECT count(*) FROM sentences WHERE article_id = ?",
                              [copy.article_id]).fetchall()[0][0] == 4
    assert connection.execute("SELECT DISTINCT article_id FROM trend_mention_facts").fetchall() == [
        (original.article_id,)]
    assert db.find_original(connection, copy.article_id, original.content_hash, 0, 0) == (
        original.article_id)


def test_reclassification_replaces_stances_and_stamps_the_model(connection):
    article = record("reclassified", [mention(1, TOPICS[0], "favor")])
    db.store_articles(connection, "run-1", [article])
    new_mentions = [mention(2, TOPICS[0], "against", actor=None)]
    new_stances = aggregate_article([Mention(TOPICS[0], "against", 0.9)], TOPICS)
    assert db.replace_stances(connection, [article.article_id], [(new_mentions, new_stances)],
                              "model-2") == 1
    assert connection.execute("SELECT sentence_index, stance, actor, model_version FROM mentions"
                              ).fetchall() == [(2, "against", None, "model-2")]
    assert connection.execute("SELECT stance, model_version FROM article_stances").fetchall() == [
        ("against", "model-2")]
    assert connection.execute("SELECT sentence_index, stance FROM trend_mention_facts"
                              ).fetchall() == [(2, "against")]


def test_runs_are_opened_finished_and_a_killed_one_is_marked_crashed(connection):
    db.finish_run(connection, "run-1", RunStats(articles_new=3, mentions_new=7), "completed")
    db.start_run(connection, "run-2", "backfill", "test-model", "prefect-flow-run")
    db.start_run(connection, "run-3", "daily", "test-model")  # run-2 never finished
    rows = connection.execute("SELECT run_id, flow, status, articles_new, mentions_new, "
                              "prefect_flow_run_id FROM runs ORDER BY run_id").fetchall()
    assert rows == [("run-1", "daily", "completed", 3, 7, None),
                    ("run-2", "backfill", "crashed", 0, 0, "prefect-flow-run"),
                    ("run-3", "daily", "running", 0, 0, None)]


def test_feed_state_keeps_the_last_validators(connection):
    db.save_feed_states(connection, [FeedState("https://a.example/rss", '"v1"', "Mon", "ok")])
    db.save_feed_states(connection, [FeedState("https://a.example/rss", None, None,
                                               "not_modified")])
    assert db.feed_states(connection) == {
        "https://a.example/rss": FeedState("https://a.example/rss", '"v1"', "Mon", "not_modified")}


def test_the_parquet_handover_stores_what_store_articles_stores(connection, schema, tmp_path):
    articles = [record("handed-over", [mention(1, TOPICS[0], "favor"),
                                       mention(3, TOPICS[-1], "neutral")],
                       aliases=("https://news.example/handed-over?ref=rss",))]
    folder = db.write_parquet_batch(tmp_path, "run-1", 1, articles)
    db.load_parquet_batch(connection, "run-1", folder)
    loaded = {table: connection.execute(f"SELECT * EXCLUDE (occurred_at) FROM {table} ORDER BY ALL"
                                        if table == "failures" else
                                        f"SELECT * FROM {table} ORDER BY ALL").fetchall()
              for table in TABLES}
    with in_memory(schema) as direct:
        db.store_articles(direct, "run-1", articles)
        stored = {table: direct.execute(f"SELECT * EXCLUDE (occurred_at) FROM {table} ORDER BY ALL"
                                        if table == "failures" else
                                        f"SELECT * FROM {table} ORDER BY ALL").fetchall()
                  for table in TABLES}
    assert loaded == stored and loaded["sentence_stances"]
