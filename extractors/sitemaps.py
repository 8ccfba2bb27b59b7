"""Sitemaps (plain, index and Google News) for date-range backfills."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False,
                          load_dtd=False, recover=False)


class SitemapError(ValueError):
    pass


@dataclass(frozen=True)
class SitemapEntry:
    url: str
    published_at: datetime | None


@dataclass(frozen=True)
class ParsedSitemap:
    entries: list[SitemapEntry]
    children: list[str]  # nested sitemaps of a sitemap index


def _parse_w3c_date(value: str | None) -> datetime | None:
    if not value:
        return None
    text = value.strip().replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def parse_sitemap(content: bytes) -> ParsedSitemap:
    """news:publication_date wins over lastmod as the article's date."""
    if b"<!ENTITY" in content:
        raise SitemapError("sitemap declares XML entities (refused)")
    try:
        root = etree.fromstring(content, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise SitemapError(f"malformed sitemap: {exc}") from exc
    entries: list[SitemapEntry] = []
    children: list[str] = []
    kind = _local(root.tag)
    if kind not in ("urlset", "sitemapindex"):
        raise SitemapError(f"not a sitemap (root element <{kind}>)")
    for node in root:
        fields: dict[str, str] = {}
        for child in node.iter():
            name = _local(child.tag)
            if name in ("loc", "lastmod", "publication_date") and child.text:
                fields.setdefault(name, child.text.strip())
        if "loc" not in fields:
            continue
        if kind == "sitemapindex":
            children.append(fields["loc"])
        else:
            date = _parse_w3c_date(fields.get("publication_date")) or _parse_w3c_date(
                fields.get("lastmod"))
            entries.append(SitemapEntry(fields["loc"], date))
    return ParsedSitemap(entries, children)
