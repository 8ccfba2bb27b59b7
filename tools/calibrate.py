"""Calibrate a trained artefact's decision rule on the real development split.

The label balance a model learns from its training rows (written and real, with or without
loss weights) is not the balance of real coverage. This step adds one offset per topic and
label to the head's logits (kept in the head's bias, so inference is unchanged), chosen on
the real development split only:
every combination of offsets for favor, against and neutral on a grid of -1.5 … +1.5 in
steps of 0.25 (none stays at 0), the one with the best dev F_avg, ties to the smallest
total offset. `make train` runs it after training; run it alone with
`python -m tools.calibrate [--model PATH]`. An artefact is calibrated once.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import sys
from pathlib import Path

import numpy as np
from safetensors.torch import load_file, save_file

from stancewatch.models.classifier import DEFAULT_MODEL
from stancewatch.models.inference import InferenceOptions
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.metrics import topic_report
from stancewatch.models.stance_model import META_FILE, FineTunedScorer
from tools.dataset import LabelledSentence, real_splits

GRID = np.arange(-1.5, 1.51, 0.25)
HEADS_FILE = "heads.safetensors"


def best_offsets(gold: list[str], log_probabilities: np.ndarray) -> tuple[np.ndarray, float]:
    """Offsets (in LABELS order, none fixed at 0) that maximise F_avg on these rows."""
    none = LABELS.index("none")
    best: tuple[float, float, np.ndarray] | None = None
    for combo in itertools.product(GRID, repeat=len(LABELS) - 1):
        offsets = np.insert(np.array(combo), none, 0.0)
        predicted = [LABELS[i] for i in (log_probabilities + offsets).argmax(1)]
        score = float(topic_report(gold, predicted)["f_avg"])
        key = (score, -float(np.abs(offsets).sum()))
        if best is None or key > best[:2]:
            best = (*key, offsets)
    assert best is not None
    return best[2], best[0]


def dev_log_probabilities(folder: Path, rows: list[LabelledSentence]) -> dict[str, np.ndarray]:
    scorer = FineTunedScorer(folder, inference=InferenceOptions(device="cpu", precision="fp32",
                                                                runtime="torch"))
    scores = scorer.score([row.text for row in rows])
    return {topic: np.log(np.array([s[topic] for s in scores]) + 1e-9) for topic in TOPICS}


def calibrate(folder: Path) -> dict[str, object]:
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text())
    if "calibration" in meta:
        raise SystemExit(f"{folder} is already calibrated ({meta['model_version']})")
    rows = real_splits()["dev"]
    log_probabilities = dev_log_probabilities(folder, rows)
    heads = load_file(str(folder / HEADS_FILE))
    calibration: dict[str, object] = {"rule": __doc__.split("\n\n")[1].replace("\n", " "),
                                      "dev_rows": len(rows)}
    for topic in TOPICS:
        gold = [row.label(topic) for row in rows]
        before = topic_report(gold, [LABELS[i] for i in log_probabilities[topic].argmax(1)])
        offsets, after = best_offsets(gold, log_probabilities[topic])
        heads[f"{topic}.bias"] = heads[f"{topic}.bias"] + \
            heads[f"{topic}.bias"].new_tensor(offsets.tolist())
        calibration[topic] = {"offsets": dict(zip(LABELS, offsets.round(2).tolist(), strict=True)),
                              "dev_f_avg_before": before["f_avg"], "dev_f_avg_after": after}
    digest = hashlib.sha256(json.dumps(calibration, sort_keys=True).encode()).hexdigest()[:4]
    meta["calibration"] = calibration
    meta["model_version"] = f"{meta['model_version']}-c{digest}"
    save_file(heads, str(folder / HEADS_FILE))
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    args = parser.parse_args()
    meta = calibrate(args.model)
    calibration = meta["calibration"]
    for topic in TOPICS:
        entry = calibration[topic]
        print(f"{topic}: offsets {entry['offsets']} dev F_avg {entry['dev_f_avg_before']:.4f} "
              f"-> {entry['dev_f_avg_after']:.4f}")
    print(f"model_version {meta['model_version']}", file=sys.stderr)


if __name__ == "__main__":
    main()
