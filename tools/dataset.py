"""Labelled sentences: loading, validation and the fixed splits.

Two collections (models/data/README.md):
- written/: sentences written for the project (`train/` for training and development by a
  hash of the text, `test/` held out);
- real/: sentences from real published coverage, reworded, each with source_url, date and
  outlet. Split by OUTLET and TIME, never by sentence: the test split is every sentence
  published from TEST_FROM on, plus whole outlets chosen by a hash of the site; development
  is another set of whole outlets; training never sees either.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from tld import get_fld

from stancewatch.models.interface import LABELS, TOPICS

DATA_DIR = Path(__file__).resolve().parent.parent / "models" / "data"
TRAIN_DIR = DATA_DIR / "train"
TEST_DIR = DATA_DIR / "test"
REAL_DIR = DATA_DIR / "real"
DEV_SHARE = 0.15
TEST_FROM = "2026-01-01"  # real coverage from this day on is test only
TEST_SITE_BUCKETS = range(0, 12)  # sites whose hash % 100 falls here are test only
DEV_SITE_BUCKETS = range(12, 25)  # … development only


@dataclass(frozen=True)
class LabelledSentence:
    """One labelled row: a label per topic of the registry (models/topics.toml), readable as
    `row.label(topic)` or as an attribute (`row.membership`)."""

    id: str
    text: str
    labels: Mapping[str, str]
    actor: str | None
    actor_group: str | None
    source_file: str
    source_url: str | None = None
    source_date: str | None = None
    outlet: str | None = None
    sentence_type: str | None = None

    def label(self, topic: str) -> str:
        return self.labels[topic]

    def __getattr__(self, name: str) -> str:
        # only called when normal lookup fails; never for dunders (pickle, copy)
        labels = self.__dict__.get("labels")
        if name.startswith("_") or labels is None or name not in labels:
            raise AttributeError(f"{type(self).__name__!r} has no attribute or topic {name!r}")
        return str(labels[name])

    @property
    def on_topic(self) -> bool:
        return any(label != "none" for label in self.labels.values())

    @property
    def site(self) -> str:
        return site_of(self.source_url or "")


def site_of(url: str) -> str:
    host = (urlsplit(url).hostname or "").lower()
    return str(get_fld(host, fix_protocol=True, fail_silently=True) or host)


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
                    labels={topic: raw[topic] for topic in TOPICS},
                    actor=raw.get("actor") or None, actor_group=raw.get("actor_group") or None,
                    source_file=path.name, source_url=raw.get("source_url"),
                    source_date=raw.get("source_date"), outlet=raw.get("outlet"),
                    sentence_type=raw.get("sentence_type"),
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
    """The written sentences: training and development by a hash of the text."""
    rows = load_labelled(sorted(TRAIN_DIR.glob("*.jsonl")))
    train = [row for row in rows if not in_dev_split(row)]
    dev = [row for row in rows if in_dev_split(row)]
    return train, dev


def test_set() -> list[LabelledSentence]:
    """The written held-out test set."""
    return load_labelled(sorted(TEST_DIR.glob("*.jsonl")))


def site_bucket(site: str) -> int:
    return int(hashlib.sha256(site.encode()).hexdigest(), 16) % 100


def split_for(site: str, date: str | None) -> str:
    """The split of real coverage published on `site` on `date` (YYYY-MM-DD)."""
    if (date or "") >= TEST_FROM or site_bucket(site) in TEST_SITE_BUCKETS:
        return "test"
    if site_bucket(site) in DEV_SITE_BUCKETS:
        return "dev"
    return "train"


def real_split_of(row: LabelledSentence) -> str:
    return split_for(row.site, row.source_date)


def real_splits() -> dict[str, list[LabelledSentence]]:
    """Real coverage split by outlet and time: {"train": …, "dev": …, "test": …}."""
    splits: dict[str, list[LabelledSentence]] = {"train": [], "dev": [], "test": []}
    for row in load_labelled(sorted(REAL_DIR.glob("*.jsonl"))):
        splits[real_split_of(row)].append(row)
    return splits
