"""Model-only benchmark: `make bench-model`; accuracy by precision: `make bench-model-accuracy`.

Speed: distinct real news sentences per second through the classifier (the code
`stancewatch classify` runs: tokenise, encode, both heads, holder attribution) in each
precision, next to the bare forward pass of the same encoder on the same sentences (fp32,
batch 32, pre-tokenised, input order and length-sorted). The variants run interleaved
(A B C … A B C …), `--repeats` rounds, and each figure is the median with its spread
(min–max), so a shared, noisy machine moves all of them alike; process CPU seconds per
1,000 sentences are printed too. Cold start: a fresh process from launch to its first prediction.

Accuracy (`--accuracy`): F_avg per topic of each precision against fp32 on the held-out
sets (the written test set and the real test split, tools/dataset.py), and the share of
labels that agree with fp32. A precision may be a default only if its F_avg stays within
0.01 of fp32 on both sets; the last line says which pass. Re-run it on any new artefact
(`--model PATH`); exits 1 when `auto`'s CPU precision fails the rule.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch

from stancewatch.extractors.extract import extract_article
from stancewatch.extractors.sentences import split_sentences
from stancewatch.models.inference import InferenceOptions, resolve

DEMO_SITES = Path(__file__).resolve().parent.parent / "demo" / "sites"
ACCURACY_TOLERANCE = 0.01
REFERENCE = "torch/fp32"
CPU_VARIANTS = ("torch/fp32", "torch/int8", "onnx/fp32", "onnx/int8")
GPU_VARIANTS = ("torch/fp32", "torch/fp16", "torch/bf16")


def options(variant: str, device: str = "cpu") -> InferenceOptions:
    """'runtime/precision' → InferenceOptions."""
    runtime, precision = variant.split("/")
    return InferenceOptions(device=device, precision=precision, runtime=runtime)


def auto_variant(device: str) -> str:
    chosen = resolve(InferenceOptions(device=device))
    return f"{chosen.runtime}/{chosen.precision}"


def news_sentences(limit: int) -> list[str]:
    """Distinct real news sentences: every demo page, extracted and split like the pipeline
    does, then the real-coverage sentences (tools/dataset.py) until `limit`. Distinct,
    because the classify path scores a repeated sentence once per call: repeats would
    flatter it against the bare pass."""
    from tools.dataset import real_splits

    sentences: list[str] = []
    for page in sorted(DEMO_SITES.rglob("*.html")):
        try:
            article = extract_article(page.read_bytes(), f"http://demo/{page.name}")
        except ValueError:
            continue
        sentences += split_sentences(article.text)
    sentences += [row.text for rows in real_splits().values() for row in rows]
    return list(dict.fromkeys(sentences))[:limit]


class BareForward:
    """The base encoder alone, fp32, on pre-tokenised batches: the floor to compare with."""

    def __init__(self, sentences: list[str], batch_size: int = 32, sort: bool = False) -> None:
        from transformers import AutoModel, AutoTokenizer

        from stancewatch.models.stance_model import BUNDLED_BASE, MAX_LENGTH, resolve_base

        base = resolve_base(BUNDLED_BASE)
        tokenizer = AutoTokenizer.from_pretrained(base)
        self.model = AutoModel.from_pretrained(base).eval()
        if sort:  # the same length-sorted batching the classifier uses
            sentences = sorted(sentences, key=len)
        self.count = len(sentences)
        self.batches = [tokenizer(sentences[i : i + batch_size], padding=True, truncation=True,
                                  max_length=MAX_LENGTH, return_tensors="pt")
                        for i in range(0, len(sentences), batch_size)]
        with torch.inference_mode():
            self.model(**self.batches[0])  # warm-up

    def __call__(self) -> None:
        with torch.inference_mode():
            for batch in self.batches:
                self.model(**batch)


def bare_forward_rate(sentences: list[str], batch_size: int = 32, sort: bool = False) -> float:
    bare = BareForward(sentences, batch_size, sort)
    started = time.perf_counter()
    bare()
    return bare.count / (time.perf_counter() - started)


def interleaved(variants: dict[str, Callable[[], object]], count: int, repeats: int
                ) -> dict[str, dict[str, float]]:
    """Each variant once per round, rounds repeated: median and spread of sentences/s, and
    median process CPU seconds per 1,000 sentences."""
    rates: dict[str, list[float]] = {name: [] for name in variants}
    cpu: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, run in variants.items():
            cpu_started, started = time.process_time(), time.perf_counter()
            run()
            rates[name].append(count / (time.perf_counter() - started))
            cpu[name].append((time.process_time() - cpu_started) * 1000 / count)
    return {name: {"median": statistics.median(values), "min": min(values), "max": max(values),
                   "cpu_per_1000": statistics.median(cpu[name])}
            for name, values in rates.items()}


def cold_start_process() -> float:
    """Launch `stancewatch classify`, feed one line, time until its answer arrives."""
    started = time.perf_counter()
    process = subprocess.Popen(
        [sys.executable, "-m", "stancewatch", "classify"], stdin=subprocess.PIPE,
        stdout=subprocess.PIPE, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    process.stdin.write(json.dumps({"id": 1, "text": "Peskov called the idea premature."}) + "\n")
    process.stdin.flush()
    process.stdout.readline()
    elapsed = time.perf_counter() - started
    process.stdin.close()
    process.wait()
    return elapsed


def _figure(stats: dict[str, float]) -> str:
    return f"{stats['median']:7.1f}/s ({stats['min']:.0f}–{stats['max']:.0f})"


def speed(args: argparse.Namespace) -> None:
    from stancewatch.models.classifier import load_classifier

    sentences = news_sentences(args.sentences)
    cold = cold_start_process()
    started = time.perf_counter()
    default = load_classifier(args.model, inference=InferenceOptions(device="cpu"))
    default.classify_texts(sentences[:1])
    load_to_first = time.perf_counter() - started
    auto = auto_variant("cpu")
    chosen = list(dict.fromkeys([REFERENCE, *(args.variants or CPU_VARIANTS), auto]))
    classifiers = {variant: load_classifier(args.model, inference=options(variant))
                   for variant in chosen}
    variants: dict[str, Callable[[], object]] = {
        "bare fp32, input order": BareForward(sentences),
        "bare fp32, length-sorted": BareForward(sentences, sort=True),
    }
    for variant, classifier in classifiers.items():
        variants[f"classify {variant}"] = lambda c=classifier: c.classify_texts(sentences)
    results = interleaved(variants, len(sentences), args.repeats)
    print(f"sentences: {len(sentences)} distinct real news sentences (demo outlets, then real "
          f"coverage), {torch.get_num_threads()} threads, CPU; {args.repeats} interleaved "
          "rounds: median (min–max), process CPU s per 1,000 sentences")
    for name, stats in results.items():
        print(f"  {name:<26} {_figure(stats)}  cpu {stats['cpu_per_1000']:.2f} s")
    bare = results["bare fp32, input order"]["median"]
    rate = results[f"classify {auto}"]["median"]
    fp32 = results[f"classify {REFERENCE}"]
    cpu_ratio = fp32["cpu_per_1000"] / results[f"classify {auto}"]["cpu_per_1000"]
    print(f"cold start: load to first prediction {load_to_first:.2f} s (default {auto}); fresh "
          f"`stancewatch classify` process to first answer {cold:.2f} s (target < 5 s)")
    print(f"bench-model: classify {rate:.1f}/s ({auto}: {rate / fp32['median']:.2f}x torch fp32 "
          f"by wall time, {cpu_ratio:.2f}x by CPU time), bare {bare:.1f}/s, ratio "
          f"{rate / bare:.2f}, cold start {cold:.2f} s")


def accuracy(args: argparse.Namespace) -> int:
    from stancewatch.models.classifier import load_classifier
    from stancewatch.models.interface import TOPICS
    from tools.dataset import real_splits, test_set
    from tools.evaluate import report_for, row_day

    held_out = {"written test": test_set(), "real test split": real_splits()["test"]}
    device = args.device
    auto = auto_variant(device)
    defaults = CPU_VARIANTS if device == "cpu" else GPU_VARIANTS
    reports: dict[str, dict[str, dict]] = {}
    labels: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for precision in dict.fromkeys([REFERENCE, *(args.variants or defaults), auto]):
        classifier = load_classifier(args.model, inference=options(precision, device))
        reports[precision], labels[precision] = {}, {}
        for name, rows in held_out.items():
            started = time.perf_counter()
            predictions = classifier.classify_texts([row.text for row in rows],
                                                    [row_day(row) for row in rows])
            reports[precision][name] = report_for(rows, predictions, classifier.model_version,
                                                  time.perf_counter() - started, classifier.actors)
            labels[precision][name] = [(p.membership.stance, p.guarantees.stance)
                                       for p in predictions]
        model_version = classifier.model_version
    print(f"model {model_version}, {device}; F_avg (mean of both topics) on the held-out sets; "
          f"a precision passes when within {ACCURACY_TOLERANCE} of fp32 on every set")
    passing = []
    for precision, by_set in reports.items():
        cells, ok = [], True
        for name, report in by_set.items():
            delta = report["f_avg_mean"] - reports[REFERENCE][name]["f_avg_mean"]
            agree = sum(a == b for a, b in zip(labels[precision][name], labels[REFERENCE][name],
                                               strict=True)) / len(labels[REFERENCE][name])
            per_topic = "/".join(f"{report[t]['f_avg']:.3f}" for t in TOPICS)
            cells.append(f"{name} {report['f_avg_mean']:.3f} ({per_topic}; Δ {delta:+.3f}, "
                         f"labels agree {agree:.1%})")
            ok = ok and abs(delta) <= ACCURACY_TOLERANCE
        print(f"  {precision:<10} " + "; ".join(cells) + ("" if ok else "  FAILS the rule"))
        if ok:
            passing.append(precision)
    print(f"bench-model --accuracy: {device}: within {ACCURACY_TOLERANCE} of {REFERENCE}: "
          f"{', '.join(passing)}; auto uses {auto}: {'ok' if auto in passing else 'FAILS'}")
    return 0 if auto in passing else 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--model", help="artefact folder (default: the bundled model)")
    parser.add_argument("--variants", nargs="+", metavar="RUNTIME/PRECISION",
                        choices=sorted({*CPU_VARIANTS, *GPU_VARIANTS}),
                        help="what to compare (default: the device's usual ones and auto)")
    parser.add_argument("--accuracy", action="store_true",
                        help="F_avg of each precision against fp32 on the held-out sets")
    parser.add_argument("--device", choices=["cpu", "cuda"], default="cpu",
                        help="with --accuracy: where to run (cuda: torch fp32, fp16, bf16)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    if args.accuracy:
        sys.exit(accuracy(args))
    speed(args)


if __name__ == "__main__":
    main()
