"""The corpus bookkeeping tools (tools/corpus_passes.py, tools/corpus_check.py): the split a
writer checks a page against, the rewording rule, and the pass A / pass B / adjudication merge."""

import json
from pathlib import Path

import pytest

from tools import corpus_passes
from tools.corpus_check import shared_runs, words
from tools.dataset import real_splits


def test_page_split_agrees_with_the_split_the_corpus_loader_assigns() -> None:
    # a writer's check before using a page must put its rows where training will find them
    splits = real_splits()
    checked = 0
    for name, rows in splits.items():
        for row in rows[::25]:
            assert corpus_passes.page_split(row.source_url, row.source_date) == name, row.id
            checked += 1
    assert checked > 300
    # the time rule: a train site's page from 2026 is test
    train_row = splits["train"][0]
    assert corpus_passes.page_split(train_row.source_url, "2026-01-01") == "test"


def test_rewording_rule_flags_six_shared_words_and_allows_five() -> None:
    source = words("The alliance said that Ukraine's future lies firmly in NATO, officials added.")
    # "Ukraine's" counts as two words, as the checker reads it
    assert shared_runs("Officials say Ukraine's future lies firmly within the bloc.", source, 5) == []
    assert shared_runs("He said that Ukraine's future lies firmly in NATO.", source, 5)


def _write(path: Path, rows: list[dict]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def _row(key: str, membership: str, guarantees: str, actor: str | None) -> dict:
    return {"id": key, "text": f"sentence {key}", "source_date": "2024-05-01",
            "membership": membership, "guarantees": guarantees, "actor": actor,
            "actor_group": "Ukraine" if actor else None}


@pytest.fixture
def corpus(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr(corpus_passes, "REAL", tmp_path / "real")
    monkeypatch.setattr(corpus_passes, "PASSES", tmp_path / "real" / "passes")
    monkeypatch.setattr(corpus_passes, "WORK", tmp_path / "work")
    _write(tmp_path / "real" / "s1.jsonl", [_row("s1-1", "favor", "none", "Volodymyr Zelensky"),
                                            _row("s1-2", "none", "none", None)])
    _write(tmp_path / "work" / "s1.b.jsonl", [_row("s1-1", "neutral", "none", "Zelensky"),
                                              _row("s1-2", "none", "none", None)])
    return tmp_path


def test_merge_takes_agreed_labels_and_the_adjudicators_decisions(corpus: Path) -> None:
    corpus_passes.compare("s1")
    disputed = corpus_passes.read_jsonl(corpus / "work" / "s1.disputed.jsonl")
    # a holder spelt differently is a disagreement too (on-topic rows only)
    assert [(d["id"], d["disagree_on"]) for d in disputed] == [("s1-1", ["membership", "actor"])]
    with pytest.raises(SystemExit, match="lack a decision"):
        corpus_passes.merge("s1")
    _write(corpus / "work" / "s1.adjudicated.jsonl",
           [{**_row("s1-1", "neutral", "none", "Volodymyr Zelensky"), "note": "rule 12"}])
    corpus_passes.merge("s1")
    merged = {r["id"]: r for r in corpus_passes.read_jsonl(corpus / "real" / "s1.jsonl")}
    assert merged["s1-1"]["membership"] == "neutral" and merged["s1-1"]["adjudicated"] is True
    assert merged["s1-1"]["note"] == "rule 12"
    assert "adjudicated" not in merged["s1-2"]
    # both passes are kept as they were, for the agreement figures
    first = corpus_passes.read_jsonl(corpus / "real" / "passes" / "s1.a.jsonl")
    assert first[0]["membership"] == "favor"
    second = corpus_passes.read_jsonl(corpus / "real" / "passes" / "s1.b.jsonl")
    assert second[0]["membership"] == "neutral"
