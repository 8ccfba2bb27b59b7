"""Pipeline benchmark: `make bench` (N=1000 5000 by default; `make bench N=20000`).

For each N: synthetic outlets on loopback, the real daily flow into a fresh warehouse,
then the figures: end-to-end articles/s and per-stage shares; the classifier's rate in
the pipeline next to classification alone and the bare forward pass on the same
sentences; an unchanged re-run (a fresh `stancewatch run` process, Prefect start
included); peak RSS of the whole process tree; and the same work without Prefect.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil

from stancewatch.flows.config import load_config
from tools.demo_sites import render_feeds_file, serve_outlets
from tools.synthetic import build_synthetic_sites

ROOT = Path(__file__).resolve().parent.parent


class PeakMemory:
    """Samples the RSS of this process and its children (the Prefect server among them)."""

    def __init__(self, interval: float = 0.2) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)

    def _run(self, interval: float) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = me.memory_info().rss
            for child in me.children(recursive=True):
                try:
                    total += child.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            self._stop.wait(interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


@dataclass
class BenchResult:
    articles: int
    seconds: float
    stage_seconds: dict[str, float]
    sentences: int
    classify_seconds: float
    peak_rss_mb: float


def _run_flow(feeds: Path, db_path: Path, use_prefect: bool) -> BenchResult:
    from stancewatch.flows.daily import daily_flow
    from stancewatch.flows.pipeline import collect

    config = load_config(feeds)
    with PeakMemory() as memory:
        started = time.perf_counter()
        if use_prefect:
            daily_flow(str(feeds), str(db_path))
        else:
            collect(config, db_path, "daily")
        seconds = time.perf_counter() - started
    with duckdb.connect(str(db_path), read_only=True) as connection:
        row = connection.execute(
            "SELECT articles_new, fetch_seconds, extract_seconds, classify_seconds, store_seconds "
            "FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()[0]
        sentences = connection.execute(
            "SELECT count(*) FROM sentences JOIN stored_articles USING (article_id) "
            "WHERE duplicate_of IS NULL").fetchall()[0][0]
    stages = dict(zip(("fetch", "extract", "classify", "store"), row[1:], strict=True))
    return BenchResult(row[0], seconds, stages, sentences, row[3], memory.peak / 2**20)


def _sample_sentences(db_path: Path, limit: int) -> list[str]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        rows = connection.execute("SELECT sentence FROM sentences ORDER BY hash(article_id, "
                                  "sentence_index) LIMIT ?", [limit]).fetchall()
        return [row[0] for row in rows]


def _classify_only_rate(sentences: list[str]) -> float:
    """Sentences/s of classification alone (the classifier's own batching), same sentences."""
    from stancewatch.flows.pipeline import get_classifier

    classifier = get_classifier(None, None)
    started = time.perf_counter()
    classifier.scorer.score(sentences)
    return len(sentences) / (time.perf_counter() - started)


def _rerun(feeds: Path, db_path: Path) -> tuple[float, int, int]:
    """An unchanged re-run as a user would start it: a fresh process, Prefect start included."""
    env = {k: v for k, v in os.environ.items() if k != "PREFECT_API_URL"}
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "stancewatch", "run", "--feeds", str(feeds), "--db",
                    str(db_path)], check=True, cwd=ROOT, env=env, capture_output=True)
    seconds = time.perf_counter() - started
    with duckdb.connect(str(db_path), read_only=True) as connection:
        requests, not_modified = connection.execute(
            "SELECT http_requests, http_not_modified FROM runs ORDER BY started_at DESC LIMIT 1"
        ).fetchall()[0]
    return seconds, requests, not_modified


def bench(n: int, workdir: Path) -> str:
    from tools.bench_model import bare_forward_rate

    template = build_synthetic_sites(workdir / "sites", n, outlets=5, seed=n)
    with serve_outlets(workdir / "sites") as bases:
        feeds = render_feeds_file(template, bases, workdir / "feeds.toml")
        with_prefect = _run_flow(feeds, workdir / "prefect.duckdb", use_prefect=True)
        rerun_seconds, requests, not_modified = _rerun(feeds, workdir / "prefect.duckdb")
        without_prefect = _run_flow(feeds, workdir / "plain.duckdb", use_prefect=False)
    sample = _sample_sentences(workdir / "prefect.duckdb", 2000)
    classify_rate = _classify_only_rate(sample)
    bare_rate = bare_forward_rate(sample)
    sentences_per_article = with_prefect.sentences / max(1, with_prefect.articles)
    e2e = with_prefect.articles / with_prefect.seconds
    classify_only_articles = classify_rate / sentences_per_article
    pipeline_classify_rate = with_prefect.sentences / max(1e-9, with_prefect.classify_seconds)
    stage_total = sum(with_prefect.stage_seconds.values()) or 1.0
    shares = ", ".join(f"{name} {seconds / stage_total:.0%}"
                       for name, seconds in with_prefect.stage_seconds.items())
    prefect_overhead = with_prefect.seconds / without_prefect.seconds
    lines = [
        f"N={n}: {with_prefect.articles} articles, {with_prefect.sentences} sentences "
        f"({sentences_per_article:.1f} per article), 5 outlets, {len(load_config(feeds).feeds)} feeds",
        f"  end to end: {with_prefect.seconds:.1f} s = {e2e:.2f} articles/s",
        "  stage time (thread-seconds; fetch/extract overlap classification): "
        + ", ".join(f"{k} {v:.1f} s" for k, v in with_prefect.stage_seconds.items()),
        f"  stage shares: {shares}",
        f"  classifier in the pipeline {pipeline_classify_rate:.1f} sentences/s; classification "
        f"alone {classify_rate:.1f}/s; bare forward pass {bare_rate:.1f}/s",
        f"  classify-only rate {classify_only_articles:.2f} articles/s; end to end = "
        f"{e2e / classify_only_articles:.2f} of it (target >= 0.60); pipeline overhead over "
        f"classification alone x{classify_only_articles / e2e:.2f}",
        f"  unchanged re-run: {rerun_seconds:.1f} s (fresh process, Prefect start included; "
        f"target < 15 s), {requests} requests, {not_modified} answered 304",
        f"  peak RSS (process tree): {with_prefect.peak_rss_mb:.0f} MB with Prefect, "
        f"{without_prefect.peak_rss_mb:.0f} MB without",
        f"  without Prefect: {without_prefect.seconds:.1f} s; Prefect overhead x{prefect_overhead:.2f}",
        f"bench: N={n} e2e {e2e:.2f} articles/s, ratio {e2e / classify_only_articles:.2f} of "
        f"classify-only, rerun {rerun_seconds:.1f} s, peak RSS {with_prefect.peak_rss_mb:.0f} MB, "
        f"prefect overhead {prefect_overhead:.2f}",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="*", type=int, default=[1000, 5000])
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB; "
          f"python {sys.version.split()[0]}", flush=True)
    summaries = []
    for n in args.n:
        with tempfile.TemporaryDirectory(prefix=f"stancewatch-bench-{n}-") as folder:
            report = bench(n, Path(folder))
        print(report, flush=True)
        summaries.append(report.splitlines()[-1])
    if len(summaries) > 1:
        print("\n".join(summaries))


if __name__ == "__main__":
    main()
