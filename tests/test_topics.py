"""The topic registry (models/topics.toml) is the one list of topics: everything that names
topics reads it, and a bad file is a one-line error naming the file and the topic."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stancewatch.models import interface
from stancewatch.models.classifier import DEFAULT_MODEL
from stancewatch.models.topics import TopicFileError, load_topics, read_topics, topic_names
from stancewatch.warehouse import report

ROOT = Path(__file__).resolve().parent.parent
GOOD = """[[topic]]
name = "membership"
label = "Ukraine joining NATO"
description = "accession"
colour = "#1f5fa8"
[topic.hypotheses]
about = "This text is about Ukraine joining NATO."
favor = "The speaker supports Ukraine joining NATO."
against = "The speaker opposes Ukraine joining NATO."
"""


def test_every_consumer_reads_the_registry():
    names = topic_names()
    assert names == tuple(topic.name for topic in load_topics()) and len(names) >= 1
    assert interface.TOPICS == names
    assert tuple(report.TOPICS) == names and tuple(report.TOPIC_COLOURS) == names
    assert all(report.TOPICS[topic.name] == topic.label for topic in load_topics())


def test_the_bundled_model_has_one_head_per_registered_topic():
    meta = json.loads((DEFAULT_MODEL / "stancewatch.json").read_text())
    assert tuple(meta["topics"]) == topic_names()


def test_report_topic_choices_come_from_the_registry(capsys):
    from stancewatch.flows.cli import build_parser

    with pytest.raises(SystemExit) as exit_info:
        build_parser().parse_args(["report", "--db", "d", "--out", "o", "--topic", "nato"])
    assert exit_info.value.code == 2
    error = capsys.readouterr().err
    assert all(repr(name) in error for name in topic_names())


def test_sentence_stance_reads_every_topic_by_name_and_attribute():
    stances = {name: interface.TopicStance("neutral", 0.5) for name in topic_names()}
    result = interface.SentenceStance(stances, "Mark Rutte", "NATO")
    for name in topic_names():
        assert result.topic(name) is getattr(result, name) is stances[name]
    assert list(result.as_json()) == [*topic_names(), "actor", "actor_group"]
    with pytest.raises(AttributeError):
        result.not_a_topic  # noqa: B018


def test_docs_name_every_topic():
    """The warehouse's SQL interface lists the values of `topic`: kept in step."""
    text = (ROOT / "warehouse" / "README.md").read_text(encoding="utf-8")
    assert all(f"`{name}`" in text for name in topic_names())


@pytest.mark.parametrize("edit, message", [
    (lambda text: text.replace('name = "membership"', 'name = "Member ship"'),
     "not a lower-case identifier"),
    (lambda text: text.replace('colour = "#1f5fa8"', 'colour = "blue"'), "is not #rrggbb"),
    (lambda text: text.replace('favor = "The speaker supports Ukraine joining NATO."\n', ""),
     "hypotheses must be"),
    (lambda text: text.replace('label = "Ukraine joining NATO"', 'lable = "x"'),
     "unknown key(s) lable; missing label"),
    (lambda text: text + text, "'membership' listed twice"),
    (lambda text: "title = 'x'\n" + text, "expected one or more [[topic]] tables"),
    (lambda text: text.replace("[[topic]]", "[[topic]"), "cannot read the topic registry"),
])
def test_bad_registry_is_a_one_line_error_naming_file_and_topic(tmp_path, edit, message):
    good = tmp_path / "good.toml"
    good.write_text(GOOD, encoding="utf-8")
    assert [topic.name for topic in read_topics(good)] == ["membership"]
    path = tmp_path / "topics.toml"
    path.write_text(edit(GOOD), encoding="utf-8")
    with pytest.raises(TopicFileError) as failure:
        read_topics(path)
    assert str(path) in str(failure.value) and message in str(failure.value)
    assert "\n" not in str(failure.value)
