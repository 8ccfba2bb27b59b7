"""Recipe search on the development split (never the test set): `python -m tools.sweep`.

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

from stancewatch.models.interface import TOPICS
from tools.train import train

GRID = [
    # (learning rate, LoRA rank, epochs, seed)
    (1e-3, 16, 12, 13), (1e-3, 16, 20, 13), (2e-3, 16, 12, 13), (2e-3, 16, 20, 13),
    (5e-4, 16, 20, 13), (3e-3, 16, 20, 13), (1e-3, 8, 20, 13), (1e-3, 32, 20, 13),
    (2e-3, 32, 20, 13), (1e-3, 16, 30, 13), (1e-3, 16, 20, 1), (1e-3, 16, 20, 2),
    (5e-5, 0, 12, 13), (1e-2, -1, 20, 13),
]


def frozen_baseline(epochs: int = 300, learning_rate: float = 1e-2) -> dict[str, float]:
    """Frozen sentence embeddings + one linear head per topic (the classic baseline):
    embeddings are computed once, then the heads are trained on them (full batch)."""
    from transformers import AutoModel, AutoTokenizer

    from stancewatch.models.interface import LABELS
    from stancewatch.models.metrics import topic_report
    from stancewatch.models.networks import mean_pool
    from stancewatch.models.stance_model import BUNDLED_BASE, MAX_LENGTH, resolve_base
    from tools.dataset import train_dev_split

    torch.manual_seed(13)
    train_rows, dev_rows = train_dev_split()
    base = resolve_base(BUNDLED_BASE)
    tokenizer = AutoTokenizer.from_pretrained(base)
    encoder = AutoModel.from_pretrained(base).eval()

    def embed(rows):
        chunks = []
        with torch.inference_mode():
            for start in range(0, len(rows), 64):
                batch = tokenizer([r.text for r in rows[start : start + 64]], padding=True,
                                  truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
                hidden = encoder(**batch).last_hidden_state
                chunks.append(mean_pool(hidden, batch["attention_mask"]))
        return torch.cat(chunks)

    train_x, dev_x = embed(train_rows), embed(dev_rows)
    result = {}
    for topic in TOPICS:
        head = torch.nn.Linear(train_x.shape[1], len(LABELS))
        optimizer = torch.optim.AdamW(head.parameters(), lr=learning_rate, weight_decay=0.01)
        target = torch.tensor([LABELS.index(r.label(topic)) for r in train_rows])
        for _ in range(epochs):
            loss = torch.nn.functional.cross_entropy(head(train_x), target)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        predicted = [LABELS[i] for i in head(dev_x).argmax(-1).tolist()]
        result[topic] = topic_report([r.label(topic) for r in dev_rows], predicted)["f_avg"]
    result["mean_f_avg"] = round(sum(result[t] for t in TOPICS) / len(TOPICS), 4)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", type=Path, default=Path("sweep.json"))
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--frozen-baseline", action="store_true",
                        help="only the frozen-embedding baseline (fast, CPU)")
    args = parser.parse_args()
    if args.frozen_baseline:
        print("frozen baseline dev F_avg:", json.dumps(frozen_baseline()))
        return
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
               "mean_f_avg": round(sum(dev[t]["f_avg"] for t in TOPICS) / len(TOPICS), 4),
               "seconds": round(time.time() - started, 1)}
        rows.append(row)
        print("SWEEP", json.dumps(row), flush=True)
        args.output.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
