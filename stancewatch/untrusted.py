"""Text from the network on its way out: one rule per destination.

Feed titles, URLs, outlet names, quoted sentences and error messages all come from pages
an attacker may write. They reach a terminal, a spreadsheet (CSV extracts), Markdown (the
report and the Prefect artifact) or a chat service (alerts through Slack or Teams) only
through these functions. HTML is escaped by warehouse.report's own `_e` and, in alert
e-mails, by html.escape.
"""

from __future__ import annotations

import re

# C0 and C1 control characters (ANSI/OSC escape sequences start with ESC or CSI) and the
# Unicode bidirectional overrides that can reorder what a terminal shows.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>|#!()~])")
CSV_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def for_terminal(value: object, limit: int | None = None) -> str:
    """Control characters and escape sequences removed; newlines become spaces."""
    text = _CONTROL.sub("", str("" if value is None else value)).replace("\n", " ")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def for_markdown(value: object) -> str:
    """One line of inert Markdown: whitespace collapsed, controls removed, every character
    that could start markup (links, images, HTML, tables, emphasis) escaped."""
    text = " ".join(_CONTROL.sub("", str("" if value is None else value)).split())
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


# Slack reads <!channel>, <@U123> and <https://…|label> as mentions and links; Teams and
# Slack read [label](url) as a link. Look-alike characters keep the text and lose the markup.
_CHAT_MARKUP = str.maketrans({"<": "\u2039", ">": "\u203a", "[": "\u2045", "]": "\u2046"})


def for_chat(value: object) -> str:
    """One line for a chat service that reads its own markup: controls removed, angle and
    square brackets replaced by look-alikes (‹ › ⁅ ⁆), so quoted text cannot ping a whole
    channel or dress a link up as something else."""
    return for_terminal(value).translate(_CHAT_MARKUP)


def for_csv(value: str) -> str:
    """A spreadsheet must not read a cell as a formula: a leading ' when it could be one."""
    return "'" + value if value.startswith(CSV_FORMULA_STARTS) else value
