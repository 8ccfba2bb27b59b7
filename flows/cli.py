"""`stancewatch` command line: thin wrappers that parse options and call one function."""

from __future__ import annotations

import argparse
import json
import os
import queue
import sys
import threading
from collections.abc import Callable
from datetime import date
from pathlib import Path

from stancewatch.errors import StancewatchError, UserError
from stancewatch.models.topics import topic_labels, topic_names
from stancewatch.untrusted import for_terminal

EXIT_USAGE = 2
EXIT_FAILED = 1


class UsageError(UserError):
    """Bad input on the command line: one line, exit code 2."""


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _quiet_environment() -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # INFO in a run's log only
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")


def _check_run_inputs(args: argparse.Namespace):
    """Validate feeds file and --db before any flow starts (exit 2 on problems)."""
    from stancewatch.flows.config import load_config
    from stancewatch.models.classifier import model_version_for
    from stancewatch.warehouse.db import check_db_path, check_not_held

    config = load_config(Path(args.feeds))
    check_db_path(Path(args.db))
    check_not_held(Path(args.db))
    model_version_for(args.model or config.settings.model)
    return config


def _run_log_path(args: argparse.Namespace) -> Path:
    return Path(args.log) if args.log else Path(f"{args.db}.log")


def _output(args: argparse.Namespace, headline: str, labels: dict[str, str] | None = None):
    """The run's terminal side: progress (or none) and logging into the run log."""
    from stancewatch.flows.terminal import STAGE_LABELS, run_output

    args.run_log = _run_log_path(args)
    return run_output(args.run_log, headline, quiet=args.quiet, json_output=args.json,
                      debug=args.debug, labels=labels or STAGE_LABELS)


def _finish(args: argparse.Namespace, summary: dict, text: Callable[[dict], None]) -> int:
    """The summary: one JSON object (--json), nothing (--quiet), or lines for a person."""
    if args.json:
        print(json.dumps({**summary, "run_log": str(args.run_log)}, default=str,
                         ensure_ascii=False))
    elif not args.quiet:
        text(summary)
    return 0


def _print_summary(summary: dict) -> None:
    stats = summary["stats"]
    print(f"run {summary['run_id']} ({summary['flow']}) {summary['status']}: "
          f"feeds ok {stats['feeds_ok']}, not modified {stats['feeds_not_modified']}, "
          f"failed {stats['feeds_failed']}; articles new {stats['articles_new']}, "
          f"duplicates {stats['duplicates']}, mentions {stats['mentions_new']}, "
          f"failures {stats['failures']}; HTTP requests {stats['http_requests']} "
          f"({stats['http_not_modified']} not modified); model {summary['model_version']}")
    for failure in summary["failures"][:20]:
        print(f"  failed [{failure['stage']}] {for_terminal(failure['url'], 200)}: "
              f"{for_terminal(failure['error'], 300)}")
    if len(summary["failures"]) > 20:
        print(f"  … and {len(summary['failures']) - 20} more (SELECT * FROM failures)")


def command_run(args: argparse.Namespace) -> int:
    _check_run_inputs(args)
    from stancewatch.flows.daily import daily_flow

    with _output(args, f"stancewatch run --db {args.db}") as progress:
        summary = daily_flow(args.feeds, args.db, args.allow_private_networks, args.model,
                             progress=progress)
    return _finish(args, summary, _print_summary)


def command_backfill(args: argparse.Namespace) -> int:
    _check_run_inputs(args)
    if args.until < args.since:
        raise UsageError(f"--until {args.until} is before --since {args.since}")
    if args.urls and not Path(args.urls).is_file():
        raise UsageError(f"--urls {args.urls}: no such file")
    if args.reclassify:
        from stancewatch.flows.daily import reclassify_flow

        with _output(args, f"stancewatch backfill --reclassify --db {args.db}",
                     {"articles": "articles reclassified"}) as progress:
            summary = reclassify_flow(args.db, args.since, args.until, args.model,
                                      progress=progress)
        return _finish(args, summary, lambda summary: print(
            f"reclassified {summary['stats']['articles_seen']} articles "
            f"({summary['stats']['mentions_new']} mentions) with {summary['model_version']}"))
    from stancewatch.flows.daily import backfill_flow

    with _output(args, f"stancewatch backfill --db {args.db}") as progress:
        summary = backfill_flow(args.feeds, args.db, args.since, args.until, args.urls,
                                args.allow_private_networks, args.model, progress=progress)
    return _finish(args, summary, _print_summary)


def command_serve(args: argparse.Namespace) -> int:
    _check_run_inputs(args)
    from stancewatch.flows.daily import daily_flow

    feeds = str(Path(args.feeds).resolve())
    db_path = str(Path(args.db).resolve())
    schedule = {"interval": args.interval} if args.interval else {"cron": args.cron}
    # one run at a time: a slow run delays the next scheduled one instead of colliding
    # with it on the warehouse lock
    daily_flow.serve(name=args.name, limit=1, global_limit=1, parameters={
        "feeds_file": feeds, "db_path": db_path,
        "allow_private_networks": args.allow_private_networks, "model": args.model,
    }, **schedule)
    return 0


def command_classify(args: argparse.Namespace) -> int:
    from stancewatch.models.classifier import load_classifier

    classifier = load_classifier(args.model)
    batch: list[tuple[object, str]] = []

    def flush() -> None:
        results = classifier.classify_texts([text for _, text in batch])
        for (identifier, _), result in zip(batch, results, strict=True):
            sys.stdout.write(json.dumps({"id": identifier, **result.as_json()},
                                        ensure_ascii=False) + "\n")
        sys.stdout.flush()
        batch.clear()

    # Lines arrive through a queue so that a batch is flushed as soon as input pauses:
    # a pipe of many lines fills whole batches, an interactive or streaming caller gets
    # each answer without waiting for more input.
    lines: queue.Queue[str | None] = queue.Queue(maxsize=4 * args.batch_size)

    def read_stdin() -> None:
        for line in sys.stdin:
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read_stdin, daemon=True).start()
    number = 0
    while True:
        try:
            line = lines.get(block=not batch, timeout=None)
        except queue.Empty:
            flush()
            continue
        if line is None:
            break
        number += 1
        if not line.strip():
            continue
        try:
            record = json.loads(line)
            text = record["text"]
            if not isinstance(text, str):
                raise TypeError("text must be a string")
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            print(f"stancewatch classify: line {number}: expected {{\"id\": …, \"text\": \"…\"}} "
                  f"({exc})", file=sys.stderr)
            return EXIT_USAGE
        batch.append((record.get("id"), text))
        if len(batch) >= args.batch_size:
            flush()
    if batch:
        flush()
    return 0


def command_report(args: argparse.Namespace) -> int:
    from stancewatch.warehouse.report import write_report

    files = write_report(Path(args.db), Path(args.out), since=args.since, until=args.until,
                         topic=args.topic, source=args.source)
    print(f"report written: {files.html}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="stancewatch",
        description=f"Stances on {' and '.join(topic_labels().values())} (models/topics.toml), "
                    "from news feeds to a DuckDB warehouse.")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True)

    def feeds_and_db(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--feeds", required=True, help="FEEDS.toml")
        sub.add_argument("--db", required=True, help="DuckDB warehouse file")
        sub.add_argument("--allow-private-networks", action="store_true",
                         help="allow loopback/private/link-local addresses (local testing)")
        sub.add_argument("--model", help="classifier: artefact folder or hub model name")

    def output_options(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--quiet", "-q", action="store_true",
                         help="print nothing on success (errors still go to stderr)")
        sub.add_argument("--json", action="store_true",
                         help="print the run summary as one JSON object on stdout")
        sub.add_argument("--log", help="run log file for library and Prefect logging "
                                       "(default: the --db path + .log)")

    run = commands.add_parser("run", help="run the daily flow once, now")
    feeds_and_db(run)
    output_options(run)
    run.set_defaults(handler=command_run)

    backfill = commands.add_parser("backfill", help="collect articles published in a date window")
    feeds_and_db(backfill)
    backfill.add_argument("--since", type=_date, required=True)
    backfill.add_argument("--until", type=_date, required=True)
    backfill.add_argument("--urls", help="file of article URLs, one per line")
    backfill.add_argument("--reclassify", action="store_true",
                          help="re-run the current classifier over stored articles in the window")
    output_options(backfill)
    backfill.set_defaults(handler=command_backfill)

    serve = commands.add_parser("serve", help="serve the daily run as a scheduled deployment")
    feeds_and_db(serve)
    serve.add_argument("--cron", default="0 6 * * *")
    serve.add_argument("--interval", type=int, help="seconds between runs (instead of --cron)")
    serve.add_argument("--name", default="daily")
    serve.set_defaults(handler=command_serve)

    classify = commands.add_parser("classify", help="classify JSON Lines {id, text} from stdin")
    classify.add_argument("--model", help="artefact folder or hub model name")
    classify.add_argument("--batch-size", type=int, default=64)
    classify.set_defaults(handler=command_classify)

    report = commands.add_parser("report", help="write report.html, report.md and extracts")
    report.add_argument("--db", required=True)
    report.add_argument("--out", required=True)
    report.add_argument("--since", type=_date)
    report.add_argument("--until", type=_date)
    report.add_argument("--topic", choices=topic_names(), help="one topic only")
    report.add_argument("--source")
    report.set_defaults(handler=command_report)
    return parser


def main(argv: list[str] | None = None) -> int:
    _quiet_environment()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args)
    except UserError as exc:
        print(f"stancewatch: {for_terminal(exc)}", file=sys.stderr)
        return EXIT_USAGE
    except StancewatchError as exc:
        print(f"stancewatch: {for_terminal(exc)}{_see_log(args)}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.debug:
            raise
        print(f"stancewatch: run failed: {exc.__class__.__name__}: {for_terminal(exc, 500)} "
              f"(use --debug for the traceback){_see_log(args)}", file=sys.stderr)
        return EXIT_FAILED


def _see_log(args: argparse.Namespace) -> str:
    run_log = getattr(args, "run_log", None)
    return f" [run log: {for_terminal(run_log, 300)}]" if run_log else ""


if __name__ == "__main__":
    sys.exit(main())
