"""Exact and near-duplicate fingerprints for article text."""

from __future__ import annotations

import hashlib
import re
import unicodedata

import numpy as np

SIMHASH_BITS = 64
NEAR_DUPLICATE_DISTANCE = 6  # Hamming distance on 64-bit SimHash over word 3-shingles
_WORD = re.compile(r"\w+", re.UNICODE)
_BIT_POSITIONS: np.ndarray = np.arange(SIMHASH_BITS, dtype=np.uint64)


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
    """64-bit SimHash, returned as a signed int so it fits DuckDB's BIGINT. Bit b is set when
    more than half of the shingles' 64-bit hashes have bit b set (counted with numpy: the
    per-bit loop in Python cost 4 ms an article)."""
    shingles = _shingles(normalise_text(text).split())
    values = np.array([int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(),
                                      "big") for shingle in shingles], dtype=np.uint64)
    ones = ((values[:, None] >> _BIT_POSITIONS) & np.uint64(1)).sum(axis=0, dtype=np.int64)
    unsigned = sum(1 << int(bit) for bit in np.flatnonzero(2 * ones > len(shingles)))
    return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned


def hamming_distance(a: int, b: int) -> int:
    return ((a ^ b) & ((1 << 64) - 1)).bit_count()


def is_near_duplicate(a: int, b: int, max_distance: int = NEAR_DUPLICATE_DISTANCE) -> bool:
    return hamming_distance(a, b) <= max_distance
