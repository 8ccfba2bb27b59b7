"""Cluster bootstrap intervals (models/metrics.py) and the evaluation report that prints them
(tools/evaluate.py)."""

from __future__ import annotations

import random

import pytest

from stancewatch.models.holders import ActorTable
from stancewatch.models.interface import LABELS, TOPICS, SentenceStance, TopicStance
from stancewatch.models.metrics import (
    f_avg_difference,
    f_avg_interval,
    share_interval,
    topic_report,
)
from tools.dataset import LabelledSentence
from tools.evaluate import clusters_of, period_of, report_for


def _labels(n: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    return rng.choices(LABELS, weights=[15, 10, 5, 70], k=n)


def _noisy(gold: list[str], rate: float, seed: int) -> list[str]:
    rng = random.Random(seed)
    return [rng.choice(LABELS) if rng.random() < rate else g for g in gold]


def test_the_estimate_is_the_mean_f_avg_of_the_topic_report():
    gold = {"membership": _labels(400, 1), "guarantees": _labels(400, 2)}
    predicted = {topic: _noisy(labels, 0.3, 3) for topic, labels in gold.items()}
    interval = f_avg_interval(gold, predicted, [str(i) for i in range(400)])
    expected = sum(topic_report(gold[t], predicted[t])["f_avg"] for t in gold) / 2
    assert interval.estimate == pytest.approx(expected, abs=1e-4)
    assert interval.low < interval.estimate < interval.high


def test_perfect_predictions_have_no_spread():
    gold = {"membership": _labels(200, 4)}
    interval = f_avg_interval(gold, gold, [str(i % 20) for i in range(200)])
    assert (interval.low, interval.estimate, interval.high) == (1.0, 1.0, 1.0)


def test_the_same_seed_gives_the_same_interval_and_another_seed_another():
    gold = {"membership": _labels(300, 5)}
    predicted = {"membership": _noisy(gold["membership"], 0.3, 6)}
    clusters = [str(i) for i in range(300)]
    assert f_avg_interval(gold, predicted, clusters) == f_avg_interval(gold, predicted, clusters)
    assert f_avg_interval(gold, predicted, clusters, seed=1) != f_avg_interval(
        gold, predicted, clusters)


def test_rows_that_err_together_widen_the_interval():
    # 20 sites of 20 rows: on half of them every prediction is wrong. Resampling rows as if
    # independent understates how much the figure depends on which sites the split holds.
    gold = {"membership": _labels(400, 7)}
    wrong = {"favor": "against", "against": "favor", "neutral": "favor", "none": "favor"}
    predicted = {"membership": [wrong[g] if (i // 20) % 2 else g
                                for i, g in enumerate(gold["membership"])]}
    by_row = f_avg_interval(gold, predicted, [str(i) for i in range(400)])
    by_site = f_avg_interval(gold, predicted, [str(i // 20) for i in range(400)])
    assert by_row.estimate == by_site.estimate
    assert by_site.high - by_site.low > 1.5 * (by_row.high - by_row.low)


def test_a_paired_difference_is_zero_for_the_same_predictions():
    gold = {"membership": _labels(300, 8)}
    predicted = {"membership": _noisy(gold["membership"], 0.3, 9)}
    difference = f_avg_difference(gold, predicted, predicted, [str(i % 30) for i in range(300)])
    assert (difference.low, difference.estimate, difference.high) == (0.0, 0.0, 0.0)


def test_a_paired_difference_finds_a_model_that_fixes_errors_everywhere():
    gold = {"membership": _labels(600, 10)}
    baseline = {"membership": _noisy(gold["membership"], 0.4, 11)}
    # the better model fixes every fourth error of the baseline, on every site
    better = {"membership": [g if (p != g and i % 4 == 0) else p for i, (g, p) in
                             enumerate(zip(gold["membership"], baseline["membership"], strict=True))]}
    clusters = [str(i % 40) for i in range(600)]
    difference = f_avg_difference(gold, better, baseline, clusters)
    expected = (f_avg_interval(gold, better, clusters).estimate
                - f_avg_interval(gold, baseline, clusters).estimate)
    assert difference.estimate == pytest.approx(expected)
    assert 0 < difference.low < difference.estimate < difference.high
    # the other way round is the same interval, mirrored
    assert f_avg_difference(gold, baseline, better, clusters).high == pytest.approx(-difference.low)


def test_a_share_and_its_interval():
    hits = [i % 4 != 0 for i in range(200)]
    interval = share_interval(hits, [str(i // 10) for i in range(200)])
    assert interval.estimate == 0.75
    assert interval.low < 0.75 < interval.high
    everything = share_interval([True] * 50, [str(i) for i in range(50)])
    assert (everything.low, everything.high) == (1.0, 1.0)


def test_bad_input_is_refused():
    with pytest.raises(ValueError, match="no rows"):
        f_avg_interval({"membership": []}, {"membership": []}, [])
    with pytest.raises(ValueError, match="membership: 3 gold labels, 2 predictions"):
        f_avg_interval({"membership": ["favor"] * 3}, {"membership": ["favor"] * 2}, ["a"] * 3)


def _row(i: int, site: str | None, day: str | None, membership: str, guarantees: str
         ) -> LabelledSentence:
    return LabelledSentence(
        f"r{i}", f"sentence {i}", {"membership": membership, "guarantees": guarantees},
        "Mark Rutte" if membership != "none" else None, "NATO" if membership != "none" else None,
        "test.jsonl", source_url=f"https://{site}/a/{i}" if site else None, source_date=day,
        sentence_type="quote")


def test_the_report_carries_intervals_and_a_period_breakdown_with_its_support():
    rows = [_row(i, f"site{i % 7}.example", f"{2019 + i % 8}-03-01",
                 LABELS[(i // 8) % 4], LABELS[(i // 32) % 4]) for i in range(160)]
    # right on every row but those of 2026, where favor and against are swapped
    swap = {"favor": "against", "against": "favor"}
    predictions = [SentenceStance(
        {topic: TopicStance(swap.get(r.label(topic), r.label(topic)) if r.source_date >= "2026"
                            else r.label(topic), 0.9) for topic in TOPICS},
        r.actor, r.actor_group) for r in rows]
    report = report_for(rows, predictions, "v", 1.0, ActorTable.load())
    intervals = report["intervals"]
    assert intervals["clusters"] == "site"
    assert intervals["f_avg_mean"]["low"] < report["f_avg_mean"] < 1.0
    assert intervals["holder_accuracy"] == {"estimate": 1.0, "low": 1.0, "high": 1.0,
                                            "level": 0.95}
    periods = report["by_period"]
    assert list(periods)[0] == "2021 and before"  # the years before the invasion, first
    assert periods["2021 and before"]["rows"] == 60
    assert periods["2024"]["f_avg_mean"] == 1.0 and periods["2026"]["f_avg_mean"] == 0.0
    assert periods["2026"]["membership"]["stance_rows"] == sum(
        r.source_date >= "2026" and r.membership in ("favor", "against") for r in rows)


def test_rows_without_a_site_are_their_own_cluster():
    rows = [_row(1, None, None, "favor", "none"), _row(2, None, None, "favor", "none"),
            _row(3, "kyivindependent.com", None, "favor", "none"),
            _row(4, "www.kyivindependent.com", None, "favor", "none")]
    assert clusters_of(rows) == ["row:r1", "row:r2", "kyivindependent.com", "kyivindependent.com"]
    assert [period_of(d) for d in ("2008-04-03", "2021-12-31", "2022-02-24")] == [
        "2021 and before", "2021 and before", "2022"]
