"""The exceptions stancewatch raises, by nature rather than by message text.

- `StancewatchError` is the root: catch it to catch everything of ours.
- `UserError`: something the user can fix (a setting, a path, a model name): the CLI
  prints its one-line message and exits 2.
- Fetch failures are `TransientFetchError` (worth retrying next run: 5xx, 429, timeouts,
  connection failures, robots.txt unreachable) or `PermanentFetchError` (404, refused
  address, wrong content type, too large): retries are decided by type, never by text.
"""

from __future__ import annotations


class StancewatchError(Exception):
    """Root of stancewatch's exceptions."""


class UserError(StancewatchError):
    """A problem the user can fix; one line, names the thing at fault (CLI exit 2)."""


class ConfigError(UserError, ValueError):
    """A bad feeds file, setting or environment variable."""


class RunFailedError(StancewatchError):
    """The run could not complete (CLI exit 1); the run is recorded as failed."""


class FetchError(StancewatchError):
    """A URL could not be fetched; `reason` is one line a person can act on."""

    transient = False

    def __init__(self, url: str, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.url = url
        self.reason = reason
        self.status = status


class TransientFetchError(FetchError):
    """Worth retrying on a later run (server errors, rate limits, timeouts)."""

    transient = True


class PermanentFetchError(FetchError):
    """Retrying will not help (client errors, refused addresses, bad content)."""
