"""Recipe search on the development split (never the test set): `python -m models.sweep`.

Prints one line per configuration; the chosen recipe is the default of models.train.
rank > 0: LoRA of that rank; rank 0: full fine-tuning; rank -1: frozen encoder + heads.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import torch

from models.interface import TOPICS
from models.train import train

GRID = [
    # (learning rate, LoRA rank, epochs, seed)
    (1e-3, 16, 12, 13), (1e-3, 16, 20, 13), (2e-3, 16, 12, 13), (2e-3, 16, 20, 13),
    (5e-4, 16, 20, 13), (3e-3, 16, 20, 13), (1e-3, 8, 20, 13), (1e-3, 32, 20, 13),
    (2e-3, 32, 20, 13), (1e-3, 16, 30, 13), (1e-3, 16, 20, 1), (1e-3, 16, 20, 2),
    (5e-5, 0, 12, 13), (1e-2, -1, 20, 13),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", type=Path, default=Path("sweep.json"))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    args = parser.parse_args()
    rows = []
    for learning_rate, rank, epochs, seed in GRID:
        started = time.time()
        with tempfile.TemporaryDirectory() as folder:
            meta = train(seed, epochs, 16, learning_rate, rank, 2 * max(rank, 1), 0.1,
                         args.device, Path(folder) / "artefact")
        dev = meta["dev"]
        row = {"learning_rate": learning_rate, "rank": rank, "epochs": epochs, "seed": seed,
               "best_epoch": meta["recipe"]["best_epoch"],
               "f_avg": {t: dev[t]["f_avg"] for t in TOPICS},
               "macro_f1": {t: dev[t]["macro_f1"] for t in TOPICS},
               "mean_f_avg": round(sum(dev[t]["f_avg"] for t in TOPICS) / 2, 4),
               "seconds": round(time.time() - started, 1)}
        rows.append(row)
        print("SWEEP", json.dumps(row), flush=True)
        args.output.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
