"""An alert and its renderings: plain text, a small HTML e-mail, chat text and JSON.

An `Alert` holds the change as the warehouse has it (sentences, outlets and URLs are network
text, unescaped); each renderer escapes for its destination: `for_terminal` for plain text
(e-mail, the digest file, the terminal), `for_chat` for Slack and Teams, `html.escape` for
HTML, and JSON encoding for webhooks (control characters removed first). Rendering is
deterministic, so a retried delivery sends what the first attempt tried to send.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from datetime import date
from typing import Any
from urllib.parse import urlsplit

from stancewatch.models.topics import topic_labels
from stancewatch.untrusted import for_chat, for_terminal

PAYLOAD_VERSION = 1


@dataclass(frozen=True)
class Evidence:
    """One sentence that shows the new stance (from stance_shifts' `evidence`)."""

    sentence: str
    source: str
    url: str
    published: date | None
    confidence: float


@dataclass(frozen=True)
class Alert:
    """A watched holder's change of dominant stance on a topic: a shift or a first position.

    Columns as in the `stance_changes` view; `from_*` are None for a first position."""

    alert_id: str
    actor: str
    actor_group: str | None
    topic: str
    from_stance: str | None
    from_period: date | None
    from_mentions: int | None
    from_total: int | None
    to_stance: str
    to_period: date
    changed_on: date
    to_mentions: int
    to_total: int
    evidence: tuple[Evidence, ...]
    watches: tuple[str, ...] = ()

    @property
    def kind(self) -> str:
        return "first" if self.from_stance is None else "shift"

    @property
    def confidence(self) -> float:
        """Mean classifier confidence of the evidence sentences."""
        if not self.evidence:
            return 0.0
        return round(sum(item.confidence for item in self.evidence) / len(self.evidence), 2)

    # ---------------------------------------------------------------- JSON (stored and sent)
    def to_payload(self) -> dict[str, Any]:
        """The webhook's JSON body and the `alerts.payload` column: every text value with
        control characters removed, dates as YYYY-MM-DD."""
        data = asdict(self)
        data["evidence"] = [{**asdict(item), "sentence": for_terminal(item.sentence),
                             "source": for_terminal(item.source), "url": for_terminal(item.url),
                             "published": _iso(item.published)} for item in self.evidence]
        for key in ("actor", "actor_group"):
            data[key] = None if data[key] is None else for_terminal(data[key])
        for key in ("from_period", "to_period", "changed_on"):
            data[key] = _iso(data[key])
        data.update(version=PAYLOAD_VERSION, kind=self.kind, confidence=self.confidence,
                    topic_label=topic_label(self.topic),
                    watches=list(self.watches))
        return data

    @classmethod
    def from_payload(cls, data: Mapping[str, Any]) -> Alert:
        evidence = tuple(Evidence(item["sentence"], item["source"], item["url"],
                                  _day(item.get("published")), float(item["confidence"]))
                         for item in data["evidence"])
        return cls(
            alert_id=data["alert_id"], actor=data["actor"], actor_group=data.get("actor_group"),
            topic=data["topic"], from_stance=data.get("from_stance"),
            from_period=_day(data.get("from_period")), from_mentions=data.get("from_mentions"),
            from_total=data.get("from_total"), to_stance=data["to_stance"],
            to_period=_required_day(data["to_period"]),
            changed_on=_required_day(data["changed_on"]),
            to_mentions=data["to_mentions"], to_total=data["to_total"], evidence=evidence,
            watches=tuple(data.get("watches", ())))

    def payload_json(self) -> str:
        return json.dumps(self.to_payload(), ensure_ascii=False, sort_keys=True)


def _iso(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day(value: object) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _required_day(value: object) -> date:
    day = _day(value)
    if day is None:
        raise ValueError("alert payload lacks a required day")
    return day


def _is_web_link(url: str) -> bool:
    try:
        return urlsplit(url).scheme in ("http", "https")
    except ValueError:
        return False


# ------------------------------------------------------------------------- renderings
def topic_label(topic: str) -> str:
    return topic_labels().get(topic, topic)


def subject(alert: Alert, clean: Callable[[object], str] = for_terminal) -> str:
    """One line: what happened, for an e-mail subject or a chat title."""
    who, topic = clean(alert.actor), topic_label(alert.topic)
    if alert.kind == "first":
        return f"{who} takes a position ({topic}): {alert.to_stance}"
    return f"{who} moved ({topic}): {alert.from_stance} → {alert.to_stance}"


def _mentions(stance_mentions: int | None, total: int | None) -> str:
    return f"{stance_mentions} of {total} mentions"


def render_text(alert: Alert, clean: Callable[[object], str] = for_terminal) -> str:
    """The plain-text message (e-mail body, digest file, chat with `clean=for_chat`)."""
    who = clean(alert.actor) + (f" ({clean(alert.actor_group)})" if alert.actor_group else "")
    if alert.kind == "first":
        lines = [f"{who} takes a position for the first time: {alert.to_stance}.", "",
                 f"Topic:  {topic_label(alert.topic)}",
                 "Before: no earlier week with a dominant stance"]
    else:
        lines = [f"{who} moved: {alert.from_stance} → {alert.to_stance}.", "",
                 f"Topic:  {topic_label(alert.topic)}",
                 f"Before: {alert.from_stance}, week of {_iso(alert.from_period)} "
                 f"({_mentions(alert.from_mentions, alert.from_total)})"]
    lines += [f"Now:    {alert.to_stance} since {_iso(alert.changed_on)}, week of "
              f"{_iso(alert.to_period)} ({_mentions(alert.to_mentions, alert.to_total)})",
              f"Confidence: {alert.confidence:.2f} (mean of the evidence)", "", "Evidence:"]
    for number, item in enumerate(alert.evidence, start=1):
        lines.append(f"{number}. \u201c{clean(item.sentence)}\u201d")
        lines.append(f"   {clean(item.source)}, {_iso(item.published) or 'undated'}: "
                     f"{clean(item.url)} (confidence {item.confidence:.2f})")
    watches = ", ".join(clean(name) for name in alert.watches)
    lines += ["", f"Watch list: {watches} · alert {alert.alert_id} · stancewatch"]
    return "\n".join(lines) + "\n"


def render_chat(alert: Alert) -> str:
    """The plain text for Slack, Teams and other chat blocks: no markup gets through."""
    return render_text(alert, clean=for_chat)


def _h(value: object) -> str:
    return html.escape(for_terminal(value), quote=True)


def render_html(alert: Alert) -> str:
    """A small HTML e-mail (inline styles, no images, no scripts); every value escaped."""
    who = f"<b>{_h(alert.actor)}</b>" + (f" ({_h(alert.actor_group)})" if alert.actor_group
                                          else "")
    topic = _h(topic_label(alert.topic))
    if alert.kind == "first":
        headline = f"{who} takes a position for the first time: <b>{_h(alert.to_stance)}</b>."
        before = "no earlier week with a dominant stance"
    else:
        headline = (f"{who} moved: {_h(alert.from_stance)} → "
                    f"<b>{_h(alert.to_stance)}</b>.")
        before = (f"{_h(alert.from_stance)}, week of {_h(_iso(alert.from_period))} "
                  f"({_mentions(alert.from_mentions, alert.from_total)})")
    now = (f"{_h(alert.to_stance)} since {_h(_iso(alert.changed_on))}, week of "
           f"{_h(_iso(alert.to_period))} ({_mentions(alert.to_mentions, alert.to_total)})")
    items = []
    for item in alert.evidence:
        source = _h(item.source)
        if _is_web_link(item.url):
            source = f'<a href="{_h(item.url)}">{source}</a>'
        items.append(f'<li><q>{_h(item.sentence)}</q><br><small>{source}, '
                     f'{_h(_iso(item.published) or "undated")} · confidence '
                     f'{item.confidence:.2f}</small></li>')
    watches = ", ".join(_h(name) for name in alert.watches)
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"><title>'
        f'{_h(subject(alert))}</title></head>'
        '<body style="font-family:sans-serif;line-height:1.4;max-width:40em">'
        f'<p>{headline}</p><table style="border-collapse:collapse">'
        f'<tr><th style="text-align:left;padding-right:1em">Topic</th><td>{topic}</td></tr>'
        f'<tr><th style="text-align:left;padding-right:1em">Before</th><td>{before}</td></tr>'
        f'<tr><th style="text-align:left;padding-right:1em">Now</th><td>{now}</td></tr>'
        f'<tr><th style="text-align:left;padding-right:1em">Confidence</th>'
        f'<td>{alert.confidence:.2f} (mean of the evidence)</td></tr></table>'
        f'<p>Evidence:</p><ol>{"".join(items)}</ol>'
        f'<p style="color:#666"><small>Watch list: {watches} · alert {_h(alert.alert_id)} · '
        'stancewatch</small></p></body></html>\n')
