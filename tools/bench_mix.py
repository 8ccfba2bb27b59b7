"""Realistic-mix benchmark: `make bench-mix` (MIX_OFF=370 off-topic articles by default).

Real feeds are mostly off topic. tools/mix.py writes outlets where at least 80 % of the
articles are off topic (world news, sport, economy, science, other NATO members' defence
news, loan guarantees; English, German, French, Spanish; four page layouts) and the rest
are the demo outlets' on-topic articles, served on loopback. Each round, interleaved:

  A  the pipeline as configured (relevance gate on, default runtime and precision), run
     through the Python API (no Prefect) into a fresh warehouse: end-to-end articles/s;
  B  classify-all: every stored sentence (of non-duplicate articles) through the bare
     forward pass (fp32 encoder, pre-tokenised, length-sorted batches of 32: the
     strongest plain baseline), timed alone: articles/s if classification were the only
     cost and nothing were skipped;
  C  (unless --no-before) the pipeline as it was before the gate: every article
     classified, torch fp32.

Figures are medians over the rounds with their spread (min–max); process CPU seconds are
shown next to wall time. Speedup = A's end-to-end articles/s ÷ B's articles/s. On-topic
recall = on-topic articles (ground truth from the generator) that were classified ÷
on-topic articles stored.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit

import duckdb
import psutil
import torch

from stancewatch.flows.config import load_config, with_overrides
from stancewatch.flows.pipeline import collect, get_classifier
from tools.bench_extract import ENV as BENCH_DATA_ENV
from tools.bench_model import BareForward
from tools.demo_sites import render_feeds_file, serve_outlets
from tools.mix import ARTICLE_SENTENCES, REAL_PAGES_SLUG, build_mix_sites

BEFORE = {"relevance_gate": False, "runtime": "torch", "precision": "fp32"}


REAL_PAGES_DIR = "article-extraction-benchmark/html"


def real_page_files() -> list[Path]:
    """The benchmark's pages, or a clear exit when the folder is not there."""
    root = os.environ.get(BENCH_DATA_ENV)
    folder = Path(root) / REAL_PAGES_DIR if root else None
    pages = sorted(folder.glob("*.html*")) if folder and folder.is_dir() else []
    if not pages:
        sys.exit(f"bench-mix --real-pages: no pages in {folder or '$' + BENCH_DATA_ENV + ' (unset)'}"
                 f"; set {BENCH_DATA_ENV} to a folder holding a checkout of "
                 "scrapinghub/article-extraction-benchmark as article-extraction-benchmark/ "
                 "(docs/benchmarks.md)")
    return pages


def timed(run: Callable[[], object]) -> tuple[float, float]:
    cpu_started, started = time.process_time(), time.perf_counter()
    run()
    return time.perf_counter() - started, time.process_time() - cpu_started


def spread(values: list[float], unit: str = "") -> str:
    return (f"{statistics.median(values):.2f}{unit} ({min(values):.2f}–{max(values):.2f})"
            if len(values) > 1 else f"{values[0]:.2f}{unit}")


def stored_sentences(db_path: Path) -> tuple[int, list[str]]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        articles = connection.execute("SELECT count(*) FROM stored_articles").fetchone()[0]
        sentences = [row[0] for row in connection.execute(
            "SELECT s.sentence FROM sentences AS s JOIN stored_articles AS a USING (article_id) "
            "WHERE a.duplicate_of IS NULL ORDER BY s.article_id, s.sentence_index").fetchall()]
    return articles, sentences


def _length(text: str) -> tuple[int, int]:
    low, _, high = text.partition("-")
    try:
        bounds = int(low), int(high or low)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected MIN-MAX, got {text!r}") from None
    if not 1 <= bounds[0] <= bounds[1]:
        raise argparse.ArgumentTypeError(f"expected 1 <= MIN <= MAX, got {text!r}")
    return bounds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--off-topic", type=int, default=370, help="off-topic articles")
    parser.add_argument("--repeats", type=int, default=2, help="interleaved rounds")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--no-before", action="store_true",
                        help="skip the pipeline without gate in torch fp32 (C)")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--sentences", type=_length, default=ARTICLE_SENTENCES,
                        help="sentences per off-topic article, MIN-MAX (default %(default)s)")
    parser.add_argument("--real-pages", action="store_true",
                        help=f"also serve the real pages of ${BENCH_DATA_ENV}/{REAL_PAGES_DIR} "
                             "(scrapinghub's article-extraction-benchmark; never committed)")
    args = parser.parse_args()
    real_pages = real_page_files() if args.real_pages else []
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    torch.set_num_threads(args.threads)
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"load {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}", flush=True)
    with tempfile.TemporaryDirectory(prefix="stancewatch-bench-mix-") as folder:
        work = Path(folder)
        template, articles = build_mix_sites(work / "sites", args.off_topic, args.seed,
                                             args.sentences, real_pages)
        on_topic_paths = {a.path for a in articles if a.on_topic}
        with serve_outlets(work / "sites") as bases:
            feeds = render_feeds_file(template, bases, work / "feeds.toml")
            config = load_config(feeds)
            before = with_overrides(config, **BEFORE)
            # models load once per process (a served deployment keeps them): not timed
            for settings in (config.settings, before.settings):
                get_classifier(settings.model, settings.actors_file, settings.inference())
            chosen = get_classifier(config.settings.model, config.settings.actors_file,
                                    config.settings.inference()).scorer
            label = getattr(chosen, "inference", None)
            figures: dict[str, list[tuple[float, float]]] = {"A": [], "B": [], "C": []}
            summary = None
            for round_number in range(args.repeats):
                db_path = work / f"mix-{round_number}.duckdb"
                cpu_started, started = time.process_time(), time.perf_counter()
                summary = collect(config, db_path, "daily")
                figures["A"].append((time.perf_counter() - started,
                                     time.process_time() - cpu_started))
                stored, sentences = stored_sentences(db_path)
                bare = BareForward(sentences, sort=True)
                figures["B"].append(timed(bare))
                if not args.no_before:
                    figures["C"].append(timed(lambda r=round_number: collect(
                        before, work / f"before-{r}.duckdb", "daily")))
                print(f"round {round_number + 1}: A {figures['A'][-1][0]:.1f} s, B "
                      f"{figures['B'][-1][0]:.1f} s" + (f", C {figures['C'][-1][0]:.1f} s"
                                                         if figures["C"] else ""), flush=True)
        with duckdb.connect(str(work / "mix-0.duckdb"), read_only=True) as connection:
            rows = connection.execute("SELECT url, unclassified, language FROM stored_articles"
                                      ).fetchall()
            on_topic_mentions = connection.execute(
                "SELECT count(*) FROM sentence_stances").fetchone()[0]
    assert summary is not None
    on_topic_rows = [r for r in rows if any(r[0].endswith(path) for path in on_topic_paths)]
    recall = sum(r[1] is None for r in on_topic_rows) / max(1, len(on_topic_rows))
    gated = sum(r[1] == "gated" for r in rows)
    unclassified_language = sum(r[1] == "language" for r in rows)
    share_gated = gated / max(1, len(rows))
    e2e = [stored / wall for wall, _ in figures["A"]]
    classify_all = [stored / wall for wall, _ in figures["B"]]
    speedup = statistics.median(e2e) / statistics.median(classify_all)
    stage = summary.stats
    served = len(articles) + len(real_pages)
    # a real page is stored under its own canonical URL, or under the loopback path it came from
    mix_hosts = {urlsplit(base).netloc for slug, base in bases.items() if slug != REAL_PAGES_SLUG}
    real_rows = [r for r in rows if urlsplit(r[0]).netloc not in mix_hosts]
    print(f"mix: {served} articles served ({len(on_topic_paths)} on topic, "
          f"{1 - len(on_topic_paths) / served:.0%} off topic"
          + (f"; {len(real_pages)} real pages, {len(real_rows)} stored, "
             f"{sum(r[1] == 'gated' for r in real_rows)} gated" if real_pages else "")
          + f"), {stored} stored, "
          f"{len(sentences)} sentences ({len(sentences) / max(stored, 1):.1f} per article; off-topic "
          f"articles of {args.sentences[0]}-{args.sentences[1]}); classifier {label.label if label else '?'}")
    print(f"  A pipeline (gate on):   {spread(e2e, ' articles/s')}; wall "
          f"{spread([w for w, _ in figures['A']], ' s')}, process CPU "
          f"{spread([c for _, c in figures['A']], ' s')}")
    print(f"    gated {gated} ({share_gated:.0%}), left unclassified for language "
          f"{unclassified_language}, classified {len(rows) - gated - unclassified_language}; "
          f"stage thread-seconds fetch {stage.fetch_seconds:.1f}, extract "
          f"{stage.extract_seconds:.1f}, classify {stage.classify_seconds:.1f}, store "
          f"{stage.store_seconds:.1f}; {on_topic_mentions} mentions")
    print(f"  B classify-all (bare fp32, length-sorted): {spread(classify_all, ' articles/s')} = "
          f"{statistics.median(len(sentences) / w for w, _ in figures['B']):.1f} sentences/s; "
          f"process CPU {spread([c for _, c in figures['B']], ' s')}")
    if figures["C"]:
        before_rate = [stored / wall for wall, _ in figures["C"]]
        print(f"  C pipeline before (no gate, torch fp32): {spread(before_rate, ' articles/s')}; "
              f"process CPU {spread([c for _, c in figures['C']], ' s')}; A is "
              f"{statistics.median(e2e) / statistics.median(before_rate):.2f}x C end to end")
    print(f"  classification stage alone: B's time ÷ A's classify stage = "
          f"{statistics.median(w for w, _ in figures['B']) / max(1e-9, stage.classify_seconds):.1f}x")
    print(f"  on-topic recall: {sum(r[1] is None for r in on_topic_rows)}/{len(on_topic_rows)} "
          f"on-topic articles classified")
    print(f"bench-mix: N={len(rows)} e2e {statistics.median(e2e):.2f} articles/s, gated "
          f"{share_gated:.0%}, on-topic recall {recall:.2f}, speedup {speedup:.2f} over "
          "classify-all")


if __name__ == "__main__":
    main()
