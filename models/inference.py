"""Where and how the classifier runs: device, numeric precision, threads, batch sizes.

Pure decisions (testable without a GPU); the scorer (models/stance_model.py) applies them.
`auto` means: CUDA when torch sees a GPU, else the CPU; on the CPU ONNX Runtime with
int8 dynamic quantisation (near ties scored again in fp32: models/stance_model.py), on CUDA
torch in fp16. Both defaults are held to the accuracy
rule of the model card (F_avg within 0.01 of fp32 on the held-out sets; measured by
`python -m tools.bench_model --accuracy`, CPU and GPU alike).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass

from stancewatch.errors import UserError

DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "int8", "fp16", "bf16")
RUNTIMES = ("auto", "onnx", "torch")
AUTO_PRECISION = {"cpu": "int8", "cuda": "fp16"}
ONNX_PRECISIONS = ("fp32", "int8")
# sentences per forward pass: the CPU gains nothing past ~32 (and pads more); a GPU wants
# enough rows to fill it (MiniLM-L6 at ≤128 tokens: 512 rows are a few hundred MB)
BATCH_SIZE = {"cpu": 32, "cuda": 512}

__all__ = ["DEVICES", "PRECISIONS", "RUNTIMES", "InferenceError", "InferenceOptions", "resolve"]


class InferenceError(UserError, ValueError):
    """A device/precision combination that cannot run here (one line for the user)."""


@dataclass(frozen=True)
class InferenceOptions:
    """As configured (settings `device`, `precision`, `classify_threads`, `runtime`)."""

    device: str = "auto"
    precision: str = "auto"
    threads: int = 0  # 0: one per core
    runtime: str = "auto"


@dataclass(frozen=True)
class ResolvedInference:
    """As it will run."""

    device: str  # cpu | cuda
    precision: str  # fp32 | int8 | fp16 | bf16
    batch_size: int
    threads: int
    runtime: str = "torch"  # torch | onnx

    @property
    def label(self) -> str:
        return f"{self.device}/{self.runtime}/{self.precision}"


GPU_DEVICE_FILES = ("/dev/nvidiactl", "/dev/dxg", "/dev/kfd")  # NVIDIA, WSL, ROCm


def cuda_available() -> bool:
    """Whether torch sees a GPU. Without any GPU device file (and torch not yet loaded)
    the answer is no without importing torch: the CPU default path never needs it."""
    if "torch" not in sys.modules and not any(os.path.exists(p) for p in GPU_DEVICE_FILES):
        return False
    import torch

    return bool(torch.cuda.is_available())


def onnx_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("onnxruntime") is not None


def resolve(options: InferenceOptions, has_cuda: bool | None = None,
            has_onnx: bool | None = None) -> ResolvedInference:
    """Settle `auto`, refuse what cannot run (CUDA without a GPU, int8 on CUDA, ONNX
    Runtime on CUDA or in half precision)."""
    if options.runtime not in RUNTIMES:
        raise InferenceError(f"runtime must be one of {', '.join(RUNTIMES)}, "
                             f"not {options.runtime!r}")
    if options.device not in DEVICES:
        raise InferenceError(f"device must be one of {', '.join(DEVICES)}, not {options.device!r}")
    if options.precision not in PRECISIONS:
        raise InferenceError(f"precision must be one of {', '.join(PRECISIONS)}, "
                             f"not {options.precision!r}")
    if has_cuda is None:
        has_cuda = options.device != "cpu" and cuda_available()  # torch imported only then
    device = options.device
    if device == "auto":
        device = "cuda" if has_cuda else "cpu"
    elif device == "cuda" and not has_cuda:
        raise InferenceError("device = cuda, but torch sees no CUDA GPU (is the CUDA build of "
                             "torch installed?); use device = auto or cpu")
    precision = AUTO_PRECISION[device] if options.precision == "auto" else options.precision
    if precision == "int8" and device != "cpu":
        raise InferenceError("precision = int8 runs on the CPU only (dynamic quantisation); "
                             "use fp16, bf16 or fp32 on CUDA")
    runtime = options.runtime
    if runtime == "auto":
        usable = onnx_available() if has_onnx is None else has_onnx
        runtime = "onnx" if device == "cpu" and precision in ONNX_PRECISIONS and usable \
            else "torch"
    elif runtime == "onnx" and (device != "cpu" or precision not in ONNX_PRECISIONS):
        raise InferenceError("runtime = onnx runs fp32 or int8 on the CPU; use runtime = torch "
                             f"for {device}/{precision}")
    return ResolvedInference(device, precision, BATCH_SIZE[device], max(0, options.threads),
                             runtime)
