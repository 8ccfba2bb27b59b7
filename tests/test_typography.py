"""The model's typography and spelling (models/typography.py) and the robustness benchmark's
rewrites."""

from __future__ import annotations

import pytest

from stancewatch.models.interface import TOPICS
from stancewatch.models.typography import model_form, plain_spelling, plain_typography
from tools.bench_robustness import SPELLINGS, TYPOGRAPHY, guillemets, typeset_quotes

WRITTEN = ('"Ukraine\'s path to NATO is irreversible," Rutte said, while Peskov called '
           "Western security guarantees for Kyiv a provocation.")
NAMED = "Zelensky said Kyiv's bid to join NATO could not wait for the war to end."


@pytest.mark.parametrize("typed", [
    "“Ukraine’s path to NATO is irreversible,” Rutte said, while Peskov called Western "
    "security guarantees for Kyiv a provocation.",
    "«Ukraine‘s path to NATO is irreversible,» Rutte said, while Peskov called Western "
    "security guarantees for Kyiv a provocation.",
    "„Ukraine’s path to NATO is ir\u00adreversible,“ Rutte\u00a0said,\u200b while Peskov "
    "called Western secu\u00adrity guarantees for Kyiv a\u202fprovocation.\ufeff",
])
def test_typeset_copy_reads_as_the_written_sentence(typed):
    assert plain_typography(typed) == WRITTEN


def test_letters_dashes_and_plain_text_are_left_alone():
    text = "Orbán — and Fico – said Kyiv’s bid … was “premature”."
    assert plain_typography(text) == "Orbán — and Fico – said Kyiv's bid … was \"premature\"."
    assert plain_typography(WRITTEN) == WRITTEN


def test_other_spellings_of_names_read_as_one_whole_word_form():
    assert plain_spelling("Kiev's envoy told Zelenskiy, Zelenskyy and Zelenski") == \
        "Kyiv's envoy told Zelensky, Zelensky and Zelensky"
    # only whole words: other names that start the same way, and other cases, stay
    assert plain_spelling("Kievan Rus, the KIEV office and Zelenskiyy") == \
        "Kievan Rus, the KIEV office and Zelenskiyy"
    assert model_form("“Kiev’s bid”") == '"Kyiv\'s bid"'


def test_the_benchmark_rewrites_pair_quotes_and_keep_the_words():
    assert typeset_quotes(WRITTEN).startswith("“Ukraine’s path") and "irreversible,”" in \
        typeset_quotes(WRITTEN)
    assert guillemets('"a" and "b"') == "«a» and «b»"
    for name, rewrite in TYPOGRAPHY.items():  # every typographic variant maps back
        assert plain_typography(rewrite(WRITTEN)) == WRITTEN, name
    for name, rewrite in SPELLINGS.items():  # and every other spelling
        assert rewrite(NAMED) != NAMED and model_form(rewrite(NAMED)) == NAMED, name


@pytest.mark.slow
def test_the_model_scores_typeset_copy_like_the_written_sentence():
    """Curly quotes, guillemets, soft hyphens, no-break spaces and other spellings of names
    change the encoder's tokens and the word model's terms unless the scorer maps them
    first: identical scores (the bundled model, on torch and on ONNX)."""
    from stancewatch.models.classifier import DEFAULT_MODEL
    from stancewatch.models.inference import InferenceOptions
    from stancewatch.models.stance_model import FineTunedScorer

    typed = [rewrite(WRITTEN) for rewrite in TYPOGRAPHY.values()]
    spelled = [rewrite(NAMED) for rewrite in SPELLINGS.values()]
    for runtime in ("torch", "onnx"):
        scorer = FineTunedScorer(DEFAULT_MODEL, inference=InferenceOptions(
            device="cpu", precision="fp32", runtime=runtime))
        for original, variants in ((WRITTEN, typed), (NAMED, spelled)):
            written, *others = scorer.score([original, *variants])
            for scores in others:
                assert all(scores[topic] == pytest.approx(written[topic], abs=1e-6)
                           for topic in TOPICS)
