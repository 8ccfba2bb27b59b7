"""Channels: where an alert goes. Each has one method, `send(alert)`, which either delivers
the alert or raises `ChannelError` (one line, naming the channel, never a secret or the
channel's address).

- `Webhook`: a JSON POST with `X-Stancewatch-Signature: sha256=<hex>`, the HMAC-SHA256 of
  `<timestamp>.<body>` under the channel's secret (`X-Stancewatch-Timestamp` carries the
  timestamp, `X-Stancewatch-Alert` the alert id, for receivers that de-duplicate); retried
  within the run after timeouts, connection errors, 5xx and 429; redirects are not followed.
- `Smtp`: one e-mail per alert (plain text + HTML), STARTTLS with the certificate checked
  before any credential is sent; the Message-ID is derived from the alert, so a mail client
  can fold a rare second copy into the first.
- `Digest`: appended to a local file (never through a symbolic link).
- `PrefectNotification`: a Prefect notification block (Slack, Teams, custom webhook …)
  loaded by name from the Prefect server.

Secrets are read when a channel sends, from the environment or a Prefect Secret block.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from email.message import EmailMessage
from pathlib import Path
from typing import Protocol

import httpx

from stancewatch.alerts.configuration import (
    Channel,
    DigestChannel,
    PrefectBlockChannel,
    SmtpChannel,
    WebhookChannel,
)
from stancewatch.alerts.errors import ChannelError
from stancewatch.alerts.messages import Alert, render_chat, render_html, render_text, subject
from stancewatch.untrusted import for_chat, for_terminal

SIGNATURE_HEADER = "X-Stancewatch-Signature"
TIMESTAMP_HEADER = "X-Stancewatch-Timestamp"
ALERT_HEADER = "X-Stancewatch-Alert"
USER_AGENT = "stancewatch-alerts/1"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
SIGNATURE_TOLERANCE_SECONDS = 300


class DeliveryChannel(Protocol):
    name: str

    def send(self, alert: Alert) -> None: ...


# ------------------------------------------------------------------------------ secrets
def read_secret(channel: str, key: str, env_name: str | None, block_name: str | None,
                environ: Mapping[str, str]) -> str | None:
    """The value behind `<key>_env` or `<key>_block`; None when the channel names neither."""
    if env_name:
        value = environ.get(env_name)
        if not value:
            raise ChannelError(f"channel {channel!r}: environment variable {env_name} "
                               f"({key}_env) is not set")
        return value
    if block_name:
        try:
            from prefect.blocks.system import Secret

            value = Secret.load(block_name).get()
        except Exception as exc:  # noqa: BLE001 - any failure to load is this channel's failure
            raise ChannelError(f"channel {channel!r}: Prefect Secret block {block_name!r} "
                               f"could not be loaded ({exc.__class__.__name__})") from None
        return str(value)
    return None


# ------------------------------------------------------------------------------ signature
def sign(body: bytes, timestamp: str, secret: str) -> str:
    """`sha256=<hex>`: HMAC-SHA256 of `<timestamp>.<body>` (the timestamp stops replays)."""
    digest = hmac.new(secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body,
                      hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def verify_signature(body: bytes, timestamp: str, signature: str, secret: str, *,
                     tolerance: float = SIGNATURE_TOLERANCE_SECONDS,
                     now: float | None = None) -> bool:
    """What a receiver checks: the signature matches and the timestamp is recent."""
    try:
        age = abs((time.time() if now is None else now) - int(timestamp))
    except ValueError:
        return False
    return age <= tolerance and hmac.compare_digest(sign(body, timestamp, secret), signature)


# ------------------------------------------------------------------------------ channels
class Webhook:
    def __init__(self, spec: WebhookChannel, environ: Mapping[str, str],
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.name = spec.name
        self.spec = spec
        self.environ = environ
        self.sleep = sleep

    def body(self, alert: Alert) -> bytes:
        payload = {**alert.to_payload(), "text": render_text(alert)}
        return json.dumps(payload, ensure_ascii=False, sort_keys=True).encode("utf-8")

    def send(self, alert: Alert) -> None:
        spec = self.spec
        url = spec.url or read_secret(spec.name, "url", spec.url_env, None, self.environ)
        secret = read_secret(spec.name, "secret", spec.secret_env, spec.secret_block, self.environ)
        body = self.body(alert)
        attempts = spec.retries + 1
        problem = ""
        with httpx.Client(timeout=spec.timeout, follow_redirects=False) as client:
            for attempt in range(1, attempts + 1):
                timestamp = str(int(time.time()))
                headers = {"Content-Type": "application/json", "User-Agent": USER_AGENT,
                           ALERT_HEADER: alert.alert_id, TIMESTAMP_HEADER: timestamp}
                if secret:
                    headers[SIGNATURE_HEADER] = sign(body, timestamp, secret)
                try:
                    response = client.post(str(url), content=body, headers=headers)
                except httpx.TimeoutException:
                    problem = f"timed out after {spec.timeout:g}s"
                except httpx.TransportError as exc:
                    problem = f"connection failed ({exc.__class__.__name__})"
                else:
                    if 200 <= response.status_code < 300:
                        return
                    problem = f"HTTP {response.status_code}"
                    if response.status_code not in RETRY_STATUSES:
                        break  # the receiver refused it: retried next run, not now
                if attempt < attempts:
                    self.sleep(spec.backoff * 2 ** (attempt - 1))
        tries = f" (after {attempt} attempts)" if attempt > 1 else ""
        raise ChannelError(f"channel {spec.name!r}: webhook {problem}{tries}")


class Smtp:
    def __init__(self, spec: SmtpChannel, environ: Mapping[str, str]) -> None:
        self.name = spec.name
        self.spec = spec
        self.environ = environ

    def message(self, alert: Alert) -> EmailMessage:
        spec = self.spec
        message = EmailMessage()
        message["Subject"] = f"stancewatch: {subject(alert)}"
        message["From"] = spec.sender
        message["To"] = ", ".join(spec.to)
        domain = spec.sender.rpartition("@")[2] or "stancewatch.invalid"
        message["Message-ID"] = f"<{alert.alert_id}.{_slug(spec.name)}@{domain}>"
        message["X-Stancewatch-Alert"] = alert.alert_id
        message.set_content(render_text(alert))
        message.add_alternative(render_html(alert), subtype="html")
        return message

    def send(self, alert: Alert) -> None:
        spec = self.spec
        username = read_secret(spec.name, "username", spec.username_env, None, self.environ)
        password = read_secret(spec.name, "password", spec.password_env, spec.password_block,
                               self.environ)
        message = self.message(alert)
        try:
            with smtplib.SMTP(spec.host, spec.port, timeout=spec.timeout) as server:
                server.ehlo()
                if spec.starttls:
                    server.starttls(context=ssl.create_default_context(cafile=spec.ca_file))
                    server.ehlo()
                if username or password:
                    server.login(username or "", password or "")
                server.send_message(message)
        except smtplib.SMTPResponseException as exc:
            raise ChannelError(f"channel {spec.name!r}: SMTP server answered {exc.smtp_code} "
                               f"{_first_line(exc.smtp_error)}") from None
        except smtplib.SMTPRecipientsRefused as exc:
            raise ChannelError(f"channel {spec.name!r}: SMTP server refused "
                               f"{len(exc.recipients)} recipient(s)") from None
        except (smtplib.SMTPException, OSError) as exc:
            raise ChannelError(f"channel {spec.name!r}: SMTP {exc.__class__.__name__}: "
                               f"{_first_line(exc)}") from None


class Digest:
    def __init__(self, spec: DigestChannel) -> None:
        self.name = spec.name
        self.path = Path(spec.path)

    def send(self, alert: Alert) -> None:
        block = (f"=== {alert.changed_on.isoformat()} · {subject(alert)} ===\n"
                 f"{render_text(alert)}\n")
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                                 | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
            with os.fdopen(descriptor, "a", encoding="utf-8") as handle:
                handle.write(block)
        except OSError as exc:
            raise ChannelError(f"channel {self.name!r}: cannot append to {self.path}: "
                               f"{exc.strerror or exc.__class__.__name__}") from None


class PrefectNotification:
    def __init__(self, spec: PrefectBlockChannel) -> None:
        self.name = spec.name
        self.spec = spec

    def send(self, alert: Alert) -> None:
        from prefect.blocks.abstract import NotificationBlock
        from prefect.blocks.core import Block

        spec = self.spec
        try:
            block = Block.load(spec.block)
        except Exception as exc:  # noqa: BLE001 - no server, no such block, bad name …
            raise ChannelError(f"channel {spec.name!r}: Prefect block {spec.block!r} could not "
                               f"be loaded ({exc.__class__.__name__})") from None
        if not isinstance(block, NotificationBlock):
            raise ChannelError(f"channel {spec.name!r}: Prefect block {spec.block!r} is not a "
                               "notification block")
        try:
            with block.raise_on_failure():
                block.notify(render_chat(alert), subject=for_chat(subject(alert)))
        except Exception as exc:  # noqa: BLE001 - its message may carry the webhook URL
            status = getattr(getattr(exc, "response", None), "status_code", None)
            reason = f"HTTP {status}" if status else exc.__class__.__name__
            raise ChannelError(f"channel {spec.name!r}: Prefect block {spec.block!r} failed "
                               f"({reason})") from None


def _first_line(value: object) -> str:
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    lines = str(value).strip().splitlines()
    return for_terminal(lines[0] if lines else "", 200)


def _slug(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in name) or "channel"


def open_channel(spec: Channel, environ: Mapping[str, str] | None = None) -> DeliveryChannel:
    """The channel object for a channel's configuration."""
    environ = os.environ if environ is None else environ
    if isinstance(spec, WebhookChannel):
        return Webhook(spec, environ)
    if isinstance(spec, SmtpChannel):
        return Smtp(spec, environ)
    if isinstance(spec, DigestChannel):
        return Digest(spec)
    return PrefectNotification(spec)
