"""What to watch and where to say it: watch lists and channels as typed, frozen values.

flows/config.py reads them from the feeds file (`[[watch]]` and `[channels.<name>]` tables,
or the file its `alerts_file` setting names) and validates them at the edge, with the
ranges below; the alerts library only ever sees these objects. Each key is defined once
here, with its default, range and purpose (the README's channel table is generated from
these fields by tools/docs.py).

Secrets are never values here: a channel names the environment variable (`*_env`) or the
Prefect Secret block (`*_block`) that holds one, and reads it only when it delivers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, fields
from typing import Any

from stancewatch.extractors.http import setting
from stancewatch.models.interface import TOPICS

ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# The dominant stance of a qualifying week always has at least this many mentions
# (views/20_reports.sql: stance_shift_min_mentions() = 2, and strictly more than each rival).
LEAST_MENTIONS = 2


def required(doc: str, low: float | None = None, high: float | None = None) -> Any:
    """A key with no default (the feeds file must give it)."""
    return field(metadata={"doc": doc, "range": (low, high), "choices": (), "required": True})


@dataclass(frozen=True, kw_only=True)
class Watch:
    """One `[[watch]]` table: whose moves to alert, on which topics, through which channels."""

    name: str = setting("", "a label for the watch list (shown in the message); default watch-N")
    holders: tuple[str, ...] = setting((), "canonical holder names from the actor table "
                                       "(models/actors.toml, plus actors_file); aliases are "
                                       "accepted and canonicalised")
    groups: tuple[str, ...] = setting((), "actor groups (\"Hungary\", \"NATO\", \"Commentators\"): "
                                      "every holder in them")
    topics: tuple[str, ...] = setting(TOPICS, "topics to watch", choices=TOPICS)
    min_mentions: int = setting(LEAST_MENTIONS, "mentions carrying the new stance in the week "
                                "that shows it (2 is the least a week can have)",
                                LEAST_MENTIONS, 10_000)
    channels: tuple[str, ...] = required("names of `[channels.NAME]` tables to send to")

    def matches(self, actor: str, actor_group: str | None, topic: str, mentions: int) -> bool:
        return ((actor in self.holders or (actor_group is not None and actor_group in self.groups))
                and topic in self.topics and mentions >= self.min_mentions)


@dataclass(frozen=True, kw_only=True)
class WebhookChannel:
    """A JSON POST, signed with HMAC-SHA256 when a secret is configured."""

    name: str
    url: str | None = setting(None, "where to POST (http or https); or url_env")
    url_env: str | None = setting(None, "environment variable holding the URL (when the URL "
                                  "itself is a credential)")
    secret_env: str | None = setting(None, "environment variable holding the HMAC-SHA256 "
                                     "signing secret")
    secret_block: str | None = setting(None, "Prefect Secret block holding the signing secret")
    timeout: float = setting(10.0, "seconds for one request, connecting included", 0.1, 120)
    retries: int = setting(2, "extra attempts within a run after a timeout, connection error, "
                           "5xx or 429", 0, 10)
    backoff: float = setting(1.0, "first retry delay in seconds; doubles each attempt", 0, 60)


@dataclass(frozen=True, kw_only=True)
class SmtpChannel:
    """One e-mail per alert (plain text and HTML) through an SMTP server."""

    name: str
    host: str = required("SMTP server")
    to: tuple[str, ...] = required("recipients")
    sender: str = required("the From address")
    port: int = setting(587, "SMTP port", 1, 65_535)
    starttls: bool = setting(True, "upgrade the connection with STARTTLS (certificate "
                             "checked) before logging in or sending")
    username_env: str | None = setting(None, "environment variable holding the login name")
    password_env: str | None = setting(None, "environment variable holding the password")
    password_block: str | None = setting(None, "Prefect Secret block holding the password")
    ca_file: str | None = setting(None, "PEM file of the certificate authority to trust "
                                  "(a private mail relay); default: the system's")
    timeout: float = setting(30.0, "seconds for each SMTP exchange", 0.1, 300)


@dataclass(frozen=True, kw_only=True)
class DigestChannel:
    """Alerts appended to a local text file (one block per alert)."""

    name: str
    path: str = required("the file (relative paths: from the watch file's folder)")


@dataclass(frozen=True, kw_only=True)
class PrefectBlockChannel:
    """A Prefect notification block (Slack, Microsoft Teams, custom webhook …), saved on the
    Prefect server the run talks to."""

    name: str
    block: str = required("block type and name, e.g. \"slack-webhook/analysts\"")


Channel = WebhookChannel | SmtpChannel | DigestChannel | PrefectBlockChannel
CHANNEL_KINDS: dict[str, type] = {
    "webhook": WebhookChannel, "smtp": SmtpChannel, "digest": DigestChannel,
    "prefect": PrefectBlockChannel}
# TOML keys that differ from the field's name (`from` is a Python keyword)
KEY_ALIASES = {"from": "sender"}


def channel_keys(kind: type) -> dict[str, Any]:
    """The keys a channel table takes (the TOML spelling) and their field definitions."""
    spelled = {field_name: key for key, field_name in KEY_ALIASES.items()}
    return {spelled.get(spec.name, spec.name): spec for spec in fields(kind) if spec.name != "name"}


def secret_references(channel: Channel) -> list[tuple[str, str]]:
    """The (key, environment variable) pairs a channel reads when it delivers."""
    return [(spec.name, getattr(channel, spec.name)) for spec in fields(channel)
            if spec.name.endswith("_env") and getattr(channel, spec.name)]


@dataclass(frozen=True, kw_only=True)
class Alerting:
    """The watch lists and the channels they name (empty: no alerts, no alert work)."""

    watches: tuple[Watch, ...] = ()
    channels: tuple[Channel, ...] = ()

    def channel(self, name: str) -> Channel | None:
        return next((channel for channel in self.channels if channel.name == name), None)

    @property
    def holders(self) -> list[str]:
        return sorted({holder for watch in self.watches for holder in watch.holders})

    @property
    def groups(self) -> list[str]:
        return sorted({group for watch in self.watches for group in watch.groups})
