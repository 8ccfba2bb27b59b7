"""Scheduling needs a real Prefect server: start one on loopback, serve the daily flow on a
short interval, and watch scheduled runs complete one at a time and write the warehouse."""

from __future__ import annotations

import itertools
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import httpx
import pytest

pytestmark = pytest.mark.slow  # a real Prefect server and a scheduled run

ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_scheduled_run_completes(demo_feeds, tmp_path):
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect-home"),
           "PREFECT_API_URL": api, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_UI_ENABLED": "false", "PREFECT_LOGGING_LEVEL": "WARNING"}
    server = subprocess.Popen(
        [sys.executable, "-m", "prefect", "server", "start", "--host", "127.0.0.1",
         "--port", str(port)], env={k: v for k, v in env.items() if k != "PREFECT_API_URL"},
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    served = None
    db_path = tmp_path / "scheduled.duckdb"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        else:
            pytest.fail("prefect server did not start within 90 s")
        log = (tmp_path / "serve.log").open("wb")
        served = subprocess.Popen(
            [sys.executable, "-m", "stancewatch", "serve", "--feeds", str(demo_feeds), "--db",
             str(db_path), "--interval", "10", "--name", "test-schedule"],
            env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        # two scheduled runs, 10 s apart on the schedule: a run takes longer than that, so
        # the second must wait for the first (one run at a time) and neither may fail
        completed = []
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline and len(completed) < 2:
            time.sleep(3)
            response = httpx.post(f"{api}/flow_runs/filter", json={
                "flow_runs": {"state": {"type": {"any_": ["COMPLETED", "FAILED", "CRASHED"]}}}},
                timeout=10)
            runs = response.json()
            failed = [(r["name"], r["state_type"], (r.get("state") or {}).get("message"))
                      for r in runs if r["state_type"] in ("FAILED", "CRASHED")]
            assert not failed, (failed, (tmp_path / "serve.log").read_text()[-4000:])
            completed = [r for r in runs if r["state_type"] == "COMPLETED"]
        assert len(completed) >= 2, f"{len(completed)} scheduled runs completed within 300 s"
        assert all(r["deployment_id"] is not None for r in completed)  # from the schedule
        spans = sorted((r["start_time"], r["end_time"]) for r in completed)
        for (_, first_end), (second_start, _) in itertools.pairwise(spans):
            assert second_start >= first_end, spans  # never two runs at once
        _stop(served)
        with duckdb.connect(str(db_path), read_only=True) as connection:
            assert connection.execute("SELECT count(*) FROM articles").fetchall()[0][0] >= 25
            statuses = [row[0] for row in connection.execute("SELECT status FROM runs").fetchall()]
        # a run still going when serve stopped is left open (the next run closes it)
        assert statuses.count("completed") >= 2 and "failed" not in statuses, statuses
    finally:
        if served is not None:
            _stop(served)
        _stop(server)
