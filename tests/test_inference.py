"""Where and how the classifier runs: device, precision and runtime selection (CI has no
GPU, so the choice is tested as a decision: with and without CUDA), and the settings and
flags that lead to it."""

from __future__ import annotations

import pytest

from stancewatch.flows.cli import build_parser, main
from stancewatch.flows.config import ConfigError, Settings, environment_settings
from stancewatch.models.inference import (
    BATCH_SIZE,
    InferenceError,
    InferenceOptions,
    cuda_available,
    resolve,
)


@pytest.mark.parametrize("options, has_cuda, expected", [
    (InferenceOptions(), True, ("cuda", "fp16", "torch")),
    (InferenceOptions(), False, ("cpu", "int8", "onnx")),
    (InferenceOptions(device="cpu"), True, ("cpu", "int8", "onnx")),
    (InferenceOptions(device="cuda"), True, ("cuda", "fp16", "torch")),
    (InferenceOptions(device="cuda", precision="bf16"), True, ("cuda", "bf16", "torch")),
    (InferenceOptions(device="cuda", precision="fp32"), True, ("cuda", "fp32", "torch")),
    (InferenceOptions(device="cpu", precision="fp32"), False, ("cpu", "fp32", "onnx")),
    (InferenceOptions(device="cpu", runtime="torch"), False, ("cpu", "int8", "torch")),
    (InferenceOptions(device="cpu", precision="fp16"), False, ("cpu", "fp16", "torch")),
])
def test_auto_picks_cuda_when_there_is_one(options, has_cuda, expected):
    chosen = resolve(options, has_cuda=has_cuda, has_onnx=True)
    assert (chosen.device, chosen.precision, chosen.runtime) == expected
    assert chosen.batch_size == BATCH_SIZE[chosen.device]
    assert BATCH_SIZE["cuda"] > BATCH_SIZE["cpu"]  # batches sized for the device


def test_without_onnxruntime_the_cpu_runs_torch():
    chosen = resolve(InferenceOptions(device="cpu"), has_cuda=False, has_onnx=False)
    assert chosen.runtime == "torch"


@pytest.mark.parametrize("options, message", [
    (InferenceOptions(device="cuda"), "torch sees no CUDA GPU"),
    (InferenceOptions(device="tpu"), "device must be one of"),
    (InferenceOptions(precision="int4"), "precision must be one of"),
    (InferenceOptions(runtime="onnx", precision="fp16", device="cpu"), "runtime = onnx runs"),
])
def test_impossible_choices_are_one_line_user_errors(options, message):
    with pytest.raises(InferenceError, match=message):
        resolve(options, has_cuda=False, has_onnx=True)


def test_int8_is_cpu_only():
    with pytest.raises(InferenceError, match="CPU only"):
        resolve(InferenceOptions(device="cuda", precision="int8"), has_cuda=True)


def test_cpu_choice_never_asks_torch_about_cuda(monkeypatch):
    import stancewatch.models.inference as inference

    monkeypatch.setattr(inference, "cuda_available", lambda: pytest.fail("asked"))
    assert resolve(InferenceOptions(device="cpu"), has_onnx=True).device == "cpu"


def test_settings_carry_the_choice():
    settings = Settings(device="cpu", precision="fp32", classify_threads=1, runtime="torch")
    assert settings.inference() == InferenceOptions("cpu", "fp32", 1, "torch")
    assert environment_settings({"STANCEWATCH_DEVICE": "cuda"}).device == "cuda"
    with pytest.raises(ConfigError, match="device must be one of auto, cpu, cuda"):
        environment_settings({"STANCEWATCH_DEVICE": "gpu"})


def test_device_flag_on_run_backfill_and_classify():
    parser = build_parser()
    for argv in (["run", "--feeds", "f", "--db", "d", "--device", "cpu"],
                 ["backfill", "--feeds", "f", "--db", "d", "--since", "2025-01-01",
                  "--until", "2025-01-02", "--device", "cuda"],
                 ["classify", "--device", "auto"]):
        assert parser.parse_args(argv).device == argv[-1]


@pytest.mark.skipif(cuda_available(), reason="this machine has a GPU")
def test_run_with_cuda_on_a_cpu_machine_fails_before_the_run(demo_feeds, tmp_path, capsys):
    db_path = tmp_path / "w.duckdb"
    code = main(["run", "--feeds", str(demo_feeds), "--db", str(db_path), "--device", "cuda"])
    assert code == 2
    assert "torch sees no CUDA GPU" in capsys.readouterr().err
    assert not db_path.exists()


def test_onnx_export_is_keyed_by_the_network_not_by_its_measurements(tmp_path):
    """`make eval` rewrites metrics.json; that must not throw away the cached export,
    while new heads (a retrained or recalibrated artefact) must."""
    from stancewatch.models.onnx_runtime import artefact_digest

    (tmp_path / "adapter").mkdir()
    (tmp_path / "adapter" / "adapter_model.safetensors").write_bytes(b"adapter")
    (tmp_path / "heads.safetensors").write_bytes(b"heads")
    (tmp_path / "stancewatch.json").write_text('{"model_version": "m"}')
    (tmp_path / "metrics.json").write_text('{"f_avg": 0.1}')
    first = artefact_digest(tmp_path, "base", "int8")

    (tmp_path / "metrics.json").write_text('{"f_avg": 0.2}')
    assert artefact_digest(tmp_path, "base", "int8") == first

    (tmp_path / "heads.safetensors").write_bytes(b"recalibrated heads")
    assert artefact_digest(tmp_path, "base", "int8") != first
    assert artefact_digest(tmp_path, "base", "fp32") != artefact_digest(tmp_path, "base", "int8")


def test_int8_recipe_keeps_the_first_feed_forward_output_in_fp32():
    """ONNX node names and torch module names name the same layers: every encoder
    projection but layer 0's feed-forward output (the outlier layer, models/HISTORY.md);
    the attention score products and the heads stay fp32."""
    from stancewatch.models.onnx_runtime import INT8_MODULES, int8_node

    projections = ("attention/self/query", "attention/self/key", "attention/self/value",
                   "attention/output/dense", "intermediate/dense", "output/dense")
    for layer in range(12):
        for projection in projections:
            node = f"/encoder/encoder/layer.{layer}/{projection}/MatMul"
            module = f"encoder.encoder.layer.{layer}.{projection.replace('/', '.')}"
            expected = not (layer == 0 and projection == "output/dense")
            assert int8_node(node) is expected, node
            assert bool(INT8_MODULES.search(module)) is expected, module
        assert not int8_node(f"/encoder/encoder/layer.{layer}/attention/self/MatMul")
    assert not int8_node("/membership/Gemm_MatMul")
    assert not INT8_MODULES.search("membership")


def test_near_ties_are_the_sentences_with_two_close_labels_on_any_topic():
    from stancewatch.models.stance_model import near_ties

    scores = [{"membership": [0.90, 0.05, 0.03, 0.02], "guarantees": [0.0, 0.0, 0.0, 1.0]},
              {"membership": [0.10, 0.0, 0.0, 0.90], "guarantees": [0.45, 0.0, 0.40, 0.15]},
              {"membership": [0.52, 0.40, 0.08, 0.0], "guarantees": [0.0, 0.0, 0.0, 1.0]}]
    assert near_ties(scores, 0.15) == [1, 2]
    assert near_ties(scores, 0.10) == [1]
    assert near_ties(scores, 0.0) == []


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_int8_scores_its_near_ties_again_in_fp32(runtime):
    """Below the margin a sentence gets exactly the fp32 network's scores; above it, int8's
    own (which differ from fp32's by the quantisation)."""
    from stancewatch.models.classifier import DEFAULT_MODEL
    from stancewatch.models.interface import TOPICS
    from stancewatch.models.stance_model import FineTunedScorer

    texts = ["Peskov said NATO membership for Ukraine is out of the question.",
             "Starmer said Britain was prepared to consider troops, subject to a US backstop.",
             "Rutte said Ukraine's path to membership is irreversible, but declined a date."]
    int8 = FineTunedScorer(DEFAULT_MODEL, inference=InferenceOptions(
        device="cpu", precision="int8", runtime=runtime))
    fp32 = FineTunedScorer(DEFAULT_MODEL, inference=InferenceOptions(
        device="cpu", precision="fp32", runtime=runtime)).score(texts)

    def gap(scores: list[dict[str, list[float]]]) -> float:
        return max(abs(a - b) for got, want in zip(scores, fp32, strict=True) for topic in TOPICS
                   for a, b in zip(got[topic], want[topic], strict=True))

    int8.near_tie_margin = 0.0  # never rescored: int8's own scores
    assert gap(int8.score(texts)) > 1e-4
    int8.near_tie_margin = 1.01  # every sentence is a near tie
    assert gap(int8.score(texts)) < 1e-6


@pytest.mark.slow
@pytest.mark.parametrize("runtime", ["onnx", "torch"])
def test_an_int8_score_depends_on_the_sentence_alone(runtime):
    """Dynamic int8 takes one activation scale per call, so a sentence scored in a batch would
    get scores that depend on its neighbours; int8 reads one sentence per call, so scoring it
    alone, with others, or in another order gives the same numbers bit for bit."""
    from stancewatch.models.classifier import DEFAULT_MODEL
    from stancewatch.models.stance_model import FineTunedScorer

    texts = ["Peskov said NATO membership for Ukraine is out of the question.",
             "Starmer said Britain was prepared to consider troops, subject to a US backstop.",
             "NATO!!! " * 20 + "Kyiv's bid, the alliance's door, guarantees, troops, Article 5."]
    int8 = FineTunedScorer(DEFAULT_MODEL, batch_size=8, inference=InferenceOptions(
        device="cpu", precision="int8", runtime=runtime))
    int8.near_tie_margin = 0.0  # int8's own scores, never rescored in fp32
    alone = [int8.score([text])[0] for text in texts]
    assert int8.score(texts) == alone
    assert int8.score(texts[::-1]) == alone[::-1]


def test_the_onnx_path_tokenises_like_transformers():
    """FastTokenizer (tokenizers on the base's tokenizer.json) gives the ids and masks that
    transformers' tokenizer gives with the scorer's settings: padding, truncation at
    MAX_LENGTH, special tokens, unusual characters."""
    from pathlib import Path

    from transformers import AutoTokenizer

    from stancewatch.models.stance_model import (
        BUNDLED_BASE,
        MAX_LENGTH,
        FastTokenizer,
        resolve_base,
    )

    base = resolve_base(BUNDLED_BASE)
    texts = ["Peskov said NATO membership for Ukraine is out of the question.",
             "Orbán — Zelenskyy’s “plan” … 北約 ✓ ½",
             "Short.",
             " ".join(["Rutte said Ukraine's path to membership is irreversible."] * 30)]
    expected = AutoTokenizer.from_pretrained(base)(texts, padding=True, truncation=True,
                                                   max_length=MAX_LENGTH, return_tensors="np")
    ids, mask = FastTokenizer(Path(base) / "tokenizer.json")(texts)
    assert ids.shape == (len(texts), MAX_LENGTH)
    assert (ids == expected["input_ids"]).all() and (mask == expected["attention_mask"]).all()


@pytest.mark.slow
def test_the_default_cpu_path_classifies_without_loading_torch():
    """With the artefact's ONNX export cached, a process that classifies on the CPU default
    (ONNX int8, near ties in fp32) never imports torch or transformers: the cold start of
    `stancewatch classify` is what is left."""
    import subprocess
    import sys

    from stancewatch.models.classifier import load_classifier

    warm = load_classifier(inference=InferenceOptions(device="cpu"))  # exports if missing
    warm.scorer._encoder_scores(["x"], fp32=True)  # and the fp32 export for near ties
    script = (
        "import sys\n"
        "from stancewatch.models.classifier import load_classifier\n"
        "from stancewatch.models.inference import InferenceOptions\n"
        "c = load_classifier(inference=InferenceOptions(device='cpu'))\n"
        "c.scorer.near_tie_margin = 1.01  # every sentence rescored: the fp32 network too\n"
        "r = c.classify_texts(['Peskov said NATO membership for Ukraine is out of the question.'])\n"
        "print(r[0].membership.stance, sorted(m for m in ('torch', 'transformers') "
        "if m in sys.modules))\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=120, check=True)
    assert done.stdout.split() == ["against", "[]"], done.stdout + done.stderr


def test_the_int8_export_keeps_the_quantisers_advice_out_of_the_users_log(tmp_path, caplog):
    """onnxruntime's quantiser logs "consider pre-processing" on the root logger at every
    export: the first `classify` after an install printed it to the user's terminal."""
    import logging

    import torch
    from torch import nn

    from stancewatch.models.onnx_runtime import export_network

    class Tiny(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.embed, self.head = nn.Embedding(16, 8), nn.Linear(8, 8)

        def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
            pooled = (self.embed(input_ids) * attention_mask.unsqueeze(-1)).mean(1)
            return self.head(pooled).view(-1, 2, 4)

    with caplog.at_level(logging.INFO):
        export_network(Tiny(), tmp_path / "int8.onnx", "int8")
        logging.getLogger().warning("a warning of the user's own")
    assert (tmp_path / "int8.onnx").is_file()
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "a warning of the user's own"]  # the filter is gone after the export
