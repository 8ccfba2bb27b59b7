"""The dev-split calibration of the stance heads (tools/calibrate.py): the offset search."""

import numpy as np

from stancewatch.models.interface import LABELS
from tools.calibrate import best_offsets


def _log_probabilities(rows: list[list[float]]) -> np.ndarray:
    return np.log(np.array(rows))


def test_offsets_move_over_eager_favor_back_to_none() -> None:
    # three off-topic rows the model calls favor by a small margin, one real favor row
    # with a wide margin: pulling favor down by more than the small margin fixes the three
    favor, none = LABELS.index("favor"), LABELS.index("none")
    rows, gold = [], []
    for _ in range(3):
        row = [0.1] * len(LABELS)
        row[favor], row[none] = 0.45, 0.25
        rows.append(row)
        gold.append("none")
    row = [0.05] * len(LABELS)
    row[favor] = 0.85
    rows.append(row)
    gold.append("favor")
    against = [0.1] * len(LABELS)
    against[LABELS.index("against")] = 0.7
    rows.append(against)
    gold.append("against")
    log_probabilities = _log_probabilities(rows)
    before = [LABELS[i] for i in log_probabilities.argmax(1)]
    assert before.count("favor") == 4

    offsets, score = best_offsets(gold, log_probabilities)

    after = [LABELS[i] for i in (log_probabilities + offsets).argmax(1)]
    assert after == gold
    assert score == 1.0
    assert offsets[none] == 0.0
    assert -np.log(0.85 / 0.05) < offsets[favor] < -np.log(0.45 / 0.25)


def test_no_offsets_when_the_model_is_already_right() -> None:
    rows = [[0.7, 0.1, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1], [0.1, 0.1, 0.1, 0.7]]
    gold = [LABELS[int(np.argmax(row))] for row in rows]
    offsets, score = best_offsets(gold, _log_probabilities(rows))
    assert score == 1.0
    assert not offsets.any()  # ties go to the smallest total offset


def test_vectorised_f_avg_matches_the_metrics_module() -> None:
    from stancewatch.models.metrics import topic_report
    from tools.calibrate import f_avg_of

    rng = np.random.default_rng(3)
    gold = rng.integers(0, len(LABELS), 200)
    predicted = rng.integers(0, len(LABELS), (5, 200))
    expected = [topic_report([LABELS[i] for i in gold], [LABELS[i] for i in row])["f_avg"]
                for row in predicted]
    assert f_avg_of(gold, predicted).tolist() == expected


def test_cross_fitting_sees_through_offsets_fitted_to_noise() -> None:
    # logits unrelated to the labels: offsets can always buy some in-sample F_avg, which the
    # cross-fitted estimate (offsets judged on outlets they were not chosen on) does not keep
    from tools.calibrate import best_offsets, cross_fitted_f_avg, f_avg_of

    rng = np.random.default_rng(5)
    gold = [LABELS[i] for i in rng.integers(0, len(LABELS), 240)]
    log_probabilities = np.log(rng.dirichlet(np.ones(len(LABELS)), 240))
    outlets = [f"site{i % 24}" for i in range(240)]
    raw = f_avg_of(np.array([LABELS.index(g) for g in gold]), log_probabilities.argmax(1)[None])[0]

    assert cross_fitted_f_avg(gold, log_probabilities, outlets, 0.0) == raw
    _, in_sample = best_offsets(gold, log_probabilities, 2.0)
    assert in_sample > cross_fitted_f_avg(gold, log_probabilities, outlets, 2.0)


def _overconfident(rows: int, seed: int) -> tuple[list[str], np.ndarray]:
    """Labels drawn from a known distribution, and log-probabilities that state it twice as
    sharply (the log-probabilities doubled): what an over-sure model gives."""
    rng = np.random.default_rng(seed)
    true = rng.dirichlet(np.ones(len(LABELS)) * 0.7, rows)
    gold = [LABELS[rng.choice(len(LABELS), p=p)] for p in true]
    sharp = 2 * np.log(true)
    return gold, sharp - np.log(np.exp(sharp).sum(1, keepdims=True))


def test_the_temperature_undoes_overconfidence_and_leaves_a_calibrated_model_alone() -> None:
    from tools.calibrate import best_temperature

    gold, sharp = _overconfident(4000, 7)
    temperature, before, after = best_temperature(gold, sharp)
    assert 1.8 < temperature < 2.2  # the log-probabilities were doubled
    assert after < before
    calibrated, _, _ = best_temperature(gold, sharp / 2)
    assert 0.9 < calibrated < 1.1


def test_tempering_changes_confidence_never_the_label() -> None:
    from stancewatch.models.interface import TOPICS
    from stancewatch.models.stance_model import confidence_temperatures, temper

    rng = np.random.default_rng(11)
    scores = [{topic: rng.dirichlet(np.ones(len(LABELS)) * 0.3).tolist() for topic in TOPICS}
              for _ in range(200)]
    softened = temper(scores, dict.fromkeys(TOPICS, 2.0))
    for before, after in zip(scores, softened, strict=True):
        for topic in TOPICS:
            assert np.argmax(after[topic]) == np.argmax(before[topic])
            assert max(after[topic]) <= max(before[topic]) + 1e-12
            assert abs(sum(after[topic]) - 1) < 1e-9
    assert temper(scores, dict.fromkeys(TOPICS, 1.0)) is scores
    # an artefact calibrated before temperatures existed keeps its confidences
    assert confidence_temperatures({"calibration": {"membership": {"offsets": {}}}}) == \
        dict.fromkeys(TOPICS, 1.0)
    assert confidence_temperatures({"calibration": {"membership": {"temperature": 1.85}}})[
        "membership"] == 1.85
