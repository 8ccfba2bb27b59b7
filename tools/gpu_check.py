"""GPU check: sentences/s through the classify path on CUDA, fp32 against fp16 (and bf16).

Prepared for a machine with a GPU, not run in CI (there is none). Needs only torch,
transformers and safetensors, this repository's files and the bundle of `make gpu-bundle`
(the base weights in fp16; tools/standalone.py), carried as `build/gpu`:

    python -m tools.gpu_check

It loads the bundled artefact through the same code the pipeline uses
(models.classifier.load_classifier with device=cuda), classifies every labelled sentence
(the written test set and the real corpus, repeated to --sentences) in each precision,
interleaved over --repeats rounds, and prints the median sentences/s with the spread, the
peak GPU memory, and how often fp16/bf16 labels agree with fp32 (the F_avg rule itself is
`python -m tools.bench_model --accuracy --device cuda`, which needs the full install).
The last line: `gpu-check: <device> fp32 <r>/s, fp16 <r>/s (<x>x), agreement <a>`.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time

from tools import standalone

ROOT = standalone.ROOT


def labelled_texts(limit: int) -> list[str]:
    files = sorted((ROOT / "models" / "data" / "test").glob("*.jsonl")) + sorted(
        (ROOT / "models" / "data" / "real").glob("*.jsonl"))
    texts = [json.loads(line)["text"] for file in files
             for line in file.read_text(encoding="utf-8").splitlines() if line.strip()]
    while len(texts) < limit:
        texts += texts
    return texts[:limit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--precisions", nargs="+", default=["fp32", "fp16", "bf16"])
    parser.add_argument("--batch-size", type=int, default=None,
                        help="sentences per forward pass (default: the CUDA default)")
    args = parser.parse_args()
    standalone.prepare()
    import torch

    from stancewatch.models.classifier import load_classifier
    from stancewatch.models.inference import InferenceOptions

    if not torch.cuda.is_available():
        print("gpu-check: torch sees no CUDA GPU", file=sys.stderr)
        return 2
    texts = labelled_texts(args.sentences)
    classifiers = {}
    for precision in args.precisions:
        classifier = load_classifier(inference=InferenceOptions("cuda", precision))
        if args.batch_size:
            classifier.scorer.batch_size = args.batch_size
        classifier.classify_texts(texts[:2048])  # warm-up: kernels, allocator
        classifiers[precision] = classifier
    rates: dict[str, list[float]] = {p: [] for p in classifiers}
    peaks: dict[str, float] = {}
    labels: dict[str, list[tuple[str, str]]] = {}
    for _ in range(args.repeats):
        for precision, classifier in classifiers.items():
            torch.cuda.synchronize()
            torch.cuda.reset_peak_memory_stats()
            started = time.perf_counter()
            results = classifier.classify_texts(texts)
            torch.cuda.synchronize()
            rates[precision].append(len(texts) / (time.perf_counter() - started))
            peaks[precision] = torch.cuda.max_memory_allocated() / 2**20
            labels[precision] = [(r.membership.stance, r.guarantees.stance) for r in results]
    device = torch.cuda.get_device_name(0)
    batch = next(iter(classifiers.values())).scorer.batch_size
    print(f"{device}; torch {torch.__version__}; {len(texts)} labelled sentences, batch {batch}, "
          f"{args.repeats} interleaved rounds (median, min–max); classify path with holders")
    reference = labels.get("fp32")
    for precision, values in rates.items():
        agree = (sum(a == b for a, b in zip(labels[precision], reference, strict=True))
                 / len(reference)) if reference else float("nan")
        print(f"  {precision:<5} {statistics.median(values):9.1f} sentences/s "
              f"({min(values):.0f}–{max(values):.0f}); peak GPU memory {peaks[precision]:.0f} MiB; "
              f"labels agree with fp32 {agree:.2%}")
    if "fp32" in rates and "fp16" in rates:
        fp32, fp16 = statistics.median(rates["fp32"]), statistics.median(rates["fp16"])
        agree = sum(a == b for a, b in zip(labels["fp16"], labels["fp32"], strict=True)) / len(texts)
        print(f"gpu-check: {device} fp32 {fp32:.0f}/s, fp16 {fp16:.0f}/s ({fp16 / fp32:.2f}x), "
              f"agreement {agree:.2%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
