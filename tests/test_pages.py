"""Data-driven extraction tests: every tests/pages/NAME.html is extracted and checked against
NAME.json (pages written for this project to reproduce failures seen on real pages; adding a
case is adding two files). Keys: header_charset, title, author, published_local,
published_at, title_contains, text_contains, text_excludes, error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancewatch.extractors.extract import ExtractionError, extract_article

PAGES = Path(__file__).resolve().parent / "pages"
CASES = sorted(path.stem for path in PAGES.glob("*.html"))


@pytest.mark.parametrize("name", CASES)
def test_page(name):
    expected = json.loads((PAGES / f"{name}.json").read_text(encoding="utf-8"))
    content = (PAGES / f"{name}.html").read_bytes()
    url = f"https://example.org/{name}.html"
    if "error" in expected:
        with pytest.raises(ExtractionError, match=expected["error"]):
            extract_article(content, url, header_charset=expected.get("header_charset"))
        return
    article = extract_article(content, url, min_chars=100,
                              header_charset=expected.get("header_charset"))
    for needle in expected.get("text_contains", []):
        assert needle in article.text
    for needle in expected.get("text_excludes", []):
        assert needle not in article.text
    for key in ("title", "author"):
        if key in expected:
            assert getattr(article, key) == expected[key]
    if "title_contains" in expected:
        assert expected["title_contains"] in (article.title or "")
    if "published_local" in expected:
        assert str(article.published_local) == expected["published_local"]
    if "published_at" in expected:
        assert article.published_at.isoformat() == expected["published_at"]
    assert "Ã" not in article.text and "â€" not in article.text  # never UTF-8 read as Latin-1


def test_every_page_has_its_expectations():
    assert CASES and all((PAGES / f"{name}.json").is_file() for name in CASES)
