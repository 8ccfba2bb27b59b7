"""Sentence splitting tuned for English news copy (abbreviations, initials, quotes)."""

from __future__ import annotations

import re

_TITLES = frozenset(
    """mr mrs ms dr prof gen lt col maj capt sgt adm gov sen rep st jr sr vs
    jan feb mar apr jun jul aug sep sept oct nov dec fig approx dept est pres i.e e.g""".split()
)
_SENTENCE_STARTERS = frozenset(
    """the a an he she it they we i you his her its their this that these those there but and
    in on at as after before while when if yet so still however meanwhile earlier later
    asked speaking according some many officials analysts""".split()
)
# A candidate boundary: terminal punctuation, optional closing quotes/brackets, whitespace,
# then something that can open a sentence.
_BOUNDARY = re.compile(r"""([.!?…]+["'”’»)\]]*)(\s+)(?=["'“‘«(\[]?[A-Z0-9À-ÖØ-Þ])""")
_WORD_BEFORE = re.compile(r"""([\w.]+)$""")
_NEXT_WORD = re.compile(r"""["'“‘«(\[]?([\w'’]+)""")
MAX_SENTENCE_CHARS = 1200


def _is_boundary(before: str, after: str) -> bool:
    """Decide whether '.' after `before` ends a sentence, looking at the next word."""
    match = _WORD_BEFORE.search(before)
    if not match:
        return True
    word = match.group(1).lower().rstrip(".")
    if word in _TITLES:
        return False
    if len(word) == 1 and word.isalpha():  # initials: "J. D. Vance"
        return False
    if re.fullmatch(r"(?:[a-z]\.)+[a-z]", word):  # "U.S.", "U.K.": ends only before a starter
        following = _NEXT_WORD.match(after)
        return following is not None and following.group(1).lower() in _SENTENCE_STARTERS
    return True


def split_sentences(text: str) -> list[str]:
    """Split article text into sentences; paragraphs (newlines) always end a sentence."""
    sentences: list[str] = []
    for paragraph in re.split(r"\n+", text):
        paragraph = " ".join(paragraph.split())
        if not paragraph:
            continue
        start = 0
        for match in _BOUNDARY.finditer(paragraph):
            terminal = match.group(1)
            if terminal.startswith(".") and not _is_boundary(
                paragraph[start : match.start(1)], paragraph[match.end() :]
            ):
                continue
            sentence = paragraph[start : match.end(1)].strip()
            if sentence:
                sentences.append(sentence)
            start = match.end()
        tail = paragraph[start:].strip()
        if tail:
            sentences.append(tail)
    return [piece for sentence in sentences for piece in _cap_length(sentence)]


def _cap_length(sentence: str) -> list[str]:
    """Very long 'sentences' (lists, tables) are cut at semicolons or spaces."""
    if len(sentence) <= MAX_SENTENCE_CHARS:
        return [sentence]
    pieces: list[str] = []
    while len(sentence) > MAX_SENTENCE_CHARS:
        cut = sentence.rfind("; ", 0, MAX_SENTENCE_CHARS)
        if cut < MAX_SENTENCE_CHARS // 2:
            cut = sentence.rfind(" ", 0, MAX_SENTENCE_CHARS)
        if cut <= 0:
            cut = MAX_SENTENCE_CHARS
        pieces.append(sentence[: cut + 1].strip())
        sentence = sentence[cut + 1 :].strip()
    if sentence:
        pieces.append(sentence)
    return pieces
