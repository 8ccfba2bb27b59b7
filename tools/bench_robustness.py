"""How the stance model holds up when the same sentences are typed another way:
`make bench-robustness` (python -m tools.bench_robustness [--split dev] [--model PATH]).

Real copy from outlets the corpus writers did not imitate spells the same words in other
marks: typeset quotes and apostrophes, guillemets, soft hyphens and no-break spaces from web
pages, other transliterations. Each variant below rewrites every sentence of a real-coverage
split (the development split by default: it is the one models are chosen on) and the model
classifies it the way `stancewatch classify` does (the default runtime and precision, or
`--variant torch/fp32`, the reference the model card's figures use); the
table gives F_avg per topic, the change from the sentences as written, and how many
sentences got another label on either topic. The typographic variants and the other
spellings of names are what models/typography.py maps back; a missing full stop is not
mapped and shows what remains.
"""

from __future__ import annotations

import argparse
import re
from collections.abc import Callable
from pathlib import Path

from stancewatch.models.classifier import DEFAULT_MODEL, load_scorer
from stancewatch.models.inference import InferenceOptions, resolve
from stancewatch.models.interface import LABELS, TOPICS
from stancewatch.models.metrics import topic_report
from tools.bench_model import options
from tools.dataset import real_splits

_LONG_WORD = re.compile(r"\b([A-Za-z]{4})([a-z]{4,})")
_SHORT_WORD_SPACE = re.compile(r"\b(\w{1,3}) ")


def paired_quotes(text: str, opening: str, closing: str) -> str:
    """Straight double quotes as `opening` and `closing` marks, in turn."""
    marks = iter([opening, closing] * (text.count('"') // 2 + 1))
    return re.sub('"', lambda _: next(marks), text)


def typeset_quotes(text: str) -> str:
    """Curly double quotes; apostrophes and single quotes as ’."""
    return paired_quotes(text, "“", "”").replace("'", "’")


def guillemets(text: str) -> str:
    return paired_quotes(text, "«", "»")


Rewrite = Callable[[str], str]
TYPOGRAPHY: dict[str, Rewrite] = {  # what models/typography.py maps back
    "typeset quotes and apostrophes": typeset_quotes,
    "guillemets": guillemets,
    "soft hyphens in long words": lambda text: _LONG_WORD.sub("\\1\u00ad\\2", text),
    "zero-width spaces after commas": lambda text: text.replace(", ", ",\u200b "),
    "no-break spaces after short words": lambda text: _SHORT_WORD_SPACE.sub("\\1\u00a0", text),
}
SPELLINGS: dict[str, Rewrite] = {  # what models/spellings.toml maps back
    "'Kiev' for 'Kyiv'": lambda text: text.replace("Kyiv", "Kiev"),
    "'Zelenskiy'": lambda text: re.sub(r"Zelenskyy?\b", "Zelenskiy", text),
}
UNMAPPED: dict[str, Rewrite] = {
    "no final full stop": lambda text: text[:-1] if text.endswith(".") else text,
}
VARIANTS: dict[str, Rewrite] = {"as written": lambda text: text, **TYPOGRAPHY, **SPELLINGS,
                                **{f"{name} (not mapped)": rewrite
                                   for name, rewrite in UNMAPPED.items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--split", choices=("dev", "test"), default="dev")
    parser.add_argument("--model", type=Path, default=DEFAULT_MODEL)
    parser.add_argument("--variant", help="runtime/precision, e.g. torch/fp32 (default: what "
                        "`stancewatch classify` picks on this machine)")
    args = parser.parse_args()
    rows = real_splits()[args.split]
    inference = options(args.variant) if args.variant else InferenceOptions()
    scorer = load_scorer(str(args.model), inference)
    chosen = resolve(inference)
    print(f"{scorer.model_version} ({chosen.runtime}/{chosen.precision}) on the real "
          f"{args.split} split ({len(rows)} sentences)")
    print(f"| variant | sentences changed | F_avg ({' / '.join(TOPICS)}) | change | "
          "other labels |\n|---|---|---|---|---|")
    baseline: tuple[float, list[tuple[str, ...]]] | None = None
    for name, rewrite in VARIANTS.items():
        texts = [rewrite(row.text) for row in rows]
        changed = sum(text != row.text for text, row in zip(texts, rows, strict=True))
        predicted = [tuple(LABELS[max(range(len(LABELS)), key=scores[topic].__getitem__)]
                           for topic in TOPICS) for scores in scorer.score(texts)]
        per_topic = [topic_report([row.label(topic) for row in rows],
                                  [labels[t] for labels in predicted])["f_avg"]
                     for t, topic in enumerate(TOPICS)]
        f_avg = sum(per_topic) / len(per_topic)
        if baseline is None:
            baseline = (f_avg, predicted)
        moved = sum(a != b for a, b in zip(predicted, baseline[1], strict=True))
        print(f"| {name} | {changed} | {f_avg:.4f} ({' / '.join(f'{f:.3f}' for f in per_topic)})"
              f" | {f_avg - baseline[0]:+.4f} | {moved} |", flush=True)


if __name__ == "__main__":
    main()
