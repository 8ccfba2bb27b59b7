"""The benchmark tools' own inputs: the realistic mix and its real-page outlet."""

from __future__ import annotations

import gzip
import random
import tomllib

import pytest

from tools.bench_mix import BENCH_DATA_ENV, REAL_PAGES_DIR, real_page_files
from tools.mix import REAL_PAGES_SLUG, build_mix_sites, off_topic_article


def test_real_pages_need_the_benchmark_folder(monkeypatch, tmp_path):
    monkeypatch.delenv(BENCH_DATA_ENV, raising=False)
    with pytest.raises(SystemExit, match="STANCEWATCH_BENCH_DATA"):
        real_page_files()
    monkeypatch.setenv(BENCH_DATA_ENV, str(tmp_path))
    with pytest.raises(SystemExit, match="no pages in"):
        real_page_files()
    folder = tmp_path / REAL_PAGES_DIR
    folder.mkdir(parents=True)
    (folder / "a.html.gz").write_bytes(gzip.compress(b"<html></html>"))
    assert real_page_files() == [folder / "a.html.gz"]


def test_real_pages_become_one_more_outlet_with_a_feed(tmp_path):
    pages = tmp_path / "in"
    pages.mkdir()
    (pages / "one.html.gz").write_bytes(gzip.compress(b"<p>Erste Seite</p>"))
    (pages / "two.html").write_text("<p>second</p>", encoding="utf-8")
    template, articles = build_mix_sites(tmp_path / "sites", 3, real_pages=sorted(pages.iterdir()))
    outlet = tmp_path / "sites" / REAL_PAGES_SLUG
    assert (outlet / "page" / "0000.html").read_text(encoding="utf-8") == "<p>Erste Seite</p>"
    assert (outlet / "page" / "0001.html").read_text(encoding="utf-8") == "<p>second</p>"
    feed = (outlet / "feed.xml").read_text(encoding="utf-8")
    assert feed.count("<item>") == 2
    urls = [f["url"] for f in tomllib.loads(template.read_text(encoding="utf-8"))["feeds"]]
    assert f"{{{{BASE:{REAL_PAGES_SLUG}}}}}/feed.xml" in urls
    assert all(a.outlet != REAL_PAGES_SLUG for a in articles)  # their topic is unknown


def test_long_off_topic_articles_do_not_repeat_sentences():
    rng = random.Random(3)
    for number in range(30):
        _, article = off_topic_article(number, rng, (48, 48))
        if article.language != "en":
            continue
        sentences = [s for p in article.paragraphs for s in p.split(". ")]
        assert len(set(sentences)) >= 0.9 * len(sentences), article.path
