"""Typed records that pass from the pipeline into the warehouse."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

from stancewatch.models.aggregate import ArticleStance  # an article's stance, as aggregated


@dataclass(frozen=True)
class MentionRecord:
    sentence_index: int
    topic: str
    stance: str
    confidence: float
    actor: str | None
    actor_group: str | None
    holder_rule: str | None = None


@dataclass(frozen=True)
class ArticleRecord:
    article_id: str
    url: str
    source: str
    domain: str
    title: str | None
    author: str | None
    published_at: datetime | None
    language: str | None
    text: str
    content_hash: str
    simhash: int
    feed_url: str | None
    fetched_at: datetime
    sentences: list[str]
    mentions: list[MentionRecord]
    stances: list[ArticleStance]
    model_version: str
    aliases: list[str] = field(default_factory=list)
    duplicate_of: str | None = None
    sentences_dropped: int = 0  # past max_sentences_per_article: neither stored nor classified
    published_local: date | None = None  # the page's own calendar day
    extraction_mode: str | None = None  # fast | full | recall (extractors.extract)
    unclassified: str | None = None  # gated | language (why no stances); None: classified


@dataclass(frozen=True)
class FailureRecord:
    url: str
    stage: str
    error: str
    feed_url: str | None = None
    transient: bool = False  # worth retrying next run (5xx, 429, timeouts); not stored


@dataclass
class RunStats:
    feeds_ok: int = 0
    feeds_failed: int = 0
    feeds_not_modified: int = 0
    articles_seen: int = 0
    articles_new: int = 0
    duplicates: int = 0
    failures: int = 0
    mentions_new: int = 0
    sentences_capped: int = 0
    articles_gated: int = 0
    http_requests: int = 0
    http_not_modified: int = 0
    fetch_seconds: float = 0.0
    extract_seconds: float = 0.0
    classify_seconds: float = 0.0
    store_seconds: float = 0.0
    alerts_sent: int = 0  # deliveries that succeeded in this run (one per alert and channel)
    alerts_failed: int = 0  # deliveries that failed; retried by the next run


@dataclass(frozen=True)
class FeedState:
    feed_url: str
    etag: str | None
    last_modified: str | None
    last_status: str
