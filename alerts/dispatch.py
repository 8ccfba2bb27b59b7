"""The alerting step of a run: record what is new, deliver what is owed, remember how it went.

Called by flows/pipeline.py (and the Dask flow) inside the run's lock, after the run's
articles are stored, so two runs never deliver at once. The warehouse is opened only for
short transactions, never while a channel is talking to the network:

1. new changes for the watch lists are recorded in `alerts`, one row per channel, as
   `pending` (or `suppressed`, for a backfill that was not asked to alert) — recorded
   before any attempt, so a re-run, a crash or a backfill never makes a second alert;
2. every delivery owed (pending, or failed with attempts left) is tried once through its
   channel; its row is updated after each attempt: `sent`, `failed` (tried again next run)
   or `gave_up` after `alert_max_attempts` runs.

A channel that fails is recorded and logged; it never fails the run. A delivery can only be
sent twice if the process dies between a channel's success and the row's update; receivers
that must never see a copy de-duplicate on the alert id (webhook header, e-mail Message-ID).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from stancewatch.alerts.channels import DeliveryChannel, open_channel
from stancewatch.alerts.configuration import Alerting
from stancewatch.alerts.errors import ChannelError
from stancewatch.alerts.selection import (
    Delivery,
    PlannedAlert,
    due_deliveries,
    plan_alerts,
    record_alerts,
    record_attempt,
    select_changes,
)
from stancewatch.untrusted import for_terminal
from stancewatch.warehouse import db


@dataclass
class AlertOutcome:
    """What the alerting step did (deliveries count one per alert and channel)."""

    new: list[PlannedAlert] = field(default_factory=list)
    suppressed: int = 0
    sent: int = 0
    failed: int = 0
    errors: list[str] = field(default_factory=list)


def _no_log(message: str) -> None:
    return None


def deliver_alerts(db_path: Path, alerting: Alerting, run_id: str, *, since: date,
                   until: date | None = None, send: bool = True, max_attempts: int = 5,
                   environ: Mapping[str, str] | None = None,
                   log: Callable[[str], None] = _no_log) -> AlertOutcome:
    """Record the watch lists' new changes first seen in [since, until]; with `send`, deliver
    them and retry what earlier runs failed to deliver; without, mark them suppressed."""
    outcome = AlertOutcome()
    if not alerting.watches:
        return outcome
    with db.connect(db_path) as connection, db.transaction(connection):
        outcome.new = plan_alerts(select_changes(connection, alerting, since, until), alerting)
        recorded = record_alerts(connection, outcome.new, run_id,
                                 "pending" if send else "suppressed")
        due = due_deliveries(connection, max_attempts) if send else []
    if not send:
        outcome.suppressed = recorded
        if recorded:
            log(f"alerts: {len(outcome.new)} changes found by this run recorded as suppressed "
                "(not sent: pass --alert to send them)")
        return outcome
    environ = os.environ if environ is None else environ
    opened: dict[str, DeliveryChannel] = {}
    for delivery in due:
        error = _deliver(delivery, alerting, opened, environ)
        with db.connect(db_path) as connection:
            record_attempt(connection, delivery, sent=error is None, error=error,
                           max_attempts=max_attempts)
        what = (f"alert {delivery.alert.alert_id} ({for_terminal(delivery.alert.actor, 80)}, "
                f"{delivery.alert.topic}) via {delivery.channel!r}")
        if error is None:
            outcome.sent += 1
            log(f"{what}: sent")
        else:
            outcome.failed += 1
            outcome.errors.append(error)
            left = max_attempts - delivery.attempts - 1
            log(f"{what}: {error}; " + (f"retried next run ({left} attempts left)" if left > 0
                                        else "giving up"))
    return outcome


def _deliver(delivery: Delivery, alerting: Alerting, opened: dict[str, DeliveryChannel],
             environ: Mapping[str, str]) -> str | None:
    """None when delivered, else the one-line reason."""
    spec = alerting.channel(delivery.channel)
    if spec is None:
        return f"channel {delivery.channel!r} is no longer configured"
    channel = opened.get(spec.name)
    if channel is None:
        channel = opened[spec.name] = open_channel(spec, environ)
    try:
        channel.send(delivery.alert)
    except ChannelError as exc:
        return str(exc)
    except Exception as exc:  # noqa: BLE001 - a channel never fails the run; its message
        # could carry a secret or an address, so only its kind is kept
        return f"channel {delivery.channel!r}: unexpected {exc.__class__.__name__}"
    return None


@dataclass
class AlertPreview:
    """What the next run would send: new changes, and deliveries owed from earlier runs."""

    new: list[PlannedAlert]
    due: list[Delivery]


def preview_alerts(db_path: Path, alerting: Alerting, *, since: date, until: date | None = None,
                   max_attempts: int = 5) -> AlertPreview:
    """`stancewatch alerts --dry-run`: nothing is recorded or sent (read-only)."""
    from stancewatch.warehouse.report import check_views

    with db.connect(db_path, read_only=True) as connection:
        check_views(connection, db_path)
        new = plan_alerts(select_changes(connection, alerting, since, until), alerting)
        due = due_deliveries(connection, max_attempts)
    return AlertPreview(new, due)
