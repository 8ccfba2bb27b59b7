"""Calibrate a trained artefact's decision rule on the real development split.

The label balance a model learns from its training rows (written and real, with or without
loss weights) is not the balance of real coverage. This step adds one offset per topic and
label to the head's logits (kept in the head's bias, so inference is unchanged; an
ensemble adds them to the mean of its members' log-probabilities, from its metadata),
chosen on the real development split only:
per topic, the offsets for favor, against and neutral (none stays at 0) on a grid of
steps of 0.25 within ±bound, the combination with the best dev F_avg, ties to the smallest
total offset. The bound (0, i.e. no calibration, 0.5, 1, 1.5 or 2) is the one whose
offsets score best on dev outlets they were not chosen on (5-fold cross-fitting by
outlet, 10 shuffles), ties to the smaller bound: a wide grid fits 782 sentences, not
coverage.

Then the confidence: with the offsets in place, one temperature per topic softens the
final probabilities, softmax(log p / T), T chosen on the same dev rows by the mean negative
log-likelihood of the gold labels (TEMPERATURES grid). Dividing every label's score by the
same T keeps their order, so no label changes; what changes is that a confidence of 0.8 is
right about 8 times in 10 (models/README.md measures it). `make train` runs it after
training; run it alone with `python -m tools.calibrate [--model PATH] [--recalibrate]`.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file, save_file

from stancewatch.models.classifier import DEFAULT_MODEL
from stancewatch.models.inference import InferenceOptions
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.metrics import f_avg_from_counts, topic_report
from stancewatch.models.networks import calibration_offsets
from stancewatch.models.stance_model import MEMBERS_KEY, META_FILE, FineTunedScorer
from tools.dataset import LabelledSentence, real_splits

BOUNDS = (0.0, 0.5, 1.0, 1.5, 2.0)
STEP = 0.25
FOLDS, SHUFFLES = 5, 10
TEMPERATURES = np.round(np.exp(np.linspace(np.log(0.5), np.log(8.0), 200)), 3)
HEADS_FILE = "heads.safetensors"


def candidate_offsets(bound: float) -> np.ndarray:
    """Every offset vector (LABELS order, none at 0) on the grid within ±bound."""
    grid = np.arange(-bound, bound + STEP / 2, STEP) if bound else np.zeros(1)
    combos = np.array(list(itertools.product(grid, repeat=len(LABELS) - 1)))
    return np.insert(combos, LABELS.index("none"), 0.0, axis=1)


def f_avg_of(gold: np.ndarray, predicted: np.ndarray) -> np.ndarray:
    """F_avg (mean F1 of favor and against; models/metrics.py) of each row of `predicted`
    (candidates × sentences, label indices) against `gold`, rounded like topic_report."""
    counts = []
    for label in ("favor", "against"):
        index = LABELS.index(label)
        is_gold, is_predicted = gold == index, predicted == index
        counts += [(is_gold & is_predicted).sum(1), is_predicted.sum(1),
                   np.broadcast_to(is_gold.sum(-1), is_predicted.shape[:1])]
    return np.round(f_avg_from_counts(np.stack(counts, axis=-1).astype(float)), 4)


def _best(gold_index: np.ndarray, log_probabilities: np.ndarray,
          candidates: np.ndarray) -> tuple[np.ndarray, float]:
    predicted = (log_probabilities[None] + candidates[:, None, :]).argmax(2)
    scores = f_avg_of(gold_index, predicted)
    best = int(np.lexsort((-np.abs(candidates).sum(1), scores))[-1])
    return candidates[best], float(scores[best])


def best_offsets(gold: list[str], log_probabilities: np.ndarray,
                 bound: float = 1.5) -> tuple[np.ndarray, float]:
    """Offsets (in LABELS order, none fixed at 0) within ±bound that maximise F_avg on these
    rows; ties to the smallest total offset."""
    return _best(np.array([LABELS.index(label) for label in gold]), log_probabilities,
                 candidate_offsets(bound))


def cross_fitted_f_avg(gold: list[str], log_probabilities: np.ndarray, groups: list[str],
                       bound: float, seed: int = 0) -> float:
    """Dev F_avg of offsets chosen on the other folds (whole outlets per fold), pooled over
    the folds, averaged over SHUFFLES assignments of outlets to folds."""
    rng = np.random.default_rng(seed)
    outlets = sorted(set(groups))
    gold_index = np.array([LABELS.index(label) for label in gold])
    candidates = candidate_offsets(bound)
    scores = []
    for _ in range(SHUFFLES):
        fold_of = {outlets[j]: k % FOLDS for k, j in enumerate(rng.permutation(len(outlets)))}
        folds = np.array([fold_of[group] for group in groups])
        predicted = np.zeros(len(gold), dtype=int)
        for fold in range(FOLDS):
            held = folds == fold
            offsets, _ = _best(gold_index[~held], log_probabilities[~held], candidates)
            predicted[held] = (log_probabilities[held] + offsets).argmax(1)
        scores.append(f_avg_of(gold_index, predicted[None])[0])
    return round(float(np.mean(scores)), 4)


def mean_log_loss(gold_index: np.ndarray, log_probabilities: np.ndarray,
                  temperature: float = 1.0) -> float:
    """Mean negative log-likelihood of the gold labels under softmax(log p / T)."""
    logits = log_probabilities / temperature
    logits = logits - logits.max(1, keepdims=True)
    normaliser = np.log(np.exp(logits).sum(1))
    return float(np.mean(normaliser - logits[np.arange(len(gold_index)), gold_index]))


def best_temperature(gold: list[str], log_probabilities: np.ndarray) -> tuple[float, float, float]:
    """The temperature of TEMPERATURES with the smallest mean log loss on these rows (the
    calibrated log-probabilities), and the loss at T = 1 and at it."""
    gold_index = np.array([LABELS.index(label) for label in gold])
    losses = [mean_log_loss(gold_index, log_probabilities, t) for t in TEMPERATURES]
    best = int(np.argmin(losses))
    return float(TEMPERATURES[best]), mean_log_loss(gold_index, log_probabilities), losses[best]


def uncalibrated_probabilities(folder: Path, texts: list[str], device: str = "cpu"
                               ) -> dict[str, np.ndarray]:
    """The artefact's probabilities per topic (rows × labels), scored as the pipeline scores
    (fp32, typography mapped) but without its confidence temperature."""
    scorer = FineTunedScorer(folder, inference=InferenceOptions(device=device, precision="fp32",
                                                                runtime="torch"))
    scorer.confidence_temperatures = dict.fromkeys(TOPICS, 1.0)  # fitted here, afresh
    scores = scorer.score(texts)
    return {topic: np.array([s[topic] for s in scores]) for topic in TOPICS}


def dev_log_probabilities(folder: Path, rows: list[LabelledSentence]) -> dict[str, np.ndarray]:
    probabilities = uncalibrated_probabilities(folder, [row.text for row in rows])
    return {topic: np.log(values + 1e-9) for topic, values in probabilities.items()}


def calibrate(folder: Path, recalibrate: bool = False) -> dict[str, object]:
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text())
    if "calibration" in meta and not recalibrate:
        raise SystemExit(f"{folder} is already calibrated ({meta['model_version']}); "
                         "--recalibrate undoes its offsets first")
    rows = real_splits()["dev"]
    log_probabilities = dev_log_probabilities(folder, rows)
    earlier = calibration_offsets(meta).numpy()  # zeros when uncalibrated
    for index, topic in enumerate(TOPICS):  # back to the trained model (an offset shifts
        log_probabilities[topic] = log_probabilities[topic] - earlier[index]  # every argmax alike)
    if "calibration" in meta:
        meta["model_version"] = meta["model_version"].rsplit("-c", 1)[0]
    outlets = [row.site for row in rows]
    calibration: dict[str, object] = {"rule": " ".join(__doc__.split("\n\n")[1:3]).replace("\n", " "),
                                      "dev_rows": len(rows)}
    for topic in TOPICS:
        gold = [row.label(topic) for row in rows]
        before = topic_report(gold, [LABELS[i] for i in log_probabilities[topic].argmax(1)])
        estimates = {bound: cross_fitted_f_avg(gold, log_probabilities[topic], outlets, bound)
                     for bound in BOUNDS}
        bound = max(BOUNDS, key=lambda b: (estimates[b], -b))
        offsets, after = best_offsets(gold, log_probabilities[topic], bound)
        offsets = offsets.round(2)
        temperature, loss_before, loss_after = best_temperature(
            gold, log_probabilities[topic] + offsets)
        calibration[topic] = {"offsets": dict(zip(LABELS, offsets.tolist(), strict=True)),
                              "bound": bound, "dev_f_avg_before": before["f_avg"],
                              "dev_f_avg_after": after,
                              "dev_f_avg_cross_fitted": {str(b): e for b, e in estimates.items()},
                              "temperature": temperature,
                              "dev_log_loss_before": round(loss_before, 4),
                              "dev_log_loss_after": round(loss_after, 4)}
    digest = hashlib.sha256(json.dumps(calibration, sort_keys=True).encode()).hexdigest()[:4]
    meta["calibration"] = calibration
    meta["model_version"] = f"{meta['model_version']}-c{digest}"
    if MEMBERS_KEY not in meta:  # a single model keeps its offsets in the heads' bias too
        shift = calibration_offsets(meta) - torch.from_numpy(earlier)
        heads = load_file(str(folder / HEADS_FILE))
        for index, topic in enumerate(TOPICS):
            heads[f"{topic}.bias"] = heads[f"{topic}.bias"] + shift[index].to(heads[f"{topic}.bias"])
        save_file(heads, str(folder / HEADS_FILE))
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--recalibrate", action="store_true",
                        help="undo an earlier calibration's offsets and calibrate again")
    args = parser.parse_args()
    meta = calibrate(args.model, args.recalibrate)
    calibration = meta["calibration"]
    for topic in TOPICS:
        entry = calibration[topic]
        estimates = ", ".join(f"±{b} {e:.4f}" for b, e in entry["dev_f_avg_cross_fitted"].items())
        print(f"{topic}: cross-fitted dev F_avg by bound: {estimates}; bound {entry['bound']}: "
              f"offsets {entry['offsets']} dev F_avg {entry['dev_f_avg_before']:.4f} -> "
              f"{entry['dev_f_avg_after']:.4f} (in sample); confidence temperature "
              f"{entry['temperature']} (dev log loss {entry['dev_log_loss_before']:.4f} -> "
              f"{entry['dev_log_loss_after']:.4f})")
    print(f"model_version {meta['model_version']}", file=sys.stderr)


if __name__ == "__main__":
    main()
