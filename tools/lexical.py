"""Train the word n-gram model beside an artefact's encoder: `make train`
(python -m tools.lexical [--model PATH] [--weight W] [--regularisation C]).

Fits TF-IDF (lower-cased word unigrams and bigrams seen in at least two training rows,
sublinear term frequency) and one multinomial logistic regression per topic (scikit-learn,
L2, C) on the training rows of the artefact's data choice (its recipe's `data`) from every
corpus round: the encoders' `--exclude-slices` does not apply (models/HISTORY.md: the word
model did better with every round, the encoders without rounds 4-6), writes the two files of
models/lexical.py into the artefact and records the weight in its metadata and version. Run
it after training or tools.ensemble and before tools.calibrate: the offsets are chosen on
the combined scores. The weight and C are recipe choices made on the real development
split (models/HISTORY.md); the dev F_avg before and after is printed and kept.
"""

from __future__ import annotations

import argparse
import hashlib
import json
from pathlib import Path

import numpy as np

from stancewatch.errors import UserError
from stancewatch.models.classifier import DEFAULT_MODEL
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.lexical import LEXICAL_META, LexicalModel, terms
from stancewatch.models.metrics import topic_report
from stancewatch.models.stance_model import META_FILE
from tools.calibrate import dev_log_probabilities
from tools.dataset import LabelledSentence, real_splits
from tools.train import training_data

WEIGHT = 0.5
REGULARISATION = 2.0
MIN_DOCUMENT_FREQUENCY = 2


class LexicalTrainingError(UserError):
    """The artefact cannot take a lexical model now."""


def fit(rows: list[LabelledSentence], weight: float = WEIGHT,
        regularisation: float = REGULARISATION) -> LexicalModel:
    """The TF-IDF vocabulary and one logistic regression per topic, fitted on `rows`."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    vectorizer = TfidfVectorizer(analyzer=terms, min_df=MIN_DOCUMENT_FREQUENCY,
                                 sublinear_tf=True)
    features = vectorizer.fit_transform([row.text for row in rows])
    vocabulary = {term: int(i) for term, i in vectorizer.vocabulary_.items()}
    coefficients = np.zeros((len(TOPICS), len(LABELS), len(vocabulary)))
    intercepts = np.full((len(TOPICS), len(LABELS)), -30.0)  # a label never seen: never
    for t, topic in enumerate(TOPICS):
        target = [LABELS.index(row.label(topic)) for row in rows]
        model = LogisticRegression(C=regularisation, max_iter=3000).fit(features, target)
        coefficients[t, model.classes_] = model.coef_
        intercepts[t, model.classes_] = model.intercept_
    recipe = {"features": "tf-idf of word unigrams and bigrams (sublinear tf, l2)",
              "min_document_frequency": MIN_DOCUMENT_FREQUENCY, "classifier":
              "multinomial logistic regression per topic (L2)", "C": regularisation,
              "train_rows": len(rows)}
    return LexicalModel(vocabulary, vectorizer.idf_, coefficients, intercepts, weight, recipe)


def _training_rows(meta: dict) -> list[LabelledSentence]:
    """The training rows of the artefact's data choice, every corpus slice included."""
    recipe = meta["recipe"]
    members = recipe.get("members")
    data = next(iter(members.values()))["data"] if members else recipe["data"]
    return training_data(data)[0]


def attach(folder: Path, weight: float = WEIGHT,
           regularisation: float = REGULARISATION) -> dict[str, object]:
    """Fit the lexical model on the artefact's training rows and write it into `folder`."""
    meta_path = folder / META_FILE
    meta = json.loads(meta_path.read_text())
    if "calibration" in meta:
        raise LexicalTrainingError(f"{folder} is already calibrated: add the lexical model "
                                   "before tools.calibrate (retrain or ensemble again)")
    if "lexical" in meta or (folder / LEXICAL_META).exists():
        raise LexicalTrainingError(f"{folder} already has a lexical model")
    dev = real_splits()["dev"]
    encoder = dev_log_probabilities(folder, dev)
    model = fit(_training_rows(meta), weight, regularisation)
    lexical = model.log_probabilities([row.text for row in dev])
    report: dict[str, object] = {"weight": weight, "terms": len(model.vocabulary),
                                 "recipe": model.recipe}
    for t, topic in enumerate(TOPICS):
        gold = [row.label(topic) for row in dev]
        before = topic_report(gold, [LABELS[i] for i in encoder[topic].argmax(1)])["f_avg"]
        after = topic_report(gold, [LABELS[i] for i in
                                    (encoder[topic] + weight * lexical[:, t]).argmax(1)])["f_avg"]
        report[topic] = {"dev_f_avg_before": before, "dev_f_avg_after": after}
    model.save(folder)
    digest = hashlib.sha256(json.dumps([report, model.recipe], sort_keys=True).encode())
    meta["lexical"] = report
    meta["model_version"] = f"{meta['model_version']}-lx{digest.hexdigest()[:4]}"
    meta_path.write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--weight", type=float, default=WEIGHT)
    parser.add_argument("--regularisation", type=float, default=REGULARISATION)
    args = parser.parse_args()
    meta = attach(args.model, args.weight, args.regularisation)
    report = meta["lexical"]
    for topic in TOPICS:
        print(f"{topic}: dev F_avg {report[topic]['dev_f_avg_before']:.4f} -> "
              f"{report[topic]['dev_f_avg_after']:.4f} with the lexical model at weight "
              f"{report['weight']}")
    print(f"model_version {meta['model_version']}")


if __name__ == "__main__":
    main()
