"""A word n-gram model beside the encoder.

TF-IDF of lower-cased word unigrams and bigrams and one multinomial logistic regression per
topic, trained on the encoders' kind of rows, every corpus round (`tools/lexical.py`, run by
`make train` before calibration). The encoder reads a sentence's meaning; this model remembers which
words went with which label in training ("loan guarantee", "Finland's accession", "red
line"), a different view of the same rows. Its log-probabilities, times a weight, are added
to the encoder's before the calibration offsets; `FineTunedScorer` applies it after any
runtime, so CPU, ONNX and GPU paths combine it alike. An artefact without the two files
below scores with the encoder alone.

Files in the artefact folder: `lexical.json` (the terms in index order, the weight, the
recipe) and `lexical.safetensors` (idf, coefficients topic × label × term, intercepts).
"""

from __future__ import annotations

import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from stancewatch.errors import UserError
from stancewatch.models.interface import LABELS, TOPICS

LEXICAL_META = "lexical.json"
LEXICAL_WEIGHTS = "lexical.safetensors"
_WORD = re.compile(r"(?u)\b\w\w+\b")


class LexicalModelError(UserError):
    """An artefact's lexical files are missing a part or do not fit together."""


def terms(text: str) -> list[str]:
    """The model's features of one sentence: its words (two letters or more, lower-cased)
    and every pair of neighbouring words."""
    words = _WORD.findall(text.lower())
    return words + [f"{first} {second}" for first, second in zip(words, words[1:], strict=False)]


@dataclass(frozen=True)
class LexicalModel:
    vocabulary: dict[str, int]
    idf: np.ndarray  # (terms,)
    coefficients: np.ndarray  # (topics, labels, terms)
    intercepts: np.ndarray  # (topics, labels)
    weight: float
    recipe: dict[str, object]

    def features(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """Term indices and their TF-IDF values (sublinear tf, l2-normalised), as
        scikit-learn's TfidfVectorizer(sublinear_tf=True) computes them."""
        counts = Counter(t for t in terms(text) if t in self.vocabulary)
        if not counts:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        index = np.fromiter((self.vocabulary[t] for t in counts), dtype=np.int64, count=len(counts))
        values = np.fromiter((1.0 + math.log(c) for c in counts.values()), dtype=np.float64,
                             count=len(counts)) * self.idf[index]
        return index, values / np.linalg.norm(values)

    def log_probabilities(self, texts: Sequence[str]) -> np.ndarray:
        """(sentences, topics, labels) log-probabilities, in TOPICS and LABELS order."""
        logits = np.empty((len(texts), *self.intercepts.shape))
        for row, text in enumerate(texts):
            index, values = self.features(text)
            logits[row] = self.intercepts + self.coefficients[:, :, index] @ values
        top = logits.max(axis=-1, keepdims=True)
        return logits - top - np.log(np.exp(logits - top).sum(axis=-1, keepdims=True))

    def combine(self, probabilities: list[dict[str, list[float]]],
                texts: Sequence[str]) -> list[dict[str, list[float]]]:
        """The encoder's probabilities with this model's log-probabilities added at its
        weight, renormalised."""
        if not probabilities:
            return []
        encoder = np.array([[scores[topic] for topic in TOPICS] for scores in probabilities])
        logits = np.log(encoder + 1e-12) + self.weight * self.log_probabilities(texts)
        exponent = np.exp(logits - logits.max(axis=-1, keepdims=True))
        normalised = (exponent / exponent.sum(axis=-1, keepdims=True)).tolist()
        return [dict(zip(TOPICS, row, strict=True)) for row in normalised]

    def save(self, folder: Path) -> None:
        ordered = sorted(self.vocabulary, key=self.vocabulary.__getitem__)
        (folder / LEXICAL_META).write_text(json.dumps(
            {"weight": self.weight, "recipe": self.recipe, "topics": list(TOPICS),
             "labels": list(LABELS), "terms": ordered}, ensure_ascii=False) + "\n",
            encoding="utf-8")
        save_file({"idf": self.idf.astype(np.float32),
                   "coefficients": self.coefficients.astype(np.float32),
                   "intercepts": self.intercepts.astype(np.float32)}, str(folder / LEXICAL_WEIGHTS))

    @classmethod
    def load(cls, folder: Path) -> LexicalModel | None:
        """The artefact's lexical model, or None when it has none."""
        meta_path, weights_path = folder / LEXICAL_META, folder / LEXICAL_WEIGHTS
        if not meta_path.exists() and not weights_path.exists():
            return None
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            arrays = load_file(str(weights_path))
            model = cls({term: i for i, term in enumerate(meta["terms"])},
                        arrays["idf"].astype(np.float64),
                        arrays["coefficients"].astype(np.float64),
                        arrays["intercepts"].astype(np.float64),
                        float(meta["weight"]), dict(meta.get("recipe", {})))
            fits = (tuple(meta["topics"]) == TOPICS and tuple(meta["labels"]) == LABELS
                    and model.coefficients.shape
                    == (len(TOPICS), len(LABELS), len(model.vocabulary))
                    and model.idf.shape == (len(model.vocabulary),))
        except (OSError, ValueError, KeyError, TypeError, SafetensorError) as exc:
            raise LexicalModelError(f"{folder}: cannot read its lexical model ({exc})") from exc
        if not fits:
            raise LexicalModelError(f"{folder}: its lexical model does not match the topics "
                                    f"{', '.join(TOPICS)} and labels {', '.join(LABELS)}")
        return model
