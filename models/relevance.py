"""The relevance gate: can an article be about either topic at all?

Real feeds are mostly off topic (a world-news feed carries a handful of Ukraine/NATO
pieces among hundreds of items), and classification is most of a run's cost. An article
whose title and text mention none of the terms in `relevance.toml` (NATO, the alliance,
Ukraine, Kyiv, security guarantees …, in the languages we store) is stored with its text
and sentences but not classified. The rule is data, not code; its recall is measured by
`python -m tools.relevance_check`.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

TERMS_FILE = Path(__file__).resolve().parent / "relevance.toml"

__all__ = ["RelevanceRule", "TERMS_FILE", "default_rule"]


def _term_pattern(term: str) -> str:
    """One term as a regex (the start-of-word check is shared, in RelevanceRule.pattern):
    `*` at the end makes it a prefix, otherwise it ends a word too; a space matches
    whitespace or hyphens."""
    prefix = term.endswith("*")
    words = term.rstrip("*").split()
    body = r"[\s\-‐‑–]+".join(
        r"\w*".join(re.escape(part) for part in word.split("*")) for word in words)
    return body + ("" if prefix else r"(?!\w)")


@dataclass(frozen=True)
class RelevanceRule:
    """The compiled terms of one relevance file (groups of terms, each with a purpose)."""

    groups: dict[str, tuple[str, ...]]
    pattern: re.Pattern[str]
    source: Path

    @classmethod
    def from_file(cls, path: Path = TERMS_FILE) -> RelevanceRule:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        groups: dict[str, tuple[str, ...]] = {}
        for name, group in data.get("groups", {}).items():
            terms = group.get("terms")
            if not isinstance(terms, list) or not terms or not all(
                    isinstance(term, str) and term.strip("* ") for term in terms):
                raise ValueError(f"{path}: group {name!r} needs a non-empty list of terms")
            groups[name] = tuple(term.strip().lower() for term in terms)
        if not groups:
            raise ValueError(f"{path}: no [groups.<name>] tables with terms")
        alternatives = sorted({_term_pattern(t) for terms in groups.values() for t in terms},
                              key=lambda alternative: (len(alternative), alternative), reverse=True)
        # every term starts a word: one look-behind before the alternation, not one per
        # term, lets the engine skip positions inside words at once (about 9x faster)
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(alternatives) + ")", re.IGNORECASE)
        return cls(groups, pattern, path)

    def first_match(self, *texts: str | None) -> str | None:
        """The first term found in any of the texts (for explanations), else None."""
        for text in texts:
            if text:
                found = self.pattern.search(text)
                if found:
                    return found.group(0)
        return None

    def may_be_relevant(self, title: str | None, text: str | None) -> bool:
        """False only when neither title nor text mentions any term: the article cannot be
        on either topic and need not be classified."""
        return self.first_match(title, text) is not None

    def relevant_sentences(self, sentences: Sequence[str]) -> list[bool]:
        return [self.pattern.search(sentence) is not None for sentence in sentences]


@functools.cache
def default_rule() -> RelevanceRule:
    """The bundled rule, compiled once per process."""
    return RelevanceRule.from_file(TERMS_FILE)
