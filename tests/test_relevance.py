"""The relevance gate: the rule (models/relevance.toml), and a gated article end to end —
stored with its text and sentences, unclassified and counted; reclassified on request."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

import stancewatch
from stancewatch.flows.cli import main
from stancewatch.flows.steps import unclassified_reason
from stancewatch.models.relevance import RelevanceRule, default_rule
from tests.hostile_server import GOOD_TEXT, Response, article_html, hostile_server, rss

FOOTBALL = ("The home side scored twice in the second half to win the derby on Saturday. "
            "The coach praised his defenders after a tense final quarter of an hour. "
            "Supporters filled the stadium despite the rain and the early kick-off. "
            "The striker, who joined from a rival club in the summer, has now scored nine goals. "
            "The league leaders play away next weekend before the winter break begins.")


@pytest.mark.parametrize("text, relevant", [
    ("NATO's summit opened in The Hague.", True),
    ("Nato allies met in Brussels.", True),
    ("The senator from Ohio spoke about tariffs.", False),  # 'nato' inside a word
    ("Ukrainian drones struck a refinery.", True),
    ("Talks on security-guarantees for Kyiv resumed.", True),
    ("Die Sicherheitsgarantien für die Ukraine bleiben offen.", True),
    ("Вступление Украины в НАТО обсуждалось в Вашингтоне.", True),
    ("Гарантії безпеки для України обговорили в Парижі.", True),
    ("The central bank held interest rates at 4.5 per cent.", False),
    ("Donato scored in the final minute.", False),
])
def test_rule_matches_whole_terms_in_every_language(text, relevant):
    assert default_rule().may_be_relevant(None, text) is relevant


def test_title_alone_lets_an_article_through():
    rule = default_rule()
    assert rule.may_be_relevant("Zelensky meets Erdogan", FOOTBALL)
    assert not rule.may_be_relevant("Derby day", FOOTBALL)


def test_terms_file_is_checked(tmp_path):
    bad = tmp_path / "relevance.toml"
    bad.write_text('[groups.empty]\nterms = []\n')
    with pytest.raises(ValueError, match="non-empty list of terms"):
        RelevanceRule.from_file(bad)
    custom = tmp_path / "custom.toml"
    custom.write_text('[groups.sport]\nterms = ["derby", "kick*"]\n')
    rule = RelevanceRule.from_file(custom)
    assert rule.may_be_relevant(None, FOOTBALL) and not rule.may_be_relevant(None, GOOD_TEXT)


def test_unclassified_reason_gate_before_language():
    rule = default_rule()
    assert unclassified_reason("Derby", FOOTBALL, "en", rule) == "gated"
    assert unclassified_reason("Derby", FOOTBALL, "de", rule) == "gated"
    assert unclassified_reason("Nato", GOOD_TEXT, "de", rule) == "language"
    assert unclassified_reason("Nato", GOOD_TEXT, None, rule) is None
    assert unclassified_reason("Derby", FOOTBALL, "en", None) is None  # gate off


def rows(db_path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(sql).fetchall()


@pytest.fixture()
def two_article_feed(tmp_path):
    with hostile_server() as server:
        on_topic = server.route("/guarantees.html", Response(body=article_html(
            "Allies discuss guarantees", GOOD_TEXT).encode()))
        football = server.route("/derby.html", Response(body=article_html(
            "Derby day", FOOTBALL).encode()))
        feed = server.route("/feed.xml", Response(
            body=rss([("guarantees", on_topic, None), ("derby", football, None)]),
            content_type="application/rss+xml"))
        feeds = tmp_path / "feeds.toml"
        feeds.write_text('[settings]\npoliteness_delay = 0\nallowed_networks = ["127.0.0.3/32"]\n'
                         f'[[feeds]]\nurl = "{feed}"\n')
        yield feeds


def test_gated_article_stored_unclassified_counted_then_reclassified(two_article_feed, tmp_path):
    db_path = tmp_path / "w.duckdb"
    summary = stancewatch.run(two_article_feed, db_path, device="cpu")
    assert summary.status == "completed" and summary.stats.articles_new == 2
    assert summary.stats.articles_gated == 1
    articles = dict(rows(db_path, "SELECT title, unclassified FROM articles"))
    assert articles == {"Allies discuss guarantees": None, "Derby day": "gated"}
    # stored whole: text and sentences, but no stances
    derby = rows(db_path, "SELECT count(*), any_value(length(a.text)) FROM sentences "
                 "JOIN articles AS a USING (article_id) WHERE a.title = 'Derby day'")
    assert derby[0][0] >= 5 and derby[0][1] > 250
    assert rows(db_path, "SELECT count(*) FROM article_stances JOIN articles USING (article_id) "
                "WHERE title = 'Derby day'") == [(0,)]
    assert rows(db_path, "SELECT articles_gated FROM runs") == [(1,)]
    # a reclassification leaves it alone unless asked, and says so
    plain = stancewatch.reclassify(db_path, since="2025-01-01", until="2025-12-31")
    assert plain.stats.articles_seen == 1 and plain.stats.articles_gated == 1
    assert dict(rows(db_path, "SELECT title, unclassified FROM articles"))["Derby day"] == "gated"
    included = stancewatch.reclassify(db_path, since="2025-01-01", until="2025-12-31",
                                      include_gated=True)
    assert included.stats.articles_seen == 2 and included.stats.articles_gated == 0
    assert dict(rows(db_path, "SELECT title, unclassified FROM articles"))["Derby day"] is None
    versions = rows(db_path, "SELECT DISTINCT model_version FROM article_stances")
    assert len(versions) == 1  # the on-topic article's stances, replaced once more


def test_gate_off_classifies_everything(two_article_feed, tmp_path):
    db_path = tmp_path / "w.duckdb"
    summary = stancewatch.run(two_article_feed, db_path, relevance_gate=False)
    assert summary.stats.articles_gated == 0
    assert rows(db_path, "SELECT count(*) FROM articles WHERE unclassified IS NOT NULL") == [(0,)]


def test_include_gated_needs_reclassify(two_article_feed, tmp_path, capsys):
    code = main(["backfill", "--feeds", str(two_article_feed), "--db", str(tmp_path / "w.duckdb"),
                 "--since", "2025-01-01", "--until", "2025-01-02", "--include-gated"])
    assert code == 2
    assert "--include-gated only applies with --reclassify" in capsys.readouterr().err
