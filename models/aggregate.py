"""Sentence stances → one stance per article and topic."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MIXED_MINORITY_SHARE = 0.3  # a polar side with at least this share of polar weight → mixed


@dataclass(frozen=True)
class Mention:
    topic: str
    stance: str
    confidence: float


@dataclass(frozen=True)
class ArticleStance:
    topic: str
    stance: str  # favor | against | neutral | mixed
    confidence: float
    mentions: int


def aggregate_article(mentions: Sequence[Mention], topics: Sequence[str]) -> list[ArticleStance]:
    """Confidence-weighted vote. Polar sentences outweigh neutral ones: an article that
    reports a debate and quotes one side is that side; both sides strongly present is mixed."""
    results = []
    for topic in topics:
        on_topic = [m for m in mentions if m.topic == topic and m.stance != "none"]
        if not on_topic:
            continue
        weight = {"favor": 0.0, "against": 0.0, "neutral": 0.0}
        for mention in on_topic:
            weight[mention.stance] += mention.confidence
        polar = weight["favor"] + weight["against"]
        if polar == 0:
            stance = "neutral"
            confidence = weight["neutral"] / len(on_topic)
        else:
            minority = min(weight["favor"], weight["against"]) / polar
            if minority >= MIXED_MINORITY_SHARE:
                stance = "mixed"
                confidence = minority * 2 * polar / (polar + weight["neutral"])
            else:
                stance = "favor" if weight["favor"] > weight["against"] else "against"
                confidence = (1 - minority) * polar / (polar + 0.5 * weight["neutral"])
        results.append(ArticleStance(topic, stance, round(min(1.0, confidence), 4), len(on_topic)))
    return results
