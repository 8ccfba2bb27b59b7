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

from stancewatch.days import DayFormatError, parse_day
from stancewatch.errors import StancewatchError, UserError
from stancewatch.models.inference import DEVICES
from stancewatch.models.topics import topic_labels, topic_names
from stancewatch.untrusted import for_terminal

EXIT_USAGE = 2
EXIT_FAILED = 1


class UsageError(UserError):
    """Bad input on the command line: one line, exit code 2."""


def _date(value: str) -> date:
    try:
        return parse_day(value)
    except DayFormatError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _quiet_environment() -> None:
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")  # INFO in a run's log only
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
    # a run with no Prefect server starts a temporary one: 8-14 s here, and past Prefect's
    # 20 s default on a loaded 2-core machine (a clean-clone test run failed so, 2026-12-06)
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "120")


def _check_run_inputs(args: argparse.Namespace):
    """Validate feeds file, alert channels' secrets and --db before any flow starts (exit 2
    on problems)."""
    from stancewatch.flows.config import check_alert_secrets, load_config, with_settings
    from stancewatch.models.classifier import model_version_for
    from stancewatch.models.inference import resolve
    from stancewatch.warehouse.db import check_db_path, check_not_held

    config = load_config(Path(args.feeds))
    check_alert_secrets(config.alerting)
    _check_prefect_channels(config)
    check_db_path(Path(args.db))
    check_not_held(Path(args.db))
    model_version_for(args.model or config.settings.model)
    settings = with_settings(config.settings, device=args.device)
    if settings.device != "auto":  # `cuda` on a machine without one: say so before the run
        resolve(settings.inference())
    return config


def _check_prefect_channels(config) -> None:
    """A channel naming a Prefect block needs a Prefect server to load it from; without one a
    run starts a temporary server, which has no blocks."""
    from stancewatch.alerts.configuration import PrefectBlockChannel

    used = {name for watch in config.alerting.watches for name in watch.channels}
    for channel in config.alerting.channels:
        if isinstance(channel, PrefectBlockChannel) and channel.name in used:
            from prefect.settings import PREFECT_API_URL

            if not PREFECT_API_URL.value():
                raise UsageError(f"channel {channel.name!r} names the Prefect block "
                                 f"{channel.block!r}: set PREFECT_API_URL to the server that "
                                 "holds it")


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
    alerts = (f"; alerts sent {stats['alerts_sent']}, failed {stats['alerts_failed']}"
              if stats["alerts_sent"] or stats["alerts_failed"] else "")
    print(f"run {summary['run_id']} ({summary['flow']}) {summary['status']}: "
          f"feeds ok {stats['feeds_ok']}, not modified {stats['feeds_not_modified']}, "
          f"failed {stats['feeds_failed']}; articles new {stats['articles_new']}, "
          f"duplicates {stats['duplicates']}, gated {stats['articles_gated']}, "
          f"mentions {stats['mentions_new']}, "
          f"failures {stats['failures']}; HTTP requests {stats['http_requests']} "
          f"({stats['http_not_modified']} not modified); model {summary['model_version']}"
          f"{alerts}")
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
                             args.device, progress=progress)
    return _finish(args, summary, _print_summary)


def command_backfill(args: argparse.Namespace) -> int:
    config = _check_run_inputs(args)
    if args.until < args.since:
        raise UsageError(f"--until {args.until} is before --since {args.since}")
    if args.urls and not Path(args.urls).is_file():
        raise UsageError(f"--urls {args.urls}: no such file")
    if args.include_gated and not args.reclassify:
        raise UsageError("--include-gated only applies with --reclassify")
    if args.reclassify and args.alert:
        raise UsageError("--alert does not apply to --reclassify (the next daily run alerts "
                         "what a reclassification changed within alert_lookback_days)")
    if args.reclassify:
        from stancewatch.flows.daily import reclassify_flow

        settings = config.settings
        with _output(args, f"stancewatch backfill --reclassify --db {args.db}",
                     {"articles": "articles reclassified"}) as progress:
            summary = reclassify_flow(args.db, args.since, args.until,
                                      args.model or settings.model, args.include_gated,
                                      args.device or settings.device, settings.precision,
                                      settings.classify_threads, progress=progress)

        def say(summary: dict) -> None:
            stats = summary["stats"]
            gated = (f"; {stats['articles_gated']} gated articles left unclassified "
                     "(--include-gated classifies them)" if stats["articles_gated"] else "")
            print(f"reclassified {stats['articles_seen']} articles ({stats['mentions_new']} "
                  f"mentions) with {summary['model_version']}{gated}")
        return _finish(args, summary, say)
    from stancewatch.flows.daily import backfill_flow

    with _output(args, f"stancewatch backfill --db {args.db}") as progress:
        summary = backfill_flow(args.feeds, args.db, args.since, args.until, args.urls,
                                args.allow_private_networks, args.model, args.device,
                                args.alert, progress=progress)
    return _finish(args, summary, _print_summary)


def command_serve(args: argparse.Namespace) -> int:
    _check_run_inputs(args)
    from stancewatch.flows.daily import daily_flow

    feeds = str(Path(args.feeds).resolve())
    db_path = str(Path(args.db).resolve())
    schedule = {"interval": args.interval} if args.interval else {"cron": args.cron}
    # one run at a time: a slow run delays the next scheduled one instead of colliding
    # with it on the warehouse lock. The limit is the runner's own (limit=1), not a
    # deployment concurrency limit (global_limit): Prefect holds that one by a lease the
    # run renews with the server, and a failed renewal ends the run (PrefectHQ/prefect
    # #19068, #22885); a second serve process is refused by the warehouse lock instead.
    daily_flow.serve(name=args.name, limit=1, parameters={
        "feeds_file": feeds, "db_path": db_path,
        "allow_private_networks": args.allow_private_networks, "model": args.model,
        "device": args.device,
    }, **schedule)
    return 0


def command_classify(args: argparse.Namespace) -> int:
    from stancewatch.flows.config import environment_settings, with_settings
    from stancewatch.models.classifier import load_classifier

    settings = with_settings(environment_settings(), device=args.device)
    classifier = load_classifier(args.model or settings.model, inference=settings.inference())
    batch: list[tuple[object, str, date | None]] = []

    def flush() -> None:
        results = classifier.classify_texts([text for _, text, _ in batch],
                                            [day for _, _, day in batch])
        for (identifier, _, _), result in zip(batch, results, strict=True):
            sys.stdout.write(json.dumps({"id": identifier, **result.as_json(),
                                         "model_version": classifier.model_version},
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
    number = rejected = 0
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
            day = record.get("date")
            if day is not None and not isinstance(day, str):
                raise TypeError("date must be a string")
            day = parse_day(day) if day else None
        except (json.JSONDecodeError, KeyError, TypeError, ValueError, AttributeError) as exc:
            # one bad line is reported and skipped; every other line is still answered
            print(f"stancewatch classify: line {number}: expected {{\"id\": …, \"text\": \"…\", "
                  f"\"date\": \"2025-03-31\" (optional)}} ({for_terminal(exc, 200)}); skipped",
                  file=sys.stderr)
            rejected += 1
            continue
        batch.append((record.get("id"), text, day))
        if len(batch) >= args.batch_size:
            flush()
    if batch:
        flush()
    if rejected:
        print(f"stancewatch classify: {rejected} of {number} lines skipped (see above)",
              file=sys.stderr)
        return EXIT_USAGE
    return 0


def command_report(args: argparse.Namespace) -> int:
    from stancewatch.warehouse.report import write_report

    files = write_report(Path(args.db), Path(args.out), since=args.since, until=args.until,
                         topic=args.topic, source=args.source)
    print(f"report written: {files.html}")
    return 0


def _change_line(row: dict) -> str:
    who = for_terminal(row["actor"], 60) + (f" ({for_terminal(row['actor_group'], 40)})"
                                             if row.get("actor_group") else "")
    move = (f"{row['from_stance']} → {row['to_stance']}" if row.get("from_stance")
            else f"first: {row['to_stance']}")
    return f"{row['changed_on']}  {who}  {row['topic']}  {move}"


def command_alerts(args: argparse.Namespace) -> int:
    from stancewatch.alerts.dispatch import preview_alerts
    from stancewatch.alerts.selection import list_alerts
    from stancewatch.warehouse.db import connect
    from stancewatch.warehouse.report import check_views

    if not args.dry_run:
        if args.feeds:
            raise UsageError("--feeds is only used with --dry-run")
        with connect(Path(args.db), read_only=True) as connection:
            check_views(connection, Path(args.db))
            rows = list_alerts(connection, args.since)
        for row in rows:
            when = row["sent_at"] or row["last_attempt_at"] or row["created_at"]
            error = f": {for_terminal(row['error'], 200)}" if row["error"] else ""
            print(f"{row['alert_id']}  {_change_line(row)}  → {for_terminal(row['channel'], 40)} "
                  f"{row['status']} {when:%Y-%m-%d %H:%M} ({row['attempts']} attempts){error}")
        print(f"{len(rows)} alert deliveries" + (f" for changes since {args.since}"
                                                 if args.since else ""))
        return 0
    if not args.feeds:
        raise UsageError("--dry-run needs --feeds (the file with the watch lists)")
    from datetime import UTC, datetime, timedelta

    from stancewatch.flows.config import load_config

    config = load_config(Path(args.feeds))
    if not config.alerting.watches:
        raise UsageError(f"{args.feeds} has no [[watch]] lists")
    since = args.since or (datetime.now(UTC).date()
                           - timedelta(days=config.settings.alert_lookback_days))
    preview = preview_alerts(Path(args.db), config.alerting, since=since,
                             max_attempts=config.settings.alert_max_attempts)
    print(f"would send {len(preview.new)} new alerts (changes since {since}):")
    for item in preview.new:
        row = {**vars(item.alert)}
        print(f"  {item.alert.alert_id}  {_change_line(row)}  → "
              f"{', '.join(for_terminal(name, 40) for name in item.channels)}")
    print(f"would retry {len(preview.due)} deliveries that earlier runs could not make:")
    for delivery in preview.due:
        print(f"  {delivery.alert.alert_id}  {_change_line(vars(delivery.alert))}  → "
              f"{for_terminal(delivery.channel, 40)} ({delivery.attempts} attempts so far)")
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
        device_option(sub)

    def device_option(sub: argparse.ArgumentParser) -> None:
        sub.add_argument("--device", choices=DEVICES,
                         help="where the classifier runs (default: the device setting, auto: "
                              "CUDA when available)")

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
    backfill.add_argument("--include-gated", action="store_true",
                          help="with --reclassify: also classify the articles the relevance gate "
                               "left unclassified")
    backfill.add_argument("--alert", action="store_true",
                          help="send alerts for the watch lists' changes found in the window "
                               "(default: record them as suppressed)")
    output_options(backfill)
    backfill.set_defaults(handler=command_backfill)

    serve = commands.add_parser("serve", help="serve the daily run as a scheduled deployment")
    feeds_and_db(serve)
    serve.add_argument("--cron", default="0 6 * * *")
    serve.add_argument("--interval", type=int, help="seconds between runs (instead of --cron)")
    serve.add_argument("--name", default="daily")
    serve.set_defaults(handler=command_serve)

    classify = commands.add_parser(
        "classify", help="classify JSON Lines {id, text, date} from stdin (date optional: the "
        "day published, e.g. 2023-07-11 or 11 July 2023; titles resolve by it)")
    classify.add_argument("--model", help="artefact folder or hub model name")
    classify.add_argument("--batch-size", type=int, default=64)
    device_option(classify)
    classify.set_defaults(handler=command_classify)

    report = commands.add_parser("report", help="write report.html, report.md and extracts")
    report.add_argument("--db", required=True)
    report.add_argument("--out", required=True)
    report.add_argument("--since", type=_date)
    report.add_argument("--until", type=_date)
    report.add_argument("--topic", choices=topic_names(), help="one topic only")
    report.add_argument("--source")
    report.set_defaults(handler=command_report)

    alerts = commands.add_parser("alerts", help="list the alerts sent, or what the next run "
                                 "would send (--dry-run)")
    alerts.add_argument("--db", required=True)
    alerts.add_argument("--since", type=_date, help="changes first seen on or after this day")
    alerts.add_argument("--dry-run", action="store_true",
                        help="what the next daily run would send; nothing is sent or recorded")
    alerts.add_argument("--feeds", help="FEEDS.toml with the watch lists (with --dry-run)")
    alerts.set_defaults(handler=command_alerts)
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
