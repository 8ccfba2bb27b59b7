"""StanceClassifier: a TopicScorer backend plus holder attribution.

The pipeline and `stancewatch classify` both go through `load_classifier`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

from stancewatch.errors import UserError
from stancewatch.extractors.sentences import split_sentences
from stancewatch.models.holders import ActorTable, Holder, find_holder
from stancewatch.models.inference import InferenceOptions, resolve
from stancewatch.models.interface import LABELS, TOPICS, SentenceStance, TopicScorer, TopicStance

ARTEFACTS_DIR = Path(__file__).resolve().parent / "artefacts"
DEFAULT_MODEL = ARTEFACTS_DIR / "stance-minilm-lora"
_EXPERT_REFERENCE = re.compile(
    r"\b(?:the|this|our)\s+(?:expert|analyst|political scientist|political analyst|researcher|"
    r"commentator|scholar|historian)\b(?:\s+\w+){0,3}?\s+(?:said|says|noted|notes|added|argued|"
    r"believes|stressed|emphasi[sz]ed|explained|concluded|summari[sz]ed|is convinced|thinks|"
    r"warned|told)\b|\bin (?:the|his|her) (?:expert's |analyst's )?opinion\b|"
    r"\bthe (?:expert|analyst|political scientist) is convinced\b", re.IGNORECASE)


class ModelLoadError(UserError):
    """The configured model cannot be loaded (one line for the user)."""


def _argmax(probabilities: Sequence[float]) -> int:
    """The index of the likeliest label (the first of equals)."""
    return max(range(len(probabilities)), key=probabilities.__getitem__)


def _topic_stance(probabilities: Sequence[float]) -> TopicStance:
    best = _argmax(probabilities)
    return TopicStance(LABELS[best], float(probabilities[best]))


def _opens_unclosed_quote(sentence: str) -> bool:
    if sentence.count("“") > sentence.count("”"):
        return True
    return sentence.startswith('"') and sentence.count('"') % 2 == 1


class StanceClassifier:
    def __init__(self, scorer: TopicScorer, actors: ActorTable) -> None:
        self.scorer = scorer
        self.actors = actors

    @property
    def model_version(self) -> str:
        return self.scorer.model_version

    def combine(self, scores: list[dict[str, list[float]]],
                 holders: Sequence[Holder | None]) -> list[SentenceStance]:
        results = []
        for row, holder in zip(scores, holders, strict=True):
            stances = {topic: _topic_stance(row[topic]) for topic in TOPICS}
            results.append(SentenceStance(
                stances=stances,
                actor=holder.name if holder else None,
                actor_group=holder.group if holder else None,
                holder_rule=holder.rule if holder else None,
            ))
        return results

    def classify_texts(self, texts: Sequence[str],
                       dates: Sequence[date | None] | None = None) -> list[SentenceStance]:
        """Independent texts (a sentence or a paragraph each); `dates` (the day each was
        published, None for today) resolve titles such as "NATO's secretary general"."""
        days = list(dates) if dates is not None else [None] * len(texts)
        scores = self.scorer.score(texts)
        return self.combine(scores, self.paragraph_holders(texts, days, scores))

    def paragraph_holders(self, texts: Sequence[str], days: Sequence[date | None],
                          scores: list[dict[str, list[float]]]) -> list[Holder | None]:
        """The holder of each text. A paragraph is read as a short article ("Peskov spoke on
        Tuesday. He said …"), and its holder is that of the sentence that states the
        paragraph's stance most surely: in "Ukraine wants to join NATO. But Orbán said he
        would block any invitation.", against membership, Orbán's. Only paragraphs'
        sentences are scored again."""
        split = {i: sentences for i, text in enumerate(texts)
                 if len(sentences := split_sentences(text)) > 1}
        holders = [None if i in split else find_holder(text, self.actors, on=day)
                   for i, (text, day) in enumerate(zip(texts, days, strict=True))]
        if not split:
            return holders
        flat = iter(self.scorer.score([sentence for sentences in split.values()
                                       for sentence in sentences]))
        none = LABELS.index("none")
        for i, sentences in split.items():
            stated = [(topic, label) for topic in TOPICS
                      if (label := _argmax(scores[i][topic])) != none]
            candidates = []
            for k, holder in enumerate(self.article_holders(sentences, days[i])):
                row = next(flat)
                support = max(row[topic][label] for topic, label in stated) if stated \
                    else max(1.0 - row[topic][none] for topic in TOPICS)
                if holder is not None:
                    candidates.append((support, -k, holder))
            holders[i] = max(candidates, key=lambda c: c[:2])[2] if candidates \
                else find_holder(texts[i], self.actors, on=days[i])  # no sentence names one
        return holders

    def classify_article(self, sentences: Sequence[str], day: date | None = None
                         ) -> list[SentenceStance]:
        """Sentences of one article in order: pronouns and multi-sentence quotes take
        their holder from the neighbouring sentences; titles resolve as of `day`."""
        return self.combine(self.scorer.score(sentences), self.article_holders(sentences, day))

    def article_holders(self, sentences: Sequence[str], day: date | None = None
                        ) -> list[Holder | None]:
        holders: list[Holder | None] = []
        previous: Holder | None = None
        table = self.actors.on(day)
        for sentence in sentences:
            holder = find_holder(sentence, self.actors, previous, on=day)
            weak = holder is None or holder.rule == "first-actor"  # article context beats it
            if weak and previous is not None and previous.group == "Commentators" \
                    and _EXPERT_REFERENCE.search(sentence):
                holder = replace(previous, rule="expert-reference")  # "…, the analyst noted"
            holders.append(holder)
            # "he said" in the next sentence refers to the last holder, else the first
            # person named in this sentence ("Peskov spoke to reporters. He said …")
            people = [h for _, _, h in table.find_mentions(sentence) if table.is_person(h)]
            previous = holder or (people[0] if people else previous)
        # a quote opened in one sentence and attributed in a later one
        open_from: int | None = None
        for index, sentence in enumerate(sentences):
            if open_from is None and _opens_unclosed_quote(sentence):
                open_from = index
            elif open_from is not None and ("”" in sentence or '"' in sentence):
                closing = holders[index]
                if closing is not None:
                    for earlier in range(open_from, index):
                        if holders[earlier] is None or earlier == open_from:
                            holders[earlier] = replace(closing, rule="split-quote")
                open_from = None
        return holders


def _resolve_target(model: str | None) -> str:
    target = model or str(DEFAULT_MODEL)
    named_artefact = ARTEFACTS_DIR / target
    if not Path(target).exists() and named_artefact.exists():
        target = str(named_artefact)
    return target


def model_version_for(model: str | None = None) -> str:
    """The version a model would stamp on its predictions, without loading it (cheap)."""
    import json

    target = _resolve_target(model)
    meta = Path(target) / "stancewatch.json"
    if meta.is_file():
        return json.loads(meta.read_text())["model_version"]
    if model is None:
        raise ModelLoadError(f"the bundled model is missing from {DEFAULT_MODEL} (run `make train`)")
    return f"zero-shot:{target}"


def load_scorer(model: str | None = None, inference: InferenceOptions | None = None
                ) -> TopicScorer:
    """The artefact (or hub model) on the configured device and precision."""
    from stancewatch.models.stance_model import FineTunedScorer, is_artefact

    target = _resolve_target(model)
    if is_artefact(target):
        return FineTunedScorer(Path(target), inference=inference)
    if model is None:
        raise ModelLoadError(f"the bundled model is missing from {DEFAULT_MODEL} (run `make train`)")
    from stancewatch.models.zero_shot import UnsupportedModelError, ZeroShotScorer

    try:
        return ZeroShotScorer(target, device=resolve(inference or InferenceOptions()).device)
    except UnsupportedModelError as exc:
        raise ModelLoadError(str(exc)) from exc
    except OSError as exc:
        raise ModelLoadError(
            f"cannot load model {target!r}: not a local folder, and the hub is unreachable "
            f"or has no such model ({str(exc).splitlines()[0][:160]})") from exc


def load_classifier(model: str | None = None, actors_file: Path | None = None,
                    inference: InferenceOptions | None = None) -> StanceClassifier:
    paths = None
    if actors_file is not None:
        paths = [Path(__file__).resolve().parent / "actors.toml", actors_file]
    return StanceClassifier(load_scorer(model, inference), ActorTable.load(paths))
