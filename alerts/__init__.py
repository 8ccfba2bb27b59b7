"""Alerts: tell analysts when a watched holder moves, or takes a position for the first time.

A library of plain functions, called by the daily run (flows/pipeline.py), by backfills
asked to alert, and by `stancewatch alerts`:

- `select_changes` / `plan_alerts` (selection.py): the warehouse's `stance_changes` for the
  watched holders and groups, not alerted before, matched against the watch lists;
- `render_text` / `render_html` / `render_chat` / `Alert.to_payload` (messages.py): the
  message, with every piece of network text escaped for where it goes;
- `open_channel` (channels.py): webhook, SMTP, digest file, Prefect notification block;
- `deliver_alerts` (dispatch.py): the run's step, recorded in the `alerts` table so nothing
  is sent twice and failed channels are retried next run; `preview_alerts` for --dry-run.

Watch lists and channels are typed values (configuration.py), read and validated from the
feeds file by flows/config.py.
"""

from __future__ import annotations

import importlib
from typing import Any

# name -> module: loaded on first use, so that reading a configuration (flows/config.py
# imports alerts.configuration) does not load DuckDB, Arrow and the channels.
_EXPORTS = {
    "open_channel": "channels", "sign": "channels", "verify_signature": "channels",
    "Alerting": "configuration", "DigestChannel": "configuration",
    "PrefectBlockChannel": "configuration", "SmtpChannel": "configuration",
    "Watch": "configuration", "WebhookChannel": "configuration",
    "AlertOutcome": "dispatch", "AlertPreview": "dispatch", "deliver_alerts": "dispatch",
    "preview_alerts": "dispatch",
    "AlertError": "errors", "ChannelError": "errors",
    "Alert": "messages", "Evidence": "messages", "render_chat": "messages",
    "render_html": "messages", "render_text": "messages",
    "list_alerts": "selection", "plan_alerts": "selection", "select_changes": "selection",
}


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{_EXPORTS[name]}"), name)


__all__ = [
    "Alert",
    "AlertError",
    "AlertOutcome",
    "AlertPreview",
    "Alerting",
    "ChannelError",
    "DigestChannel",
    "Evidence",
    "PrefectBlockChannel",
    "SmtpChannel",
    "Watch",
    "WebhookChannel",
    "deliver_alerts",
    "list_alerts",
    "open_channel",
    "plan_alerts",
    "preview_alerts",
    "render_chat",
    "render_html",
    "render_text",
    "select_changes",
    "sign",
    "verify_signature",
]
