"""Check real-coverage corpus files: schema, and that no sentence copies its source.

    python tools/corpus_check.py models/data/real/SLICE.jsonl [--sources data/sources/SLICE.jsonl]

Every row must carry source_url, source_date, outlet and sentence_type, and valid labels.
Rewording rule: no run of more than five consecutive words of the source text (the
excerpts a writer read, saved in the git-ignored data/sources/ folder as JSON Lines
{"url": ..., "text": ...}). Rows whose source text was not saved are reported.
Exit status 1 when any row fails.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

from stancewatch.models.interface import LABELS, TOPICS

SENTENCE_TYPES = {
    "headline", "quote", "partial_quote", "reported_speech", "narration", "analysis",
    "communique", "poll", "question", "transcript",
}
REQUIRED = ("id", "text", "source_url", "source_date", "outlet", "sentence_type", *TOPICS)
MAX_SHARED_RUN = 5
WORD = re.compile(r"\w+", re.UNICODE)
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def words(text: str) -> list[str]:
    return [w.lower() for w in WORD.findall(text.replace("’", "'"))]


def longest_shared_run(sentence: str, source_ngrams: set[tuple[str, ...]], n: int) -> bool:
    toks = words(sentence)
    return any(tuple(toks[i:i + n]) in source_ngrams for i in range(len(toks) - n + 1))


def shared_runs(sentence: str, source_tokens: list[str], limit: int) -> list[str]:
    """Runs of more than `limit` consecutive words that the sentence shares with the source."""
    n = limit + 1
    grams = {tuple(source_tokens[i:i + n]) for i in range(len(source_tokens) - n + 1)}
    toks = words(sentence)
    hits = [i for i in range(len(toks) - n + 1) if tuple(toks[i:i + n]) in grams]
    runs: list[str] = []
    for i in hits:
        runs.append(" ".join(toks[i:i + n]))
    return runs


def check(corpus: Path, sources: Path | None) -> int:
    source_text: dict[str, list[str]] = defaultdict(list)
    if sources and sources.exists():
        for line in sources.read_text(encoding="utf-8").splitlines():
            if line.strip():
                rec = json.loads(line)
                source_text[rec["url"]].extend(words(rec["text"]) + ["\u2063"])
    problems = 0
    seen: set[str] = set()
    rows = 0
    for number, line in enumerate(corpus.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        rows += 1
        where = f"{corpus.name}:{number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            print(f"{where}: not JSON ({exc})")
            problems += 1
            continue
        missing = [key for key in REQUIRED if not row.get(key)]
        if missing:
            print(f"{where}: missing {', '.join(missing)}")
            problems += 1
            continue
        if row["id"] in seen:
            print(f"{where}: duplicate id {row['id']}")
            problems += 1
        seen.add(row["id"])
        for topic in TOPICS:
            if row[topic] not in LABELS:
                print(f"{where}: {topic} label {row[topic]!r}")
                problems += 1
        if not DATE.match(str(row["source_date"])):
            print(f"{where}: source_date {row['source_date']!r} is not YYYY-MM-DD")
            problems += 1
        if row["sentence_type"] not in SENTENCE_TYPES:
            print(f"{where}: sentence_type {row['sentence_type']!r} not in {sorted(SENTENCE_TYPES)}")
            problems += 1
        if bool(row.get("actor")) != bool(row.get("actor_group")):
            print(f"{where}: actor and actor_group must both be set or both be null")
            problems += 1
        if sources is not None:
            src = source_text.get(row["source_url"])
            if not src:
                print(f"{where}: no saved source text for {row['source_url']}")
                problems += 1
            else:
                runs = shared_runs(row["text"], src, MAX_SHARED_RUN)
                if runs:
                    print(f"{where}: {row['id']} shares >{MAX_SHARED_RUN} words with its source: "
                          + " | ".join(sorted(set(runs))[:3]))
                    problems += 1
    print(f"{corpus}: {rows} rows, {problems} problems")
    return 1 if problems else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--sources", type=Path, default=None)
    args = parser.parse_args()
    sys.exit(check(args.corpus, args.sources))


if __name__ == "__main__":
    main()
