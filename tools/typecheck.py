"""mypy over the installed package's layout: `make lint` and the pre-commit hook run this.

    python -m tools.typecheck [MYPY OPTIONS]

The package `stancewatch` keeps its subpackages in top-level folders (pyproject.toml's
`package-dir`: flows/ is `stancewatch.flows`, …), and the editable install finds them with an
import hook that mypy cannot follow. So this builds build/typecheck/stancewatch/ as links to
the real folders, runs `mypy -p stancewatch` on it (settings from [tool.mypy] in
pyproject.toml) and reports paths as they are in the repository. Exit status: mypy's.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TREE = ROOT / "build" / "typecheck"


def link_tree() -> Path:
    """build/typecheck/stancewatch/… as symbolic links into the repository."""
    package_dirs = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))[
        "tool"]["setuptools"]["package-dir"]
    shutil.rmtree(TREE, ignore_errors=True)
    top = TREE / "stancewatch"
    top.mkdir(parents=True)
    for entry in (ROOT / package_dirs["stancewatch"]).iterdir():
        if entry.suffix in (".py", ".typed"):
            (top / entry.name).symlink_to(entry)
    for package, folder in package_dirs.items():
        if package != "stancewatch":
            (TREE / package.replace(".", "/")).symlink_to(ROOT / folder, target_is_directory=True)
    return TREE


def _repository_path(line: str, tree: Path) -> str:
    """build/typecheck/stancewatch/flows/cli.py → flows/cli.py (and stancewatch/… as is)."""
    for linked in (f"{tree}/stancewatch/", f"{tree.relative_to(ROOT)}/stancewatch/"):
        for name in ("flows", "extractors", "models", "warehouse"):
            line = line.replace(f"{linked}{name}/", f"{name}/")
        line = line.replace(linked, "stancewatch/")
    return line


def main(argv: list[str]) -> int:
    tree = link_tree()
    environment = {**os.environ, "MYPYPATH": str(tree)}
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml"),
         "-p", "stancewatch", *argv], cwd=ROOT, env=environment, capture_output=True, text=True)
    for stream, text in ((sys.stdout, done.stdout), (sys.stderr, done.stderr)):
        for line in text.splitlines():
            print(_repository_path(line, tree), file=stream)
    return done.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
