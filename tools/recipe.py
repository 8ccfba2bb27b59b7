"""A training recipe (tools/train.py's options). The defaults are what `make train` trains
(models/README.md, "Training recipe and cost"); tools/sweep.toml names others."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    rank: int = 16  # LoRA rank (0: full fine-tuning, -1: frozen encoder and heads)
    alpha: int = 32
    learning_rate: float = 1e-3
    epochs: int = 8
    batch_size: int = 16
    dropout: float = 0.1
    data: str = "real+written"  # real | written | real+written
    class_weights: str = "none"  # none | sqrt
    exclude_slices: tuple[str, ...] = ()  # make train: ("r4", "r5", "r6"), from the Makefile


DEFAULT = Recipe()
