"""The daily flow end to end: demo outlets on loopback → real Prefect flow → real DuckDB."""

from __future__ import annotations

import duckdb
import pytest

from stancewatch.models.interface import TOPICS
from stancewatch.warehouse.db import run_lock

pytestmark = pytest.mark.slow  # real Prefect flows over the demo outlets with the real model


def rows(db_path, sql, params=None):
    with duckdb.connect(str(db_path), read_only=True) as connection:
        return connection.execute(sql, params or []).fetchall()


def test_both_runs_complete(demo_run):
    assert demo_run["exit_codes"] == (0, 0)
    runs = rows(demo_run["db"], "SELECT status, feeds_ok, feeds_failed, feeds_not_modified, "
                "articles_new, http_not_modified FROM runs ORDER BY started_at")
    assert [r[0] for r in runs] == ["completed", "completed"]
    first, second = runs
    assert first[1] == 3 and first[2] == 1  # RSS, Atom, tracking feed ok; broken feed failed
    assert first[4] >= 25
    # the second run the same day: every good feed answers 304 and nothing new is stored
    assert second[3] == 3 and second[4] == 0 and second[5] == 3


def test_rss_atom_and_tracking_feeds_all_delivered(demo_run):
    sources = dict(rows(demo_run["db"], "SELECT source, count(*) FROM articles GROUP BY 1"))
    assert set(sources) == {"The Kyiv Ledger", "Atlantic Dispatch", "EuroWire Daily"}
    assert all(count >= 8 for count in sources.values())


def test_one_row_per_article_with_clean_canonical_urls(demo_run):
    urls = [r[0] for r in rows(demo_run["db"], "SELECT url FROM articles")]
    assert len(urls) == len(set(urls))
    assert not [u for u in urls if "utm_" in u or "fbclid" in u or "#" in u]
    # EuroWire's feed links every item with utm_* parameters (one also with fbclid): the link
    # is canonicalised before anything is stored, so the article is there under its clean URL
    # and the tracking spelling reaches neither articles nor url_aliases
    assert any(u.endswith("/articles/48263-fico-veto-no-soldiers.html") for u in urls)
    tracking = rows(demo_run["db"], "SELECT url FROM url_aliases "
                    "WHERE url LIKE '%utm%' OR url LIKE '%fbclid%'")
    assert tracking == []


def test_metadata_extracted(demo_run):
    missing = rows(demo_run["db"], "SELECT url FROM articles WHERE title IS NULL "
                   "OR published_at IS NULL OR language IS NULL OR length(text) < 500")
    assert missing == []
    authors = rows(demo_run["db"], "SELECT count(*) FROM articles WHERE author IS NOT NULL")
    assert authors[0][0] >= 20
    boilerplate = rows(demo_run["db"], "SELECT count(*) FROM articles WHERE text ILIKE "
                       "'%cookie%' OR text ILIKE '%subscribe to our newsletter%'")
    assert boilerplate[0][0] == 0


def test_syndicated_copy_linked_to_original(demo_run):
    linked = rows(demo_run["db"], """
        SELECT copy.url, original.url FROM articles AS copy
        JOIN articles AS original ON copy.duplicate_of = original.article_id""")
    assert len(linked) == 1
    copy_url, original_url = linked[0]
    assert "kyiv-absorbs-nato-blow" in copy_url
    assert "hegseth-unrealistic-kyiv-reaction" in original_url
    copy_mentions = rows(demo_run["db"], "SELECT count(*) FROM mentions m JOIN articles a "
                         "USING (article_id) WHERE a.duplicate_of IS NOT NULL")
    assert copy_mentions[0][0] == 0  # not counted twice in trends


def test_failures_recorded_with_stage_and_reason(demo_run):
    failures = rows(demo_run["db"], "SELECT url, stage, error FROM failures")
    broken = [f for f in failures if f[0].endswith("/broken.xml")]
    assert broken and broken[0][1] == "feed" and "malformed" in broken[0][2]
    robots = [f for f in failures if "/private/" in f[0]]
    assert robots and "robots.txt" in robots[0][2]
    stored_private = rows(demo_run["db"], "SELECT count(*) FROM articles WHERE url LIKE '%/private/%'")
    assert stored_private[0][0] == 0


def test_sentences_traceable_and_mentions_valid(demo_run):
    db_path = demo_run["db"]
    orphans = rows(db_path, "SELECT count(*) FROM sentence_stances s LEFT JOIN sentences t "
                   "USING (article_id, sentence_index) WHERE t.sentence IS NULL")
    assert orphans[0][0] == 0
    gaps = rows(db_path, "SELECT article_id FROM sentences GROUP BY 1 "
                "HAVING max(sentence_index) + 1 <> count(*)")
    assert gaps == []
    values = rows(db_path, "SELECT DISTINCT topic, stance FROM mentions")
    assert {t for t, _ in values} <= set(TOPICS)
    assert {s for _, s in values} <= {"favor", "against", "neutral"}
    article_values = rows(db_path, "SELECT DISTINCT stance FROM article_stances")
    assert {s for (s,) in article_values} <= {"favor", "against", "neutral", "mixed"}
    versions = rows(db_path, "SELECT DISTINCT model_version FROM mentions")
    assert len(versions) == 1 and versions[0][0].startswith("stance-minilm-lora")


def test_holders_attributed(demo_run):
    actors = dict(rows(demo_run["db"], "SELECT actor, any_value(actor_group) FROM mentions "
                       "WHERE actor IS NOT NULL GROUP BY 1"))
    assert actors.get("Dmitry Peskov") == "Russia"
    assert actors.get("Volodymyr Zelensky") == "Ukraine"
    assert actors.get("Mark Rutte") == "NATO"


def test_off_topic_article_has_few_mentions(demo_run):
    sanctions = rows(demo_run["db"], """
        SELECT count(m.article_id) FROM articles a LEFT JOIN mentions m USING (article_id)
        WHERE a.url LIKE '%sixteenth-sanctions-package%'""")
    assert sanctions[0][0] <= 2


def test_second_writer_gets_clear_message(demo_run, demo_feeds, capsys):
    from stancewatch.flows.cli import main

    with run_lock(demo_run["db"]):
        code = main(["run", "--feeds", str(demo_feeds), "--db", str(demo_run["db"])])
    assert code == 1
    assert "another stancewatch run" in capsys.readouterr().err


def test_private_addresses_refused_without_flag(prefect_harness, demo_outlets, tmp_path):
    from stancewatch.flows.cli import main

    feeds = tmp_path / "feeds.toml"
    feeds.write_text(f'[[feeds]]\nurl = "{demo_outlets["kyiv-ledger"]}/rss.xml"\n')
    db_path = tmp_path / "w.duckdb"
    assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 0
    failures = rows(db_path, "SELECT stage, error FROM failures")
    assert failures and failures[0][0] == "feed" and "loopback" in failures[0][1]
    assert rows(db_path, "SELECT count(*) FROM articles")[0][0] == 0


def slug_of(url: str) -> str:
    """The demo article's name in a URL (EuroWire numbers its pages: 48102-…)."""
    return url.rsplit("/", 1)[-1].removesuffix(".html").lstrip("0123456789-")


@pytest.mark.parametrize("window, expected, unexpected", [
    # every demo article published 10-16 January 2025 (UTC), from all three outlets; the
    # nearest ones after the window (21 and 23 January) must stay out
    (("2025-01-10", "2025-01-16"),
     {"pokrovsk-frost-and-drones", "trump-five-percent-allies", "fico-electricity-gas-transit",
      "blinken-irreversible-path", "sybiha-neutrality-is-an-invitation", "era-loan-tranche",
      "starmer-kyiv-hundred-year-partnership"},
     {"orban-never-nato", "rutte-davos-no-veto"}),
])
def test_backfill_finds_sitemap_articles_in_window(prefect_harness, demo_feeds, tmp_path, window,
                                                   expected, unexpected):
    from stancewatch.flows.cli import main

    db_path = tmp_path / "backfill.duckdb"
    since, until = window
    code = main(["backfill", "--feeds", str(demo_feeds), "--db", str(db_path),
                 "--since", since, "--until", until])
    assert code == 0
    urls = [r[0] for r in rows(db_path, "SELECT url FROM articles")]
    dates = rows(db_path, "SELECT min(published_at)::DATE, max(published_at)::DATE FROM articles")
    assert str(dates[0][0]) >= since and str(dates[0][1]) <= until
    stored = {slug_of(url) for url in urls}
    assert stored == expected
    assert not stored & unexpected
    # again: nothing twice
    assert main(["backfill", "--feeds", str(demo_feeds), "--db", str(db_path),
                 "--since", since, "--until", until]) == 0
    assert rows(db_path, "SELECT count(*), count(DISTINCT url) FROM articles")[0] == (len(urls), len(urls))


def test_backfill_url_file_and_reclassify(prefect_harness, demo_outlets, demo_feeds, tmp_path):
    from stancewatch.flows.cli import main

    db_path = tmp_path / "urls.duckdb"
    url_file = tmp_path / "urls.txt"
    base = demo_outlets["eurowire"]
    url_file.write_text(f"# extra URLs\n{base}/articles/48177-orban-never-nato.html\nnot-a-url\n")
    code = main(["backfill", "--feeds", str(demo_feeds), "--db", str(db_path), "--since",
                 "2025-01-21", "--until", "2025-01-21", "--urls", str(url_file)])
    assert code == 0
    urls = [r[0] for r in rows(db_path, "SELECT url FROM articles")]
    assert any("orban-never-nato" in url for url in urls)
    assert rows(db_path, "SELECT count(*) FROM failures WHERE url = 'not-a-url'")[0][0] == 1
    before = rows(db_path, "SELECT count(*) FROM mentions")[0][0]
    code = main(["backfill", "--feeds", str(demo_feeds), "--db", str(db_path), "--since",
                 "2025-01-01", "--until", "2025-03-31", "--reclassify"])
    assert code == 0
    runs = rows(db_path, "SELECT flow, articles_seen, model_version FROM runs WHERE flow = 'reclassify'")
    assert runs and runs[0][1] == len(urls) and runs[0][2].startswith("stance-minilm-lora")
    assert rows(db_path, "SELECT count(*) FROM mentions")[0][0] == before  # same model, same answer


def test_run_publishes_artifact_and_writes_report_folder(prefect_harness, demo_feeds, tmp_path,
                                                         monkeypatch):
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterKey

    from stancewatch.flows.cli import main

    monkeypatch.setenv("STANCEWATCH_REPORT_DIR", str(tmp_path / "report"))
    db_path = tmp_path / "w.duckdb"
    assert main(["run", "--feeds", str(demo_feeds), "--db", str(db_path)]) == 0
    assert (tmp_path / "report" / "report.html").stat().st_size > 10_000
    run_id = rows(db_path, "SELECT run_id, prefect_flow_run_id FROM runs")[0]
    assert run_id[1]  # the Prefect flow run that wrote it is recorded
    with get_client(sync_client=True) as client:
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(key=ArtifactFilterKey(any_=["stancewatch-daily"])))
    bodies = [a.data for a in artifacts if run_id[0] in (a.data or "")]
    assert bodies and "articles new" in bodies[0] and "## Failures" in bodies[0]


def test_page_that_failed_for_a_passing_reason_is_retried_next_run(prefect_harness, tmp_path):

    from stancewatch.flows.cli import main
    from tests.fault_suite import unique_text
    from tests.hostile_server import Response, article_html, hostile_server, rss

    with hostile_server() as server:
        page = article_html("Flaky story", unique_text(77)).encode()
        flaky = server.route("/flaky.html", lambda n: Response(status=503) if n == 1
                             else Response(body=page))
        steady = server.route("/steady.html", Response(body=article_html(
            "Steady story", unique_text(78)).encode()))
        feed = server.route("/feed.xml", Response(body=rss([("flaky", flaky, None),
                                                            ("steady", steady, None)]),
                                                  content_type="application/rss+xml",
                                                  headers=(("ETag", '"v1"'),)))
        feeds = tmp_path / "feeds.toml"
        feeds.write_text(f'[settings]\npoliteness_delay = 0\nretries = 0\n'
                         f'allowed_networks = ["127.0.0.3/32"]\n[[feeds]]\nurl = "{feed}"\n')
        db_path = tmp_path / "w.duckdb"
        assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 0
        assert rows(db_path, "SELECT count(*) FROM articles")[0][0] == 1
        assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 0
        stored = {r[0] for r in rows(db_path, "SELECT url FROM articles")}
        assert stored == {flaky, steady}
        # with nothing left to retry, the feed's ETag is kept and the third run is a 304
        assert main(["run", "--feeds", str(feeds), "--db", str(db_path)]) == 0
    runs = rows(db_path, "SELECT feeds_ok, feeds_not_modified, articles_new FROM runs "
                "ORDER BY started_at")
    assert runs == [(1, 0, 1), (1, 0, 1), (0, 1, 0)]
