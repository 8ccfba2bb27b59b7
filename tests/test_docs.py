"""The README's generated parts (CLI synopsis, settings and alert-key tables) match the code."""

from __future__ import annotations

from tools.docs import README, render


def test_readme_generated_parts_are_current():
    text = README.read_text(encoding="utf-8")
    assert render(text) == text, "README.md is out of date: run `python -m tools.docs`"


def test_every_command_is_in_the_synopsis():
    text = README.read_text(encoding="utf-8")
    for command in ("run", "backfill", "serve", "classify", "report", "alerts"):
        assert f"stancewatch {command} " in text
