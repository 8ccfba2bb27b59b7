"""The alerts' exceptions, by nature.

- `AlertError` is the root (a `StancewatchError`).
- `ChannelError`: one delivery failed (the receiver said no, the network failed, a secret was
  missing). It is recorded on the alert's row and retried by the next run; it never fails the
  run. Its message is one line that names the channel and never carries a secret or the
  channel's address (a webhook URL can be a credential).
"""

from __future__ import annotations

from stancewatch.errors import StancewatchError


class AlertError(StancewatchError):
    """Root of the alerts' exceptions."""


class ChannelError(AlertError):
    """A delivery through one channel failed; recorded and retried next run."""
