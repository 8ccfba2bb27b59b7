"""Combine trained artefacts (seeds of one recipe) into one ensemble artefact: `make train`
(python -m tools.ensemble --output FOLDER MEMBER...).

Each member keeps its own folder (adapter, heads, its own metadata) inside the ensemble,
so it still loads alone (`--model <ensemble>/seed-13`: one encoder, twice the speed,
uncalibrated); the ensemble's network returns the mean of the members' probabilities
(models/networks.py, EnsembleNetwork). Members must share the base model, topics,
labels and training data. The ensemble is written uncalibrated (run tools.calibrate next)
with its own development-split report; the folder is replaced as a whole.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path

from stancewatch.errors import UserError
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.metrics import topic_report
from stancewatch.models.stance_model import MEMBERS_KEY, META_FILE
from tools.calibrate import dev_log_probabilities
from tools.dataset import real_splits
from tools.train import ARTEFACT_NAME

SHARED = ("base_model", "topics", "labels")
TRAIN_LOG = "train-log.txt"


class EnsembleError(UserError):
    """The members cannot form one ensemble."""


def _member_name(meta: dict) -> str:
    return f"seed-{meta['recipe']['seed']}"


def ensemble_meta(members: list[dict]) -> dict[str, object]:
    """The ensemble's metadata (before its dev report): shared fields, members, version."""
    if len(members) < 2:
        raise EnsembleError("an ensemble needs at least two members")
    for field in SHARED:
        if len({json.dumps(m[field]) for m in members}) > 1:
            raise EnsembleError(f"members differ in {field}: they cannot form one ensemble")
    if any("calibration" in m or MEMBERS_KEY in m for m in members):
        raise EnsembleError("members must be uncalibrated single models (calibrate the ensemble)")
    digests = {m["model_version"].rsplit("-", 1)[1] for m in members}
    if len(digests) > 1:
        raise EnsembleError(f"members were trained on different data ({', '.join(sorted(digests))})")
    names = [_member_name(m) for m in members]
    if len(set(names)) < len(names):
        raise EnsembleError(f"two members share a seed ({', '.join(names)})")
    recipe = members[0]["recipe"]
    seeds = "+".join(str(m["recipe"]["seed"]) for m in members)
    version = (f"{ARTEFACT_NAME}-ens{len(members)}-r{recipe['lora_rank']}-s{seeds}"
               f"-w{recipe['class_weights']}-{digests.pop()}")
    return {**{field: members[0][field] for field in SHARED}, "model_version": version,
            MEMBERS_KEY: names, "recipe": {"ensemble": "mean of the members' probabilities",
                                           "members": {n: m["recipe"] for n, m in
                                                       zip(names, members, strict=True)}}}


def build_ensemble(member_folders: list[Path], output: Path) -> dict[str, object]:
    members = [json.loads((folder / META_FILE).read_text()) for folder in member_folders]
    meta = ensemble_meta(members)
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=output.parent, prefix=f".{output.name}-"))
    try:
        for folder, name, member in zip(member_folders, meta[MEMBERS_KEY], members, strict=True):
            shutil.copytree(folder / "adapter", staging / name / "adapter")
            shutil.copy2(folder / "heads.safetensors", staging / name / "heads.safetensors")
            if (folder / TRAIN_LOG).is_file():  # the member's training output, if kept
                shutil.copy2(folder / TRAIN_LOG, staging / name / TRAIN_LOG)
            (staging / name / META_FILE).write_text(json.dumps(member, indent=2, sort_keys=True)
                                                    + "\n")
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        rows = real_splits()["dev"]
        log_probabilities = dev_log_probabilities(staging, rows)
        meta["dev"] = {topic: topic_report([row.label(topic) for row in rows],
                                           [LABELS[i] for i in log_probabilities[topic].argmax(1)])
                       for topic in TOPICS}
        (staging / META_FILE).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        if output.exists():
            shutil.rmtree(output)
        staging.rename(output)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return meta


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("members", type=Path, nargs="+", help="trained artefact folders")
    args = parser.parse_args()
    meta = build_ensemble(args.members, args.output)
    dev = meta["dev"]
    print(json.dumps({"model_version": meta["model_version"],
                      "dev_f_avg": {t: dev[t]["f_avg"] for t in TOPICS}}, indent=2))


if __name__ == "__main__":
    main()
