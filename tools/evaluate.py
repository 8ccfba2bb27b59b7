"""Evaluate a classifier on the held-out sets: `make eval` (python -m tools.evaluate).

Sets: the real-coverage test split (whole outlets and a time range never trained on; see
tools/dataset.py), the real development split (used for model selection), and the written
held-out test set. Per topic: F1 of favor and against and their mean (F_avg, SemEval-2016),
macro-F1 over the four labels, topic-detection F1, confusion matrix; a breakdown by sentence
type; holder accuracy on on-topic sentences with a gold holder (all, and those that name the
holder by a name, alias, title or capital). Titles resolve by each sentence's own date, as
`stancewatch classify` does with a "date" field. Every mean F_avg and holder accuracy comes
with a 95 % interval from a bootstrap over whole sites (a written sentence is its own
cluster): the splits are a few hundred on-topic sentences from a few hundred sites, so their
figures are sure to a few points, no better. Writes metrics.json next to the artefact.

`--against OTHER` also runs another artefact on the same sets and prints the difference in
mean F_avg with a paired interval over the same sites: the way to tell whether a change
beats the installed model beyond the luck of which sites a split holds (choose on dev).
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from collections.abc import Callable
from datetime import date
from pathlib import Path

from stancewatch.models.classifier import DEFAULT_MODEL, StanceClassifier, load_classifier
from stancewatch.models.holders import ActorTable
from stancewatch.models.inference import InferenceOptions
from stancewatch.models.interface import TOPICS, SentenceStance
from stancewatch.models.metrics import (
    Interval,
    f_avg_difference,
    f_avg_interval,
    format_confusion,
    share_interval,
    topic_report,
)
from tools.dataset import LabelledSentence, real_splits, test_set
from tools.holders_eval import names_holder, same_holder

REFERENCE = InferenceOptions(device="cpu", precision="fp32")  # the model card's figures


def row_day(row: LabelledSentence) -> date | None:
    try:
        return date.fromisoformat(row.source_date) if row.source_date else None
    except ValueError:
        return None


def period_of(source_date: str) -> str:
    """The period a dated row is reported under: its year, and the years before the
    invasion together (sorted first)."""
    year = source_date[:4]
    return "2021 and before" if year < "2022" else year


def clusters_of(rows: list[LabelledSentence]) -> list[str]:
    """What the intervals resample: a row's site, or the row itself when it has none (the
    written sentences)."""
    return [row.site or f"row:{row.id}" for row in rows]


def _labels(rows: list[LabelledSentence], predictions: list[SentenceStance] | None = None
            ) -> dict[str, list[str]]:
    if predictions is None:
        return {topic: [row.label(topic) for row in rows] for topic in TOPICS}
    return {topic: [p.topic(topic).stance for p in predictions] for topic in TOPICS}


def _stance_report(rows: list[LabelledSentence], predictions: list) -> dict[str, object]:
    report: dict[str, object] = {
        topic: topic_report([row.label(topic) for row in rows],
                            [p.topic(topic).stance for p in predictions])
        for topic in TOPICS
    }
    report["f_avg_mean"] = round(sum(report[t]["f_avg"] for t in TOPICS) / len(TOPICS), 4)
    report["macro_f1_mean"] = round(sum(report[t]["macro_f1"] for t in TOPICS) / len(TOPICS), 4)
    return report


def _slice_report(rows: list[LabelledSentence], predictions: list[SentenceStance]
                  ) -> dict[str, object]:
    """A slice's mean F_avg, each topic's, and how many of its rows are favor or against on
    each topic: a slice with a handful of those has an F_avg that means little (one topic
    with two such rows can halve the mean)."""
    report = _stance_report(rows, predictions)
    return {"rows": len(rows), "f_avg_mean": report["f_avg_mean"],
            **{topic: {"f_avg": report[topic]["f_avg"],
                       "stance_rows": sum(row.label(topic) in ("favor", "against") for row in rows)}
               for topic in TOPICS}}


def _breakdown(rows: list[LabelledSentence], predictions: list[SentenceStance],
               key_of: Callable[[LabelledSentence], str | None]) -> dict[str, dict[str, object]]:
    """A slice report for each value of `key_of` (rows where it is None are left out)."""
    slices: dict[str, list[int]] = defaultdict(list)
    for index, row in enumerate(rows):
        key = key_of(row)
        if key:
            slices[key].append(index)
    return {key: _slice_report([rows[i] for i in ix], [predictions[i] for i in ix])
            for key, ix in slices.items()}


def _slice_line(name: str, slice_report: dict[str, object]) -> str:
    topics = " / ".join(f"{slice_report[t]['f_avg']:.2f} ({slice_report[t]['stance_rows']})"
                        for t in TOPICS)
    return f"{name} {slice_report['f_avg_mean']:.2f} ({slice_report['rows']}: {topics})"


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
    report["intervals"] = {
        "f_avg_mean": f_avg_interval(_labels(rows), _labels(rows, predictions),
                                     clusters_of(rows)).as_json(),
        **{key: share_interval([same_holder(r.actor, p.actor) for r, p in pairs],
                               clusters_of([r for r, _ in pairs])).as_json()
           for key, pairs in (("holder_accuracy", held), ("holder_accuracy_named", named))
           if pairs},
        "clusters": "site",
    }
    by_type = _breakdown(rows, predictions, lambda row: row.sentence_type)
    report["by_sentence_type"] = dict(sorted(by_type.items(), key=lambda kv: -kv[1]["rows"]))
    report["by_period"] = dict(sorted(_breakdown(
        rows, predictions, lambda row: period_of(row.source_date) if row.source_date else None
    ).items()))
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
    spans = {key: f" [{v['low']:.3f}, {v['high']:.3f}]" for key, v in report["intervals"].items()
             if isinstance(v, dict)}
    print(f"mean F_avg {report['f_avg_mean']:.3f}{spans['f_avg_mean']}  "
          f"mean macro-F1 {report['macro_f1_mean']:.3f}  "
          f"holder accuracy {report['holder_accuracy']:.3f}{spans.get('holder_accuracy', '')} "
          f"({report['holder_rows']} on-topic sentences with a holder; "
          f"{report['holder_accuracy_named']:.3f}{spans.get('holder_accuracy_named', '')} on the "
          f"{report['holder_rows_named']} that name it); 95 % intervals over sites")
    for title, key in (("by sentence type", "by_sentence_type"), ("by period", "by_period")):
        if report[key]:
            print(f"{title} (mean F_avg (rows: per topic F_avg (favor or against rows))): "
                  + ", ".join(_slice_line(name, v) for name, v in report[key].items()))


def compare(rows: list[LabelledSentence], classifier: StanceClassifier,
            baseline: StanceClassifier) -> Interval:
    """The mean F_avg of `classifier` minus that of `baseline` on `rows`, paired by site."""
    days = [row_day(r) for r in rows]
    texts = [row.text for row in rows]
    return f_avg_difference(_labels(rows), _labels(rows, classifier.classify_texts(texts, days)),
                            _labels(rows, baseline.classify_texts(texts, days)), clusters_of(rows))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="artefact folder or hub model (default: bundled)")
    parser.add_argument("--against", metavar="OTHER",
                        help="also print the paired difference in mean F_avg against OTHER "
                             "(an artefact folder or hub model) on each set")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    classifier = load_classifier(args.model, inference=REFERENCE)
    real = real_splits()
    sets = {"real_test": real["test"], "real_dev": real["dev"], "written_test": test_set()}
    if args.against:
        baseline = load_classifier(args.against, inference=REFERENCE)
        print(f"mean F_avg of {classifier.model_version} minus {baseline.model_version}, "
              "95 % paired intervals over sites:")
        for name, rows in sets.items():
            print(f"  {name:<13} {compare(rows, classifier, baseline)}")
        return
    results = {name: evaluate(rows, classifier) for name, rows in sets.items()}
    print_report("real coverage, test split (whole outlets and 2026, never trained on)",
                 results["real_test"])
    print_report("real coverage, development split (model selection)", results["real_dev"])
    print_report("written held-out test set", results["written_test"])
    if not args.no_write:
        folder = Path(args.model) if args.model and Path(args.model).is_dir() else Path(DEFAULT_MODEL)
        (folder / "metrics.json").write_text(json.dumps(results, indent=1) + "\n")


if __name__ == "__main__":
    main()
