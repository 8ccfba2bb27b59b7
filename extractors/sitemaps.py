"""Sitemaps (plain, index and Google News) for date-range backfills."""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from stancewatch.extractors.dates import parse_iso_datetime
from stancewatch.extractors.feeds import declares_entities

GZIP_MAGIC = b"\x1f\x8b"

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


def _local(tag: object) -> str:
    return str(tag).rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def gunzip_bounded(content: bytes, limit: int) -> bytes:
    """A .xml.gz sitemap served as a file (application/x-gzip, no Content-Encoding)."""
    inflater = zlib.decompressobj(zlib.MAX_WBITS | 16)
    try:
        data = inflater.decompress(content, limit + 1)
    except zlib.error as exc:
        raise SitemapError(f"corrupt gzip sitemap: {exc}") from None
    if len(data) > limit:
        raise SitemapError(f"gzip sitemap inflates past the {limit:,}-byte cap")
    return data


def parse_sitemap(content: bytes, max_bytes: int = 50_000_000) -> ParsedSitemap:
    """news:publication_date wins over lastmod as the article's date. Gzip files are
    recognised by their content, whatever the content type says."""
    if content[:2] == GZIP_MAGIC:
        content = gunzip_bounded(content, max_bytes)
    if declares_entities(content):
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
            date = parse_iso_datetime(fields.get("publication_date")) or parse_iso_datetime(
                fields.get("lastmod"))
            entries.append(SitemapEntry(fields["loc"], date))
    return ParsedSitemap(entries, children)
