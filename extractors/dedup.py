"""Exact and near-duplicate fingerprints for article text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

SIMHASH_BITS = 64
NEAR_DUPLICATE_DISTANCE = 6  # Hamming distance on 64-bit SimHash over word 3-shingles
_WORD = re.compile(r"\w+", re.UNICODE)


def normalise_text(text: str) -> str:
    text = unicodedata.normalize("NFKC", text).lower()
    return " ".join(_WORD.findall(text))


def content_hash(text: str) -> str:
    """Same words in the same order → same hash, whatever the whitespace and case."""
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


def _shingles(words: list[str], size: int = 3) -> list[str]:
    if len(words) < size:
        return [" ".join(words)] if words else []
    return [" ".join(words[i : i + size]) for i in range(len(words) - size + 1)]


def simhash(text: str) -> int:
    """64-bit SimHash, returned as a signed int so it fits DuckDB's BIGINT."""
    weights = [0] * SIMHASH_BITS
    for shingle in _shingles(normalise_text(text).split()):
        value = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(), "big")
        for bit in range(SIMHASH_BITS):
            weights[bit] += 1 if value >> bit & 1 else -1
    unsigned = sum(1 << bit for bit, weight in enumerate(weights) if weight > 0)
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def hamming_distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def is_near_duplicate(a: int, b: int, max_distance: int = NEAR_DUPLICATE_DISTANCE) -> bool:
    return hamming_distance(a, b) <= max_distance
