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
