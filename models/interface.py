"""The one narrow interface between the pipeline and the stance classifier."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

TOPICS: tuple[str, ...] = ("membership", "guarantees")
# How a topic is named to people (report headings, alert messages).
TOPIC_LABELS: dict[str, str] = {"membership": "Ukraine joining NATO",
                                "guarantees": "Security guarantees for Ukraine"}
LABELS: tuple[str, ...] = ("favor", "against", "neutral", "none")


@dataclass(frozen=True)
class TopicStance:
    stance: str  # favor | against | neutral | none
    confidence: float


@dataclass(frozen=True)
class SentenceStance:
    membership: TopicStance
    guarantees: TopicStance
    actor: str | None
    actor_group: str | None
    holder_rule: str | None = None  # which attribution rule named the actor (audit)

    def topic(self, name: str) -> TopicStance:
        return self.membership if name == "membership" else self.guarantees

    def as_json(self) -> dict[str, object]:
        return {
            "membership": {"stance": self.membership.stance,
                           "confidence": round(self.membership.confidence, 4)},
            "guarantees": {"stance": self.guarantees.stance,
                           "confidence": round(self.guarantees.confidence, 4)},
            "actor": self.actor,
            "actor_group": self.actor_group,
        }


class TopicScorer(Protocol):
    """A backend: label probabilities per topic for each text, in LABELS order."""

    model_version: str

    def score(self, texts: Sequence[str]) -> list[dict[str, list[float]]]: ...
