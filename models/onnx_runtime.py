"""The stance network on ONNX Runtime (CPU): exported once per artefact, cached.

On 2 CPU cores ONNX Runtime runs the same encoder in about half the CPU time of eager
torch (docs/benchmarks.md). The artefact stays small (the LoRA adapter): the merged fp32
network is exported to ONNX on first use and quantised if asked, into a cache folder keyed
by a digest of the artefact, the int8 recipe and the library versions, so a retrained
model or an upgrade gets a fresh export.

int8 is dynamic quantisation (int8 weights per output channel, activations quantised per
batch) of every encoder projection except the first layer's feed-forward output (its input
carries the activation outliers); that one and the heads stay fp32. Quantising it too moves
F_avg on the real development split by 0.026, past the model card's 0.01 rule; leaving it
in fp32 costs about 7 % of the speed (models/HISTORY.md).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import tempfile
import warnings
from importlib.metadata import version
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from torch import nn

CACHE_ENV = "STANCEWATCH_CACHE"
OPSET = 17
INT8_RECIPE = "encoder-but-layer0-ffn-output-per-channel-qint8"
# The one rule for which projections int8 quantises, by torch module name; ONNX nodes are
# matched through int8_node (both runtimes quantise the same layers).
INT8_MODULES = re.compile(r"\.attention\.(?:self\.(?:query|key|value)|output\.dense)$"
                          r"|\.intermediate\.dense$|\.layer\.(?!0\.)\d+\.output\.dense$")


def int8_node(name: str) -> bool:
    """Whether an exported MatMul node ("/encoder/encoder/layer.1/intermediate/dense/MatMul")
    belongs to a module INT8_MODULES names."""
    module = name.removesuffix("/MatMul")
    return module != name and bool(INT8_MODULES.search(module.replace("/", ".")))


def cache_dir() -> Path:
    """$STANCEWATCH_CACHE, else $XDG_CACHE_HOME/stancewatch, else ~/.cache/stancewatch."""
    if os.environ.get(CACHE_ENV):
        return Path(os.environ[CACHE_ENV])
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "stancewatch"


MEASUREMENTS_FILE = "metrics.json"  # written by `make eval`: says nothing about the network


def artefact_digest(folder: Path, base_path: str, precision: str) -> str:
    """What the exported file depends on: the artefact's files, the base weights' config,
    the precision and the exporting libraries."""
    digest = hashlib.sha256()
    for file in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix in
                       (".json", ".safetensors") and p.name != MEASUREMENTS_FILE):
        digest.update(file.name.encode())
        digest.update(file.read_bytes())
    config = Path(base_path) / "config.json"
    digest.update(config.read_bytes() if config.is_file() else base_path.encode())
    recipe = INT8_RECIPE if precision == "int8" else ""
    digest.update(f"{precision}|{recipe}|{version('torch')}|{version('onnxruntime')}|"
                  f"{OPSET}".encode())  # versions from metadata: no torch import to read one
    return digest.hexdigest()[:16]


def _no_preprocessing_advice(record: logging.LogRecord) -> bool:
    return "pre-processing before quantization" not in record.getMessage()


def export_network(network: nn.Module, target: Path, precision: str) -> None:
    """Export (TorchScript exporter: no extra dependency) with dynamic batch and length;
    for int8, quantise the projections INT8_MODULES names dynamically (INT8_RECIPE)."""
    import onnx
    import torch
    from onnxruntime.quantization import QuantType, quantize_dynamic

    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent, prefix=".export-") as folder:
        fp32_path = Path(folder) / "fp32.onnx"
        example = (torch.ones(2, 8, dtype=torch.long), torch.ones(2, 8, dtype=torch.long))
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                network, example, str(fp32_path), input_names=["input_ids", "attention_mask"],
                output_names=["logits"], opset_version=OPSET, dynamo=False,
                dynamic_axes={"input_ids": {0: "batch", 1: "tokens"},
                              "attention_mask": {0: "batch", 1: "tokens"},
                              "logits": {0: "batch"}})
        result = fp32_path
        if precision == "int8":
            result = Path(folder) / "int8.onnx"
            nodes = [node.name for node in onnx.load(str(fp32_path)).graph.node
                     if int8_node(node.name)]
            root = logging.getLogger()  # the quantiser advises pre-processing there, on
            root.addFilter(_no_preprocessing_advice)  # every export: not the user's concern
            try:
                quantize_dynamic(str(fp32_path), str(result), weight_type=QuantType.QInt8,
                                 per_channel=True, nodes_to_quantize=nodes)
            finally:
                root.removeFilter(_no_preprocessing_advice)
        os.replace(result, target)  # atomic: a concurrent process sees all or nothing


class OnnxNetwork:
    """Callable like StanceNetwork on numpy inputs: logits (batch × topic × label)."""

    def __init__(self, path: Path, threads: int) -> None:
        import onnxruntime

        self.threads = threads  # 0: one per core
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = threads or (os.cpu_count() or 1)
        options.inter_op_num_threads = 1
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = onnxruntime.InferenceSession(str(path), options,
                                                    providers=["CPUExecutionProvider"])

    def __call__(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"input_ids": input_ids.astype(np.int64),
                                       "attention_mask": attention_mask.astype(np.int64)})[0]


def onnx_network(network_factory, folder: Path, base_path: str, precision: str,
                 threads: int) -> OnnxNetwork:
    """The cached export for this artefact and precision, made now if missing."""
    path = cache_dir() / "onnx" / f"{artefact_digest(folder, base_path, precision)}.onnx"
    if not path.is_file():
        try:
            export_network(network_factory(), path, precision)
        except OSError:  # cache folder not writable: export next to a temporary file
            path = Path(tempfile.mkdtemp(prefix="stancewatch-onnx-")) / "network.onnx"
            export_network(network_factory(), path, precision)
    return OnnxNetwork(path, threads)
