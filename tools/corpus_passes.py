"""Double-annotation bookkeeping for the real-coverage corpus (models/data/real/).

    python -m tools.corpus_passes blind SLICE      # writer's rows -> text-only file for pass B
    python -m tools.corpus_passes compare SLICE    # pass A vs pass B -> disagreements to adjudicate
    python -m tools.corpus_passes merge SLICE      # A, B and adjudication -> final labels
    python -m tools.corpus_passes agreement        # Cohen's kappa per topic, holder agreement
    python -m tools.corpus_passes normalize        # LABEL-RULES 20-23 on every slice's holders
    python -m tools.corpus_passes site URL DATE    # which split a page falls in; rows from it and its site

Pass A is the writer's labels (kept in models/data/real/passes/SLICE.a.jsonl once merged),
pass B a second annotator's, made blind (models/data/real/passes/SLICE.b.jsonl); rows where
they disagree are adjudicated (SLICE.adjudicated.jsonl) and the result is the slice's labels.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path

from stancewatch.models.interface import TOPICS
from tools.dataset import site_of, split_for

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "models" / "data" / "real"
PASSES = REAL / "passes"
WORK = ROOT / "data" / "labelwork"
LABEL_KEYS = (*TOPICS, "actor", "actor_group")


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def write_jsonl(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows),
                    encoding="utf-8")


def holder_key(name: object) -> str:
    return " ".join(str(name or "").lower().replace(".", "").split())


def labels_of(row: dict) -> dict:
    return {key: row.get(key) for key in LABEL_KEYS}


def blind(slice_name: str) -> None:
    rows = read_jsonl(REAL / f"{slice_name}.jsonl")
    write_jsonl(WORK / f"{slice_name}.blind.jsonl",
                [{"id": r["id"], "text": r["text"], "source_date": r["source_date"]} for r in rows])
    print(f"{slice_name}: {len(rows)} sentences for the blind pass")


def differences(a: dict, b: dict) -> list[str]:
    found = [topic for topic in TOPICS if a[topic] != b[topic]]
    on_topic = any(a[t] != "none" or b[t] != "none" for t in TOPICS)
    if on_topic and holder_key(a["actor"]) != holder_key(b["actor"]):
        found.append("actor")
    return found


def compare(slice_name: str) -> None:
    rows = read_jsonl(REAL / f"{slice_name}.jsonl")
    second = {r["id"]: r for r in read_jsonl(WORK / f"{slice_name}.b.jsonl")}
    missing = [r["id"] for r in rows if r["id"] not in second]
    if missing:
        sys.exit(f"{slice_name}: pass B lacks {len(missing)} ids (first {missing[0]})")
    disputed = []
    for row in rows:
        a, b = labels_of(row), labels_of(second[row["id"]])
        diff = differences(a, b)
        if diff:
            disputed.append({"id": row["id"], "text": row["text"], "source_date": row["source_date"],
                             "disagree_on": diff, "label_1": a, "label_2": b,
                             "note_1": row.get("note"), "note_2": second[row["id"]].get("note")})
    write_jsonl(WORK / f"{slice_name}.disputed.jsonl", disputed)
    print(f"{slice_name}: {len(disputed)} of {len(rows)} rows disputed")


def merge(slice_name: str) -> None:
    path = REAL / f"{slice_name}.jsonl"
    rows = read_jsonl(path)
    second = {r["id"]: r for r in read_jsonl(WORK / f"{slice_name}.b.jsonl")}
    decisions = WORK / f"{slice_name}.adjudicated.jsonl"  # absent: nothing decided yet
    adjudicated = {r["id"]: r for r in (read_jsonl(decisions) if decisions.exists() else [])}
    pass_a = PASSES / f"{slice_name}.a.jsonl"
    if not pass_a.exists():  # first merge: the writer's labels become pass A
        write_jsonl(pass_a, [{"id": r["id"], **labels_of(r)} for r in rows])
    first = {r["id"]: r for r in read_jsonl(pass_a)}
    write_jsonl(PASSES / f"{slice_name}.b.jsonl",
                [{"id": r["id"], **labels_of(second[r["id"]])} for r in rows])
    merged, unresolved = [], []
    for row in rows:
        a, b = labels_of(first[row["id"]]), labels_of(second[row["id"]])
        final = dict(a)
        if differences(a, b):
            decision = adjudicated.get(row["id"])
            if decision is None:
                unresolved.append(row["id"])
                continue
            final = labels_of(decision)
            row = {**row, "adjudicated": True}
            if decision.get("note"):
                row["note"] = decision["note"]
        merged.append({**row, **final})
    if unresolved:
        sys.exit(f"{slice_name}: {len(unresolved)} disputed rows lack a decision "
                 f"(first {unresolved[0]})")
    write_jsonl(path, merged)
    print(f"{slice_name}: {len(merged)} rows merged, {len(adjudicated)} adjudicated")


def kappa(pairs: list[tuple[str, str]]) -> float:
    total = len(pairs)
    observed = sum(a == b for a, b in pairs) / total
    first, second = Counter(a for a, _ in pairs), Counter(b for _, b in pairs)
    expected = sum(first[label] * second[label] for label in first) / total ** 2
    return (observed - expected) / (1 - expected) if expected < 1 else 1.0


def agreement() -> None:
    pairs: dict[str, list[tuple[str, str]]] = {t: [] for t in TOPICS}
    holder_same = holder_total = 0
    for pass_a in sorted(PASSES.glob("*.a.jsonl")):
        slice_name = pass_a.name.removesuffix(".a.jsonl")
        first = {r["id"]: r for r in read_jsonl(pass_a)}
        second = {r["id"]: r for r in read_jsonl(PASSES / f"{slice_name}.b.jsonl")}
        for key, a in first.items():
            b = second[key]
            for topic in TOPICS:
                pairs[topic].append((a[topic], b[topic]))
            if any(a[t] != "none" for t in TOPICS) and any(b[t] != "none" for t in TOPICS):
                holder_total += 1
                holder_same += holder_key(a["actor"]) == holder_key(b["actor"])
    for topic in TOPICS:
        same = sum(a == b for a, b in pairs[topic]) / len(pairs[topic])
        print(f"{topic}: {len(pairs[topic])} pairs, raw agreement {same:.3f}, "
              f"Cohen's kappa {kappa(pairs[topic]):.3f}")
    print(f"holder (both on topic): {holder_total} pairs, exact agreement "
          f"{holder_same / max(1, holder_total):.3f}")


GROUP_SPELLINGS = {"Europe": "EU", "West": "NATO", "Western countries": "NATO"}  # rule 22
NAME_SPELLINGS = {"Government of Ukraine": "Ukraine", "U.S. administration": "United States"}  # rule 20
_JOINT = re.compile(r",\s*|\s+and\s+")


def normalize() -> None:
    """Apply the holder rules mechanically to every slice: canonical spellings (20), group
    names for collectives (22), and the first party's group for joint holders (23)."""
    paths = sorted(REAL.glob("*.jsonl"))
    rows_by_path = {path: read_jsonl(path) for path in paths}
    usual_group: dict[str, Counter] = {}
    for rows in rows_by_path.values():
        for row in rows:
            if row.get("actor") and row.get("actor_group"):
                usual_group.setdefault(row["actor"], Counter())[row["actor_group"]] += 1
    changed = 0
    for path, rows in rows_by_path.items():
        for row in rows:
            before = (row.get("actor"), row.get("actor_group"))
            actor, group = before
            if actor:
                actor = NAME_SPELLINGS.get(actor, actor)
                group = GROUP_SPELLINGS.get(group, group)
                parts = [part for part in _JOINT.split(actor) if part]
                if len(parts) > 1 and parts[0] in usual_group:
                    group = GROUP_SPELLINGS.get(usual_group[parts[0]].most_common(1)[0][0],
                                                usual_group[parts[0]].most_common(1)[0][0])
                row["actor"], row["actor_group"] = actor, group
            if (row.get("actor"), row.get("actor_group")) != before:
                changed += 1
        write_jsonl(path, rows)
    print(f"normalized {changed} holders")


def page_split(url: str, date: str) -> str:
    """The split a page's rows fall in (the rule of `tools.dataset.real_splits`)."""
    return split_for(site_of(url), date)


def site(url: str, date: str) -> None:
    """Where a page's rows would go (writers of a new slice take pages from train sites only,
    so dev and test stay comparable) and how many rows the corpus already has from the page
    and from its site (writers prefer outlets the corpus has few of)."""
    host = site_of(url)
    rows = [row for path in sorted(REAL.glob("*.jsonl")) for row in read_jsonl(path)]
    from_page = sum(row.get("source_url") == url for row in rows)
    from_site = sum(site_of(row.get("source_url") or "") == host for row in rows)
    print(f"{page_split(url, date)}\tsite {host}\trows already from this page: "
          f"{from_page}, from this site: {from_site}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action",
                        choices=("blind", "compare", "merge", "agreement", "normalize", "site"))
    parser.add_argument("slices", nargs="*")
    args = parser.parse_args()
    if args.action == "site":
        if len(args.slices) != 2:
            parser.error("site takes a URL and the page's date (YYYY-MM-DD)")
        site(*args.slices)
        return
    if args.action in ("agreement", "normalize"):
        {"agreement": agreement, "normalize": normalize}[args.action]()
        return
    for slice_name in args.slices:
        {"blind": blind, "compare": compare, "merge": merge}[args.action](slice_name)


if __name__ == "__main__":
    main()
