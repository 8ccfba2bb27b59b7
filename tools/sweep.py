"""Recipe sweep on the real corpus, prepared for a GPU: `python -m tools.sweep --output DIR`.

Trains every recipe of tools/sweep.toml with each of its seeds, in the file's order, and
scores on the real development split (never the test split):

* each member, through the scorer the pipeline uses (fp32, typography mapped);
* each recipe's ensemble, the mean of its members' probabilities (what `make train`
  installs, before the word model and the calibration);
* each ensemble against the first recipe's (the installed recipe, trained on the same
  machine), with a 95 % interval paired over sites: a difference whose interval holds 0 is
  no evidence either way (models/README.md: dev cannot resolve steps of 0.01–0.02).

`DIR/sweep.json` is rewritten after every member, so a run stopped at its time limit keeps
what it finished. With `--budget-seconds`, no member is started that would not finish
inside the budget at the pace of the members so far; the recipes left are listed as not
run. The members of the recipe whose ensemble scores best are written as one tar file each
(`DIR/RECIPE-seed-N.tar`; the device tool brings back 8 files of at most 16 MiB). To read
them against the installed model on the CPU, the chain of `make train`:

    tar -xf DIR/RECIPE-seed-13.tar -C build/members   # and seed 14
    python -m tools.ensemble --output build/candidate build/members/RECIPE-seed-13 …
    python -m tools.lexical --model build/candidate
    python -m tools.calibrate --model build/candidate   # prints the cross-fitted dev figure
    python -m tools.evaluate --model build/candidate --no-write

On a machine without the project installed (the GPU image), carry the bundle of
`make gpu-bundle` as `build/gpu` (tools/standalone.py). Before spending device time, a
smoke run here checks the whole script in a minute: `--train-rows 64 --epochs 1`.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import io
import json
import re
import shutil
import sys
import tarfile
import tempfile
import time
import tomllib
from pathlib import Path
from typing import TextIO

from tools import standalone
from tools.recipe import DEFAULT, Recipe

GRID = Path(__file__).with_name("sweep.toml")
RETURNED_FILE_LIMIT = 16 * 2**20  # what the device tool brings back, per file
NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


class SweepGridError(ValueError):
    """tools/sweep.toml (or the grid given) is not a list of recipes the sweep can train."""


def load_grid(path: Path) -> tuple[list[int], list[tuple[str, Recipe]]]:
    """(seeds, [(name, recipe)]) from a sweep file; every mistake is named with the recipe it
    is in. A field left out is make train's (tools/recipe.py)."""
    try:
        grid = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise SweepGridError(f"{path}: {exc}") from None
    seeds = grid.get("seeds")
    if not isinstance(seeds, list) or not seeds or not all(type(s) is int for s in seeds) \
            or len(set(seeds)) < len(seeds):
        raise SweepGridError(f"{path}: seeds must be a list of distinct integers")
    fields = [f.name for f in dataclasses.fields(Recipe)]
    recipes: list[tuple[str, Recipe]] = []
    for number, entry in enumerate(grid.get("recipe", []), start=1):
        where = f"{path}: recipe {number} ({entry.get('name', 'no name')!r})"
        unknown = sorted(set(entry) - set(fields) - {"name"})
        if unknown:
            raise SweepGridError(f"{where}: unknown field(s) {', '.join(unknown)}; "
                                 f"known: {', '.join(fields)}")
        if not isinstance(entry.get("name"), str) or not NAME.fullmatch(entry["name"]):
            raise SweepGridError(f"{where}: name must be letters, digits, '.', '_' or '-' "
                                 "(it names files)")
        values = {key: value for key, value in entry.items() if key != "name"}
        if isinstance(values.get("exclude_slices"), list):
            if not all(isinstance(prefix, str) for prefix in values["exclude_slices"]):
                raise SweepGridError(f"{where}: exclude_slices must be a list of file prefixes")
            values["exclude_slices"] = tuple(values["exclude_slices"])
        for key, value in values.items():
            expected = type(getattr(DEFAULT, key))
            integer_rate = expected is float and type(value) is int
            if not integer_rate and (not isinstance(value, expected) or isinstance(value, bool)):
                kind = "a list" if expected is tuple else expected.__name__
                raise SweepGridError(f"{where}: {key} must be {kind}")
        recipes.append((entry["name"], Recipe(**values)))
    if not recipes:
        raise SweepGridError(f"{path}: no [[recipe]]")
    names = [name for name, _ in recipes]
    if len(set(names)) < len(names):
        raise SweepGridError(f"{path}: two recipes share a name")
    return seeds, recipes


def labels_of(probabilities: list[dict[str, object]]) -> dict[str, list[str]]:
    """The argmax labels of the mean of the members' probabilities (EnsembleNetwork)."""
    import numpy as np

    from stancewatch.models.interface import LABELS

    return {topic: [LABELS[i] for i in np.mean([p[topic] for p in probabilities], axis=0)
                    .argmax(-1).tolist()]
            for topic in probabilities[0]}


def dev_figures(gold: dict[str, list[str]], predicted: dict[str, list[str]]) -> dict[str, float]:
    from stancewatch.models.metrics import topic_report

    figures = {topic: float(topic_report(gold[topic], predicted[topic])["f_avg"])  # type: ignore[arg-type]
               for topic in gold}
    figures["mean"] = sum(figures.values()) / len(gold)
    return {key: round(value, 4) for key, value in figures.items()}


class Tee(io.TextIOBase):
    """Writes to several text streams at once: a member's training output goes to the run's
    output and to its own train-log.txt (tools/ensemble.py keeps it in the artefact)."""

    def __init__(self, *streams: TextIO) -> None:
        self.streams = streams

    def write(self, text: str) -> int:
        for stream in self.streams:
            stream.write(text)
        return len(text)

    def flush(self) -> None:
        for stream in self.streams:
            stream.flush()


def fits_in_budget(elapsed: float, epoch_seconds: list[float], epochs: int,
                   budget_seconds: float | None) -> bool:
    """Whether a member of `epochs` epochs, at the slowest pace per epoch seen so far, ends
    inside the budget. The first member always runs: there is no pace to judge it by."""
    if budget_seconds is None or not epoch_seconds:
        return True
    return elapsed + max(epoch_seconds) * epochs <= budget_seconds


def sweep(grid: tuple[list[int], list[tuple[str, Recipe]]], output: Path, work: Path,
          device: str, budget_seconds: float | None = None, epochs: int | None = None,
          train_rows: int | None = None) -> dict[str, object]:
    """Run the grid `load_grid` read (seeds, named recipes); see the module's doc."""
    from stancewatch.models.metrics import f_avg_difference
    from tools.calibrate import uncalibrated_probabilities
    from tools.dataset import real_splits
    from tools.ensemble import TRAIN_LOG
    from tools.train import train

    seeds, recipes = grid
    if epochs is not None:
        recipes = [(name, dataclasses.replace(r, epochs=epochs)) for name, r in recipes]
    dev = real_splits()["dev"]
    gold = {topic: [row.label(topic) for row in dev] for topic in dev[0].labels}
    clusters = [row.site for row in dev]
    output.mkdir(parents=True, exist_ok=True)
    started = time.time()
    report: dict[str, object] = {"device": device, "seeds": seeds, "dev_rows": len(dev),
                                 "budget_seconds": budget_seconds, "recipes": []}
    results: list[dict[str, object]] = report["recipes"]  # type: ignore[assignment]
    probabilities: dict[str, list[dict[str, object]]] = {}
    epoch_seconds: list[float] = []  # per epoch of each member so far, scoring included
    for name, recipe in recipes:
        entry: dict[str, object] = {"name": name, "recipe": dataclasses.asdict(recipe), "members": [],
                                    "status": "not run"}
        results.append(entry)
        for seed in seeds:
            if not fits_in_budget(time.time() - started, epoch_seconds, recipe.epochs,
                                  budget_seconds):
                entry["status"] = "not run: budget" if not entry["members"] else "partial: budget"
                break
            begun = time.time()
            folder = work / f"{name}-seed-{seed}"
            folder.mkdir(parents=True, exist_ok=True)
            with (folder / TRAIN_LOG).open("w", encoding="utf-8") as log, \
                    contextlib.redirect_stdout(Tee(sys.stdout, log)):  # kept with the member
                meta = train(seed, recipe.epochs, recipe.batch_size, recipe.learning_rate,
                             recipe.rank, recipe.alpha, recipe.dropout, device, folder,
                             recipe.data, recipe.class_weights,
                             exclude_slices=recipe.exclude_slices, max_train_rows=train_rows)
            member = uncalibrated_probabilities(folder, [row.text for row in dev], device)
            probabilities.setdefault(name, []).append(member)
            seconds = time.time() - begun
            epoch_seconds.append(seconds / recipe.epochs)
            entry["members"].append({  # type: ignore[attr-defined]
                "seed": seed, "folder": folder.name,
                "best_epoch": meta["recipe"]["best_epoch"],  # type: ignore[index]
                "dev": dev_figures(gold, labels_of([member])), "seconds": round(seconds, 1)})
            entry["status"] = "done" if len(entry["members"]) == len(seeds) else "partial"  # type: ignore[arg-type]
            predicted = labels_of(probabilities[name])
            entry["ensemble_dev"] = dev_figures(gold, predicted)
            first = recipes[0][0]
            if name != first and first in probabilities:
                entry["against_first"] = f_avg_difference(
                    gold, predicted, labels_of(probabilities[first]), clusters).as_json()
            (output / "sweep.json").write_text(json.dumps(report, indent=1) + "\n")
            print("SWEEP", json.dumps({"recipe": name, **entry["members"][-1],  # type: ignore[index]
                                       "ensemble_dev": entry["ensemble_dev"]}), flush=True)
    report["seconds"] = round(time.time() - started, 1)
    finished = [e for e in results if e.get("ensemble_dev")]
    if finished:
        best = max(finished, key=lambda e: e["ensemble_dev"]["mean"])  # type: ignore[index]
        report["best"] = best["name"]
        report["returned"] = [_tar(work / m["folder"], output)  # type: ignore[index]
                              for m in best["members"]]  # type: ignore[attr-defined]
    (output / "sweep.json").write_text(json.dumps(report, indent=1) + "\n")
    return report


def _tar(folder: Path, output: Path) -> str:
    target = output / f"{folder.name}.tar"
    with tarfile.open(target, "w") as archive:
        archive.add(folder, arcname=folder.name)
    if target.stat().st_size > RETURNED_FILE_LIMIT:
        print(f"sweep: {target.name} is {target.stat().st_size / 2**20:.1f} MiB, over the "
              f"{RETURNED_FILE_LIMIT // 2**20} MiB a device run brings back", file=sys.stderr)
    return target.name


def summary(report: dict[str, object]) -> str:
    """One line per recipe: its members' and its ensemble's dev F_avg, and the paired
    difference against the first recipe."""
    lines = [f"{'recipe':<22} {'members (dev mean F_avg)':<28} {'ensemble':>8}  against the first"]
    for entry in report["recipes"]:  # type: ignore[attr-defined]
        members = " ".join(f"{m['dev']['mean']:.3f}" for m in entry["members"]) or "-"
        ensemble = entry.get("ensemble_dev", {}).get("mean")
        against = entry.get("against_first")
        lines.append(
            f"{entry['name']:<22} {members:<28} "
            f"{f'{ensemble:.3f}' if ensemble is not None else '-':>8}  "
            + (f"{against['estimate']:+.3f} [{against['low']:+.3f}, {against['high']:+.3f}]"
               if against else "") + ("" if entry["status"] == "done" else f"  ({entry['status']})"))
    if "best" in report:
        lines.append(f"best ensemble on dev: {report['best']}; members returned: "
                     f"{', '.join(report['returned'])}")  # type: ignore[arg-type]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--grid", type=Path, default=GRID)
    parser.add_argument("--output", type=Path, required=True,
                        help="sweep.json and the best recipe's members, one tar each")
    parser.add_argument("--work", type=Path, help="where members are trained (default: a "
                        "temporary folder, removed at the end)")
    parser.add_argument("--device", help="default: cuda when torch sees a GPU, else cpu")
    parser.add_argument("--budget-seconds", type=float,
                        help="start no member that would end after this many seconds")
    parser.add_argument("--epochs", type=int, help="override every recipe's epochs (smoke runs)")
    parser.add_argument("--train-rows", type=int, help="train on the first N rows (smoke runs)")
    parser.add_argument("--threads", type=int, default=2, help="CPU threads (CPU runs)")
    args = parser.parse_args()
    standalone.prepare()
    import torch

    torch.set_num_threads(args.threads)
    device = args.device or ("cuda" if torch.cuda.is_available() else "cpu")
    try:
        grid = load_grid(args.grid)
    except SweepGridError as exc:
        print(f"sweep: {exc}", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.mkdtemp(prefix="sweep-"))
    try:
        report = sweep(grid, args.output, work, device, args.budget_seconds, args.epochs,
                       args.train_rows)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print(summary(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
