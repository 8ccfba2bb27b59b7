"""Evaluate a classifier on the held-out sets: `make eval` (python -m tools.evaluate).

Sets: the real-coverage test split (whole outlets and a time range never trained on; see
tools/dataset.py), the real development split (used for model selection), and the written
held-out test set. Per topic: F1 of favor and against and their mean (F_avg, SemEval-2016),
macro-F1 over the four labels, topic-detection F1, confusion matrix; a breakdown by sentence
type; holder accuracy on on-topic sentences with a gold holder (all, and those that name the
holder by a name, alias, title or capital). Titles resolve by each sentence's own date, as
`stancewatch classify` does with a "date" field. Writes metrics.json next to the artefact.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from datetime import date
from pathlib import Path

from stancewatch.models.classifier import DEFAULT_MODEL, StanceClassifier, load_classifier
from stancewatch.models.holders import ActorTable
from stancewatch.models.inference import InferenceOptions
from stancewatch.models.interface import TOPICS, SentenceStance
from stancewatch.models.metrics import format_confusion, topic_report
from tools.dataset import LabelledSentence, real_splits, test_set
from tools.holders_eval import names_holder, same_holder

REFERENCE = InferenceOptions(device="cpu", precision="fp32")  # the model card's figures


def row_day(row: LabelledSentence) -> date | None:
    try:
        return date.fromisoformat(row.source_date) if row.source_date else None
    except ValueError:
        return None


def _stance_report(rows: list[LabelledSentence], predictions: list) -> dict[str, object]:
    report: dict[str, object] = {
        topic: topic_report([row.label(topic) for row in rows],
                            [p.topic(topic).stance for p in predictions])
        for topic in TOPICS
    }
    report["f_avg_mean"] = round(sum(report[t]["f_avg"] for t in TOPICS) / len(TOPICS), 4)
    report["macro_f1_mean"] = round(sum(report[t]["macro_f1"] for t in TOPICS) / len(TOPICS), 4)
    return report


def evaluate(rows: list[LabelledSentence], classifier: StanceClassifier) -> dict[str, object]:
    started = time.perf_counter()
    predictions = classifier.classify_texts([row.text for row in rows], [row_day(r) for r in rows])
    seconds = time.perf_counter() - started
    return report_for(rows, predictions, classifier.model_version, seconds, classifier.actors)


def report_for(rows: list[LabelledSentence], predictions: list[SentenceStance],
               model_version: str, seconds: float, actors: ActorTable) -> dict[str, object]:
    report = _stance_report(rows, predictions)
    held = [(row, p) for row, p in zip(rows, predictions, strict=True) if row.on_topic and row.actor]
    named = [(row, p) for row, p in held if names_holder(row, actors)]
    report["holder_accuracy"] = round(
        sum(same_holder(r.actor, p.actor) for r, p in held) / max(1, len(held)), 4)
    report["holder_accuracy_named"] = round(
        sum(same_holder(r.actor, p.actor) for r, p in named) / max(1, len(named)), 4)
    report["holder_rows"] = len(held)
    report["holder_rows_named"] = len(named)
    by_type: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        if row.sentence_type:
            by_type[row.sentence_type].append(index)
    report["by_sentence_type"] = {
        kind: {"rows": len(ix), "f_avg_mean": _stance_report(
            [rows[i] for i in ix], [predictions[i] for i in ix])["f_avg_mean"]}
        for kind, ix in sorted(by_type.items(), key=lambda kv: -len(kv[1]))}
    report["rows"] = len(rows)
    report["model_version"] = model_version
    report["sentences_per_second"] = round(len(rows) / seconds, 1)
    return report


def print_report(name: str, report: dict[str, object]) -> None:
    print(f"\n== {name}: {report['rows']} sentences, model {report['model_version']}")
    for topic in TOPICS:
        r = report[topic]
        print(f"{topic:<11} F1 favor {r['f1_favor']:.3f}  F1 against {r['f1_against']:.3f}  "
              f"F_avg {r['f_avg']:.3f}  macro-F1 {r['macro_f1']:.3f}  topic F1 {r['topic_f1']:.3f}")
        print(format_confusion(r["confusion"]))
    print(f"mean F_avg {report['f_avg_mean']:.3f}  mean macro-F1 {report['macro_f1_mean']:.3f}  "
          f"holder accuracy {report['holder_accuracy']:.3f} ({report['holder_rows']} on-topic "
          f"sentences with a holder; {report['holder_accuracy_named']:.3f} on the "
          f"{report['holder_rows_named']} that name it)")
    if report["by_sentence_type"]:
        print("by sentence type: " + ", ".join(
            f"{kind} {v['f_avg_mean']:.2f} ({v['rows']})"
            for kind, v in report["by_sentence_type"].items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artefact folder or hub model (default: bundled)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    classifier = load_classifier(args.model, inference=REFERENCE)
    real = real_splits()
    results = {"real_test": evaluate(real["test"], classifier),
               "real_dev": evaluate(real["dev"], classifier),
               "written_test": evaluate(test_set(), classifier)}
    print_report("real coverage, test split (whole outlets and 2026, never trained on)",
                 results["real_test"])
    print_report("real coverage, development split (model selection)", results["real_dev"])
    print_report("written held-out test set", results["written_test"])
    if not args.no_write:
        folder = Path(args.model) if args.model and Path(args.model).is_dir() else Path(DEFAULT_MODEL)
        (folder / "metrics.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
