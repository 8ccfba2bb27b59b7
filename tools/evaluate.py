"""Evaluate the bundled classifier on the held-out test set: `make eval`.

Per topic: F1 of favor and against and their mean (F_avg, SemEval-2016), macro-F1 over the
four labels, topic-detection F1 (on-topic vs none), confusion matrix; holder accuracy.
Writes metrics.json next to the artefact.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from stancewatch.models.classifier import DEFAULT_MODEL, StanceClassifier, load_classifier
from stancewatch.models.inference import InferenceOptions
from stancewatch.models.interface import TOPICS, SentenceStance
from stancewatch.models.metrics import format_confusion, holder_accuracy, topic_report
from tools.dataset import LabelledSentence, test_set, train_dev_split

REFERENCE = InferenceOptions(device="cpu", precision="fp32")  # the model card's figures


def evaluate(rows: list[LabelledSentence], model: str | None = None,
             classifier: StanceClassifier | None = None) -> dict[str, object]:
    """Metrics of `classifier` (default: the model in fp32 on the CPU, the reference)."""
    classifier = classifier or load_classifier(model, inference=REFERENCE)
    started = time.perf_counter()
    predictions = classifier.classify_texts([row.text for row in rows])
    seconds = time.perf_counter() - started
    return report_for(rows, predictions, classifier.model_version, seconds)


def report_for(rows: list[LabelledSentence], predictions: list[SentenceStance],
               model_version: str, seconds: float) -> dict[str, object]:
    report: dict[str, object] = {
        topic: topic_report([row.label(topic) for row in rows],
                            [p.topic(topic).stance for p in predictions])
        for topic in TOPICS
    }
    report["f_avg_mean"] = round(sum(report[t]["f_avg"] for t in TOPICS) / len(TOPICS), 4)
    report["macro_f1_mean"] = round(sum(report[t]["macro_f1"] for t in TOPICS) / len(TOPICS), 4)
    report["holder_accuracy"] = holder_accuracy([row.actor for row in rows],
                                                [p.actor for p in predictions])
    report["holder_accuracy_named"] = holder_accuracy(
        [row.actor for row in rows if row.actor], [p.actor for p, row in zip(
            predictions, rows, strict=True) if row.actor])
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
          f"holder accuracy {report['holder_accuracy']:.3f} "
          f"(named holders only {report['holder_accuracy_named']:.3f})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artefact folder or hub model (default: bundled)")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    _, dev = train_dev_split()
    results = {"dev": evaluate(dev, args.model), "test": evaluate(test_set(), args.model)}
    print_report("development split (used for model selection)", results["dev"])
    print_report("held-out test set (never trained or tuned on)", results["test"])
    if not args.no_write and args.model is None:
        (Path(DEFAULT_MODEL) / "metrics.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
