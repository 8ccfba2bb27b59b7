#!/usr/bin/env python3
# ruff: noqa: E501  (HTML/XML templates: long lines are the markup, not code)
"""Render the demo news outlets into static sites under demo/sites/<outlet>/.

Standard library only, deterministic output (no clock, no randomness), so the
generated files can be committed and diffed. Every absolute URL is written as
``{{BASE:<outlet>}}/path``: each outlet is served at run time by its own
loopback HTTP server on a random port, and that server substitutes the
placeholder.

Usage:
    python demo/build_sites.py           # rebuild demo/sites/ and demo/EXPECTED.md
    python demo/build_sites.py --check   # rebuild, then validate the output
"""

from __future__ import annotations

import argparse
import email.utils
import hashlib
import html
import json
import re
import shutil
import sys
import tomllib
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path

DEMO_DIR = Path(__file__).resolve().parent
ARTICLES_DIR = DEMO_DIR / "articles"
SITES_DIR = DEMO_DIR / "sites"
EXPECTED_PATH = DEMO_DIR / "EXPECTED.md"

# How many of each outlet's oldest (public) articles are left out of its feed,
# so that only a sitemap backfill finds them.
SITEMAP_ONLY = {"kyiv-ledger": 3, "atlantic-dispatch": 2, "eurowire": 3}
EUROWIRE_TRACKING = "utm_source=rss&utm_medium=feed&utm_campaign=daily"
EUROWIRE_FBCLID_SLUG = "fico-veto-no-soldiers"
EUROWIRE_FBCLID = "IwAR2xQ7dVb0Lk3pN8sFq1mTz4Yc6uHj9eW5rA0oBnCdEfGhIj"

# Namespace identifiers that are URLs by convention, not links.
NAMESPACE_URLS = (
    "http://www.w3.org/2005/Atom",
    "http://www.sitemaps.org/schemas/sitemap/0.9",
    "http://www.google.com/schemas/sitemap-news/0.9",
    "http://purl.org/dc/elements/1.1/",
    "http://www.w3.org/2000/svg",
    "https://schema.org",
)


def base(outlet: str) -> str:
    return "{{BASE:" + outlet + "}}"


def esc(text: str) -> str:
    return html.escape(text, quote=True)


def xesc(text: str) -> str:
    return html.escape(text, quote=False)


def digest(*parts: str) -> int:
    return int.from_bytes(hashlib.sha256("|".join(parts).encode("utf-8")).digest()[:8], "big")


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


# --------------------------------------------------------------------- articles


@dataclass
class Article:
    outlet: str
    slug: str
    title: str
    author: str
    published: datetime
    section: str
    summary: str
    body: str
    source_file: str
    tags: list[str] = field(default_factory=list)
    updated: datetime | None = None
    kicker: str = ""
    wire_id: int | None = None
    private: bool = False
    seed: bool = False
    syndicated_from: str = ""
    expect_membership: str = ""
    expect_guarantees: str = ""
    expect_holders: str = ""
    # filled in by the outlet
    path: str = ""
    original: Article | None = None

    @property
    def key(self) -> str:
        return f"{self.outlet}/{self.slug}"

    @property
    def modified(self) -> datetime:
        return self.updated or self.published

    @property
    def url(self) -> str:
        return base(self.outlet) + self.path


def read_article(path: Path) -> Article:
    raw = path.read_text(encoding="utf-8")
    match = re.match(r"\+\+\+\n(.*?)\n\+\+\+\n?(.*)\Z", raw, re.DOTALL)
    if not match:
        raise SystemExit(f"{path}: missing +++ front matter")
    meta = tomllib.loads(match.group(1))
    for key in ("outlet", "slug", "title", "author", "published", "section", "summary"):
        if key not in meta:
            raise SystemExit(f"{path}: front matter lacks {key!r}")
    published = datetime.fromisoformat(meta.pop("published"))
    updated = meta.pop("updated", None)
    if published.tzinfo is None:
        raise SystemExit(f"{path}: published needs a timezone offset")
    return Article(
        published=published,
        updated=datetime.fromisoformat(updated) if updated else None,
        body=match.group(2).strip(),
        source_file=str(path.relative_to(DEMO_DIR)),
        **meta,
    )


def load_articles() -> list[Article]:
    articles = [read_article(p) for p in sorted(ARTICLES_DIR.rglob("*.md"))]
    by_key = {a.key: a for a in articles}
    if len(by_key) != len(articles):
        raise SystemExit("duplicate outlet/slug in demo/articles")
    for article in articles:
        if article.syndicated_from:
            original = by_key.get(article.syndicated_from)
            if original is None:
                raise SystemExit(
                    f"{article.source_file}: unknown syndicated_from {article.syndicated_from!r}"
                )
            article.original = original
            article.body = original.body
    return sorted(articles, key=lambda a: (a.published, a.outlet, a.slug))


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"\*(.+?)\*")


def inline(text: str) -> str:
    text = esc(text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


def body_blocks(body: str) -> list[str]:
    """The tiny Markdown subset the articles use: paragraphs, ## subheads, > quotes, *notes*."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", body.strip()):
        text = " ".join(line.strip() for line in chunk.splitlines())
        if text.startswith("## "):
            blocks.append(f"<h2>{inline(text[3:])}</h2>")
        elif text.startswith("> "):
            blocks.append(f"<blockquote><p>{inline(text[2:])}</p></blockquote>")
        elif text.startswith("**") and text.endswith("**"):
            blocks.append(f'<p class="question">{inline(text)}</p>')
        elif text.startswith("*") and text.endswith("*") and not text.startswith("**"):
            blocks.append(f'<p class="note">{inline(text)}</p>')
        else:
            blocks.append(f"<p>{inline(text)}</p>")
    return blocks


def word_count(article: Article) -> int:
    return len(article.body.split())


# --------------------------------------------------------------------- comments

COMMENT_POOL = [
    (
        "Marta_K",
        "Lviv",
        "Thank you for the detailed reporting. It is rare to read something this balanced.",
    ),
    (
        "oldsoldier1975",
        "Manchester",
        "NATO membership is the only thing that will stop them. Everything else is paper.",
    ),
    (
        "Realist_42",
        "Vienna",
        "Ukraine should accept neutrality and end the bloodshed. Nobody in Brussels will fight for Kyiv.",
    ),
    (
        "Pieter from Utrecht",
        "Utrecht",
        "My country should send troops as part of the reassurance force, no question about it.",
    ),
    (
        "J. Hallworth",
        "Ohio",
        "I do not want our soldiers anywhere near Ukraine. Let the Europeans who border Russia handle it.",
    ),
    ("Skeptic", "Prague", "Guarantees, assurances, commitments... we heard all of this in 1994."),
    (
        "Anna_Kharkiv",
        "Kharkiv",
        "The lights went out again in our district last night, but we keep going. Greetings to all readers.",
    ),
    ("frank_in_ohio", "Columbus", "Not one more dollar until we fix things at home."),
    ("Kasia W.", "Rzeszow", "Poland has done more than enough. Logistics yes, troops no."),
    ("Ivo_bg", "Sofia", "Good article, but the headline is a bit misleading."),
    ("T. Okafor", "London", "Excellent piece, sharing it with my students this week."),
    (
        "BalticWatcher",
        "Tallinn",
        "Article 5 protection must cover Ukraine the day the guns stop. Anything less invites the next war.",
    ),
    ("Hannes", "Hamburg", "Germany should have delivered the Taurus a year ago."),
    (
        "pragmatist",
        "Chicago",
        "Nobody is going to extend Article 5 to a country at war. Be serious.",
    ),
    ("Dave_UK", "Leeds", "Proud that Britain is leading on this. About time."),
    ("Marco B.", "Turin", "Meloni is right, sending troops is not the answer."),
    ("lurker99", "", "The comment section here gets worse every week."),
    (
        "Olha T.",
        "Odesa",
        "When will you publish the full interview? The excerpts are very interesting.",
    ),
    (
        "NorthernLight",
        "Oslo",
        "Europe needs its own deterrent. We cannot wait for Washington to make up its mind.",
    ),
    (
        "G. Petrov",
        "Plovdiv",
        "Both sides are to blame, the media never shows the other perspective.",
    ),
    ("sunflower_seeds", "Toronto", "Slava Ukraini! Canada stands with you."),
    (
        "econ_nerd",
        "Frankfurt",
        "Somebody has to pay for all of this, and it will be the taxpayer as usual.",
    ),
    ("Irene M.", "Athens", "Typo in the fourth paragraph, otherwise a great read."),
    ("Mykola", "Dnipro", "Without the Americans no guarantee will work. That is the simple truth."),
]


@dataclass
class Comment:
    name: str
    place: str
    text: str
    when: datetime
    likes: int


def comments_for(article: Article) -> list[Comment]:
    h = digest("comments", article.key)
    count = 3 + h % 3
    start = (h >> 8) % len(COMMENT_POOL)
    stride = (5, 7, 11)[(h >> 16) % 3]
    gap = 37 + (h >> 24) % 40
    chosen = []
    for i in range(count):
        name, place, text = COMMENT_POOL[(start + i * stride) % len(COMMENT_POOL)]
        when = article.published + timedelta(minutes=gap * (i + 1) + 13 * i * i)
        chosen.append(Comment(name, place, text, when, (h >> (4 * i)) % 37))
    return chosen


# --------------------------------------------------------------------- outlets


class Outlet:
    slug = ""
    name = ""
    nav: list[tuple[str, str]] = []
    static_pages: dict[str, tuple[str, str]] = {}

    def __init__(self, articles: list[Article]) -> None:
        self.articles = articles
        for article in articles:
            article.path = self.article_path(article)
        self.public = [a for a in articles if not a.private]
        newest_first = sorted(self.public, key=lambda a: a.published, reverse=True)
        cut = len(newest_first) - SITEMAP_ONLY[self.slug]
        self.sitemap_only = newest_first[cut:]
        self.feed_items = sorted(
            newest_first[:cut] + [a for a in articles if a.private],
            key=lambda a: a.published,
            reverse=True,
        )
        ranked = sorted(self.public, key=lambda a: digest("popular", a.key))
        self.most_read = ranked[:5]
        self.latest = newest_first[:4]

    # -- paths
    def article_path(self, article: Article) -> str:
        raise NotImplementedError

    def section_path(self, section: str) -> str:
        raise NotImplementedError

    def abs(self, path: str) -> str:
        return base(self.slug) + path

    def related(self, article: Article, count: int = 3) -> list[Article]:
        others = [a for a in self.public if a is not article]
        others.sort(key=lambda a: (abs((a.published - article.published).total_seconds()), a.slug))
        return others[:count]

    # -- pages
    def page(self, title: str, body: str) -> str:
        raise NotImplementedError

    def render_article(self, article: Article) -> str:
        raise NotImplementedError

    def listing(self, heading: str, items: list[Article], intro: str = "") -> str:
        rows = "\n".join(
            f'<li><a href="{a.path}">{esc(a.title)}</a> <span class="list-date">'
            f'{a.published.date().isoformat()}</span><br><span class="list-summary">{esc(a.summary)}</span></li>'
            for a in items
        )
        intro_html = f"<p>{esc(intro)}</p>\n" if intro else ""
        return (
            f'<main id="main" class="listing">\n<h1>{esc(heading)}</h1>\n{intro_html}'
            f'<ul class="article-list">\n{rows or "<li>No stories in this section yet.</li>"}\n</ul>\n</main>'
        )

    def files(self) -> dict[str, str]:
        out: dict[str, str] = {}
        for article in self.articles:
            out[article.path] = self.render_article(article)
        newest = sorted(self.public, key=lambda a: a.published, reverse=True)
        out["/index.html"] = self.page(
            self.name, self.listing(self.name, newest, self.home_intro())
        )
        for label, section in self.nav:
            if section:
                items = [a for a in newest if a.section.lower() == section]
                out[self.section_path(section)] = self.page(
                    f"{label} | {self.name}", self.listing(label, items)
                )
        for path, (title, text) in self.static_pages.items():
            paras = "\n".join(f"<p>{esc(p)}</p>" for p in text.split("\n"))
            out[path] = self.page(
                f"{title} | {self.name}",
                f'<main id="main" class="static">\n<h1>{esc(title)}</h1>\n{paras}\n</main>',
            )
        out["/robots.txt"] = self.robots()
        out["/sitemap.xml"] = self.sitemap()
        out.update(self.extra_files())
        return out

    def home_intro(self) -> str:
        return ""

    def extra_files(self) -> dict[str, str]:
        return {}

    def robots(self) -> str:
        return (
            "User-agent: *\nDisallow: /private/\nDisallow: /search\n\n"
            f"Sitemap: {self.abs('/sitemap.xml')}\n"
        )

    def sitemap(self) -> str:
        rows = []
        for a in sorted(self.public, key=lambda a: a.published, reverse=True):
            rows.append(
                f"  <url>\n    <loc>{xesc(a.url)}</loc>\n    <lastmod>{a.modified.isoformat()}</lastmod>\n"
                "    <changefreq>monthly</changefreq>\n    <priority>0.7</priority>\n  </url>"
            )
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
            + "\n".join(rows)
            + "\n</urlset>\n"
        )

    def jsonld(self, article: Article, logo: str) -> str:
        data = {
            "@context": "https://schema.org",
            "@type": "NewsArticle",
            "headline": article.title,
            "description": article.summary,
            "datePublished": article.published.isoformat(),
            "dateModified": article.modified.isoformat(),
            "author": [{"@type": "Person", "name": article.author}],
            "publisher": {
                "@type": "Organization",
                "name": self.name,
                "logo": {"@type": "ImageObject", "url": self.abs(logo)},
            },
            "mainEntityOfPage": {"@type": "WebPage", "@id": article.url},
            "url": article.url,
            "articleSection": article.section,
            "keywords": article.tags,
            "wordCount": word_count(article),
            "inLanguage": "en",
            "isAccessibleForFree": not article.private,
        }
        text = json.dumps(data, ensure_ascii=False, indent=2)
        return '<script type="application/ld+json">\n' + text.replace("</", "<\\/") + "\n</script>"

    def common_meta(self, article: Article, title_suffix: str) -> str:
        tags = "\n".join(f'<meta property="article:tag" content="{esc(t)}">' for t in article.tags)
        modified = (
            f'\n<meta property="article:modified_time" content="{article.updated.isoformat()}">'
            if article.updated
            else ""
        )
        return f"""<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(article.title)}{title_suffix}</title>
<meta name="description" content="{esc(article.summary)}">
<meta name="author" content="{esc(article.author)}">
<link rel="canonical" href="{esc(article.url)}">
<meta property="og:type" content="article">
<meta property="og:site_name" content="{esc(self.name)}">
<meta property="og:title" content="{esc(article.title)}">
<meta property="og:description" content="{esc(article.summary)}">
<meta property="og:url" content="{esc(article.url)}">
<meta property="article:published_time" content="{article.published.isoformat()}">{modified}
<meta property="article:section" content="{esc(article.section)}">
{tags}"""

    def logo_svg(self, label: str, colour: str) -> str:
        return (
            '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="40" viewBox="0 0 240 40">'
            f'<rect width="240" height="40" fill="{colour}"/>'
            f'<text x="12" y="27" font-family="Georgia, serif" font-size="20" fill="#fff">{xesc(label)}</text></svg>\n'
        )


# ------------------------------------------------------------- The Kyiv Ledger


class KyivLedger(Outlet):
    slug = "kyiv-ledger"
    name = "The Kyiv Ledger"
    nav = [
        ("Home", ""),
        ("War", "war"),
        ("Politics", "politics"),
        ("Economy", "economy"),
        ("Analysis", "analysis"),
        ("Opinion", "opinion"),
        ("Interviews", "interviews"),
    ]
    static_pages = {
        "/about.html": (
            "About us",
            "The Kyiv Ledger is an independent English-language newsroom based in Kyiv.\nWe are funded by our members, grants and advertising.",
        ),
        "/subscribe.html": (
            "Become a member",
            "Membership starts at 5 dollars a month and gives you access to members' briefings and events.",
        ),
        "/login.html": ("Log in", "Log in with the email address you used to become a member."),
        "/contacts.html": (
            "Contacts",
            "Newsroom: news desk, Kyiv. Press enquiries and corrections are answered within two working days.",
        ),
        "/advertise.html": (
            "Advertise with us",
            "Reach an international audience interested in Ukraine. Ask our sales team for the media kit.",
        ),
        "/editorial-policy.html": (
            "Editorial policy",
            "We separate news from opinion and correct our mistakes openly.",
        ),
        "/privacy.html": (
            "Privacy policy",
            "This policy explains what personal data we collect and why.",
        ),
        "/cookies.html": (
            "Cookie policy",
            "We use strictly necessary cookies, audience measurement cookies and, with your consent, advertising cookies.",
        ),
    }

    def article_path(self, article: Article) -> str:
        if article.private:
            return f"/private/{article.slug}.html"
        return f"/{article.published:%Y/%m/%d}/{article.slug}.html"

    def section_path(self, section: str) -> str:
        return f"/section/{section}.html"

    @staticmethod
    def when(dt: datetime) -> str:
        return f"{dt.day} {dt:%B %Y}, {dt:%H:%M}"

    def chrome_top(self, date_line: str) -> str:
        nav = "\n".join(
            f'    <li><a href="{self.section_path(s) if s else "/"}">{esc(label)}</a></li>'
            for label, s in self.nav
        )
        ticker = " &middot; ".join(
            f'<a href="{a.path}">{esc(a.title)}</a>' for a in self.latest[:3]
        )
        return f"""<div id="cookie-consent" class="cookie-banner" role="dialog" aria-label="Cookie consent">
  <p>We use cookies and similar technologies to keep this site running, to measure our audience and to show you relevant offers. You can accept all cookies or manage your preferences at any time. Read our <a href="/cookies.html">cookie policy</a>.</p>
  <button type="button" class="btn-accept">Accept all</button>
  <button type="button" class="btn-manage">Manage preferences</button>
</div>
<div class="topbar">
  <span class="topbar-date">{esc(date_line)}</span>
  <span class="topbar-rate">UAH/USD 41.92 &middot; UAH/EUR 43.61</span>
  <a href="/subscribe.html" class="topbar-cta">Become a member</a>
  <a href="/login.html">Log in</a>
</div>
<header class="masthead">
  <a class="logo" href="/"><img src="/assets/logo.svg" alt="The Kyiv Ledger" width="240" height="40"></a>
  <p class="tagline">Independent English-language news from Ukraine</p>
</header>
<nav class="main-nav" aria-label="Main menu">
  <ul>
{nav}
  </ul>
  <form class="search" action="/search" method="get"><input type="search" name="q" placeholder="Search"><button type="submit">Search</button></form>
</nav>
<div class="ticker"><strong>Latest:</strong> {ticker}</div>"""

    def chrome_bottom(self) -> str:
        return """<footer class="site-footer">
  <div class="footer-cols">
    <ul>
      <li><a href="/about.html">About us</a></li>
      <li><a href="/contacts.html">Contacts</a></li>
      <li><a href="/advertise.html">Advertise</a></li>
    </ul>
    <ul>
      <li><a href="/editorial-policy.html">Editorial policy</a></li>
      <li><a href="/privacy.html">Privacy policy</a></li>
      <li><a href="/cookies.html">Cookie policy</a></li>
    </ul>
    <ul>
      <li><a href="/rss.xml">RSS</a></li>
      <li><a href="/subscribe.html">Membership</a></li>
    </ul>
  </div>
  <p class="copyright">&copy; 2016&ndash;2025 The Kyiv Ledger. All rights reserved. Full or partial reproduction of materials is allowed only with a hyperlink to The Kyiv Ledger.</p>
</footer>
<script>window.dataLayer = window.dataLayer || []; window.dataLayer.push({"event": "pageview", "site": "kyiv-ledger"});</script>"""

    def page(self, title: str, body: str) -> str:
        head = f'<meta charset="utf-8">\n<title>{esc(title)}</title>'
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
{head}
<link rel="stylesheet" href="/assets/ledger.css">
<link rel="alternate" type="application/rss+xml" title="The Kyiv Ledger" href="/rss.xml">
</head>
<body>
{self.chrome_top("Independent news from Ukraine")}
{body}
{self.chrome_bottom()}
</body>
</html>
"""

    def render_article(self, article: Article) -> str:
        blocks = body_blocks(article.body)
        related = self.related(article)
        if len(blocks) > 4 and related:
            blocks.insert(
                2,
                f'<aside class="read-also"><span>Read also:</span> <a href="{related[0].path}">{esc(related[0].title)}</a></aside>',
            )
            blocks.insert(
                5, '<div class="ad-slot ad-inline" aria-hidden="true">Advertisement</div>'
            )
        body = "\n".join("      " + b for b in blocks)
        robots = '\n<meta name="robots" content="noindex, nofollow">' if article.private else ""
        members = (
            '\n    <p class="members-flag">Members only &middot; preview</p>'
            if article.private
            else ""
        )
        tags = " ".join(f'<a href="/tag/{slugify(t)}.html">{esc(t)}</a>' for t in article.tags)
        most_read = "\n".join(
            f'        <li><a href="{a.path}">{esc(a.title)}</a></li>' for a in self.most_read
        )
        related_html = "\n".join(
            f'      <li><a href="{a.path}">{esc(a.title)}</a> <time datetime="{a.published.isoformat()}">{self.when(a.published)}</time></li>'
            for a in related
        )
        comments = comments_for(article)
        comments_html = "\n".join(
            f"""      <div class="comment">
        <p class="comment-meta"><strong>{esc(c.name)}</strong> &middot; <time datetime="{c.when.isoformat()}">{self.when(c.when)}</time></p>
        <p class="comment-text">{esc(c.text)}</p>
        <p class="comment-actions"><a href="#comments">Reply</a> &middot; Like ({c.likes})</p>
      </div>"""
            for c in comments
        )
        head = (
            self.common_meta(article, " | The Kyiv Ledger")
            + robots
            + f"""
<meta property="og:locale" content="en_GB">
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:site" content="@kyivledger">
{self.jsonld(article, "/assets/logo.svg")}"""
        )
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
{head}
<link rel="stylesheet" href="/assets/ledger.css">
<link rel="alternate" type="application/rss+xml" title="The Kyiv Ledger" href="/rss.xml">
</head>
<body class="article-page">
{self.chrome_top(f"{article.published:%A}, {article.published.day} {article.published:%B %Y}")}
<main id="content">
  <div class="layout">
  <article class="story">
    <header class="story-header">{members}
      <p class="story-section"><a href="{self.section_path(article.section.lower())}">{esc(article.section)}</a></p>
      <h1 class="story-title">{esc(article.title)}</h1>
      <p class="story-standfirst">{esc(article.summary)}</p>
      <div class="byline">By <a rel="author" href="/authors/{slugify(article.author)}.html">{esc(article.author)}</a> &middot; <time datetime="{article.published.isoformat()}">{self.when(article.published)}</time></div>
    </header>
    <div class="share-buttons">Share: <a href="#share-facebook">Facebook</a> <a href="#share-x">X</a> <a href="#share-telegram">Telegram</a> <a href="#copy-link">Copy link</a></div>
    <div class="story-body">
{body}
    </div>
    <div class="story-tags">Tags: {tags}</div>
  </article>
  <div class="promo-member">
    <h3>Support independent journalism from Ukraine</h3>
    <p>The Kyiv Ledger is funded by readers like you. Become a member from 5 dollars a month and get our members' briefings, events and an ad-free site.</p>
    <a class="btn" href="/subscribe.html">Become a member</a>
  </div>
  <aside class="sidebar">
    <div class="ad-slot ad-300x250">Advertisement</div>
    <section class="most-read">
      <h3>Most read</h3>
      <ol>
{most_read}
      </ol>
    </section>
    <section class="newsletter">
      <h3>The Morning Ledger</h3>
      <p>Our daily briefing on the war, politics and business in Ukraine, every weekday at 7 a.m. Kyiv time.</p>
      <form action="/subscribe.html" method="get"><input type="email" name="email" placeholder="Your email"><button type="submit">Sign up</button></form>
    </section>
  </aside>
  </div>
  <section class="related">
    <h2>Related articles</h2>
    <ul>
{related_html}
    </ul>
  </section>
  <section class="comments" id="comments">
    <h2>Comments ({len(comments)})</h2>
{comments_html}
    <form class="comment-form" action="/login.html" method="get"><textarea name="text" placeholder="Log in to join the discussion"></textarea><button type="submit">Post comment</button></form>
  </section>
</main>
{self.chrome_bottom()}
</body>
</html>
"""

    def files(self) -> dict[str, str]:
        out = super().files()
        for author in sorted({a.author for a in self.public}):
            items = sorted(
                (a for a in self.public if a.author == author),
                key=lambda a: a.published,
                reverse=True,
            )
            out[f"/authors/{slugify(author)}.html"] = self.page(
                f"{author} | {self.name}", self.listing(author, items)
            )
        for tag in sorted({t for a in self.public for t in a.tags}):
            items = sorted(
                (a for a in self.public if tag in a.tags), key=lambda a: a.published, reverse=True
            )
            out[f"/tag/{slugify(tag)}.html"] = self.page(
                f"{tag} | {self.name}", self.listing(f"Tag: {tag}", items)
            )
        return out

    def extra_files(self) -> dict[str, str]:
        return {
            "/rss.xml": self.rss(),
            "/assets/logo.svg": self.logo_svg("The Kyiv Ledger", "#0b3d91"),
            "/assets/ledger.css": LEDGER_CSS,
        }

    def rss(self) -> str:
        items = []
        for a in self.feed_items:
            cats = "".join(
                f"\n      <category>{xesc(t)}</category>" for t in [a.section, *a.tags[:2]]
            )
            items.append(f"""    <item>
      <title>{xesc(a.title)}</title>
      <link>{xesc(a.url)}</link>
      <guid isPermaLink="true">{xesc(a.url)}</guid>
      <pubDate>{email.utils.format_datetime(a.published)}</pubDate>
      <dc:creator>{xesc(a.author)}</dc:creator>{cats}
      <description>{xesc(a.summary)}</description>
    </item>""")
        last = max(a.published for a in self.feed_items)
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
  <channel>
    <title>The Kyiv Ledger</title>
    <link>{self.abs("/")}</link>
    <description>Independent English-language news and analysis from Ukraine</description>
    <language>en</language>
    <copyright>Copyright 2016-2025 The Kyiv Ledger</copyright>
    <lastBuildDate>{email.utils.format_datetime(last)}</lastBuildDate>
    <ttl>15</ttl>
    <atom:link href="{self.abs("/rss.xml")}" rel="self" type="application/rss+xml"/>
{chr(10).join(items)}
  </channel>
</rss>
"""


# ------------------------------------------------------------ Atlantic Dispatch

AP_MONTHS = [
    "Jan.",
    "Feb.",
    "March",
    "April",
    "May",
    "June",
    "July",
    "Aug.",
    "Sept.",
    "Oct.",
    "Nov.",
    "Dec.",
]


class AtlanticDispatch(Outlet):
    slug = "atlantic-dispatch"
    name = "Atlantic Dispatch"
    nav = [
        ("World", "world"),
        ("Politics", "politics"),
        ("Analysis", "analysis"),
        ("Interviews", "interviews"),
        ("Business", "business"),
        ("Opinion", "opinion"),
    ]
    static_pages = {
        "/subscribe.html": (
            "Subscribe",
            "Unlimited access to Atlantic Dispatch for 1 dollar a week for the first year.",
        ),
        "/account/signin.html": ("Sign in", "Sign in to manage your subscription and newsletters."),
        "/about.html": (
            "About Atlantic Dispatch",
            "Atlantic Dispatch covers world affairs from Washington and Europe.",
        ),
        "/careers.html": ("Careers", "We are hiring reporters, editors and engineers."),
        "/ethics.html": (
            "Ethics policy",
            "Our journalists do not accept gifts, and we label corrections clearly.",
        ),
        "/contact.html": ("Contact us", "Reach the standards desk to report an error."),
        "/terms.html": ("Terms of service", "By using this site you agree to these terms."),
        "/privacy.html": ("Privacy policy", "How we collect, use and share your information."),
        "/newsletters.html": (
            "Newsletters",
            "The Dispatch Briefing arrives every weekday morning.",
        ),
        "/community-guidelines.html": (
            "Community guidelines",
            "Be civil, stay on topic and do not post personal information.",
        ),
    }

    def article_path(self, article: Article) -> str:
        return f"/news/{article.section.lower()}/{article.slug}.html"

    def section_path(self, section: str) -> str:
        return f"/news/{section}/index.html"

    @staticmethod
    def when(dt: datetime) -> str:
        hour = dt.hour % 12 or 12
        ampm = "a.m." if dt.hour < 12 else "p.m."
        minute = f":{dt.minute:02d}"
        return f"{AP_MONTHS[dt.month - 1]} {dt.day}, {dt.year}, {hour}{minute} {ampm} ET"

    def chrome_top(self) -> str:
        nav = "\n".join(
            f'        <li><a href="{self.section_path(s)}">{esc(label)}</a></li>'
            for label, s in self.nav
        )
        return f"""<a class="skip-link" href="#main">Skip to main content</a>
<div class="ad-leaderboard" role="complementary" aria-label="Advertisement">
  <span class="ad-label">ADVERTISEMENT</span>
  <div class="ad-creative">Upgrade your home office: ergonomic chairs now 30% off. Free shipping on orders over 99 dollars.</div>
</div>
<header id="site-header">
  <div class="utility-bar">
    <a href="/subscribe.html" class="subscribe-cta">Subscribe: 1 dollar a week</a>
    <a href="/account/signin.html">Sign in</a>
  </div>
  <div class="brand"><a href="/"><img src="/assets/dispatch-logo.svg" alt="Atlantic Dispatch" width="240" height="40"></a></div>
  <nav role="navigation" aria-label="Sections">
    <ul class="sections">
{nav}
    </ul>
  </nav>
</header>"""

    def chrome_bottom(self) -> str:
        sections = "".join(
            f'<li><a href="{self.section_path(s)}">{esc(label)}</a></li>' for label, s in self.nav
        )
        return f"""<footer id="site-footer">
  <div class="footer-grid">
    <div class="footer-col"><h4>Sections</h4><ul>{sections}</ul></div>
    <div class="footer-col"><h4>Company</h4><ul><li><a href="/about.html">About us</a></li><li><a href="/careers.html">Careers</a></li><li><a href="/ethics.html">Ethics policy</a></li></ul></div>
    <div class="footer-col"><h4>Help</h4><ul><li><a href="/contact.html">Contact us</a></li><li><a href="/newsletters.html">Newsletters</a></li><li><a href="/atom.xml">Atom feed</a></li></ul></div>
    <div class="footer-col"><h4>Legal</h4><ul><li><a href="/terms.html">Terms of service</a></li><li><a href="/privacy.html">Privacy policy</a></li><li><a href="/privacy.html#cookies">Cookie settings</a></li></ul></div>
  </div>
  <p class="legal">&copy; 2025 Atlantic Dispatch Media LLC. All Rights Reserved.</p>
</footer>
<div class="consent-overlay" role="dialog" aria-modal="true" aria-labelledby="consent-title">
  <h2 id="consent-title">Your privacy choices</h2>
  <p>We and our 143 partners store and access information on your device, such as cookies, and process personal data, such as unique identifiers, for personalised advertising and content, measurement and audience research. You can change your choices at any time from the Cookie settings link at the bottom of every page.</p>
  <button type="button">Accept all</button> <button type="button">Reject all</button> <button type="button">Manage options</button>
</div>"""

    def page(self, title: str, body: str) -> str:
        head = f'<meta charset="utf-8">\n<title>{esc(title)}</title>'
        return f"""<!doctype html>
<html lang="en">
<head>
{head}
<link rel="stylesheet" href="/assets/dispatch.css">
<link rel="alternate" type="application/atom+xml" title="Atlantic Dispatch" href="/atom.xml">
</head>
<body>
{self.chrome_top()}
{body}
{self.chrome_bottom()}
</body>
</html>
"""

    def render_article(self, article: Article) -> str:
        blocks = body_blocks(article.body)
        if len(blocks) > 5:
            blocks.insert(
                4,
                """<div class="inline-newsletter" data-component="newsletter-promo">
          <p class="promo-title">The Dispatch Briefing</p>
          <p>Get the day's top world news and analysis in your inbox every weekday morning. <a href="/newsletters.html">Sign up</a></p>
        </div>""",
            )
        body = "\n".join("        " + b for b in blocks)
        updated = (
            f'\n          <span class="timestamp updated">Updated <time datetime="{article.updated.isoformat()}">{self.when(article.updated)}</time></span>'
            if article.updated
            else ""
        )
        popular = "\n".join(
            f'        <li><a href="{a.path}">{esc(a.title)}</a></li>' for a in self.most_read
        )
        more = "\n".join(
            f'      <li class="card"><a href="{a.path}"><span class="card-kicker">{esc(a.kicker or a.section)}</span> <span class="card-title">{esc(a.title)}</span></a></li>'
            for a in self.related(article, 4)
        )
        comments = comments_for(article)
        convo = "\n".join(
            f"""      <li class="comment">
        <div class="comment-author">{esc(c.name)}{f' <span class="comment-location">{esc(c.place)}</span>' if c.place else ""}</div>
        <time datetime="{c.when.isoformat()}">{self.when(c.when)}</time>
        <p>{esc(c.text)}</p>
        <div class="comment-tools"><button type="button">Reply</button> <button type="button">Recommend ({c.likes})</button> <button type="button">Report</button></div>
      </li>"""
            for c in comments
        )
        head = (
            self.common_meta(article, " - Atlantic Dispatch")
            + f"""
<meta name="twitter:card" content="summary_large_image">
<meta name="twitter:title" content="{esc(article.title)}">
{self.jsonld(article, "/assets/dispatch-logo.svg")}"""
        )
        return f"""<!doctype html>
<html lang="en">
<head>
{head}
<link rel="stylesheet" href="/assets/dispatch.css">
<link rel="alternate" type="application/atom+xml" title="Atlantic Dispatch" href="/atom.xml">
</head>
<body class="story-page">
{self.chrome_top()}
<main id="main" role="main">
  <div class="story-grid">
    <article class="story">
      <header class="story-header">
        <a class="kicker" href="{self.section_path(article.section.lower())}">{esc(article.kicker or article.section)}</a>
        <h1 class="headline">{esc(article.title)}</h1>
        <p class="dek">{esc(article.summary)}</p>
        <div class="story-meta">
          <span class="by">By <a rel="author" href="/people/{slugify(article.author)}.html">{esc(article.author)}</a></span>
          <span class="timestamp">Published <time datetime="{article.published.isoformat()}">{self.when(article.published)}</time></span>{updated}
        </div>
      </header>
      <section class="story-body" data-component="body">
{body}
      </section>
      <footer class="story-footer">
        <p class="standards">Atlantic Dispatch is committed to accuracy. Spot an error? <a href="/contact.html">Contact the standards desk</a>.</p>
      </footer>
    </article>
    <aside class="rail" aria-label="Sidebar">
      <div class="ad-box"><span class="ad-label">ADVERTISEMENT</span><p>Plan your spring getaway: direct flights to Lisbon from 299 dollars.</p></div>
      <div class="most-popular">
        <h3>Most Popular</h3>
        <ol>
{popular}
        </ol>
      </div>
    </aside>
  </div>
  <section class="more-stories">
    <h2>More from Atlantic Dispatch</h2>
    <ul class="card-list">
{more}
    </ul>
  </section>
  <section id="conversation" class="conversation">
    <h2>Conversation</h2>
    <p class="community-note">Comments are moderated. Please read our <a href="/community-guidelines.html">community guidelines</a>.</p>
    <ul class="comment-list">
{convo}
    </ul>
    <button type="button" class="load-more">Load more comments</button>
  </section>
</main>
{self.chrome_bottom()}
</body>
</html>
"""

    def home_intro(self) -> str:
        return "World news and analysis from Washington and Europe."

    def files(self) -> dict[str, str]:
        out = super().files()
        for author in sorted({a.author for a in self.public}):
            items = sorted(
                (a for a in self.public if a.author == author),
                key=lambda a: a.published,
                reverse=True,
            )
            out[f"/people/{slugify(author)}.html"] = self.page(
                f"{author} - Atlantic Dispatch", self.listing(author, items)
            )
        return out

    def robots(self) -> str:
        return (
            "User-agent: *\nDisallow: /private/\nDisallow: /account/\nDisallow: /search\nAllow: /\n\n"
            "User-agent: BadBot\nDisallow: /\n\n"
            f"Sitemap: {self.abs('/sitemap.xml')}\nSitemap: {self.abs('/news-sitemap.xml')}\n"
        )

    def extra_files(self) -> dict[str, str]:
        return {
            "/atom.xml": self.atom(),
            "/news-sitemap.xml": self.news_sitemap(),
            "/assets/dispatch-logo.svg": self.logo_svg("ATLANTIC DISPATCH", "#111111"),
            "/assets/dispatch.css": DISPATCH_CSS,
        }

    def entry_id(self, a: Article) -> str:
        return f"tag:atlantic-dispatch.example,{a.published:%Y-%m-%d}:{a.path}"

    def atom(self) -> str:
        entries = []
        for a in self.feed_items:
            entries.append(f"""  <entry>
    <title>{xesc(a.title)}</title>
    <link rel="alternate" type="text/html" href="{esc(a.url)}"/>
    <id>{xesc(self.entry_id(a))}</id>
    <published>{a.published.isoformat()}</published>
    <updated>{a.modified.isoformat()}</updated>
    <author><name>{xesc(a.author)}</name></author>
    <category term="{esc(a.section)}"/>
    <summary type="text">{xesc(a.summary)}</summary>
  </entry>""")
        updated = max(a.modified for a in self.feed_items)
        return f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">
  <title>Atlantic Dispatch</title>
  <subtitle>World news and analysis</subtitle>
  <id>tag:atlantic-dispatch.example,2024:/atom.xml</id>
  <updated>{updated.isoformat()}</updated>
  <link rel="self" type="application/atom+xml" href="{self.abs("/atom.xml")}"/>
  <link rel="alternate" type="text/html" href="{self.abs("/")}"/>
  <rights>Copyright 2025 Atlantic Dispatch Media LLC</rights>
  <generator>DispatchCMS</generator>
{chr(10).join(entries)}
</feed>
"""

    def news_sitemap(self) -> str:
        rows = []
        for a in sorted(self.public, key=lambda a: a.published, reverse=True):
            rows.append(f"""  <url>
    <loc>{xesc(a.url)}</loc>
    <news:news>
      <news:publication>
        <news:name>Atlantic Dispatch</news:name>
        <news:language>en</news:language>
      </news:publication>
      <news:publication_date>{a.published.isoformat()}</news:publication_date>
      <news:title>{xesc(a.title)}</news:title>
    </news:news>
  </url>""")
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"\n'
            '        xmlns:news="http://www.google.com/schemas/sitemap-news/0.9">\n'
            + "\n".join(rows)
            + "\n</urlset>\n"
        )


# --------------------------------------------------------------- EuroWire Daily


class EuroWire(Outlet):
    slug = "eurowire"
    name = "EuroWire Daily"
    nav = [
        ("Top news", ""),
        ("Europe", "europe"),
        ("Economy", "economy"),
        ("Energy", "energy"),
        ("Markets", "markets"),
        ("Opinion", "opinion"),
    ]
    static_pages = {
        "/about.html": (
            "About EuroWire",
            "EuroWire Daily is a Brussels-based news agency covering European politics, economy and energy.",
        ),
        "/contact.html": (
            "Contact",
            "Newsroom and corrections: contact the duty editor in Brussels.",
        ),
        "/advertise.html": (
            "Advertise",
            "Sponsored content and display advertising on EuroWire Daily.",
        ),
        "/legal/terms.html": (
            "Terms of use",
            "EuroWire content may not be redistributed without prior written consent.",
        ),
        "/legal/privacy.html": ("Privacy notice", "How EuroWire Daily processes personal data."),
        "/legal/cookies.html": ("Cookies", "Which cookies we set and how to refuse them."),
        "/newsletters.html": (
            "Brussels Briefing",
            "A free daily email on what the EU institutions are doing.",
        ),
    }

    def article_path(self, article: Article) -> str:
        return f"/articles/{article.wire_id}-{article.slug}.html"

    def section_path(self, section: str) -> str:
        return f"/topics/{section}.html"

    @staticmethod
    def when(dt: datetime) -> str:
        offset = dt.utcoffset() or timedelta(0)
        label = {timedelta(hours=1): "CET", timedelta(hours=2): "CEST"}.get(
            offset, dt.strftime("UTC%z")
        )
        return f"{dt:%d %b %Y %H:%M} {label}"

    def chrome_top(self) -> str:
        menu = " | ".join(
            f'<a href="{self.section_path(s) if s else "/"}">{esc(label)}</a>'
            for label, s in self.nav
        )
        return f"""<div class="cookie-notice" id="cookieNotice">
  This website uses cookies to improve your experience and for advertising purposes. By continuing to browse you agree to our use of cookies. <a href="/legal/cookies.html">More info</a>
  <button type="button">Accept all</button> <button type="button">Reject non-essential</button>
</div>
<div class="markets-strip">
  <span>EUR/USD 1.0412 &#9650;0.12%</span> <span>Brent 76.80 &#9660;0.41%</span> <span>TTF gas 48.20 &#9650;1.90%</span> <span>STOXX 600 531.7 &#9650;0.30%</span>
</div>
<div class="header">
  <div class="logo"><a href="/">EuroWire<span>Daily</span></a></div>
  <div class="header-ad">Advertisement &middot; Private banking for Europe's entrepreneurs</div>
</div>
<div class="menu">{menu}</div>"""

    def chrome_bottom(self) -> str:
        return """<div class="footer">
  <p><a href="/about.html">About EuroWire</a> | <a href="/contact.html">Contact</a> | <a href="/advertise.html">Advertise</a> | <a href="/legal/terms.html">Terms of use</a> | <a href="/legal/privacy.html">Privacy</a> | <a href="/legal/cookies.html">Cookies</a> | <a href="/feed.xml">RSS</a></p>
  <p>&copy; 2025 EuroWire Daily. All rights reserved. EuroWire content may not be redistributed without prior written consent. All quotes delayed a minimum of 15 minutes.</p>
</div>"""

    def page(self, title: str, body: str) -> str:
        head = f'<meta charset="utf-8">\n<title>{esc(title)}</title>'
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
{head}
<link rel="stylesheet" href="/assets/eurowire.css">
<link rel="alternate" type="application/rss+xml" title="EuroWire Daily - Top stories" href="/feed.xml">
</head>
<body>
{self.chrome_top()}
<div id="wrapper">
{body}
</div>
{self.chrome_bottom()}
</body>
</html>
"""

    def render_article(self, article: Article) -> str:
        blocks = body_blocks(article.body)
        if article.original is not None:
            original = article.original
            blocks.append(
                f"<p><em>This article first appeared in "
                f'<a href="{esc(original.url)}">The Kyiv Ledger</a>.</em></p>'
            )
        body = "\n".join("      " + b for b in blocks)
        minutes = max(1, round(word_count(article) / 200))
        trending = "\n".join(
            f'      <li><a href="{a.path}">{esc(a.title)}</a></li>' for a in self.most_read
        )
        read_more = "\n".join(
            f'      <li><a href="{a.path}">{esc(a.title)}</a> <span class="rm-date">{a.published:%d %b %Y}</span></li>'
            for a in self.related(article)
        )
        comments = comments_for(article)
        cmts = "\n".join(
            f"""    <div class="cmt">
      <div class="cmt-head"><b>{esc(c.name)}</b> wrote on {c.when:%d %b %Y %H:%M}:</div>
      <div class="cmt-body">{esc(c.text)}</div>
      <div class="cmt-foot">{c.likes} readers agree &middot; <a href="#comments">Report</a></div>
    </div>"""
            for c in comments
        )
        head = (
            self.common_meta(article, " | EuroWire Daily")
            + f"""
<meta name="keywords" content="{esc(", ".join(article.tags))}">
<meta name="twitter:card" content="summary">"""
        )
        return f"""<!DOCTYPE html>
<html lang="en">
<head>
{head}
<link rel="stylesheet" href="/assets/eurowire.css">
<link rel="alternate" type="application/rss+xml" title="EuroWire Daily - Top stories" href="/feed.xml">
</head>
<body>
{self.chrome_top()}
<div id="wrapper">
<div class="col-main">
  <div class="article" id="article-{article.wire_id}">
    <div class="breadcrumb"><a href="/">Home</a> &rsaquo; <a href="{self.section_path(article.section.lower())}">{esc(article.section)}</a></div>
    <h1>{esc(article.title)}</h1>
    <div class="article-info"><span class="author">By {esc(article.author)}</span> | <span class="date">{self.when(article.published)}</span> | <span class="readtime">{minutes} min read</span></div>
    <div class="article-text">
{body}
    </div>
    <div class="share-bar">Share this article: <a href="#email">Email</a> | <a href="#linkedin">LinkedIn</a> | <a href="#x">X</a> | <a href="#facebook">Facebook</a></div>
    <div class="trust">Our Standards: <a href="/about.html">The EuroWire Trust Principles</a>.</div>
  </div>
  <div class="sponsored">
    <h4>Sponsored content</h4>
    <ul>
      <li><a href="/advertise.html">Nordic green bonds: why institutional investors are taking a second look</a> <span>Partner content</span></li>
      <li><a href="/advertise.html">How mid-sized exporters are hedging currency risk in 2025</a> <span>Partner content</span></li>
    </ul>
  </div>
  <div class="read-more">
    <h3>Read more</h3>
    <ul>
{read_more}
    </ul>
  </div>
  <div id="comments" class="comments">
    <h3>Reader comments ({len(comments)})</h3>
{cmts}
    <p class="cmt-closed">Comments on this article are now closed.</p>
  </div>
</div>
<div class="col-side">
  <div class="box trending">
    <h3>Trending now</h3>
    <ol>
{trending}
    </ol>
  </div>
  <div class="box ad">Advertisement</div>
  <div class="box newsletter"><h3>Brussels Briefing</h3><p>The EU day ahead, in your inbox at 7 a.m. CET.</p><a href="/newsletters.html">Subscribe free</a></div>
</div>
</div>
{self.chrome_bottom()}
</body>
</html>
"""

    def home_intro(self) -> str:
        return "European politics, economy and energy from our Brussels newsroom."

    def robots(self) -> str:
        return (
            "# EuroWire Daily\nUser-agent: *\nDisallow: /private/\nDisallow: /search\nDisallow: /*?print=1\n\n"
            f"Sitemap: {self.abs('/sitemap.xml')}\n"
        )

    def extra_files(self) -> dict[str, str]:
        feed = self.rss()
        return {
            "/feed.xml": feed,
            "/broken.xml": self.broken_feed(),
            "/assets/eurowire.css": EUROWIRE_CSS,
            "/assets/eurowire-logo.svg": self.logo_svg("EuroWire Daily", "#002b5c"),
        }

    def feed_link(self, a: Article) -> str:
        query = EUROWIRE_TRACKING
        if a.slug == EUROWIRE_FBCLID_SLUG:
            query += "&fbclid=" + EUROWIRE_FBCLID
        return f"{a.url}?{query}"

    def rss(self, items: list[Article] | None = None) -> str:
        rows = []
        for a in items if items is not None else self.feed_items:
            rows.append(f"""<item>
<title>{xesc(a.title)}</title>
<link>{xesc(self.feed_link(a))}</link>
<guid isPermaLink="false">EW-{a.wire_id}</guid>
<pubDate>{email.utils.format_datetime(a.published)}</pubDate>
<author>newsdesk@eurowire.example ({xesc(a.author)})</author>
<category>{xesc(a.section)}</category>
<description><![CDATA[{a.summary}]]></description>
</item>""")
        last = max(a.published for a in self.feed_items)
        return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0">
<channel>
<title>EuroWire Daily - Top stories</title>
<link>{self.abs("/")}</link>
<description>Top stories from the EuroWire Daily newsroom in Brussels</description>
<language>en-gb</language>
<lastBuildDate>{email.utils.format_datetime(last)}</lastBuildDate>
<image><url>{self.abs("/assets/eurowire-logo.svg")}</url><title>EuroWire Daily</title><link>{self.abs("/")}</link></image>
{chr(10).join(rows)}
</channel>
</rss>
"""

    def broken_feed(self) -> str:
        """A discontinued 'markets' feed: unescaped ampersand, truncated before its first item."""
        full = self.rss()
        full = full.replace(
            "EuroWire Daily - Top stories", "EuroWire Daily - Markets & Energy (legacy)", 1
        )
        cut = full.index("<image>") + len("<image><url>") + 20
        return full[:cut]


# ------------------------------------------------------------------- styles

LEDGER_CSS = """body{font-family:Georgia,serif;margin:0;color:#111}
.cookie-banner{position:fixed;bottom:0;left:0;right:0;background:#fffbe6;padding:1em;border-top:2px solid #0b3d91}
.topbar{background:#0b3d91;color:#fff;font:13px sans-serif;padding:4px 1em}.topbar a{color:#fff;margin-left:1em}
.masthead{text-align:center;padding:1em}.main-nav ul{display:flex;gap:1em;list-style:none;justify-content:center}
.ticker{background:#f2f2f2;font:14px sans-serif;padding:6px 1em}
.layout{display:flex;gap:2em;max-width:1100px;margin:auto}.story{flex:3}.sidebar{flex:1}
.story-title{font-size:2.2em}.story-standfirst{font-size:1.2em;color:#444}.byline{font:14px sans-serif}
.read-also{border-left:3px solid #0b3d91;padding-left:.8em;font:14px sans-serif}
.ad-slot{background:#eee;color:#999;text-align:center;padding:2em;font:12px sans-serif}
.promo-member{background:#e8efff;padding:1em}.related,.comments{max-width:1100px;margin:2em auto}
.comment{border-bottom:1px solid #ddd}.site-footer{background:#111;color:#ccc;padding:2em}.site-footer a{color:#ccc}
"""

DISPATCH_CSS = """body{font-family:Helvetica,Arial,sans-serif;margin:0}
.skip-link{position:absolute;left:-999px}.ad-leaderboard{background:#f4f4f4;text-align:center;padding:8px;font-size:12px}
#site-header{border-bottom:1px solid #000}.utility-bar{text-align:right;font-size:13px;padding:4px 1em}
.brand{text-align:center;padding:.5em}.sections{display:flex;justify-content:center;gap:1.5em;list-style:none}
.story-grid{display:grid;grid-template-columns:3fr 1fr;gap:2em;max-width:1200px;margin:auto}
.kicker{text-transform:uppercase;color:#b00;font-size:13px}.headline{font-family:Georgia,serif;font-size:2.4em}
.dek{font-size:1.25em;color:#333}.story-meta{font-size:13px;color:#555}.story-body p{font-family:Georgia,serif;font-size:1.1em;line-height:1.6}
.question{font-family:Helvetica,Arial,sans-serif}.inline-newsletter{border:1px solid #000;padding:1em;font-size:14px}
.rail .ad-box{background:#f4f4f4;padding:2em;font-size:12px}.card-list{display:flex;gap:1em;list-style:none}
.conversation{max-width:800px;margin:2em auto}.comment{list-style:none;border-top:1px solid #ddd;padding:.5em 0}
#site-footer{background:#000;color:#fff;padding:2em}#site-footer a{color:#fff}.footer-grid{display:flex;gap:3em}
.consent-overlay{position:fixed;bottom:0;left:0;right:0;background:#fff;border-top:3px solid #000;padding:1.5em}
"""

EUROWIRE_CSS = """body{font:14px/1.5 Arial,sans-serif;margin:0;background:#fafafa}
.cookie-notice{background:#333;color:#fff;padding:8px 12px;font-size:12px}.cookie-notice a{color:#ff0}
.markets-strip{background:#002b5c;color:#fff;font-size:12px;padding:3px 12px}.markets-strip span{margin-right:2em}
.header{display:flex;justify-content:space-between;padding:12px}.logo a{font-size:28px;font-weight:bold;color:#002b5c;text-decoration:none}
.logo span{color:#e87722}.header-ad{background:#eee;padding:1em 3em;color:#888;font-size:11px}
.menu{background:#e87722;padding:6px 12px}.menu a{color:#fff;font-weight:bold}
#wrapper{display:flex;gap:24px;max-width:1000px;margin:auto}.col-main{flex:3}.col-side{flex:1}
.article h1{font-size:26px}.article-info{color:#666;font-size:12px}
.sponsored,.read-more,.comments{border-top:2px solid #002b5c;margin-top:2em}.cmt{border-bottom:1px dotted #aaa;padding:6px 0}
.box{background:#fff;border:1px solid #ddd;margin-bottom:1em;padding:8px}.footer{background:#002b5c;color:#fff;padding:1em;font-size:12px}
.footer a{color:#fff}
"""


# ------------------------------------------------------------------ build


OUTLETS = (KyivLedger, AtlanticDispatch, EuroWire)


def build() -> dict[str, Outlet]:
    articles = load_articles()
    outlets: dict[str, Outlet] = {}
    known = {cls.slug for cls in OUTLETS}
    for a in articles:
        if a.outlet not in known:
            raise SystemExit(f"{a.source_file}: unknown outlet {a.outlet!r}")
    for cls in OUTLETS:
        outlets[cls.slug] = cls([a for a in articles if a.outlet == cls.slug])
    # render after all paths are known (the syndicated copy links to its original)
    rendered = {slug: outlet.files() for slug, outlet in outlets.items()}
    if SITES_DIR.exists():
        shutil.rmtree(SITES_DIR)
    for slug, files in rendered.items():
        for path, text in sorted(files.items()):
            target = SITES_DIR / slug / path.lstrip("/")
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8", newline="\n")
    EXPECTED_PATH.write_text(expected_markdown(outlets), encoding="utf-8", newline="\n")
    return outlets


def expected_markdown(outlets: dict[str, Outlet]) -> str:
    lines = [
        "# Demo articles: intended stances",
        "",
        "Generated by `build_sites.py` from the `expect_*` fields of `demo/articles/*/*.md`;",
        "edit those, not this file. Article-level stance per topic (favor / against / neutral /",
        "mixed / none) as the author of the article intended it, with the main holders, for",
        "sanity checks of the pipeline's output, not as gold labels. `mixed` means holders in",
        "the article disagree; sentence-level labels follow `shared/annotation-guide.md`.",
        "",
        "Delivery: `feed` = in the outlet's feed; `sitemap only` = only found through",
        "sitemap backfill; `robots-disallowed` = linked from the feed but under /private/.",
        "",
        "| date | outlet | slug | path | delivery | membership | guarantees | main holders |",
        "|---|---|---|---|---|---|---|---|",
    ]
    rows = []
    for outlet in outlets.values():
        sitemap_only = {a.key for a in outlet.sitemap_only}
        for a in outlet.articles:
            if a.private:
                delivery = "feed, robots-disallowed"
            elif a.key in sitemap_only:
                delivery = "sitemap only"
            else:
                delivery = "feed + sitemap"
            if a.original is not None:
                delivery += f"; syndicated copy of {a.original.key}"
            if a.seed:
                delivery += "; seed article (verbatim)"
            holders = a.expect_holders.replace("|", "/")
            rows.append(
                (
                    a.published,
                    f"| {a.published.date()} | {a.outlet} | {a.slug} | `{a.path}` | {delivery} | "
                    f"{a.expect_membership} | {a.expect_guarantees} | {holders} |",
                )
            )
    lines += [row for _, row in sorted(rows, key=lambda r: (r[0], r[1]))]
    everything = [a for o in outlets.values() for a in o.articles]
    written = [a for a in everything if not a.seed and a.original is None]
    on_topic = [
        a for a in written if (a.expect_membership, a.expect_guarantees) != ("none", "none")
    ]
    lines += [
        "",
        f"Counts: {len(everything)} article pages = {len(written)} written for this project "
        f"({len(on_topic)} on topic, {len(written) - len(on_topic)} off topic) + the seed article "
        "+ one syndicated copy.",
        "",
        "## Shifts over time (for trend reports)",
        "",
        "- United States, membership: favor on 2025-01-14 (Blinken, 'irreversible'; sitemap only) -> against on",
        "  2025-02-12 (Hegseth, 'unrealistic') and 2025-02-26 (Trump, 'forget about it').",
        "- United States, guarantees: favor on 2025-01-14 (Blinken) and 2025-01-28 (Kellogg, 'will",
        "  not walk away') -> against on 2025-02-12 (no U.S. troops) and 2025-02-26 (Trump, 'not",
        "  beyond very much').",
        "- Germany, guarantees: against on 2025-02-17 and 2025-02-20 (Scholz, troop debate",
        "  'premature') -> favor on 2025-03-13 (Merz, 'ready to help secure' a ceasefire).",
        "- Russia is against on both topics throughout; on 2025-03-16 Lavrov accepts guarantees",
        "  only with Russia among the guarantors (annotation guide: guarantees favor, membership",
        "  against for that sentence).",
        "",
    ]
    return "\n".join(lines)


# ------------------------------------------------------------------ checks


VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class _TagBalance(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.errors: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.errors.append(
                f"unexpected </{tag}> (open: {'/'.join(self.stack[-3:])}) at line {self.getpos()[0]}"
            )
            if tag in self.stack:
                while self.stack and self.stack.pop() != tag:
                    pass
            return
        self.stack.pop()


def check(outlets: dict[str, Outlet]) -> list[str]:
    problems: list[str] = []
    known = set(outlets)
    placeholder = re.compile(r"\{\{BASE:([a-z0-9-]+)\}\}")
    absolute = re.compile(r"https?://[^\s\"'<>)]+")
    for path in sorted(SITES_DIR.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(SITES_DIR)
        text = path.read_text(encoding="utf-8")
        for slug in placeholder.findall(text):
            if slug not in known:
                problems.append(f"{rel}: placeholder for unknown outlet {slug!r}")
        for url in absolute.findall(text):
            if url.rstrip("/") not in {ns.rstrip("/") for ns in NAMESPACE_URLS}:
                problems.append(f"{rel}: absolute URL without placeholder: {url}")
        if path.suffix == ".xml" and path.name != "broken.xml":
            try:
                ET.fromstring(text.encode("utf-8"))
            except ET.ParseError as exc:
                problems.append(f"{rel}: XML does not parse: {exc}")
        if path.name == "broken.xml":
            try:
                ET.fromstring(text.encode("utf-8"))
                problems.append(f"{rel}: meant to be malformed but parses")
            except ET.ParseError:
                pass
        if path.suffix == ".html":
            if (
                not text.lstrip().lower().startswith("<!doctype html>")
                or '<html lang="en">' not in text
            ):
                problems.append(f'{rel}: missing doctype or <html lang="en">')
            parser = _TagBalance()
            parser.feed(text)
            parser.close()
            problems += [f"{rel}: {e}" for e in parser.errors]
            if parser.stack:
                problems.append(f"{rel}: unclosed tags {parser.stack}")
            for script in re.findall(
                r'<script type="application/ld\+json">(.*?)</script>', text, re.DOTALL
            ):
                try:
                    json.loads(script)
                except json.JSONDecodeError as exc:
                    problems.append(f"{rel}: JSON-LD does not parse: {exc}")
    for slug, outlet in outlets.items():
        for a in outlet.articles:
            words = word_count(a)
            if not a.seed and a.original is None and not 180 <= words <= 450:
                problems.append(f"{a.source_file}: body has {words} words (want 180-450)")
            if not (
                datetime.fromisoformat("2025-01-10T00:00:00+00:00")
                <= a.published
                <= datetime.fromisoformat("2025-03-21T00:00:00+00:00")
            ):
                problems.append(f"{a.source_file}: published {a.published} outside the demo window")
            page = (SITES_DIR / slug / a.path.lstrip("/")).read_text(encoding="utf-8")
            for needle in (
                "<title>",
                'name="author"',
                'property="og:title"',
                'property="og:site_name"',
                'property="og:url"',
                'rel="canonical"',
                'property="article:published_time"',
            ):
                if needle not in page:
                    problems.append(f"{a.path}: lacks {needle}")
            if f'rel="canonical" href="{esc(a.url)}"' not in page:
                problems.append(f"{a.path}: canonical is not its own URL")
    return problems


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check", action="store_true", help="validate the generated files after building"
    )
    args = parser.parse_args(argv)
    outlets = build()
    total = sum(1 for _ in SITES_DIR.rglob("*") if _.is_file())
    print(
        f"wrote {total} files under {SITES_DIR.relative_to(DEMO_DIR.parent)}/ and {EXPECTED_PATH.name}"
    )
    for slug, outlet in outlets.items():
        print(
            f"  {slug}: {len(outlet.articles)} articles, {len(outlet.feed_items)} in feed, "
            f"{len(outlet.sitemap_only)} sitemap-only"
        )
    if args.check:
        problems = check(outlets)
        for problem in problems:
            print(f"problem: {problem}", file=sys.stderr)
        print(f"check: {len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
