"""Schema migrations: transactional, run once, and an old warehouse upgrades in place."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

from stancewatch.warehouse.db import MIGRATIONS_DIR, connect, migrate, schema_version

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "schema_v1.sql"


def versions() -> list[int]:
    """The migration files' versions; numbers may have gaps (a version taken by other work)."""
    return sorted(int(p.name.split("_", 1)[0]) for p in MIGRATIONS_DIR.glob("*.sql"))


def latest_version() -> int:
    return max(versions())


def test_version_1_warehouse_upgrades_in_place(tmp_path):
    db_path = tmp_path / "old.duckdb"
    with duckdb.connect(str(db_path)) as connection:
        connection.execute(FIXTURE.read_text())
    with connect(db_path) as connection:  # opening for writing migrates
        assert schema_version(connection) == latest_version() >= 2
        columns = {row[0] for row in connection.execute("DESCRIBE runs").fetchall()}
        assert "prefect_flow_run_id" in columns
        # the old rows are intact and visible through today's views
        assert connection.execute("SELECT title FROM articles").fetchall() == [
            ("Kremlin: guarantees talk premature",)]
        assert connection.execute("SELECT actor, stance FROM mentions").fetchall() == [
            ("Dmitry Peskov", "against")]
        assert connection.execute("SELECT count(*) FROM stance_daily").fetchall()[0][0] >= 1


def test_version_1_warehouse_gets_trend_mention_facts_backfilled(tmp_path):
    db_path = tmp_path / "old.duckdb"
    with duckdb.connect(str(db_path)) as connection:
        connection.execute(FIXTURE.read_text())
    with connect(db_path) as connection:
        assert schema_version(connection) >= 3
        peskov = ("a1b2c3d4e5f60718", 0, "guarantees", "against", 0.93, "Dmitry Peskov",
                  "Russia", "News Example", "https://news.example/peskov", date(2025, 2, 28))
        assert connection.execute("SELECT * FROM trend_mention_facts").fetchall() == [peskov]
        assert connection.execute("SELECT * FROM trend_mentions").fetchall() == [peskov]
        assert connection.execute(
            "SELECT day, topic, stance, articles, mentions FROM stance_daily").fetchall() == [
            (date(2025, 2, 28), "guarantees", "against", 1, 1)]


def test_migrations_run_once(tmp_path):
    with connect(tmp_path / "w.duckdb") as connection:
        assert migrate(connection) == []  # connect already applied everything
        applied = connection.execute("SELECT version FROM schema_migrations ORDER BY 1").fetchall()
        assert [v for (v,) in applied] == versions()


def test_a_failing_migration_rolls_back_whole(tmp_path):
    folder = tmp_path / "migrations"
    folder.mkdir()
    for file in MIGRATIONS_DIR.glob("*.sql"):
        (folder / file.name).write_text(file.read_text())
    (folder / "999_broken.sql").write_text(
        "CREATE TABLE half_done (x INTEGER);\nALTER TABLE no_such_table ADD COLUMN y INTEGER;\n")
    with duckdb.connect(str(tmp_path / "w.duckdb")) as connection:
        with pytest.raises(duckdb.Error):
            migrate(connection, folder)
        tables = {row[0] for row in connection.execute("SHOW TABLES").fetchall()}
        assert "half_done" not in tables and "stored_articles" in tables
        versions = [v for (v,) in connection.execute("SELECT version FROM schema_migrations").fetchall()]
        assert 999 not in versions and 1 in versions
