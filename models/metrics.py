"""Stance metrics: SemEval-2016 F_avg, macro-F1, topic detection, holder accuracy, and
cluster bootstrap intervals for them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

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


# --- How sure a figure is --------------------------------------------------------------
# A held-out split of a few hundred on-topic sentences measures F_avg to within a few
# points, and its sentences are not independent: rows of one page, or one site, share a
# writer, an event and a way of putting things. The intervals below resample whole clusters
# (the caller passes each row's site for the real splits) with replacement, the percentile
# bootstrap; a paired difference resamples the same clusters for both models, so it says
# whether one model beats another on this split beyond what the choice of sites explains.

RESAMPLES = 2000
LEVEL = 0.95


@dataclass(frozen=True)
class Interval:
    """A figure and its bootstrap interval (`level`, percentile, clusters resampled)."""

    estimate: float
    low: float
    high: float
    level: float = LEVEL

    def as_json(self) -> dict[str, float]:
        return {"estimate": round(self.estimate, 4), "low": round(self.low, 4),
                "high": round(self.high, 4), "level": self.level}

    def __str__(self) -> str:
        return f"{self.estimate:.3f} [{self.low:.3f}, {self.high:.3f}]"


def _cluster_weights(clusters: Sequence[str], resamples: int, seed: int
                     ) -> tuple[np.ndarray, np.ndarray]:
    """Each row's cluster index, and `resamples` × clusters draw counts (clusters drawn
    with replacement, as many as there are)."""
    if not clusters:
        raise ValueError("no rows to resample")
    names, index = np.unique(np.asarray(clusters, dtype=object).astype(str), return_inverse=True)
    rng = np.random.default_rng(seed)
    weights = rng.multinomial(len(names), np.full(len(names), 1 / len(names)), size=resamples)
    return index, weights


def _per_cluster(values: np.ndarray, index: np.ndarray, clusters: int) -> np.ndarray:
    """Rows' values (rows × k) summed per cluster (clusters × k)."""
    summed = np.zeros((clusters, values.shape[1]))
    np.add.at(summed, index, values)
    return summed


def _stance_counts(gold: Mapping[str, Sequence[str]], predicted: Mapping[str, Sequence[str]]
                   ) -> np.ndarray:
    """Per row, per topic of `gold` and per F_avg label: true positives, predicted, gold
    (rows × topics·6)."""
    columns = []
    for topic, gold_labels in gold.items():
        g = np.asarray(gold_labels)
        p = np.asarray(predicted[topic])
        if g.shape != p.shape:
            raise ValueError(f"{topic}: {len(g)} gold labels, {len(p)} predictions")
        for label in ("favor", "against"):
            columns += [(g == label) & (p == label), p == label, g == label]
    return np.stack(columns, axis=1).astype(float)


def f_avg_from_counts(counts: np.ndarray) -> np.ndarray:
    """Mean F_avg over topics from summed counts (… × topics·6: per topic, for favor then
    against, true positives, predicted, gold); F1 = 2·TP / (P + G), 0 without a TP. The one
    vectorised F_avg: the bootstrap here and the calibration search (tools/calibrate.py)."""
    triples = counts.reshape(*counts.shape[:-1], -1, 3)
    true, predicted, gold = triples[..., 0], triples[..., 1], triples[..., 2]
    f1s = np.where(true > 0, 2 * true / np.maximum(predicted + gold, 1), 0.0)
    return f1s.mean(axis=-1)


def _percentiles(estimate: float, samples: np.ndarray, level: float) -> Interval:
    tail = (1 - level) / 2 * 100
    low, high = np.percentile(samples, [tail, 100 - tail])
    return Interval(float(estimate), float(low), float(high), level)


def f_avg_interval(gold: Mapping[str, Sequence[str]], predicted: Mapping[str, Sequence[str]],
                   clusters: Sequence[str], resamples: int = RESAMPLES, level: float = LEVEL,
                   seed: int = 0) -> Interval:
    """Mean F_avg over the topics of `gold` (topic → labels), with its cluster bootstrap
    interval."""
    counts = _stance_counts(gold, predicted)
    index, weights = _cluster_weights(clusters, resamples, seed)
    summed = weights @ _per_cluster(counts, index, weights.shape[1])
    return _percentiles(float(f_avg_from_counts(counts.sum(0))), f_avg_from_counts(summed), level)


def f_avg_difference(gold: Mapping[str, Sequence[str]], predicted: Mapping[str, Sequence[str]],
                     baseline: Mapping[str, Sequence[str]], clusters: Sequence[str],
                     resamples: int = RESAMPLES, level: float = LEVEL, seed: int = 0) -> Interval:
    """Mean F_avg of `predicted` minus that of `baseline` on the same rows, with a paired
    cluster bootstrap interval: an interval that holds 0 is no evidence either way."""
    ours, theirs = _stance_counts(gold, predicted), _stance_counts(gold, baseline)
    index, weights = _cluster_weights(clusters, resamples, seed)
    both = _per_cluster(np.concatenate([ours, theirs], axis=1), index, weights.shape[1])
    summed = weights @ both
    width = ours.shape[1]
    samples = f_avg_from_counts(summed[:, :width]) - f_avg_from_counts(summed[:, width:])
    estimate = f_avg_from_counts(ours.sum(0)) - f_avg_from_counts(theirs.sum(0))
    return _percentiles(float(estimate), samples, level)


def share_interval(hits: Sequence[bool], clusters: Sequence[str], resamples: int = RESAMPLES,
                   level: float = LEVEL, seed: int = 0) -> Interval:
    """A share of rows (holder accuracy), with its cluster bootstrap interval."""
    values = np.stack([np.asarray(hits, dtype=float), np.ones(len(hits))], axis=1)
    index, weights = _cluster_weights(clusters, resamples, seed)
    summed = weights @ _per_cluster(values, index, weights.shape[1])
    samples = summed[:, 0] / np.maximum(summed[:, 1], 1)
    return _percentiles(float(values[:, 0].mean()), samples, level)
