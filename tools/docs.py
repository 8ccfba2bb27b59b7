"""Parts of the README generated from the code, so they cannot drift:

    python -m tools.docs          # rewrite them in README.md
    python -m tools.docs --check  # exit 1 when README.md is out of date (tests/test_docs.py)

- the settings table (from flows.config.Settings: name, default, allowed range, purpose);
- the watch-list and channel keys (from alerts/configuration.py, the same way);
- the CLI synopsis (from flows.cli.build_parser).
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from stancewatch.flows.cli import build_parser
from stancewatch.flows.config import alert_keys_table, settings_table

README = Path(__file__).resolve().parent.parent / "README.md"


def _default(default: object) -> str:
    if default is None or default == () or default == "":
        return "(none)"
    if default == "required":
        return "required"
    if isinstance(default, bool):
        return f"`{str(default).lower()}`"
    if isinstance(default, tuple):
        default = list(default)
    return f"`{default!r}`".replace("'", '"')


def settings_markdown() -> str:
    lines = ["| setting | default | allowed | what it does |", "|---|---|---|---|"]
    for name, default, allowed, doc in settings_table():
        lines.append(f"| `{name}` | {_default(default)} | {allowed} | {doc} |")
    return "\n".join(lines)


def alert_keys_markdown() -> str:
    lines = ["| table | key | default | allowed | what it does |", "|---|---|---|---|---|"]
    for table, key, default, allowed, doc in alert_keys_table():
        lines.append(f"| `{table}` | `{key}` | {_default(default)} | {allowed} | {doc} |")
    return "\n".join(lines)


def _usage(parser: argparse.ArgumentParser) -> str:
    usage = parser.format_usage().strip().removeprefix("usage: ")
    return " ".join(usage.split())


def cli_synopsis() -> str:
    parser = build_parser()
    commands = next(action for action in parser._actions
                    if isinstance(action, argparse._SubParsersAction))
    lines = [_usage(sub) for sub in commands.choices.values()]
    return "```text\n" + "\n".join(lines) + "\n```"


SECTIONS = {"settings": settings_markdown, "alert-keys": alert_keys_markdown, "cli": cli_synopsis}


def render(text: str) -> str:
    for name, build in SECTIONS.items():
        pattern = re.compile(rf"(<!-- {name}:start -->\n).*?(<!-- {name}:end -->)", re.DOTALL)
        if not pattern.search(text):
            raise SystemExit(f"README.md has no <!-- {name}:start --> … <!-- {name}:end --> block")
        text = pattern.sub(lambda m, b=build: m.group(1) + b() + "\n" + m.group(2), text)
    return text


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    current = README.read_text(encoding="utf-8")
    wanted = render(current)
    if args.check:
        if wanted != current:
            print("README.md is out of date: run `python -m tools.docs`", file=sys.stderr)
            sys.exit(1)
        return
    README.write_text(wanted, encoding="utf-8")


if __name__ == "__main__":
    main()
