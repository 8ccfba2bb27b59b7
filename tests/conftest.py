"""Shared fixtures: the bundled demo outlets on loopback, one Prefect test harness per
session (only for tests that run flows), and one demo warehouse built by the real flow."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="stancewatch-prefect-"))
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "demo"


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def demo_outlets() -> Iterator[dict[str, str]]:
    from tools.demo_sites import serve_outlets

    with serve_outlets(DEMO_DIR / "sites") as bases:
        yield bases


@pytest.fixture(scope="session")
def demo_feeds(demo_outlets: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tools.demo_sites import render_feeds_file

    return render_feeds_file(DEMO_DIR / "feeds.toml", demo_outlets,
                             tmp_path_factory.mktemp("feeds") / "feeds.toml")


@pytest.fixture(scope="session")
def demo_run(prefect_harness: None, demo_feeds: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> dict:
    """The daily flow, run twice through the CLI against the demo outlets."""
    from stancewatch.flows.cli import main

    db_path = tmp_path_factory.mktemp("warehouse") / "demo.duckdb"
    first = main(["run", "--feeds", str(demo_feeds), "--db", str(db_path)])
    second = main(["run", "--feeds", str(demo_feeds), "--db", str(db_path)])
    return {"db": db_path, "exit_codes": (first, second)}
