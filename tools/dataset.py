"""Labelled sentences: loading, validation and the fixed train/dev split.

Files under data/train/ feed training and development; data/test/ is held out and
is read only by `models.evaluate`.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from stancewatch.models.interface import LABELS, TOPICS

DATA_DIR = Path(__file__).resolve().parent.parent / "models" / "data"
TRAIN_DIR = DATA_DIR / "train"
TEST_DIR = DATA_DIR / "test"
DEV_SHARE = 0.15


@dataclass(frozen=True)
class LabelledSentence:
    id: str
    text: str
    membership: str
    guarantees: str
    actor: str | None
    actor_group: str | None
    source_file: str

    def label(self, topic: str) -> str:
        return self.membership if topic == "membership" else self.guarantees


def load_labelled(paths: list[Path]) -> list[LabelledSentence]:
    rows: list[LabelledSentence] = []
    seen_ids: set[str] = set()
    seen_texts: set[str] = set()
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                raw = json.loads(line)
                row = LabelledSentence(
                    id=str(raw["id"]), text=str(raw["text"]).strip(),
                    membership=raw["membership"], guarantees=raw["guarantees"],
                    actor=raw.get("actor"), actor_group=raw.get("actor_group"),
                    source_file=path.name,
                )
            except (json.JSONDecodeError, KeyError, TypeError) as exc:
                raise ValueError(f"{path}:{number}: bad record ({exc})") from exc
            for topic in TOPICS:
                if row.label(topic) not in LABELS:
                    raise ValueError(f"{path}:{number}: {topic} label {row.label(topic)!r}")
            if row.id in seen_ids or row.text.lower() in seen_texts:
                continue  # duplicates across files would leak between splits
            seen_ids.add(row.id)
            seen_texts.add(row.text.lower())
            rows.append(row)
    return rows


def in_dev_split(row: LabelledSentence) -> bool:
    digest = hashlib.sha256(row.text.lower().encode()).digest()
    return digest[0] / 256 < DEV_SHARE


def train_dev_split() -> tuple[list[LabelledSentence], list[LabelledSentence]]:
    rows = load_labelled(sorted(TRAIN_DIR.glob("*.jsonl")))
    train = [row for row in rows if not in_dev_split(row)]
    dev = [row for row in rows if in_dev_split(row)]
    return train, dev


def test_set() -> list[LabelledSentence]:
    return load_labelled(sorted(TEST_DIR.glob("*.jsonl")))
