"""The stance network in torch: MiniLM encoder with LoRA merged in, one 4-way head per topic.

One forward pass per sentence serves both topics. Artefacts hold only the LoRA adapter
(peft format) and the heads; at load time the adapter is merged into the base weights by
hand, so inference needs neither peft nor any extra matmuls. An ensemble artefact
(tools/ensemble.py) holds several members, one folder each, named in its metadata's
"members"; its network returns the mean of the members' probabilities (as
log-probabilities, plus the calibration offsets), so every runtime treats it like one
network.

Training, export and the torch runtime import this module; the default CPU path (ONNX
Runtime on a cached export, models/stance_model.py) never does, so a `stancewatch
classify` process starts without loading torch or transformers.
"""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Sequence
from pathlib import Path

import torch
from safetensors.torch import load_file, save_file
from torch import nn
from transformers.utils import logging as transformers_logging

from stancewatch.errors import UserError
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.stance_model import MEMBERS_KEY, META_FILE

transformers_logging.disable_progress_bar()
transformers_logging.set_verbosity_error()


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


def merged_network(folder: Path, meta: dict, base: str) -> nn.Module:
    """The artefact's network: the base encoder with the adapter merged in and the heads
    loaded, fp32, eval; for an ensemble, one such network per member (the base is read
    once) inside an EnsembleNetwork with the calibration offsets."""
    from transformers import AutoModel

    members = meta.get(MEMBERS_KEY) or []
    for name in members:
        if Path(name).name != name or name in (".", "..") or not (folder / name).is_dir():
            raise ArtefactMembersError(f"{folder}: ensemble member {name!r} is not a "
                                       "folder of the artefact")
    # fp32 whatever the base file holds (transformers 5 would keep an fp16 copy's dtype)
    encoder = AutoModel.from_pretrained(base, add_pooling_layer=False, dtype=torch.float32)
    if not members:
        return _member_network(encoder, folder)
    networks = [_member_network(copy.deepcopy(encoder), folder / name) for name in members]
    return EnsembleNetwork(networks, calibration_offsets(meta)).eval()


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
