"""`make demo`: serve the bundled outlets on loopback, run the daily flow once, show results."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from tools.demo_sites import render_feeds_file, serve_outlets

DEMO_DIR = Path(__file__).resolve().parent.parent / "demo"

EXAMPLE_QUERIES = """\
Query it (DuckDB CLI, or python -c "import duckdb; ..."):
  SELECT topic, stance, count(*) FROM article_stances GROUP BY ALL ORDER BY ALL;
  SELECT actor, actor_group, topic, stance, sentence FROM mentions
   WHERE actor IS NOT NULL ORDER BY confidence DESC LIMIT 10;
  SELECT url, stage, error FROM failures;
"""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--db", default="data/demo.duckdb")
    parser.add_argument("--report", default="data/demo-report")
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    db_path = Path(args.db)
    db_path.parent.mkdir(parents=True, exist_ok=True)

    import duckdb

    from stancewatch.flows.daily import daily_flow
    from stancewatch.flows.terminal import run_output

    with serve_outlets(DEMO_DIR / "sites") as bases:
        feeds = render_feeds_file(DEMO_DIR / "feeds.toml", bases, db_path.parent / "demo-feeds.toml")
        print("demo outlets: " + ", ".join(f"{slug} at {url}" for slug, url in bases.items()))
        log_path = Path(f"{db_path}.log")
        with run_output(log_path, f"demo run --db {db_path}") as progress:
            summary = daily_flow(str(feeds), str(db_path), allow_private_networks=True,
                                 progress=progress)
        print(f"run log (library and Prefect logging): {log_path}")
    stats = summary["stats"]
    print(f"\nstored in {db_path}: {stats['articles_new']} new articles "
          f"({stats['duplicates']} syndicated copies linked), {stats['mentions_new']} stance "
          f"mentions, {stats['failures']} failures recorded.")
    with duckdb.connect(str(db_path), read_only=True) as connection:
        print("\nArticle stances:")
        for topic, stance, count in connection.execute(
                "SELECT topic, stance, count(*) FROM article_stances GROUP BY ALL ORDER BY ALL"
        ).fetchall():
            print(f"  {topic:<11} {stance:<8} {count}")
        print("\nFailures:")
        for url, stage, error in connection.execute(
                "SELECT url, stage, error FROM failures ORDER BY occurred_at").fetchall():
            print(f"  [{stage}] {url}: {error}")
    try:
        from stancewatch.warehouse.report import write_report

        files = write_report(db_path, Path(args.report))
        print(f"\nreport: {files.html}")
    except ImportError:
        pass
    print("\n" + EXAMPLE_QUERIES)
    return 0


if __name__ == "__main__":
    sys.exit(main())
