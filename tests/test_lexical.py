"""The word n-gram model beside the encoder (models/lexical.py, tools/lexical.py)."""

import json

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.lexical import (
    LEXICAL_META,
    LEXICAL_WEIGHTS,
    LexicalModel,
    LexicalModelError,
    terms,
)
from tools.dataset import LabelledSentence
from tools.lexical import LexicalTrainingError, attach, fit

TEXTS = [
    "Peskov said NATO membership for Ukraine is out of the question.",
    "Scholz said Germany backs long-term security guarantees for Kyiv.",
    "The loan guarantee covers Ukraine's gas imports.",
    "Stoltenberg said Ukraine will become a member of NATO.",
    "Orbán said Hungary opposes Ukraine's NATO membership.",
    "Macron said France will help guarantee Ukraine's security after a ceasefire.",
    "Finland's accession to NATO was completed in April.",
    "Lavrov said Western guarantees for Kyiv are unacceptable.",
]
MEMBERSHIP = ["against", "none", "none", "favor", "against", "none", "none", "none"]
GUARANTEES = ["none", "favor", "none", "none", "none", "favor", "none", "against"]


def _rows(copies: int = 1) -> list[LabelledSentence]:
    return [LabelledSentence(f"r{i}-{c}", text, {"membership": m, "guarantees": g}, None, None,
                             "test.jsonl")
            for c in range(copies)
            for i, (text, m, g) in enumerate(zip(TEXTS, MEMBERSHIP, GUARANTEES, strict=True))]


def test_terms_are_lower_cased_words_and_neighbouring_pairs():
    assert terms("NATO's door, a 2008 pledge") == [
        "nato", "door", "2008", "pledge", "nato door", "door 2008", "2008 pledge"]
    assert terms("?") == []


def test_features_match_scikit_learn_tfidf():
    """Inference computes the training library's TF-IDF without importing it."""
    vectorizer = TfidfVectorizer(analyzer=terms, min_df=1, sublinear_tf=True).fit(TEXTS)
    vocabulary = {t: int(i) for t, i in vectorizer.vocabulary_.items()}
    model = LexicalModel(vocabulary, vectorizer.idf_, np.zeros((2, 4, len(vocabulary))),
                         np.zeros((2, 4)), 1.0, {})
    probe = TEXTS[:3] + ["NATO NATO NATO membership, and words it never saw"]
    expected = vectorizer.transform(probe).toarray()
    for row, text in enumerate(probe):
        index, values = model.features(text)
        dense = np.zeros(len(vocabulary))
        dense[index] = values
        assert np.allclose(dense, expected[row])
    assert model.features("zzz qqq")[0].size == 0  # nothing known: no features, no error


def test_fitted_model_learns_its_rows_and_survives_a_round_trip(tmp_path):
    model = fit(_rows(copies=3), weight=0.5, regularisation=10.0)
    predicted = model.log_probabilities(TEXTS).argmax(-1)
    for topic, gold in (("membership", MEMBERSHIP), ("guarantees", GUARANTEES)):
        assert [LABELS[i] for i in predicted[:, TOPICS.index(topic)]] == gold
    model.save(tmp_path)
    loaded = LexicalModel.load(tmp_path)
    assert loaded is not None and loaded.weight == 0.5 and loaded.vocabulary == model.vocabulary
    assert np.allclose(loaded.log_probabilities(TEXTS), model.log_probabilities(TEXTS), atol=1e-5)


def test_combine_adds_weighted_log_probabilities_and_renormalises():
    model = fit(_rows(copies=3), weight=0.0, regularisation=10.0)
    uniform = [{topic: [0.25] * 4 for topic in TOPICS} for _ in TEXTS]
    assert np.allclose([s["membership"] for s in model.combine(uniform, TEXTS)], 0.25)
    weighted = LexicalModel(model.vocabulary, model.idf, model.coefficients, model.intercepts,
                            1.0, {})
    combined = weighted.combine(uniform, TEXTS)
    expected = np.exp(weighted.log_probabilities(TEXTS))  # a uniform encoder adds nothing
    for row, scores in enumerate(combined):
        assert np.allclose(sum(scores["guarantees"]), 1.0)
        assert np.allclose([scores[t] for t in TOPICS], expected[row], atol=1e-6)


def test_an_artefact_without_lexical_files_has_no_lexical_model(tmp_path):
    assert LexicalModel.load(tmp_path) is None


@pytest.mark.parametrize("broken", ["missing weights", "corrupt weights", "wrong labels",
                                    "not json"])
def test_a_broken_lexical_model_is_a_clear_error(tmp_path, broken):
    fit(_rows(), regularisation=1.0).save(tmp_path)
    meta_path = tmp_path / LEXICAL_META
    if broken == "missing weights":
        (tmp_path / LEXICAL_WEIGHTS).unlink()
    elif broken == "corrupt weights":
        (tmp_path / LEXICAL_WEIGHTS).write_bytes(b"\x00" * 40)
    elif broken == "wrong labels":
        meta = json.loads(meta_path.read_text())
        meta["labels"] = ["favor", "against"]
        meta_path.write_text(json.dumps(meta))
    else:
        meta_path.write_text("{not json")
    with pytest.raises(LexicalModelError, match=str(tmp_path)):
        LexicalModel.load(tmp_path)


def test_attach_refuses_a_calibrated_artefact(tmp_path):
    (tmp_path / "stancewatch.json").write_text(json.dumps(
        {"model_version": "m-c1234", "calibration": {}, "recipe": {"data": "real"}}))
    with pytest.raises(LexicalTrainingError, match="before tools.calibrate"):
        attach(tmp_path)


@pytest.mark.slow
def test_the_scorer_adds_an_artefacts_lexical_model_in_every_runtime(tmp_path):
    """A member of the bundled model, copied, scores the same texts before and after a
    lexical model is written into it: after = combine(before), on torch and on ONNX."""
    import shutil

    from stancewatch.models.classifier import DEFAULT_MODEL
    from stancewatch.models.inference import InferenceOptions
    from stancewatch.models.stance_model import MEMBERS_KEY, META_FILE, FineTunedScorer

    member = json.loads((DEFAULT_MODEL / META_FILE).read_text())[MEMBERS_KEY][0]
    folder = tmp_path / "member"
    shutil.copytree(DEFAULT_MODEL / member, folder)
    for path in (LEXICAL_META, LEXICAL_WEIGHTS):
        (folder / path).unlink(missing_ok=True)
    torch_fp32 = InferenceOptions(device="cpu", precision="fp32", runtime="torch")
    before = FineTunedScorer(folder, inference=torch_fp32).score(TEXTS)
    lexical = fit(_rows(copies=3), weight=0.7, regularisation=10.0)
    lexical.save(folder)
    expected = lexical.combine(before, TEXTS)
    for options in (torch_fp32, InferenceOptions(device="cpu", precision="fp32", runtime="onnx")):
        after = FineTunedScorer(folder, inference=options).score(TEXTS)
        for got, want in zip(after, expected, strict=True):
            assert np.allclose([got[t] for t in TOPICS], [want[t] for t in TOPICS], atol=1e-4)
    moved = max(abs(a - b) for x, y in zip(after, before, strict=True) for t in TOPICS
                for a, b in zip(x[t], y[t], strict=True))
    assert moved > 0.05  # the lexical model did change the scores


def test_training_data_can_leave_out_corpus_slices():
    """make train's encoder members leave out rounds 4-6 (EXCLUDE_SLICES); the lexical model,
    like every other reader of the corpus, keeps them."""
    from pathlib import Path

    from tools.train import training_data

    everything, dev = training_data("real")
    kept, same_dev = training_data("real", ["r4", "r5", "r6"])
    names = {Path(row.source_file).name[:2] for row in kept}
    assert not names & {"r4", "r5", "r6"} and {"r2", "r3"} <= names
    assert 0 < len(kept) < len(everything) and same_dev == dev
