"""Dates from the network: one parser for ISO 8601 / W3C datetime values (sitemaps,
article metadata), and the plausibility rule for any date a page or feed claims."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

FUTURE_TOLERANCE = timedelta(days=1)
EARLIEST_NEWS = datetime(1990, 1, 1, tzinfo=UTC)


def parse_iso_datetime(value: str | None) -> datetime | None:
    """'2025-02-10', '2025-02-10T08:00:00Z', '…+01:00' → an aware UTC datetime (naive values
    are taken as UTC); anything else → None."""
    if not value:
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except (ValueError, OverflowError):
        return None
    try:
        return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        return None


def sane_date(value: datetime | None, now: datetime | None = None) -> datetime | None:
    """Dates in the future (beyond a day of clock skew) or before 1990 are unknown."""
    if value is None:
        return None
    now = now or datetime.now(UTC)
    if value > now + FUTURE_TOLERANCE or value < EARLIEST_NEWS:
        return None
    return value
