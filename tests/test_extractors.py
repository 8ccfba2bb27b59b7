"""Pure functions of extractors/: URLs, sentences, fingerprints, feeds, sitemaps, extraction."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from stancewatch.extractors.dedup import content_hash, hamming_distance, is_near_duplicate, simhash
from stancewatch.extractors.extract import ExtractionError, declared_canonical, extract_article
from stancewatch.extractors.feeds import FeedError, parse_feed
from stancewatch.extractors.sentences import split_sentences
from stancewatch.extractors.sitemaps import SitemapError, parse_sitemap
from stancewatch.extractors.urls import (
    AddressPolicy,
    ForbiddenAddressError,
    canonical_url,
    check_url_allowed,
    pick_canonical,
)

DEMO_SITES = Path(__file__).resolve().parent.parent / "demo" / "sites"


@pytest.mark.parametrize("raw, expected", [
    ("https://News.Example.com:443/a/b.html?utm_source=rss&utm_medium=feed&id=7#comments",
     "https://news.example.com/a/b.html?id=7"),
    ("http://example.com/x?fbclid=abc&gclid=def", "http://example.com/x"),
    ("http://example.com:8080/x?b=2&a=1", "http://example.com:8080/x?b=2&a=1"),
    ("http://example.com", "http://example.com/"),
])
def test_canonical_url(raw, expected):
    assert canonical_url(raw) == expected


def test_page_canonical_wins_but_only_for_http():
    assert pick_canonical("http://a.example/x?utm_source=t", "/story") == "http://a.example/story"
    assert pick_canonical("http://a.example/x", "javascript:alert(1)") == "http://a.example/x"


@pytest.mark.parametrize("url, reason", [
    ("http://127.0.0.1/feed", "loopback"),
    ("http://10.1.2.3/feed", "private"),
    ("http://192.168.0.1/", "private"),
    ("http://169.254.169.254/latest/meta-data", "link-local"),
    ("http://[::1]/", "loopback"),
    ("http://100.100.100.200/latest/meta-data", "non-global"),  # CGNAT: cloud metadata
    ("http://192.0.0.8/", "non-global"),
    ("http://[2002:7f00:1::]/", "loopback (inside 2002:7f00:1::)"),  # 6to4 wrapping 127.0.0.1
    ("http://[::ffff:10.0.0.1]/", "private"),
    ("http://[64:ff9b::a9fe:a9fe]/", "link-local"),  # NAT64 wrapping 169.254.169.254
    ("http://0.0.0.0/", "reserved"),
    ("http://[ff02::1]/", "multicast"),
    ("file:///etc/passwd", "scheme"),
    ("ftp://example.com/x", "scheme"),
])
def test_forbidden_addresses(url, reason):
    with pytest.raises(ForbiddenAddressError, match=re.escape(reason)):
        check_url_allowed(url)


def test_public_addresses_and_names_pass_the_url_check():
    check_url_allowed("http://93.184.216.34/")
    check_url_allowed("http://[2606:4700::1111]/")
    check_url_allowed("https://news.example.org/")  # names are checked when connecting


def test_private_allowed_with_flag_or_listed_network_but_not_other_schemes():
    check_url_allowed("http://127.0.0.1/feed", AddressPolicy(allow_private_networks=True))
    check_url_allowed("http://10.1.2.3/feed", AddressPolicy(allowed_networks=("10.1.0.0/16",)))
    with pytest.raises(ForbiddenAddressError):
        check_url_allowed("http://10.2.0.1/feed", AddressPolicy(allowed_networks=("10.1.0.0/16",)))
    with pytest.raises(ForbiddenAddressError):
        check_url_allowed("file:///etc/passwd", AddressPolicy(allow_private_networks=True))


def test_sentence_splitting_news_copy():
    text = ("U.S. Defense Secretary Pete Hegseth said membership was unrealistic. "
            "“It will not happen,” he told reporters in Brussels. Mr. Rutte disagreed! "
            "J. D. Vance said talks continue in the U.S. The next round is in March.\n"
            "A new paragraph without a full stop")
    assert split_sentences(text) == [
        "U.S. Defense Secretary Pete Hegseth said membership was unrealistic.",
        "“It will not happen,” he told reporters in Brussels.",
        "Mr. Rutte disagreed!",
        "J. D. Vance said talks continue in the U.S.",
        "The next round is in March.",
        "A new paragraph without a full stop",
    ]


def test_very_long_sentence_is_cut():
    pieces = split_sentences("word " * 1000)
    assert len(pieces) > 1 and all(len(p) <= 1200 for p in pieces)


def test_fingerprints():
    original = " ".join(f"Sentence number {i} about guarantees and the alliance." for i in range(60))
    copy = "This article first appeared in The Kyiv Ledger. " + original.upper()
    other = " ".join(f"Completely different text {i} on energy prices and grain." for i in range(60))
    assert content_hash(original) == content_hash("  " + original.lower() + "\n")
    assert content_hash(original) != content_hash(copy)
    assert is_near_duplicate(simhash(original), simhash(copy))
    assert not is_near_duplicate(simhash(original), simhash(other))
    assert hamming_distance(5, 6) == 2
    assert -(2**63) <= simhash(original) < 2**63


def _rss(items: str) -> bytes:
    return (f'<?xml version="1.0"?><rss version="2.0"><channel><title>T</title>{items}'
            "</channel></rss>").encode()


def test_feed_items_without_usable_link_are_skipped_with_reason():
    parsed = parse_feed(_rss(
        "<item><title>ok</title><link>http://a.example/1</link></item>"
        "<item><title>js</title><link>javascript:alert(1)</link></item>"
        "<item><title>none</title></item>"), "http://a.example/feed")
    assert [e.url for e in parsed.entries] == ["http://a.example/1"]
    assert [reason for _, reason in parsed.skipped] == [
        "item link 'javascript:alert(1)' is not http(s)", "item has no link"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"),
    (b"<html><body>Not a feed</body></html>", "not an RSS or Atom feed"),
    (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;">]><rss>&b;</rss>',
     "entities"),
    ((DEMO_SITES / "eurowire" / "broken.xml").read_bytes(), "malformed"),
])
def test_non_feeds_rejected(content, message):
    with pytest.raises(FeedError, match=message):
        parse_feed(content, "http://a.example/feed")


def test_atom_and_rss1_feeds():
    atom = (DEMO_SITES / "atlantic-dispatch" / "atom.xml").read_bytes()
    assert len(parse_feed(atom, "http://a.example/atom.xml").entries) >= 8
    rdf = (b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
           b'xmlns="http://purl.org/rss/1.0/"><channel rdf:about="http://a.example/"><title>T</title>'
           b'</channel><item rdf:about="http://a.example/1"><title>One</title>'
           b"<link>http://a.example/1</link></item></rdf:RDF>")
    assert [e.url for e in parse_feed(rdf, "http://a.example/rdf").entries] == ["http://a.example/1"]


def test_sitemaps():
    news = parse_sitemap((DEMO_SITES / "atlantic-dispatch" / "news-sitemap.xml").read_bytes())
    assert news.entries and all(e.published_at is not None for e in news.entries)
    index = parse_sitemap(b'<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
                          b"<sitemap><loc>http://a.example/s1.xml</loc></sitemap></sitemapindex>")
    assert index.children == ["http://a.example/s1.xml"]
    with pytest.raises(SitemapError):
        parse_sitemap(b"<html/>")


def test_extraction_strips_boilerplate_and_reads_metadata():
    page = next((DEMO_SITES / "eurowire" / "articles").glob("*orban-never-nato*.html")).read_bytes()
    article = extract_article(page, "http://eurowire.example/x")
    assert article.title and article.author and article.published_at and article.language == "en"
    assert article.site_name == "EuroWire Daily"
    assert "cookie" not in article.text.lower()
    assert declared_canonical(page).endswith("48177-orban-never-nato.html")


def test_page_with_no_text_is_an_extraction_error():
    with pytest.raises(ExtractionError, match="characters"):
        extract_article(b"<html><body><nav>Home</nav></body></html>", "http://a.example/")


@pytest.mark.parametrize("content, header, text, encoding", [
    ("\ufeff<p>Київ</p>".encode("utf-8"), None, "<p>Київ</p>", "utf-8"),
    ("<meta charset=iso-8859-1><p>Café</p>".encode(), None, "Café", "utf-8"),
    ("<p>Café</p>".encode("cp1252"), "iso-8859-1", "Café", "cp1252"),
    ("<meta charset=windows-1251><p>Привет, гарантии</p>".encode("cp1251"), None, "Привет", "cp1251"),
    ("<p>Привет, гарантии безопасности</p>".encode("koi8_r"), "koi8-r", "гарантии", "koi8_r"),
    ('<?xml version="1.0" encoding="iso-8859-2"?><p>Łódź</p>'.encode("iso-8859-2"), None, "Łódź",
     "iso8859-2"),
    (b"<p>plain ascii</p>", "shift_jis", "plain ascii", "shift_jis"),
    ("<meta charset=utf-16><p>Zürich</p>".encode(), None, "Zürich", "utf-8"),
])
def test_decoding_order(content, header, text, encoding):
    from stancewatch.extractors.decoding import decode_bytes

    decoded = decode_bytes(content, header)
    assert text in decoded.text and decoded.encoding.replace("_", "-") == encoding.replace("_", "-")


def test_entity_text_inside_cdata_is_not_a_declaration():
    content = (b'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><item>'
               b"<title><![CDATA[How <!ENTITY works]]></title><link>https://a.example/1</link>"
               b"</item></channel></rss>")
    assert [entry.url for entry in parse_feed(content, "https://a.example/rss").entries] == [
        "https://a.example/1"]
    with pytest.raises(FeedError, match="entities"):
        parse_feed(b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY x "y">]><rss/>', "https://a.example/")
