"""Any NLI model from the hub (or a local folder) as a zero-shot stance backend.

For users with internet who prefer, say, an mDeBERTa NLI model to the bundled
fine-tune. Three hypotheses per topic, from the topic registry (models/topics.toml): is
it about the topic, does the holder support it, does the holder oppose it.
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from stancewatch.models.topics import Topic, load_topics


class UnsupportedModelError(ValueError):
    pass


class ZeroShotScorer:
    def __init__(self, name_or_path: str, batch_size: int = 16, device: str = "cpu") -> None:
        self.tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        self.device = torch.device(device)
        self.model = AutoModelForSequenceClassification.from_pretrained(name_or_path)
        self.model.eval().to(self.device)
        labels = {label.lower(): index for label, index in self.model.config.label2id.items()}
        entail = [i for label, i in labels.items() if label.startswith("entail")]
        contra = [i for label, i in labels.items() if label.startswith("contradict")]
        if not entail or not contra:
            raise UnsupportedModelError(
                f"{name_or_path} is neither a stancewatch artefact nor an NLI model "
                f"(labels {sorted(labels)}; need entailment and contradiction)")
        self.entail_index, self.contra_index = entail[0], contra[0]
        self.batch_size = batch_size
        self.model_version = f"zero-shot:{name_or_path}"

    def _entailment(self, premises: list[str], hypotheses: list[str]) -> list[float]:
        scores: list[float] = []
        with torch.inference_mode():
            for start in range(0, len(premises), self.batch_size):
                batch = self.tokenizer(premises[start : start + self.batch_size],
                                       hypotheses[start : start + self.batch_size],
                                       padding=True, truncation=True, max_length=256,
                                       return_tensors="pt")
                logits = self.model(**batch.to(self.device)).logits.float()
                pair = logits[:, [self.entail_index, self.contra_index]]
                scores += torch.softmax(pair, dim=-1)[:, 0].cpu().tolist()
        return scores

    def score(self, texts: Sequence[str]) -> list[dict[str, list[float]]]:
        topics: tuple[Topic, ...] = load_topics()
        premises: list[str] = []
        hypotheses: list[str] = []
        for text in texts:
            for topic in topics:
                for hypothesis in (topic.hypotheses.about, topic.hypotheses.favor,
                                   topic.hypotheses.against):
                    premises.append(text)
                    hypotheses.append(hypothesis)
        flat = self._entailment(premises, hypotheses)
        per_text = len(topics) * 3
        results = []
        for offset in range(0, len(flat), per_text):
            scores = flat[offset : offset + per_text]
            row = {}
            for position, topic in enumerate(topics):
                about, favor, against = scores[position * 3 : position * 3 + 3]
                neutral = max(0.0, 1.0 - max(favor, against))
                polar_total = favor + against + neutral or 1.0
                row[topic.name] = [about * favor / polar_total, about * against / polar_total,
                              about * neutral / polar_total, 1.0 - about]
            results.append(row)
        return results
