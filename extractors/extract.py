"""Article text and metadata from HTML, with trafilatura, htmldate and our own decoding.

The extraction cascade (measured on scrapinghub's article-extraction-benchmark and
trafilatura's evaluation pages; `make bench-extract`, figures in docs/benchmarks.md), all
steps with tables kept and comments dropped:

1. trafilatura's own extractor alone (`fast`): on news pages it is as good as the full
   mode at two thirds of the time (word F1 0.967 vs 0.964);
2. when that yields less than FULL_MODE_BELOW characters: the full mode, which compares
   with readability and jusText and keeps the better (the keeper of 3 % of pages; it
   recovers most of what `fast` loses on the 990-page set: F1 0.925 vs 0.920);
3. when still under `min_chars`: favor_recall, which rescues older table-based templates
   and pages whose body the other modes discard.
trafilatura's precision mode was measured as a first step and rejected: +0.001 word F1 on
the news benchmark, -0.013 F1 and 11 more empty pages on the 990-page set. A page that
still yields too little raises ExtractionError naming what was tried.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time

import trafilatura
from htmldate import find_date
from lxml.html import HtmlElement
from trafilatura.settings import use_config
from trafilatura.utils import load_html

from stancewatch.extractors.dates import parse_iso_datetime, sane_date
from stancewatch.extractors.decoding import decode_bytes, without_xml_declaration

MIN_TEXT_CHARS = 250
FULL_MODE_BELOW = 1_000
MAX_TREE_SIZE = 200_000
# signal-based extraction timeouts only work in the main thread; we extract in threads
# and bound work with the fetch size cap and MAX_TREE_SIZE instead.
_TRAFILATURA_CONFIG = use_config()
_TRAFILATURA_CONFIG.set("DEFAULT", "EXTRACTION_TIMEOUT", "0")
_TRAFILATURA_CONFIG.set("DEFAULT", "MAX_TREE_SIZE", str(MAX_TREE_SIZE))


class ExtractionError(ValueError):
    """The page yielded no usable article text; the message says why."""


@dataclass(frozen=True)
class ExtractedArticle:
    title: str | None
    author: str | None
    published_at: datetime | None  # UTC; midnight UTC when the page gives only a day
    published_local: date | None  # the day as the page itself gives it (its own time zone)
    site_name: str | None
    language: str | None
    text: str
    declared_canonical: str | None
    mode: str = "fast"  # which step of the cascade produced the text: fast | full | recall
    encoding: str | None = None


_CANONICAL_PATTERNS = (
    re.compile(rb"""<link[^>]+rel=["']?canonical["']?[^>]*>""", re.IGNORECASE),
    re.compile(rb"""<meta[^>]+property=["']og:url["'][^>]*>""", re.IGNORECASE),
)
_HREF = re.compile(rb"""(?:href|content)=["']([^"']+)["']""", re.IGNORECASE)
_LANG = re.compile(r"""<html[^>]*\blang=["']?([A-Za-z]{2,3})""", re.IGNORECASE)


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


# ------------------------------------------------------------------ dates
_TIMESTAMP_META = ("article:published_time", "og:published_time", "datepublished",
                   "publishdate", "pubdate", "dc.date.issued", "sailthru.date")


def _meta_timestamps(tree: HtmlElement) -> list[str]:
    """Publication timestamps the page states with a time of day (meta tags, JSON-LD)."""
    found: list[str] = []
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        if key in _TIMESTAMP_META and meta.get("content"):
            found.append(meta.get("content", ""))
    for script in tree.iter("script"):
        if (script.get("type") or "").lower() == "application/ld+json" and script.text:
            found += _json_ld_dates(script.text)
    return found


def _json_ld_dates(text: str) -> list[str]:
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):
        return []
    stack, dates = [data], []
    while stack and len(dates) < 5:
        item = stack.pop()
        if isinstance(item, dict):
            value = item.get("datePublished")
            if isinstance(value, str):
                dates.append(value)
            stack.extend(v for v in item.values() if isinstance(v, dict | list))
        elif isinstance(item, list):
            stack.extend(item[:50])
    return dates


def _local_timestamp(value: str) -> datetime | None:
    """A timestamp as the page wrote it (its offset kept), if it has a time of day."""
    text = value.strip()
    if "T" not in text and " " not in text.strip():
        return None
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def publication_date(tree: HtmlElement, page_day: str | None
                     ) -> tuple[datetime | None, date | None]:
    """(UTC timestamp, the page's own day). The day is htmldate's (extensive search, original
    date), the best-measured signal; a stated timestamp on that same day adds the time of
    day, with its offset, for the UTC value. Without htmldate's day, the timestamp's own."""
    stamps = [stamp for stamp in map(_local_timestamp, _meta_timestamps(tree)) if stamp]
    day = _parse_day(page_day)
    if day is None and stamps:
        day = stamps[0].date()
    if day is None:
        return None, None
    for stamp in stamps:
        if stamp.date() == day:
            aware = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
            return sane_date(aware.astimezone(UTC)), day
    midnight = datetime.combine(day, time(0, 0), tzinfo=UTC)
    return sane_date(midnight), day if sane_date(midnight) else None


def _parse_day(value: str | None) -> date | None:
    parsed = parse_iso_datetime(value)
    return parsed.date() if parsed else None


# ------------------------------------------------------------------ bylines
_NOT_A_PERSON = re.compile(
    r"\b(?:staff|newsroom|news ?desk|desk|editors?|editorial|team|agenc(?:y|ies)|wire|"
    r"reporters?|correspondents?|contributors?|admin|administrator|webmaster|redaktion|"
    r"redacci[oó]n|r[ée]daction|bureau|afp|reuters|associated press|dpa|tass|ria novosti|"
    r"interfax|ukrinform|unian|xinhua)\b", re.IGNORECASE)
_ORGANISATION = re.compile(
    r"\b(?:zeitung|times|news|post|online|magazin[e]?|journal|daily|radio|tv|press|presse|media|"
    r"blog|foundation|stiftung|bund|verlag|group|network|gmbh|inc|ltd|llc|e\.v|gazette|herald|"
    r"tribune|observer|review|agency|service|channel|the)\b|"
    r"\s(?:de|at|ch|com|org|net|uk|fr|it|es|ru|ua)$", re.IGNORECASE)


def _looks_like_person(name: str) -> bool:
    """Two to four capitalised words and nothing that names an organisation."""
    words = name.split()
    return (2 <= len(words) <= 4 and all(word[:1].isupper() for word in words)
            and not _ORGANISATION.search(name) and not any(ch.isdigit() for ch in name))


def person_byline(author: str | None, site_name: str | None, domain_hint: str | None) -> str | None:
    """The byline when it names people; None for desks, agencies, domain-made names and the
    outlet itself. A personal site's own name is kept ("Wolfgang Schmale" on his blog)."""
    if not author:
        return None
    keep = []
    for name in (part.strip() for part in author.split(";")):
        lowered = name.lower()
        if not name or _NOT_A_PERSON.search(name) or not re.search(r"[^\W\d_]", name):
            continue
        if len(name.split()) > 6 or "http" in lowered or "@" in name or "." in name.split()[-1]:
            continue
        outlet = bool(site_name) and lowered in (site_name.lower(), site_name.lower().removeprefix("the "))
        outlet = outlet or (bool(domain_hint) and len(lowered) > 3
                            and lowered.replace(" ", "") in domain_hint.lower().replace(".", ""))
        if outlet and not _looks_like_person(name):
            continue
        if re.search(r"\s(?:de|at|ch|com|org|net)$", lowered):  # "Mdr De": made from a domain
            continue
        keep.append(name)
    return "; ".join(keep) or None


# ------------------------------------------------------------------ the article
# trafilatura's metadata pass runs htmldate on its cleaned tree (comments gone, which can hide
# the date); its answer is not used, so it runs in the cheap mode
_CHEAP_DATE = {"original_date": True, "extensive_search": False}


def page_day(html_text: str, url: str) -> str | None:
    """htmldate as its own evaluation runs it, on the page as decoded: extensive search, the
    original (not the updated) date, and the URL's own date when it has one."""
    try:
        return find_date(html_text, original_date=True, extensive_search=True, url=url,
                         max_date=datetime.now(UTC).strftime("%Y-%m-%d"))
    except (ValueError, TypeError):
        return None


def _text_of(document: object) -> str:
    return ((getattr(document, "text", None) or "") if document is not None else "").strip()


def extract_article(content: bytes, url: str, min_chars: int = MIN_TEXT_CHARS,
                    header_charset: str | None = None) -> ExtractedArticle:
    """Main text plus metadata; raises ExtractionError when there is too little text."""
    decoded = decode_bytes(content, header_charset)
    tree = load_html(without_xml_declaration(decoded.text))
    if tree is None:
        raise ExtractionError("not an HTML document (no elements could be parsed)")
    document = trafilatura.bare_extraction(
        tree, url=url, with_metadata=True, fast=True, include_comments=False,
        include_tables=True, config=_TRAFILATURA_CONFIG, date_extraction_params=_CHEAP_DATE)
    text, mode = _text_of(document), "fast"
    for next_mode, threshold, options in (("full", FULL_MODE_BELOW, {}),
                                          ("recall", min_chars, {"favor_recall": True})):
        if len(text) >= max(1, threshold):
            break
        candidate = _text_of(trafilatura.bare_extraction(
            tree, url=url, include_comments=False, include_tables=True,
            config=_TRAFILATURA_CONFIG, **options))
        if len(candidate) > len(text):
            text, mode = candidate, next_mode
    if len(text) < max(1, min_chars):
        raise ExtractionError(
            f"extracted {len(text)} characters of text (minimum {min_chars}) with trafilatura's "
            "fast, full and recall modes: no article body found")
    published_at, published_local = publication_date(tree, page_day(decoded.text, url))
    site_name = getattr(document, "sitename", None)
    language_match = _LANG.search(decoded.text[:5000])
    language = language_match.group(1).lower() if language_match else None
    return ExtractedArticle(
        title=getattr(document, "title", None),
        author=person_byline(getattr(document, "author", None), site_name,
                             getattr(document, "hostname", None)),
        published_at=published_at,
        published_local=published_local,
        site_name=site_name,
        language=language or _guess_language(text),
        text=text,
        declared_canonical=declared_canonical(content),
        mode=mode,
        encoding=decoded.encoding,
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
