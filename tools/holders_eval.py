"""Holder attribution, measured rule by rule: `python -m tools.holders_eval [--split dev]`.

On the real-coverage corpus (tools/dataset.py splits; the rules are tuned on `train`, judged
on `dev`, reported on `test`) or on JSON Lines files given on the command line. For on-topic
sentences with a gold holder: accuracy overall and where the sentence names the holder (by a
name, alias, title or capital in the table), accuracy per deciding rule, per sentence type,
and the most common errors. Titles resolve by each sentence's own date.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

from stancewatch.models.holders import ActorTable, attribute
from tools.dataset import LabelledSentence, load_labelled, real_splits


def same_holder(gold: str | None, predicted: str | None) -> bool:
    """Exact canonical name, ignoring case, full stops and spacing."""
    def key(name: str | None) -> str:
        return " ".join((name or "").lower().replace(".", "").split())
    return key(gold) == key(predicted)


def names_holder(row: LabelledSentence, table: ActorTable) -> bool:
    """Whether the sentence itself names the gold holder (name, alias, title, capital)."""
    day = _day(row)
    return any(same_holder(row.actor, holder.name)
               for _, _, holder in table.on(day).find_mentions(row.text))


def _day(row: LabelledSentence) -> date | None:
    try:
        return date.fromisoformat(row.source_date) if row.source_date else None
    except ValueError:
        return None


def evaluate(rows: list[LabelledSentence], table: ActorTable) -> dict[str, object]:
    scored = [row for row in rows if row.on_topic and row.actor]
    by_rule: dict[str, list[bool]] = defaultdict(list)
    by_type: dict[str, list[bool]] = defaultdict(list)
    named: list[bool] = []
    errors: Counter = Counter()
    examples: dict[tuple, str] = {}
    correct = 0
    for row in scored:
        holder, rule = attribute(row.text, table, on=_day(row))
        ok = same_holder(row.actor, holder.name if holder else None)
        correct += ok
        by_rule[rule].append(ok)
        by_type[row.sentence_type or "?"].append(ok)
        if names_holder(row, table):
            named.append(ok)
        if not ok:
            key = (row.actor, holder.name if holder else None)
            errors[key] += 1
            examples.setdefault(key, row.text)
    unheld = [row for row in rows if row.on_topic and not row.actor]
    quiet = sum(attribute(row.text, table, on=_day(row))[0] is None for row in unheld)
    return {
        "sentences": len(scored),
        "accuracy": correct / max(1, len(scored)),
        "named": len(named), "accuracy_named": sum(named) / max(1, len(named)),
        "no_holder_kept_empty": quiet / max(1, len(unheld)), "no_holder_sentences": len(unheld),
        "by_rule": {rule: (sum(v), len(v)) for rule, v in by_rule.items()},
        "by_type": {kind: (sum(v), len(v)) for kind, v in by_type.items()},
        "errors": [(n, gold, got, examples[(gold, got)]) for (gold, got), n in errors.most_common(40)],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path, help="labelled JSONL instead of a split")
    parser.add_argument("--split", choices=("train", "dev", "test"), default="dev")
    parser.add_argument("--errors", type=int, default=25)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = load_labelled(args.files) if args.files else real_splits()[args.split]
    report = evaluate(rows, ActorTable.load())
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=1))
        return
    print(f"{'files' if args.files else args.split}: {report['sentences']} on-topic sentences "
          f"with a holder: accuracy {report['accuracy']:.3f}; where the sentence names the "
          f"holder ({report['named']}): {report['accuracy_named']:.3f}; on-topic sentences with "
          f"no holder left empty: {report['no_holder_kept_empty']:.3f} "
          f"(of {report['no_holder_sentences']})")
    print("by rule:  " + ", ".join(f"{rule} {ok}/{n}" for rule, (ok, n) in
                                   sorted(report["by_rule"].items(), key=lambda kv: -kv[1][1])))
    print("by type:  " + ", ".join(f"{kind} {ok / n:.2f} ({n})" for kind, (ok, n) in
                                   sorted(report["by_type"].items(), key=lambda kv: -kv[1][1])))
    for n, gold, got, text in report["errors"][: args.errors]:
        print(f"{n:3d}  {gold} -> {got}   e.g. {text[:110]}")


if __name__ == "__main__":
    main()
