"""Pipeline benchmark: `make bench` (N=1000 5000 by default; `make bench N=300`).

For each N: synthetic outlets on loopback (tools/synthetic.py), then `--repeats` rounds,
each running its phases back to back (interleaved A P K B, A P K B, …) so that the load of
a shared machine falls on all of them alike:

  A  the real daily flow (Prefect) into a fresh warehouse;
  P  the same work without Prefect (the Python API) into another fresh warehouse;
  K  classification alone: 2,000 stored sentences through the pipeline's classifier;
  B  the bare forward pass (fp32 encoder, pre-tokenised, length-sorted) on them.

Ratios are taken within a round (A against P and K of the same minutes) and reported as
the median with the spread (min–max) over rounds; wall-clock ratios are shown next to
the same ratios in process-tree CPU seconds, which other tenants' load does not inflate.
Prefect's temporary API server is started once before the rounds and its start timed on
its own; the unchanged re-run is a fresh `stancewatch run` process (its own temporary
server included), repeated once per round. Peak RSS covers the whole process tree.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import duckdb
import psutil

from stancewatch.flows.config import load_config
from tools.demo_sites import render_feeds_file, serve_outlets
from tools.synthetic import build_synthetic_sites

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_SENTENCES = 2000


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


def tree_cpu_seconds() -> float:
    """CPU seconds used so far by this process and its live children (Prefect's server)."""
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


@dataclass
class Timing:
    wall: float
    cpu: float


def timed(run: Callable[[], object]) -> Timing:
    cpu, started = tree_cpu_seconds(), time.perf_counter()
    run()
    return Timing(time.perf_counter() - started, tree_cpu_seconds() - cpu)


def spread(values: list[float], digits: int = 2) -> str:
    """median [min–max]"""
    if len(values) == 1:
        return f"{values[0]:.{digits}f}"
    return (f"{statistics.median(values):.{digits}f} [{min(values):.{digits}f}–"
            f"{max(values):.{digits}f}]")


def _run_counters(db_path: Path) -> tuple[int, dict[str, float], int]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        row = connection.execute(
            "SELECT articles_new, fetch_seconds, extract_seconds, classify_seconds, store_seconds "
            "FROM runs ORDER BY started_at DESC LIMIT 1").fetchall()[0]
        sentences = connection.execute(
            "SELECT count(*) FROM sentences JOIN stored_articles USING (article_id) "
            "WHERE duplicate_of IS NULL AND unclassified IS NULL").fetchall()[0][0]
    return row[0], dict(zip(("fetch", "extract", "classify", "store"), row[1:], strict=True)), \
        sentences


def _sample_sentences(db_path: Path, limit: int) -> list[str]:
    with duckdb.connect(str(db_path), read_only=True) as connection:
        rows = connection.execute("SELECT sentence FROM sentences ORDER BY hash(article_id, "
                                  "sentence_index) LIMIT ?", [limit]).fetchall()
        return [row[0] for row in rows]


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


def start_prefect_server() -> tuple[object, float]:
    """Prefect's temporary API server, started once and timed (a `stancewatch run` without
    PREFECT_API_URL pays this at every start; the re-run figure includes it)."""
    from prefect.server.api.server import SubprocessASGIServer

    started = time.perf_counter()
    server = SubprocessASGIServer()
    server.start()
    os.environ["PREFECT_API_URL"] = server.api_url
    return server, time.perf_counter() - started


def bench(n: int, workdir: Path, repeats: int, server_start: float) -> str:
    from stancewatch.flows.daily import daily_flow
    from stancewatch.flows.pipeline import collect, get_classifier
    from tools.bench_model import BareForward

    template = build_synthetic_sites(workdir / "sites", n, outlets=5, seed=n)
    phases: dict[str, list[Timing]] = {"A": [], "P": [], "K": [], "B": [], "rerun": []}
    stages: list[dict[str, float]] = []
    articles = sentences = requests = not_modified = 0
    with serve_outlets(workdir / "sites") as bases, PeakMemory() as memory:
        feeds = render_feeds_file(template, bases, workdir / "feeds.toml")
        config = load_config(feeds)
        settings = config.settings
        classifier = get_classifier(settings.model, settings.actors_file, settings.inference())
        for round_number in range(repeats):
            flow_db = workdir / f"prefect-{round_number}.duckdb"
            phases["A"].append(timed(lambda db=flow_db: daily_flow(str(feeds), str(db))))
            articles, stage, sentences = _run_counters(flow_db)
            stages.append(stage)
            phases["P"].append(timed(lambda r=round_number: collect(
                config, workdir / f"plain-{r}.duckdb", "daily")))
            sample = _sample_sentences(flow_db, SAMPLE_SENTENCES)
            phases["K"].append(timed(lambda s=sample: classifier.scorer.score(s)))
            bare = BareForward(sample, sort=True)
            phases["B"].append(timed(bare))
            seconds, requests, not_modified = _rerun(feeds, flow_db)
            phases["rerun"].append(Timing(seconds, 0.0))
            print(f"  round {round_number + 1}: A {phases['A'][-1].wall:.1f} s, P "
                  f"{phases['P'][-1].wall:.1f} s, K {phases['K'][-1].wall:.1f} s, B "
                  f"{phases['B'][-1].wall:.1f} s, re-run {seconds:.1f} s", flush=True)
        peak_mb = memory.peak / 2**20
    per_article = sentences / max(1, articles)  # classified sentences per stored article
    sample_size = len(sample)
    e2e = [articles / t.wall for t in phases["A"]]
    classify_only = [sample_size / t.wall / per_article for t in phases["K"]]  # articles/s
    ratio = [a / k for a, k in zip(e2e, classify_only, strict=True)]
    # the same ratio in articles per CPU-second: A's whole process tree against K's
    ratio_cpu = [(articles / a.cpu) / (sample_size / per_article / k.cpu)
                 for a, k in zip(phases["A"], phases["K"], strict=True)]
    overhead = [a.wall / p.wall for a, p in zip(phases["A"], phases["P"], strict=True)]
    overhead_cpu = [a.cpu / p.cpu for a, p in zip(phases["A"], phases["P"], strict=True)]
    classify_rate = [sample_size / t.wall for t in phases["K"]]
    bare_rate = [sample_size / t.wall for t in phases["B"]]
    in_pipeline = [sentences / max(1e-9, s["classify"]) for s in stages]
    stage_total = {name: statistics.median(s[name] for s in stages) for name in stages[0]}
    total = sum(stage_total.values()) or 1.0
    rerun = [t.wall for t in phases["rerun"]]
    label = getattr(classifier.scorer, "inference", None)
    lines = [
        f"N={n}: {articles} articles, {sentences} classified sentences ({per_article:.1f} per "
        f"article), 5 outlets, {len(config.feeds)} feeds; classifier "
        f"{label.label if label else '?'}; {repeats} interleaved rounds (A P K B + re-run), "
        "median [min–max]",
        f"  end to end (A, Prefect): {spread(e2e)} articles/s; wall "
        f"{spread([t.wall for t in phases['A']], 1)} s, process-tree CPU "
        f"{spread([t.cpu for t in phases['A']], 1)} s",
        "  stage time (thread-seconds; fetch/extract overlap classification): "
        + ", ".join(f"{k} {v:.1f} s ({v / total:.0%})" for k, v in stage_total.items()),
        f"  classifier in the pipeline {spread(in_pipeline, 1)} sentences/s; classification "
        f"alone (K) {spread(classify_rate, 1)}/s; bare forward pass fp32 length-sorted (B) "
        f"{spread(bare_rate, 1)}/s",
        f"  end to end as a share of classification alone: {spread(ratio)} by wall time, "
        f"{spread(ratio_cpu)} by CPU time (target >= 0.60)",
        f"  without Prefect (P): wall {spread([t.wall for t in phases['P']], 1)} s; Prefect "
        f"overhead x{spread(overhead)} by wall time, x{spread(overhead_cpu)} by CPU time "
        f"(temporary API server start, paid once per process: {server_start:.1f} s)",
        f"  unchanged re-run: {spread(rerun, 1)} s (fresh process, Prefect start included; "
        f"target < 15 s), {requests} requests, {not_modified} answered 304",
        f"  peak RSS (process tree, all phases): {peak_mb:.0f} MB (target < 2 GB)",
        f"bench: N={n} e2e {statistics.median(e2e):.2f} articles/s, ratio "
        f"{statistics.median(ratio):.2f} of classify-only, rerun {statistics.median(rerun):.1f} s, "
        f"peak RSS {peak_mb:.0f} MB, prefect overhead {statistics.median(overhead):.2f}",
        f"       spread over {repeats} rounds: e2e [{min(e2e):.2f}–{max(e2e):.2f}], ratio "
        f"[{min(ratio):.2f}–{max(ratio):.2f}] (CPU {statistics.median(ratio_cpu):.2f}), rerun "
        f"[{min(rerun):.1f}–{max(rerun):.1f}], prefect overhead [{min(overhead):.2f}–"
        f"{max(overhead):.2f}] (CPU {statistics.median(overhead_cpu):.2f})",
    ]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("n", nargs="*", type=int, default=[1000, 5000])
    parser.add_argument("--repeats", type=int, default=3, help="interleaved rounds per N")
    args = parser.parse_args()
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    print(f"machine: {os.cpu_count()} cores, {psutil.virtual_memory().total / 2**30:.0f} GiB, "
          f"load {os.getloadavg()[0]:.1f}; python {sys.version.split()[0]}", flush=True)
    server, server_start = None, 0.0
    if "PREFECT_API_URL" not in os.environ:
        try:
            server, server_start = start_prefect_server()
        except RuntimeError as exc:  # an overloaded machine: each flow run starts its own
            print(f"Prefect's temporary server did not start ({exc}); each flow run (A) "
                  "starts its own, so A and the Prefect overhead include that start", flush=True)
    summaries = []
    try:
        for n in args.n:
            with tempfile.TemporaryDirectory(prefix=f"stancewatch-bench-{n}-") as folder:
                report = bench(n, Path(folder), args.repeats, server_start)
            print(report, flush=True)
            summaries.append("\n".join(report.splitlines()[-2:]))
    finally:
        if server is not None:
            server.stop()
    if len(summaries) > 1:
        print("\n".join(summaries))


if __name__ == "__main__":
    main()
