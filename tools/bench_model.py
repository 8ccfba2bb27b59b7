"""Model-only benchmark: `make bench-model`.

Sentences per second through the classifier (the code `stancewatch classify` runs:
tokenise, encode, both heads, holder attribution) next to the bare forward pass of the
same encoder on the same sentences (fp32, batch 32, pre-tokenised, input order), and cold
start: a fresh process from launch to its first prediction, and load-to-first-prediction.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import torch

from stancewatch.extractors.extract import extract_article
from stancewatch.extractors.sentences import split_sentences

DEMO_SITES = Path(__file__).resolve().parent.parent / "demo" / "sites"


def news_sentences(limit: int) -> list[str]:
    """Real article sentences: every demo page, extracted and split like the pipeline does."""
    sentences: list[str] = []
    for page in sorted(DEMO_SITES.rglob("*.html")):
        try:
            article = extract_article(page.read_bytes(), f"http://demo/{page.name}")
        except ValueError:
            continue
        sentences += split_sentences(article.text)
    while len(sentences) < limit:
        sentences += sentences
    return sentences[:limit]


def bare_forward_rate(sentences: list[str], batch_size: int = 32, sort: bool = False) -> float:
    from transformers import AutoModel, AutoTokenizer

    from stancewatch.models.stance_model import BUNDLED_BASE, MAX_LENGTH, resolve_base

    base = resolve_base(BUNDLED_BASE)
    tokenizer = AutoTokenizer.from_pretrained(base)
    model = AutoModel.from_pretrained(base).eval()
    if sort:  # the same length-sorted batching the classifier uses
        sentences = sorted(sentences, key=len)
    batches = [tokenizer(sentences[i : i + batch_size], padding=True, truncation=True,
                         max_length=MAX_LENGTH, return_tensors="pt")
               for i in range(0, len(sentences), batch_size)]
    with torch.inference_mode():
        model(**batches[0])
        started = time.perf_counter()
        for batch in batches:
            model(**batch)
    return len(sentences) / (time.perf_counter() - started)


def classifier_rate(sentences: list[str]) -> tuple[float, float]:
    started = time.perf_counter()
    from stancewatch.models.classifier import load_classifier

    classifier = load_classifier()
    classifier.classify_texts(sentences[:1])
    load_to_first = time.perf_counter() - started
    started = time.perf_counter()
    classifier.classify_texts(sentences)
    return len(sentences) / (time.perf_counter() - started), load_to_first


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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    sentences = news_sentences(args.sentences)
    cold = cold_start_process()
    rate, load_to_first = classifier_rate(sentences)
    bare = bare_forward_rate(sentences)
    bare_sorted = bare_forward_rate(sentences, sort=True)
    print(f"sentences: {len(sentences)} real news sentences from the demo outlets, "
          f"{args.threads} threads, CPU")
    print(f"bare forward pass (fp32, batch 32): {bare:8.1f} sentences/s in input order, "
          f"{bare_sorted:.1f}/s length-sorted (classify path = {rate / bare_sorted:.0%} of that)")
    print(f"classifier (classify path):         {rate:8.1f} sentences/s "
          f"= {rate / bare:.0%} of bare (target >= 70%)")
    print(f"cold start: load to first prediction {load_to_first:.2f} s; fresh "
          f"`stancewatch classify` process to first answer {cold:.2f} s (target < 5 s)")
    print(f"bench-model: classify {rate:.1f}/s, bare {bare:.1f}/s, ratio {rate / bare:.2f}, "
          f"cold start {cold:.2f} s")


if __name__ == "__main__":
    main()
