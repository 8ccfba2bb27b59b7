"""What to alert: the warehouse's changes of dominant stance for watched holders, matched
against the watch lists, and the `alerts` table that remembers what was alerted.

Every statement is a named .sql file under warehouse/queries/ (alert_*.sql,
insert_alerts.sql) with bound parameters; the functions here only shape rows.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

import duckdb
import pyarrow as pa

from stancewatch.alerts.configuration import Alerting
from stancewatch.alerts.messages import Alert, Evidence
from stancewatch.warehouse.db import load_sql

LAST_DAY = date(9999, 12, 31)


@dataclass(frozen=True)
class PlannedAlert:
    """A change some watch list asked for, and the channels it goes to."""

    alert: Alert
    channels: tuple[str, ...]


@dataclass(frozen=True)
class Delivery:
    """One alert owed to one channel (a row of `alerts` that is pending or failed)."""

    alert: Alert
    channel: str
    attempts: int


def _alert_from_row(row: dict[str, Any]) -> Alert:
    evidence = tuple(Evidence(item["sentence"], item["source"], item["url"], item["published"],
                              float(item["confidence"])) for item in row["evidence"] or ())
    return Alert(
        alert_id=row["alert_id"], actor=row["actor"], actor_group=row["actor_group"],
        topic=row["topic"], from_stance=row["from_stance"], from_period=row["from_period"],
        from_mentions=row["from_mentions"], from_total=row["from_total"],
        to_stance=row["to_stance"], to_period=row["to_period"], changed_on=row["changed_on"],
        to_mentions=row["to_mentions"], to_total=row["to_total"], evidence=evidence)


def select_changes(connection: duckdb.DuckDBPyConnection, alerting: Alerting, since: date,
                   until: date | None = None) -> list[Alert]:
    """Shifts and first positions of the watched holders and groups whose first day lies in
    [since, until], not alerted before (whatever the topic or channel)."""
    if not alerting.watches:
        return []
    rows = connection.sql(load_sql("alert_changes"), params={
        "holders": alerting.holders, "groups": alerting.groups, "since": since,
        "until": until or LAST_DAY}).to_arrow_table().to_pylist()
    return [_alert_from_row(row) for row in rows]


def plan_alerts(changes: Sequence[Alert], alerting: Alerting) -> list[PlannedAlert]:
    """Each change with the watch lists that want it (holder or group, topic, mentions) and
    the union of their channels, in the order the watch lists name them."""
    planned = []
    for change in changes:
        watches = [watch for watch in alerting.watches
                   if watch.matches(change.actor, change.actor_group, change.topic,
                                    change.to_mentions)]
        if not watches:
            continue
        channels = tuple(dict.fromkeys(name for watch in watches for name in watch.channels))
        planned.append(PlannedAlert(replace(change, watches=tuple(w.name for w in watches)),
                                    channels))
    return planned


def record_alerts(connection: duckdb.DuckDBPyConnection, planned: Sequence[PlannedAlert],
                  run_id: str, status: str) -> int:
    """One row per alert and channel, all in one statement: `pending` (to be delivered now) or
    `suppressed` (found by a backfill that was not asked to alert: never sent)."""
    rows = [(item.alert, channel) for item in planned for channel in item.channels]
    if not rows:
        return 0
    new_alerts = pa.table({  # noqa: F841 - used by SQL
        "alert_id": pa.array([alert.alert_id for alert, _ in rows], pa.string()),
        "channel": pa.array([channel for _, channel in rows], pa.string()),
        "kind": pa.array([alert.kind for alert, _ in rows], pa.string()),
        "actor": pa.array([alert.actor for alert, _ in rows], pa.string()),
        "actor_group": pa.array([alert.actor_group for alert, _ in rows], pa.string()),
        "topic": pa.array([alert.topic for alert, _ in rows], pa.string()),
        "from_stance": pa.array([alert.from_stance for alert, _ in rows], pa.string()),
        "to_stance": pa.array([alert.to_stance for alert, _ in rows], pa.string()),
        "from_period": pa.array([alert.from_period for alert, _ in rows], pa.date32()),
        "to_period": pa.array([alert.to_period for alert, _ in rows], pa.date32()),
        "changed_on": pa.array([alert.changed_on for alert, _ in rows], pa.date32()),
        "watch": pa.array([", ".join(alert.watches) for alert, _ in rows], pa.string()),
        "status": pa.array([status] * len(rows), pa.string()),
        "payload": pa.array([alert.payload_json() for alert, _ in rows], pa.string()),
    })
    connection.register("new_alerts", new_alerts)
    try:
        connection.execute(load_sql("insert_alerts"), {"run_id": run_id})
    finally:
        connection.unregister("new_alerts")
    return len(rows)


def due_deliveries(connection: duckdb.DuckDBPyConnection, max_attempts: int) -> list[Delivery]:
    """Pending deliveries and failed ones with attempts left, oldest first."""
    rows = connection.execute(load_sql("alert_due"), {"max_attempts": max_attempts}).fetchall()
    return [Delivery(Alert.from_payload(json.loads(payload)), channel, attempts)
            for _, channel, payload, attempts in rows]


def record_attempt(connection: duckdb.DuckDBPyConnection, delivery: Delivery, *, sent: bool,
                   error: str | None, max_attempts: int) -> None:
    connection.execute(load_sql("alert_attempt"), {
        "alert_id": delivery.alert.alert_id, "channel": delivery.channel, "sent": sent,
        "error": None if sent else (error or "failed")[:500], "max_attempts": max_attempts})


def list_alerts(connection: duckdb.DuckDBPyConnection, since: date | None = None
                ) -> list[dict[str, Any]]:
    """The alerts table (one row per alert and channel), for `stancewatch alerts`."""
    return connection.sql(load_sql("alert_list"), params={"since": since}).to_arrow_table().to_pylist()
