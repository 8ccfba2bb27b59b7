"""Duplicate linking against a real warehouse: exact copies, near copies (SimHash) and
syndicated copies that were edited (shared sentences); a shared quote is not a copy."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from stancewatch.extractors.dedup import content_hash, hamming_distance, simhash
from stancewatch.flows.steps import link_duplicates
from stancewatch.warehouse.db import connect, store_articles
from stancewatch.warehouse.records import ArticleRecord

WORDS = ("alliance summit envoy treaty border budget region winter energy harbour grain court "
         "market river bridge convoy council tariff pipeline radar shelter mandate corridor").split()


def sentences(seed: int, count: int) -> list[str]:
    rng = random.Random(seed)
    return [" ".join(rng.choice(WORDS) for _ in range(12)).capitalize() + "." for _ in range(count)]


def record(url: str, parts: list[str], day: int) -> ArticleRecord:
    text = " ".join(parts)
    return ArticleRecord(
        article_id=url[-16:].rjust(16, "0"), url=url, source="x", domain="x", title=url,
        author=None, published_at=datetime(2025, 2, day, tzinfo=UTC), language="en", text=text,
        content_hash=content_hash(text), simhash=simhash(text), feed_url=None,
        fetched_at=datetime(2025, 3, 1, tzinfo=UTC), sentences=parts, mentions=[], stances=[],
        model_version="test")


def test_copies_are_linked_and_quotes_are_not(tmp_path):
    body = sentences(1, 14)
    original = record("https://ledger.example/original", body, 10)
    edited_copy = record("https://wire.example/edited-copy",
                         ["This article first appeared in The Ledger."] + body[:10]
                         + sentences(2, 3), 11)
    quoting = record("https://other.example/quoting", sentences(3, 12) + body[:2], 12)
    exact = record("https://mirror.example/exact", list(body), 13)
    assert hamming_distance(original.simhash, edited_copy.simhash) > 6  # SimHash alone misses it
    with connect(tmp_path / "w.duckdb") as connection:
        store_articles(connection, "run1", link_duplicates(connection, [original]))
        linked = {r.url: r.duplicate_of
                  for r in link_duplicates(connection, [edited_copy, quoting, exact])}
    assert linked["https://wire.example/edited-copy"] == original.article_id
    assert linked["https://mirror.example/exact"] == original.article_id
    assert linked["https://other.example/quoting"] is None


def test_copies_within_one_batch(tmp_path):
    body = sentences(4, 10)
    first = record("https://a.example/first", body, 10)
    later = record("https://b.example/later", ["Reprinted with permission."] + body[:8], 12)
    with connect(tmp_path / "w.duckdb") as connection:
        linked = {r.url: r.duplicate_of for r in link_duplicates(connection, [later, first])}
    assert linked == {"https://a.example/first": None,
                      "https://b.example/later": first.article_id}


def test_simhash_is_the_majority_vote_of_its_shingle_hashes():
    # the definition, bit by bit, against the vectorised implementation; stored fingerprints
    # from earlier runs must keep matching new ones
    import hashlib

    from stancewatch.extractors.dedup import _shingles, normalise_text

    def by_definition(text: str) -> int:
        weights = [0] * 64
        for shingle in _shingles(normalise_text(text).split()):
            value = int.from_bytes(hashlib.blake2b(shingle.encode(), digest_size=8).digest(),
                                   "big")
            for bit in range(64):
                weights[bit] += 1 if value >> bit & 1 else -1
        unsigned = sum(1 << bit for bit, weight in enumerate(weights) if weight > 0)
        return unsigned - (1 << 64) if unsigned >= 1 << 63 else unsigned

    rng = random.Random(7)
    words = "nato kyiv summit guarantees allies membership the of a said on".split()
    texts = ["", "one", "two words", "exactly three words"] + [
        " ".join(rng.choice(words) for _ in range(rng.randint(3, 300))) for _ in range(30)]
    for text in texts:
        assert simhash(text) == by_definition(text), text
    assert any(simhash(text) < 0 for text in texts)  # the signed BIGINT form is exercised
