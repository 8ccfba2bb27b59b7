"""Bytes from the network to text, in one place, for pages and anything else that declares
a charset the way HTML does.

Order (measured on public benchmarks; see docs/benchmarks.md):
1. a byte-order mark;
2. a UTF-8 declaration (HTTP header, then `<meta charset>` / http-equiv, then the XML
   declaration) → UTF-8;
3. strictly valid UTF-8 with non-ASCII bytes → UTF-8, whatever single-byte charset is
   declared: legacy text of any length is almost never valid UTF-8, while pages that
   declare Latin-1 and are UTF-8 are common (the reverse error garbles every accent);
4. the declared charset (header first), with WHATWG's aliases (latin-1 → windows-1252);
5. detection (charset-normalizer, as trafilatura uses), then windows-1252.
Never a silent Latin-1 read of valid UTF-8.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from charset_normalizer import from_bytes

_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF32_LE, "utf-32-le"),
         (codecs.BOM_UTF32_BE, "utf-32-be"), (codecs.BOM_UTF16_LE, "utf-16-le"),
         (codecs.BOM_UTF16_BE, "utf-16-be"))
_PRESCAN_BYTES = 16_384
_META_CHARSET = re.compile(rb"""<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""",
                           re.IGNORECASE)
_XML_DECLARATION = re.compile(rb"""^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9_.:-]+)""",
                              re.IGNORECASE)
_XML_DECLARATION_TEXT = re.compile(r"^\s*<\?xml\b[^>]*\?>", re.IGNORECASE)
# WHATWG Encoding: labels that browsers decode as windows-1252
_WINDOWS_1252 = {"latin1", "latin-1", "iso-8859-1", "iso8859-1", "iso_8859-1", "l1", "us-ascii",
                 "ascii", "ansi_x3.4-1968", "cp819", "ibm819", "iso-ir-100", "x-cp1252"}


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    source: str  # bom | declared | utf-8 | detected | fallback


def codec_for(label: str | None) -> str | None:
    """A Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    name = label.strip().strip("\"'").lower()
    if name in _WINDOWS_1252:
        return "cp1252"
    try:
        codec = codecs.lookup(name).name
    except LookupError:
        return None
    if codec.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a document that reached us as bytes with no BOM is not UTF-16 (WHATWG)
    return codec


def declared_charset(content: bytes, header_charset: str | None = None) -> str | None:
    """HTTP header, then the page's own <meta> or XML declaration (first 16 KiB)."""
    for label in (header_charset, *_page_labels(content[:_PRESCAN_BYTES])):
        codec = codec_for(label)
        if codec:
            return codec
    return None


def _page_labels(head: bytes) -> list[str]:
    labels = []
    declaration = _XML_DECLARATION.match(head)
    if declaration:
        labels.append(declaration.group(1).decode("ascii", "replace"))
    meta = _META_CHARSET.search(head)
    if meta:
        labels.append(meta.group(1).decode("ascii", "replace"))
    return labels


def decode_bytes(content: bytes, header_charset: str | None = None) -> DecodedText:
    for bom, encoding in _BOMS:
        if content.startswith(bom):
            return DecodedText(content[len(bom):].decode(encoding, "replace"), encoding, "bom")
    declared = declared_charset(content, header_charset)
    if declared == "utf-8":
        return DecodedText(content.decode("utf-8", "replace"), "utf-8", "declared")
    try:
        text = content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        if not content.isascii() or declared is None:
            return DecodedText(text, "utf-8", "utf-8")
    if declared:
        return DecodedText(content.decode(declared, "replace"), declared, "declared")
    sample = content if len(content) <= 200_000 else content[:100_000] + content[-100_000:]
    best = from_bytes(sample).best()
    if best is not None and best.encoding:
        codec = codec_for(best.encoding) or "cp1252"
        return DecodedText(content.decode(codec, "replace"), codec, "detected")
    return DecodedText(content.decode("cp1252", "replace"), "cp1252", "fallback")


def without_xml_declaration(text: str) -> str:
    """lxml refuses text that still declares an encoding (`<?xml … encoding=…?>`, XHTML)."""
    return _XML_DECLARATION_TEXT.sub("", text, count=1)
