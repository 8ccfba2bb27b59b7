"""Stance metrics: SemEval-2016 F_avg, macro-F1, topic detection, holder accuracy."""

from __future__ import annotations

from collections.abc import Sequence

from stancewatch.models.interface import LABELS


def f1(gold: Sequence[str], predicted: Sequence[str], label: str) -> float:
    true_positive = sum(g == label and p == label for g, p in zip(gold, predicted, strict=True))
    predicted_count = sum(p == label for p in predicted)
    gold_count = sum(g == label for g in gold)
    if true_positive == 0:
        return 0.0
    precision = true_positive / predicted_count
    recall = true_positive / gold_count
    return 2 * precision * recall / (precision + recall)


def topic_report(gold: Sequence[str], predicted: Sequence[str]) -> dict[str, object]:
    on_gold = ["on" if g != "none" else "off" for g in gold]
    on_predicted = ["on" if p != "none" else "off" for p in predicted]
    f_favor = f1(gold, predicted, "favor")
    f_against = f1(gold, predicted, "against")
    return {
        "n": len(gold),
        "f1_favor": round(f_favor, 4),
        "f1_against": round(f_against, 4),
        "f_avg": round((f_favor + f_against) / 2, 4),
        "macro_f1": round(sum(f1(gold, predicted, label) for label in LABELS) / len(LABELS), 4),
        "topic_f1": round(f1(on_gold, on_predicted, "on"), 4),
        "accuracy": round(sum(g == p for g, p in zip(gold, predicted, strict=True)) / max(1, len(gold)), 4),
        "confusion": {g: {p: sum(1 for a, b in zip(gold, predicted, strict=True) if a == g and b == p)
                          for p in LABELS} for g in LABELS},
    }


def holder_accuracy(gold: Sequence[str | None], predicted: Sequence[str | None]) -> float:
    if not gold:
        return 0.0
    return round(sum((g or None) == (p or None) for g, p in zip(gold, predicted, strict=True)) / len(gold), 4)


def format_confusion(confusion: dict[str, dict[str, int]]) -> str:
    lines = ["gold \\ predicted " + " ".join(f"{label:>8}" for label in LABELS)]
    for gold in LABELS:
        lines.append(f"{gold:<17} " + " ".join(f"{confusion[gold][p]:>8}" for p in LABELS))
    return "\n".join(lines)
