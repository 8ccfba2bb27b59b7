"""Fine-tune one member of the stance model: `make train` runs it for seeds 13 and 14
(python -m tools.train --seed N --output build/members/seed-N), averages the two
(python -m tools.ensemble) and calibrates the ensemble (python -m tools.calibrate, which
sets the decision offsets on the real dev split).

MiniLM (bundled offline copy) + LoRA on every attention and feed-forward projection,
one 4-way head per topic, cross-entropy summed over topics. Trained on the real-coverage
training split plus every written sentence (`--data real+written`, the default), or on one
of them; the epoch with the best F_avg on the real development split (whole outlets never
trained on) is kept. Neither test split is read here.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import torch
from torch import nn

from stancewatch.models.classifier import ARTEFACTS_DIR
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.metrics import topic_report
from stancewatch.models.networks import StanceNetwork, save_artefact
from stancewatch.models.stance_model import BUNDLED_BASE, MAX_LENGTH, resolve_base
from tools.dataset import LabelledSentence, real_splits, train_dev_split
from tools.recipe import DEFAULT

DATA_CHOICES = ("real+written", "real", "written")


def training_data(data: str, exclude_slices: Sequence[str] = ()
                  ) -> tuple[list[LabelledSentence], list[LabelledSentence]]:
    """(training rows, development rows) for a data choice; `exclude_slices` leaves out the
    real-coverage training rows of the corpus files whose names start so ("r4": round 4)."""
    written_train, written_dev = train_dev_split()
    if data == "written":
        return written_train, written_dev
    real = real_splits()
    kept = [row for row in real["train"]
            if not Path(row.source_file).name.startswith(tuple(exclude_slices))]
    train_rows = kept + (written_train + written_dev if data == "real+written" else [])
    return train_rows, real["dev"]

ARTEFACT_NAME = "stance-minilm-lora"


def _seed_everything(seed: int) -> None:
    random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def _data_digest(rows: list[LabelledSentence]) -> str:
    digest = hashlib.sha256()
    for row in sorted(rows, key=lambda r: r.id):
        digest.update(f"{row.id}\t{row.text}\t{row.membership}\t{row.guarantees}\n".encode())
    return digest.hexdigest()[:8]


def length_buckets(lengths: list[int], batch_size: int, generator: random.Random,
                   pool: int = 50) -> list[list[int]]:
    """Shuffled batches of similar lengths: shuffle, sort each pool of `pool` batches by
    length, cut into batches, shuffle the batches. Less padding, same randomness per epoch."""
    order = list(range(len(lengths)))
    generator.shuffle(order)
    batches: list[list[int]] = []
    span = pool * batch_size
    for start in range(0, len(order), span):
        chunk = sorted(order[start:start + span], key=lengths.__getitem__)
        batches += [chunk[i:i + batch_size] for i in range(0, len(chunk), batch_size)]
    generator.shuffle(batches)
    return batches


CLASS_WEIGHTS = ("none", "sqrt")  # "none": the default since calibration sets the balance


def _class_weights(rows: list[LabelledSentence], topic: str, scheme: str = "none"
                   ) -> torch.Tensor:
    """Loss weight per label: equal ("none"), or (inverse frequency)^1/2 ("sqrt"). On the
    real development split, unweighted training plus calibration scored 0.785 against 0.781
    for the weighted recipe (0.771 against 0.762 before calibration)."""
    if scheme == "none":
        return torch.ones(len(LABELS))
    counts = Counter(row.label(topic) for row in rows)
    total = sum(counts.values())
    weights = [(total / (len(LABELS) * max(1, counts[label]))) ** 0.5 for label in LABELS]
    return torch.tensor(weights, dtype=torch.float)


def build_network(base: str, rank: int, alpha: int, dropout: float) -> tuple[StanceNetwork, object]:
    from peft import LoraConfig, get_peft_model
    from transformers import AutoModel, AutoTokenizer

    path = resolve_base(base)
    tokenizer = AutoTokenizer.from_pretrained(path)
    encoder = AutoModel.from_pretrained(path, add_pooling_layer=False, dtype=torch.float32)
    if rank > 0:  # the recipe: LoRA adapters
        config = LoraConfig(r=rank, lora_alpha=alpha, lora_dropout=dropout,
                            target_modules=["query", "key", "value", "dense"], bias="none")
        encoder = get_peft_model(encoder, config)
    elif rank < 0:  # baseline for the model card: frozen sentence embeddings + linear heads
        for parameter in encoder.parameters():
            parameter.requires_grad = False
    # rank == 0: full fine-tuning (comparison only; its artefact would be 90 MB)
    return StanceNetwork(encoder, encoder.config.hidden_size, dropout=dropout), tokenizer


def predict(network: StanceNetwork, tokenizer, texts: list[str], device: str,
            batch_size: int = 64) -> list[dict[str, str]]:
    network.eval()
    predictions: list[dict[str, str]] = []
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            batch = tokenizer(texts[start : start + batch_size], padding=True, truncation=True,
                              max_length=MAX_LENGTH, return_tensors="pt").to(device)
            logits = network(batch["input_ids"], batch["attention_mask"])
            best = logits.argmax(-1).tolist()
            predictions += [{topic: LABELS[row[i]] for i, topic in enumerate(TOPICS)} for row in best]
    return predictions


def evaluate_rows(network: StanceNetwork, tokenizer, rows: list[LabelledSentence], device: str
                  ) -> dict[str, dict[str, object]]:
    predicted = predict(network, tokenizer, [row.text for row in rows], device)
    return {topic: topic_report([row.label(topic) for row in rows], [p[topic] for p in predicted])
            for topic in TOPICS}


def average_states(states: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
    """The element-wise mean of several snapshots of the trained parameters (stochastic
    weight averaging over the last epochs)."""
    return {name: torch.stack([state[name] for state in states]).mean(0) for name in states[0]}


def train(seed: int, epochs: int, batch_size: int, learning_rate: float, rank: int, alpha: int,
          dropout: float, device: str, output: Path, data: str = DEFAULT.data,
          class_weights: str = DEFAULT.class_weights, average_epochs: int = 1,
          snapshots: Path | None = None, exclude_slices: Sequence[str] = (),
          max_train_rows: int | None = None) -> dict[str, object]:
    """Train one member and write it to `output`; `max_train_rows` keeps only the first
    rows (a smoke run of a script before it goes to a GPU: tools/sweep.py)."""
    _seed_everything(seed)
    train_rows, dev_rows = training_data(data, exclude_slices)
    train_rows = train_rows[:max_train_rows]
    network, tokenizer = build_network(BUNDLED_BASE, rank, alpha, dropout)
    network.to(device)
    loss_functions = {
        topic: nn.CrossEntropyLoss(weight=_class_weights(train_rows, topic, class_weights).to(device))
        for topic in TOPICS}
    parameters = [p for p in network.parameters() if p.requires_grad]
    optimizer = torch.optim.AdamW(parameters, lr=learning_rate, weight_decay=0.01)
    steps = epochs * ((len(train_rows) + batch_size - 1) // batch_size)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=learning_rate,
                                                    total_steps=steps, pct_start=0.1)
    generator = random.Random(seed)
    best: tuple[float, int, dict[str, torch.Tensor], dict[str, object]] | None = None
    trained = [name for name, p in network.named_parameters() if p.requires_grad]
    epoch_states: list[dict[str, torch.Tensor]] = []
    started = time.time()
    lengths = [len(row.text) for row in train_rows]
    for epoch in range(1, epochs + 1):
        network.train()
        total_loss = 0.0
        batches = length_buckets(lengths, batch_size, generator)
        for step, batch_rows in enumerate(batches, start=1):
            rows = [train_rows[i] for i in batch_rows]
            batch = tokenizer([row.text for row in rows], padding=True, truncation=True,
                              max_length=MAX_LENGTH, return_tensors="pt").to(device)
            logits = network(batch["input_ids"], batch["attention_mask"])
            loss = sum(
                loss_functions[topic](logits[:, i, :], torch.tensor(
                    [LABELS.index(row.label(topic)) for row in rows], device=device))
                for i, topic in enumerate(TOPICS))
            optimizer.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(parameters, 1.0)
            optimizer.step()
            scheduler.step()
            total_loss += loss.item() * len(rows)
            if step % 100 == 0:
                print(f"  epoch {epoch} step {step}/{len(batches)} ({time.time() - started:.0f}s)",
                      flush=True)
        report = evaluate_rows(network, tokenizer, dev_rows, device)
        f_avg = sum(report[t]["f_avg"] for t in TOPICS) / len(TOPICS)
        macro = sum(report[t]["macro_f1"] for t in TOPICS) / len(TOPICS)
        print(f"epoch {epoch:2d} loss {total_loss / len(train_rows):.4f} dev F_avg {f_avg:.4f} "
              f"macro-F1 {macro:.4f} ({time.time() - started:.0f}s)", flush=True)
        score = f_avg + 0.25 * macro
        parameters_now = dict(network.named_parameters())
        epoch_states.append({name: parameters_now[name].detach().cpu().clone() for name in trained})
        if snapshots is not None:
            from safetensors.torch import save_file

            snapshots.mkdir(parents=True, exist_ok=True)
            save_file(epoch_states[-1], str(snapshots / f"epoch-{epoch}.safetensors"))
        if best is None or score > best[0]:
            state = {k: v.detach().cpu().clone() for k, v in network.state_dict().items()}
            best = (score, epoch, state, report)
    assert best is not None
    _, best_epoch, state, dev_report = best
    network.load_state_dict(state)
    if average_epochs > 1:  # the mean of the last epochs instead of the best one
        averaged = average_states(epoch_states[-average_epochs:])
        with torch.no_grad():
            parameters_now = dict(network.named_parameters())
            for name, value in averaged.items():
                parameters_now[name].copy_(value.to(device))
        dev_report = evaluate_rows(network, tokenizer, dev_rows, device)
        f_avg = sum(dev_report[t]["f_avg"] for t in TOPICS) / len(TOPICS)
        print(f"mean of epochs {epochs - average_epochs + 1}-{epochs}: dev F_avg {f_avg:.4f}",
              flush=True)
    network.to("cpu")
    digest = _data_digest(train_rows + dev_rows)
    meta = {
        "model_version": f"{ARTEFACT_NAME}-r{rank}-s{seed}-w{class_weights}"
                         f"{f'-a{average_epochs}' if average_epochs > 1 else ''}-{digest}",
        "base_model": BUNDLED_BASE,
        "topics": list(TOPICS),
        "labels": list(LABELS),
        "recipe": {"seed": seed, "epochs": epochs,
                   "best_epoch": best_epoch if average_epochs == 1 else None,
                   "average_epochs": average_epochs,
                   "batch_size": batch_size, "learning_rate": learning_rate,
                   "lora_rank": rank, "lora_alpha": alpha, "dropout": dropout,
                   "max_length": MAX_LENGTH, "device": device,
                   "data": data, "class_weights": class_weights,
                   **({"exclude_slices": list(exclude_slices)} if exclude_slices else {}),
                   "train_rows": len(train_rows), "dev_rows": len(dev_rows),
                   "train_seconds": round(time.time() - started, 1),
                   "trainable_parameters": sum(p.numel() for p in network.parameters()
                                               if p.requires_grad)},
        "dev": dev_report,
    }
    save_artefact(network, output, meta)
    print(json.dumps({"model_version": meta["model_version"], "best_epoch": best_epoch,
                      "dev_f_avg": {t: dev_report[t]["f_avg"] for t in TOPICS}}, indent=2))
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--epochs", type=int, default=DEFAULT.epochs)
    parser.add_argument("--data", choices=DATA_CHOICES, default=DEFAULT.data)
    parser.add_argument("--batch-size", type=int, default=DEFAULT.batch_size)
    parser.add_argument("--learning-rate", type=float, default=DEFAULT.learning_rate)
    parser.add_argument("--rank", type=int, default=DEFAULT.rank)
    parser.add_argument("--alpha", type=int, default=DEFAULT.alpha)
    parser.add_argument("--dropout", type=float, default=DEFAULT.dropout)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--class-weights", choices=CLASS_WEIGHTS, default=DEFAULT.class_weights)
    parser.add_argument("--average-epochs", type=int, default=1,
                        help="keep the mean of the last N epochs' weights (1: the best epoch)")
    parser.add_argument("--snapshots", type=Path,
                        help="also write each epoch's trained weights to this folder")
    parser.add_argument("--output", type=Path, default=ARTEFACTS_DIR / ARTEFACT_NAME)
    parser.add_argument("--exclude-slices", nargs="*", default=[], metavar="PREFIX",
                        help="leave out the real training rows of corpus files starting so "
                             "(make train: r4 r5 r6, see models/HISTORY.md)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    train(args.seed, args.epochs, args.batch_size, args.learning_rate, args.rank, args.alpha,
          args.dropout, args.device, args.output, args.data, args.class_weights,
          args.average_epochs, args.snapshots, args.exclude_slices)


if __name__ == "__main__":
    main()
