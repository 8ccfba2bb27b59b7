"""Article text and metadata from HTML, with trafilatura."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from datetime import datetime

import trafilatura
from lxml import html as lxml_html
from trafilatura.settings import use_config

from stancewatch.extractors.dates import parse_iso_datetime

MIN_TEXT_CHARS = 250
MAX_TREE_SIZE = 200_000
# signal-based extraction timeouts only work in the main thread; we extract in threads
# and bound work with the fetch size cap and MAX_TREE_SIZE instead.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_TRAFILATURA_CONFIG.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))


class ExtractionError(ValueError):
    """The page yielded no usable article text."""


@dataclass(frozen=True)
class ExtractedArticle:
    title: str | None
    author: str | None
    published_at: datetime | None
    site_name: str | None
    language: str | None
    text: str
    declared_canonical: str | None


_CANONICAL_PATTERNS = (
    re.compile(rb"""<link[^>]+rel=["']?canonical["']?[^>]*>""", re.IGNORECASE),
    re.compile(rb"""<meta[^>]+property=["']og:url["'][^>]*>""", re.IGNORECASE),
)
_HREF = re.compile(rb"""(?:href|content)=["']([^"']+)["']""", re.IGNORECASE)
_LANG = re.compile(rb"""<html[^>]*\blang=["']?([A-Za-z]{2,3})""", re.IGNORECASE)


def declared_canonical(content: bytes) -> str | None:
    """rel=canonical, else og:url, from the page head (regex: cheap and robust to bad HTML)."""
    head = content[:200_000]
    for pattern in _CANONICAL_PATTERNS:
        for tag in pattern.findall(head):
            found = _HREF.search(tag)
            if found:
                # attribute values carry HTML entities: "?id=7&amp;page=2" is "?id=7&page=2"
                return html.unescape(found.group(1).decode("utf-8", errors="replace")).strip()
    return None


def _meta_published(content: bytes) -> datetime | None:
    """article:published_time carries the time of day that trafilatura's date drops."""
    found = re.search(
        rb"""<meta[^>]+property=["']article:published_time["'][^>]+content=["']([^"']+)["']""",
        content[:200_000], re.IGNORECASE)
    return parse_iso_datetime(found.group(1).decode("ascii", "replace")) if found else None


_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([\w-]+)""", re.IGNORECASE)


def _decode_with_header_charset(content: bytes, header_charset: str | None) -> bytes | str:
    """lxml reads <meta charset>; a charset given only in the HTTP header is applied here."""
    if not header_charset or _META_CHARSET.search(content[:4096]):
        return content
    try:
        return content.decode(header_charset, errors="replace")
    except LookupError:
        return content


def extract_article(content: bytes, url: str, min_chars: int = MIN_TEXT_CHARS,
                    header_charset: str | None = None) -> ExtractedArticle:
    """Main text plus metadata; raises ExtractionError when there is too little text."""
    try:
        tree = lxml_html.fromstring(_decode_with_header_charset(content, header_charset))
    except (ValueError, lxml_html.etree.ParserError) as exc:
        raise ExtractionError(f"unparseable HTML: {exc}") from exc
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, include_comments=False, include_tables=False,
        favor_precision=True, config=_TRAFILATURA_CONFIG,
    )
    text = (document.text if document is not None else "") or ""
    text = text.strip()
    if len(text) < min_chars:
        raise ExtractionError(f"extracted {len(text)} characters of text (minimum {min_chars})")
    language_match = _LANG.search(content[:5000])
    language = language_match.group(1).decode().lower() if language_match else None
    published = _meta_published(content) or parse_iso_datetime(document.date)
    return ExtractedArticle(
        title=document.title,
        author=document.author,
        published_at=published,
        site_name=document.sitename,
        language=language or _guess_language(text),
        text=text,
        declared_canonical=declared_canonical(content),
    )


_ENGLISH_MARKERS = frozenset(
    "the and of to in that is was for on with as said by at from his her it be are have".split()
)


def _guess_language(text: str) -> str | None:
    """Cheap check used when the page declares none: English or unknown."""
    words = re.findall(r"[a-z]+", text[:3000].lower())
    if not words:
        return None
    share = sum(word in _ENGLISH_MARKERS for word in words) / len(words)
    return "en" if share > 0.12 else None
