"""The recipe sweep prepared for a GPU (tools/sweep.py) and the way it runs where the
project is not installed (tools/standalone.py)."""

import dataclasses
import json
import re
import subprocess
import sys
import tarfile

import numpy as np
import pytest

from stancewatch.models.interface import LABELS
from tools.recipe import DEFAULT
from tools.standalone import ROOT
from tools.sweep import GRID, SweepGridError, fits_in_budget, labels_of, load_grid, sweep


def test_the_grid_starts_with_the_recipe_make_train_installs():
    """The first recipe is the baseline every other is read against: it must be make
    train's (tools/recipe.py's defaults, which tools/train.py takes, and the Makefile's
    EXCLUDE_SLICES)."""
    seeds, recipes = load_grid(GRID)
    makefile = (ROOT / "Makefile").read_text()
    assert seeds == [int(s) for s in re.search(r"^SEEDS \?= (.+)$", makefile, re.M)[1].split()]
    excluded = tuple(re.search(r"^EXCLUDE_SLICES \?= (.+)$", makefile, re.M)[1].split())
    assert recipes[0][1] == dataclasses.replace(DEFAULT, exclude_slices=excluded)
    assert len({name for name, _ in recipes}) == len(recipes) > 1


@pytest.mark.parametrize(("text", "message"), [
    ("seeds = [13]\n[[recipe]]\nname = 'a'\nrnak = 16\n", "unknown field(s) rnak"),
    ("seeds = [13]\n[[recipe]]\nname = '../a'\n", "name must be"),
    ("seeds = [13]\n[[recipe]]\nname = 'a'\nrank = '16'\n", "rank must be int"),
    ("seeds = [13]\n[[recipe]]\nname = 'a'\nepochs = true\n", "epochs must be int"),
    ("seeds = [13]\n[[recipe]]\nname = 'a'\nexclude_slices = 'r4'\n", "exclude_slices must be a list"),
    ("seeds = [13]\n[[recipe]]\nname = 'a'\nexclude_slices = ['r4', 5]\n", "list of file prefixes"),
    ("seeds = [13]\n[[recipe]]\nname = 'a'\n[[recipe]]\nname = 'a'\n", "share a name"),
    ("seeds = [13, 13]\n[[recipe]]\nname = 'a'\n", "distinct integers"),
    ("seeds = [13]\n", "no [[recipe]]"),
    ("seeds = [13\n", "sweep.toml"),
])
def test_a_grid_mistake_is_named(tmp_path, text, message):
    grid = tmp_path / "sweep.toml"
    grid.write_text(text)
    with pytest.raises(SweepGridError, match=re.escape(message)):
        load_grid(grid)


def test_an_integer_learning_rate_is_read_as_a_float(tmp_path):
    grid = tmp_path / "sweep.toml"
    grid.write_text("seeds = [1]\n[[recipe]]\nname = 'a'\nlearning_rate = 1\n")
    assert load_grid(grid)[1][0][1].learning_rate == 1


def test_the_ensemble_label_is_the_argmax_of_the_mean_probability():
    sure = {"membership": np.array([[0.9, 0.05, 0.03, 0.02]])}
    torn = {"membership": np.array([[0.0, 0.5, 0.1, 0.4]])}
    assert labels_of([sure, torn]) == {"membership": [LABELS[0]]}  # 0.45 against 0.275
    assert labels_of([torn]) == {"membership": [LABELS[1]]}


def test_no_member_starts_that_would_end_past_the_budget():
    assert fits_in_budget(0.0, [], 8, 1.0)  # the first member: no pace yet
    assert fits_in_budget(100.0, [10.0, 12.0], 8, 196.0)  # 100 + 8 × 12
    assert not fits_in_budget(100.0, [10.0, 12.0], 8, 195.0)
    assert fits_in_budget(1e6, [10.0], 8, None)


def test_tools_run_from_the_repository_where_stancewatch_is_not_installed():
    """On the GPU image the package is absent: prepare() maps the repository's folders."""
    script = ("import sys; sys.modules['stancewatch'] = None\n"  # as if not installed
              "from tools import standalone\n"
              "assert standalone.prepare()\n"
              "import stancewatch.models.interface as m, stancewatch.extractors.sentences as s\n"
              "print(m.__file__); print(s.__file__)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == [str(ROOT / "models" / "interface.py"), str(ROOT / "extractors" / "sentences.py")]


@pytest.mark.slow
def test_a_smoke_sweep_trains_scores_and_returns_the_best_members(tmp_path):
    """Two one-epoch recipes on 32 rows, the real model code on the CPU: what the device
    run does, at a size that checks the script before device time is spent on it."""
    grid = tmp_path / "sweep.toml"
    grid.write_text("seeds = [13]\n[[recipe]]\nname = 'base'\n"
                    "[[recipe]]\nname = 'wide'\nrank = 4\nalpha = 8\nlearning_rate = 3e-3\n")
    output = tmp_path / "out"
    report = sweep(load_grid(grid), output, tmp_path / "work", "cpu", epochs=1, train_rows=32)

    written = json.loads((output / "sweep.json").read_text())
    assert written == json.loads(json.dumps(report))
    base, wide = written["recipes"]
    assert [base["status"], wide["status"]] == ["done", "done"]
    assert wide["recipe"]["rank"] == 4 and wide["recipe"]["epochs"] == 1
    for entry in (base, wide):
        assert entry["members"][0]["seed"] == 13
        assert 0 <= entry["ensemble_dev"]["mean"] <= 1
    assert "against_first" not in base
    assert wide["against_first"]["low"] <= wide["against_first"]["estimate"] <= wide["against_first"]["high"]
    best = max((base, wide), key=lambda e: e["ensemble_dev"]["mean"])
    assert written["best"] == best["name"]
    assert written["returned"] == [f"{written['best']}-seed-13.tar"]
    with tarfile.open(output / written["returned"][0]) as archive:
        archive.extractall(tmp_path / "back", filter="data")
    member = tmp_path / "back" / f"{written['best']}-seed-13"
    assert json.loads((member / "stancewatch.json").read_text())["recipe"]["seed"] == 13
    assert (member / "heads.safetensors").is_file()
    assert "epoch  1 loss" in (member / "train-log.txt").read_text()  # its training output
    from tools.calibrate import uncalibrated_probabilities

    scored = uncalibrated_probabilities(member, ["Peskov said guarantees are premature."], "cpu")
    assert all(p.shape == (1, len(LABELS)) and abs(p.sum() - 1) < 1e-5 for p in scored.values())
