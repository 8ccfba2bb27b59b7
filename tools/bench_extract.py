"""Extraction benchmark on public evaluation sets: `make bench-extract`.

    STANCEWATCH_BENCH_DATA=/path/to/benchdata make bench-extract

The folder holds checkouts (never committed; see docs/benchmarks.md for how to get them) of
- article-extraction-benchmark/   (scrapinghub: html/*.html.gz + ground-truth.json)
- trafilatura/tests/              (evaldata.json + eval/ and cache/ pages, with/without chunks)
- htmldate/tests/                 (eval_default.json + eval/, eval_mediacloud_2020.json + test_set/)
Each set that is present is run through `extract_article` and through the library it wraps
on the same bytes, page by page (so machine noise hits both alike): word-token and 4-gram
P/R/F1 against bare `trafilatura.extract`, garbled pages (UTF-8 read as a single-byte
charset), rejected pages, date accuracy against `htmldate.find_date`, author accuracy, and
time per page. Missing sets are named, not silently skipped.
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import re
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import trafilatura
from htmldate import find_date
from trafilatura.settings import use_config
from trafilatura.utils import load_html

from stancewatch.extractors.decoding import decode_bytes, without_xml_declaration
from stancewatch.extractors.extract import (
    ExtractionError,
    extract_article,
    page_day,
    publication_date,
)

ENV = "STANCEWATCH_BENCH_DATA"
_CONFIG = use_config()
_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_TOKEN = re.compile(r"\w+")
# UTF-8 bytes read as windows-1252 / Latin-1: a lead char Â-ô followed by continuation chars
_MOJIBAKE = re.compile("[\u00c2-\u00f4][\u0080-\u00bf\u0152\u0153\u0160\u0161\u0178\u017d"
                       "\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026"
                       "\u2030\u2039\u203a\u20ac\u2122]{1,3}")


def garbled(text: str) -> bool:
    """At least two stretches that turn into valid UTF-8 when re-encoded as cp1252/Latin-1."""
    repaired = 0
    for match in _MOJIBAKE.finditer(text or ""):
        for codec in ("cp1252", "latin-1"):
            try:
                match.group(0).encode(codec).decode("utf-8")
            except (UnicodeEncodeError, UnicodeDecodeError):
                continue
            repaired += 1
            break
        if repaired >= 2:
            return True
    return False


def shingle_counts(true: str, pred: str, n: int) -> tuple[float, float, float]:
    """Normalised (tp, fp, fn) over n-grams of \\w+ tokens, as the benchmark defines them."""
    def grams(text: str) -> Counter:
        tokens = _TOKEN.findall(text or "")
        return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1))
                       if tokens[i:i + n])
    gold, got = grams(true), grams(pred)
    keys = gold.keys() | got.keys()
    tp = sum(min(gold[k], got[k]) for k in keys)
    fp = sum(max(0, got[k] - gold[k]) for k in keys)
    fn = sum(max(0, gold[k] - got[k]) for k in keys)
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(rows: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    precision = statistics.mean(tp / (tp + fp) for tp, fp, fn in rows if tp + fp > 0)
    recall = statistics.mean(tp / (tp + fn) for tp, fp, fn in rows if tp + fn > 0)
    return precision, recall, 2 * precision * recall / (precision + recall)


@dataclass
class Side:
    """One extractor's results over a set."""

    texts: list[str] = field(default_factory=list)
    seconds: list[float] = field(default_factory=list)
    rejected: int = 0
    garbled: int = 0

    def add(self, text: str | None, seconds: float) -> None:
        self.seconds.append(seconds)
        self.texts.append(text or "")
        self.rejected += not (text or "").strip()
        self.garbled += garbled(text or "")

    @property
    def ms_per_page(self) -> float:
        return 1000 * statistics.mean(self.seconds) if self.seconds else 0.0


def timed(function: Callable[[], str | None]) -> tuple[str | None, float]:
    started = time.perf_counter()
    try:
        result = function()
    except ExtractionError:
        result = None
    return result, time.perf_counter() - started


def ours(html: bytes, url: str) -> str | None:
    return extract_article(html, url, min_chars=1).text


def bare(html: bytes) -> str | None:
    return trafilatura.extract(html, config=_CONFIG)


def run_pages(pages: list[tuple[str, bytes]]) -> tuple[Side, Side]:
    mine, theirs = Side(), Side()
    for url, html in pages:  # interleaved: the same machine state for both
        mine.add(*timed(lambda h=html, u=url: ours(h, u)))
        theirs.add(*timed(lambda h=html: bare(h)))
    return mine, theirs


def article_benchmark(root: Path) -> list[str]:
    truth = json.loads((root / "ground-truth.json").read_text(encoding="utf-8"))
    pages = [(item["url"], gzip.decompress((root / "html" / f"{key}.html.gz").read_bytes()))
             for key, item in truth.items()]
    mine, theirs = run_pages(pages)
    gold = [item.get("articleBody", "") for item in truth.values()]
    lines = [f"article-extraction-benchmark: {len(pages)} pages"]
    for name, side in (("extract_article", mine), ("trafilatura.extract", theirs)):
        words = prf([shingle_counts(g, t, 1) for g, t in zip(gold, side.texts, strict=True)])
        grams = prf([shingle_counts(g, t, 4) for g, t in zip(gold, side.texts, strict=True)])
        lines.append(f"  {name:<20} word P {words[0]:.3f} R {words[1]:.3f} F1 {words[2]:.3f} | "
                     f"4-gram F1 {grams[2]:.3f} | garbled {side.garbled} | rejected "
                     f"{side.rejected} | {side.ms_per_page:.1f} ms/page")
    lines.append(f"  time ratio {mine.ms_per_page / theirs.ms_per_page:.2f}")
    return lines


def _corpus(folder: Path, index: str, subfolders: tuple[str, ...]) -> list[tuple[str, dict, bytes]]:
    data = json.loads((folder / index).read_text(encoding="utf-8"))
    found = []
    for url, item in data.items():
        for sub in subfolders:
            path = folder / sub / item["file"]
            if path.is_file():
                found.append((url, item, path.read_bytes()))
                break
    return found


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def trafilatura_eval(folder: Path) -> list[str]:
    docs = _corpus(folder, "evaldata.json", ("cache", "eval"))
    mine, theirs = run_pages([(url, html) for url, _, html in docs])
    lines = [f"trafilatura evaluation: {len(docs)} pages"]
    for name, side in (("extract_article", mine), ("trafilatura.extract", theirs)):
        tp = fp = fn = 0
        for (_, item, _), text in zip(docs, side.texts, strict=True):
            got = _norm(text)
            hits = sum(_norm(chunk) in got for chunk in item["with"])
            leaks = sum(_norm(chunk) in got for chunk in item["without"])
            tp, fn, fp = tp + hits, fn + len(item["with"]) - hits, fp + leaks
        precision, recall = tp / (tp + fp), tp / (tp + fn)
        lines.append(f"  {name:<20} P {precision:.3f} R {recall:.3f} F1 "
                     f"{2 * precision * recall / (precision + recall):.3f} | garbled "
                     f"{side.garbled} | rejected {side.rejected} | {side.ms_per_page:.1f} ms/page")
    lines.append(f"  time ratio {mine.ms_per_page / theirs.ms_per_page:.2f}")
    lines += author_accuracy(docs)
    return lines


def author_accuracy(docs: list[tuple[str, dict, bytes]]) -> list[str]:
    total = same_ours = same_library = people = 0
    for url, item, html in docs:
        gold = item.get("author")
        if not gold:
            continue
        gold = "; ".join(gold) if isinstance(gold, list) else gold
        total += 1
        try:
            mine = extract_article(html, url, min_chars=1).author
        except ExtractionError:
            mine = None
        library = trafilatura.bare_extraction(html, with_metadata=True, config=_CONFIG)
        theirs = getattr(library, "author", None)
        same_ours += mine == gold
        same_library += theirs == gold
        people += bool(theirs) and mine is None
    return [f"  authors: {total} pages with a gold byline: extract_article {same_ours / total:.3f}, "
            f"trafilatura {same_library / total:.3f} exact; {people} library bylines dropped as "
            "not people"]


def date_only(html: bytes, url: str) -> str | None:
    """The same date logic as extract_article, for a page with no article text."""
    decoded = decode_bytes(html)
    tree = load_html(without_xml_declaration(decoded.text))
    if tree is None:
        return None
    _, day = publication_date(tree, page_day(decoded.text, url))
    return day.isoformat() if day else None


def htmldate_eval(folder: Path) -> list[str]:
    lines = []
    for index, sub in (("eval_default.json", "eval"), ("eval_mediacloud_2020.json", "test_set")):
        if not (folder / index).is_file():
            lines.append(f"htmldate {index}: missing")
            continue
        docs = _corpus(folder, index, (sub,))
        mine = theirs = garbled_pages = rejected = 0
        seconds_mine, seconds_theirs = [], []
        for url, item, html in docs:
            started = time.perf_counter()
            try:
                article = extract_article(html, url, min_chars=1)
                day = article.published_local.isoformat() if article.published_local else None
                garbled_pages += garbled(article.text)
            except ExtractionError:  # no text: the page is not stored, but its date is judged
                rejected += 1
                day = date_only(html, url)
            seconds_mine.append(time.perf_counter() - started)
            started = time.perf_counter()
            try:
                reference = find_date(html, original_date=True, extensive_search=True, url=url)
            except Exception:  # noqa: BLE001 - a crash is a miss
                reference = None
            seconds_theirs.append(time.perf_counter() - started)
            mine += day == item["date"]
            theirs += reference == item["date"]
        count = max(1, len(docs))
        lines.append(f"htmldate {index}: {len(docs)} pages: date accuracy extract_article "
                     f"{mine / count:.3f}, htmldate.find_date {theirs / count:.3f}; garbled "
                     f"{garbled_pages}; rejected {rejected}; "
                     f"{1000 * statistics.mean(seconds_mine):.1f} ms/page "
                     f"(extraction included) vs {1000 * statistics.mean(seconds_theirs):.1f}")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=os.environ.get(ENV))
    args = parser.parse_args()
    if args.data is None or not Path(args.data).is_dir():
        print(f"bench-extract: no benchmark data: set {ENV} to a folder holding "
              "article-extraction-benchmark/, trafilatura/ and htmldate/ checkouts "
              "(see docs/benchmarks.md); nothing was measured", file=sys.stderr)
        return 2
    root = Path(args.data)
    import logging

    logging.disable(logging.WARNING)  # trafilatura's per-page warnings are not results
    sets = {"article-extraction-benchmark": (root / "article-extraction-benchmark", article_benchmark),
            "trafilatura": (root / "trafilatura" / "tests", trafilatura_eval),
            "htmldate": (root / "htmldate" / "tests", htmldate_eval)}
    for name, (folder, bench) in sets.items():
        if not folder.is_dir():
            print(f"{name}: missing ({folder} does not exist)")
            continue
        for line in bench(folder):
            print(line, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
