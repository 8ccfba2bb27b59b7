"""The one narrow interface between the pipeline and the stance classifier."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from stancewatch.models.topics import topic_names

TOPICS: tuple[str, ...] = topic_names()
"""The topics every sentence is judged on, in registry order (models/topics.toml)."""
LABELS: tuple[str, ...] = ("favor", "against", "neutral", "none")


@dataclass(frozen=True)
class TopicStance:
    stance: str  # favor | against | neutral | none
    confidence: float


@dataclass(frozen=True)
class SentenceStance:
    """A sentence's stance on every topic, and who holds it.

    `stances` maps each topic name (TOPICS order) to its TopicStance; a topic is also an
    attribute (`result.membership`), so callers can write either."""

    stances: Mapping[str, TopicStance]
    actor: str | None
    actor_group: str | None
    holder_rule: str | None = None  # which attribution rule named the actor (audit)

    def topic(self, name: str) -> TopicStance:
        return self.stances[name]

    def __getattr__(self, name: str) -> TopicStance:
        # only called when normal lookup fails; never for dunders (pickle, copy)
        stances = self.__dict__.get("stances")
        if name.startswith("_") or stances is None or name not in stances:
            raise AttributeError(f"{type(self).__name__!r} has no attribute or topic {name!r}")
        return stances[name]

    def as_json(self) -> dict[str, object]:
        result: dict[str, object] = {
            name: {"stance": stance.stance, "confidence": round(stance.confidence, 4)}
            for name, stance in self.stances.items()}
        result["actor"] = self.actor
        result["actor_group"] = self.actor_group
        return result


class TopicScorer(Protocol):
    """A backend: label probabilities per topic for each text, in LABELS order."""

    model_version: str

    def score(self, texts: Sequence[str]) -> list[dict[str, list[float]]]: ...
