"""Feed parsing: feedparser on bytes we fetched ourselves."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urljoin, urlsplit

import feedparser

# Entity declarations are dangerous only in the document's DTD (billion laughs, external
# entities): a <!DOCTYPE …> in the prolog, before the root element. The text "<!ENTITY" in
# CDATA or an item's content is just text.
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)
_COMMENT = re.compile(rb"<!--.*?-->", re.DOTALL)
_ELEMENT_START = re.compile(rb"<[A-Za-z_:]")
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
_SUBSET_END = re.compile(rb"\]\s*>")


class FeedError(ValueError):
    """The response is not a usable feed."""


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    published_at: datetime | None
    guid: str | None
    author: str | None
    summary: str | None


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: list[FeedEntry]
    skipped: list[tuple[str, str]]  # (item identifier, reason) for items with no usable link


def _struct_to_datetime(value: object) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromtimestamp(calendar.timegm(value), tz=UTC)  # type: ignore[arg-type]
    except (TypeError, ValueError, OverflowError):
        return None


def _entry_link(entry: feedparser.FeedParserDict, feed_url: str) -> str | None:
    candidates = [entry.get("link")]
    candidates += [link.get("href") for link in entry.get("links", []) if link.get("rel") == "alternate"]
    if entry.get("guidislink") or str(entry.get("id", "")).startswith(("http://", "https://")):
        candidates.append(entry.get("id"))
    for candidate in candidates:
        if not candidate:
            continue
        absolute = urljoin(feed_url, str(candidate).strip())
        if urlsplit(absolute).scheme in ("http", "https"):
            return absolute
    return None


def declares_entities(content: bytes) -> bool:
    """True when the document type declaration in the prolog declares an entity."""
    doctype = _DOCTYPE.search(content)
    if doctype is None:
        return False
    before = _COMMENT.sub(b"", content[: doctype.start()])
    if _ELEMENT_START.search(before):
        return False  # the root element came first: this "DOCTYPE" is content, not a DTD
    return bool(_ENTITY_DECLARATION.search(content[doctype.end(): _declaration_end(content, doctype.end())]))


def _declaration_end(content: bytes, start: int) -> int:
    """Where <!DOCTYPE …> ends: its first '>' or, with an internal subset, the '>' after ']'."""
    bracket, close = content.find(b"[", start), content.find(b">", start)
    if bracket != -1 and (close == -1 or bracket < close):
        subset_end = _SUBSET_END.search(content, bracket)
        return subset_end.end() if subset_end else len(content)
    return len(content) if close == -1 else close


def parse_feed(content: bytes, feed_url: str, content_type: str = "") -> ParsedFeed:
    """Parse RSS 0.9x/1.0/2.0 or Atom. Raises FeedError for anything that is not a feed."""
    if not content.strip():
        raise FeedError("empty response")
    if declares_entities(content):
        raise FeedError("feed declares XML entities (refused: entity expansion / external entities)")
    headers = {"content-type": content_type} if content_type else {}
    parsed = feedparser.parse(content, response_headers=headers, sanitize_html=False,
                              resolve_relative_uris=False)
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        problem = parsed.get("bozo_exception")
        detail = f": {str(problem).splitlines()[0][:160]}" if problem else ""
        raise FeedError(f"not an RSS or Atom feed{detail}")
    if parsed.get("bozo") and not parsed.entries:
        problem = parsed.get("bozo_exception")
        raise FeedError(f"malformed feed with no items: {str(problem).splitlines()[0][:160]}")
    entries: list[FeedEntry] = []
    skipped: list[tuple[str, str]] = []
    for index, item in enumerate(parsed.entries):
        try:
            link = _entry_link(item, feed_url)
        except ValueError as exc:  # a link urljoin cannot parse ("http://[::1/x", port 99999)
            label = str(item.get("title") or item.get("id") or f"item {index + 1}")[:120]
            skipped.append((label, f"item link is malformed ({str(exc)[:80]})"))
            continue
        if link is None:
            label = str(item.get("title") or item.get("id") or f"item {index + 1}")[:120]
            raw = str(item.get("link") or "")
            reason = f"item link {raw[:60]!r} is not http(s)" if raw else "item has no link"
            skipped.append((label, reason))
            continue
        entries.append(
            FeedEntry(
                url=link,
                title=item.get("title"),
                published_at=_struct_to_datetime(item.get("published_parsed") or item.get("updated_parsed")),
                guid=item.get("id"),
                author=item.get("author"),
                summary=item.get("summary"),
            )
        )
    return ParsedFeed(title=parsed.feed.get("title"), entries=entries, skipped=skipped)
