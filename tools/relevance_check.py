"""Recall of the relevance gate (models/relevance.toml) on everything labelled we have:
`python -m tools.relevance_check` (`make relevance-check`).

The labelled data are sentences, so two figures per collection:
- sentence level: the on-topic sentence itself mentions a term (a lower bound: the
  gate looks at the whole article, title included);
- article level: the on-topic sentence lies in an article that passes. For the real
  corpus an "article" is every labelled sentence of the same source URL (a subset of the
  real page, so again a lower bound); for the demo and synthetic outlets it is the page as
  the pipeline extracts it (title + text).
Also: whether a sentence-level prefilter (classify only the sentences that mention a term,
inside articles that pass) would be lossless on the real test split. Exits 1 when fewer
than 99.5 % of on-topic sentences lie in passing articles.
"""

from __future__ import annotations

import argparse
import html
import re
import sys
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from stancewatch.extractors.extract import extract_article
from stancewatch.models.relevance import TERMS_FILE, RelevanceRule
from tools.dataset import TEST_DIR, TRAIN_DIR, LabelledSentence, load_labelled, real_splits

ROOT = Path(__file__).resolve().parent.parent
DEMO_DIR = ROOT / "demo"
TARGET = 0.995


@dataclass
class Tally:
    name: str
    in_articles: bool = True  # False: standalone sentences (a sentence-level figure only)
    on_topic_sentences: int = 0
    sentences_matching: int = 0
    sentences_in_passing_articles: int = 0
    on_topic_articles: int = 0
    on_topic_articles_passing: int = 0
    off_topic_articles: int = 0
    off_topic_articles_gated: int = 0
    missed: list[str] = field(default_factory=list)

    def line(self) -> str:
        parts = [f"{self.name:<34}"]
        if self.on_topic_sentences:
            parts.append(f"on-topic sentences {self.on_topic_sentences:5d}: "
                         f"sentence level {self.sentences_matching / self.on_topic_sentences:6.1%}"
                         + (f", in passing articles "
                            f"{self.sentences_in_passing_articles / self.on_topic_sentences:6.1%}"
                            if self.in_articles else " (standalone sentences)"))
        if self.on_topic_articles:
            parts.append(f"on-topic articles {self.on_topic_articles_passing}/"
                         f"{self.on_topic_articles} pass")
        if self.off_topic_articles:
            parts.append(f"off-topic articles gated {self.off_topic_articles_gated}/"
                         f"{self.off_topic_articles}")
        return "; ".join(parts)


def tally_sentences(name: str, rows: Iterable[LabelledSentence], rule: RelevanceRule,
                    group_by_url: bool) -> Tally:
    """On-topic sentences; with group_by_url, the article is every row of the same URL."""
    rows = list(rows)
    tally = Tally(name, in_articles=group_by_url)
    articles: dict[str, list[LabelledSentence]] = defaultdict(list)
    for row in rows:
        articles[row.source_url if group_by_url and row.source_url else row.id].append(row)
    for members in articles.values():
        passes = rule.may_be_relevant(None, " ".join(row.text for row in members))
        on_topic = [row for row in members if row.on_topic]
        if group_by_url:
            if on_topic:
                tally.on_topic_articles += 1
                tally.on_topic_articles_passing += passes
            else:
                tally.off_topic_articles += 1
                tally.off_topic_articles_gated += not passes
        for row in on_topic:
            tally.on_topic_sentences += 1
            matches = rule.first_match(row.text) is not None
            tally.sentences_matching += matches
            tally.sentences_in_passing_articles += passes
            if not passes:
                tally.missed.append(row.text)
    return tally


def _front_matter(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    return tomllib.loads(text.split("+++")[1])


def demo_tally(rule: RelevanceRule) -> Tally:
    """Every demo article page, extracted as the pipeline extracts it."""
    tally = Tally("demo articles (extracted pages)")
    for source in sorted((DEMO_DIR / "articles").glob("*/*.md")):
        meta = _front_matter(source)
        pages = list((DEMO_DIR / "sites" / meta["outlet"]).rglob(f"*{meta['slug']}.html"))
        if not pages:
            continue
        article = extract_article(pages[0].read_bytes(), f"http://demo/{pages[0].name}", 0)
        passes = rule.may_be_relevant(article.title, article.text)
        if meta["expect_membership"] != "none" or meta["expect_guarantees"] != "none":
            tally.on_topic_articles += 1
            tally.on_topic_articles_passing += passes
            if not passes:
                tally.missed.append(str(source.relative_to(ROOT)))
        else:
            tally.off_topic_articles += 1
            tally.off_topic_articles_gated += not passes
    return tally


_PARAGRAPH = re.compile(r"<p>(.*?)</p>", re.DOTALL)


def synthetic_tally(rule: RelevanceRule, articles: int = 300) -> Tally:
    """`make bench`'s synthetic outlets: articles assembled from the written sentences."""
    from tools.synthetic import build_synthetic_sites

    labels = {row.text: row for row in load_labelled(sorted(TRAIN_DIR.glob("*.jsonl")))}
    tally = Tally(f"synthetic articles (make bench, {articles})")
    with tempfile.TemporaryDirectory(prefix="stancewatch-relevance-") as folder:
        build_synthetic_sites(Path(folder), articles, outlets=5, seed=articles)
        for page in sorted(Path(folder).rglob("*.html")):
            raw = page.read_text(encoding="utf-8")
            rows = [labels[text] for text in map(html.unescape, _PARAGRAPH.findall(raw))
                    if text in labels]
            extracted = extract_article(raw.encode(), f"http://synthetic/{page.name}", 0)
            passes = rule.may_be_relevant(extracted.title, extracted.text)
            on_topic = [row for row in rows if row.on_topic]
            if on_topic:
                tally.on_topic_articles += 1
                tally.on_topic_articles_passing += passes
            else:
                tally.off_topic_articles += 1
                tally.off_topic_articles_gated += not passes
            tally.on_topic_sentences += len(on_topic)
            tally.sentences_matching += sum(rule.first_match(row.text) is not None
                                            for row in on_topic)
            tally.sentences_in_passing_articles += len(on_topic) * passes
    return tally


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--terms", type=Path, default=TERMS_FILE, help="relevance terms file")
    parser.add_argument("--show-missed", type=int, default=10,
                        help="print up to this many on-topic sentences in blocked articles")
    args = parser.parse_args(argv)
    rule = RelevanceRule.from_file(args.terms)
    splits = real_splits()
    written_train = load_labelled(sorted(TRAIN_DIR.glob("*.jsonl")))
    written_test = load_labelled(sorted(TEST_DIR.glob("*.jsonl")))
    tallies = [tally_sentences(f"real corpus, {name} split", rows, rule, group_by_url=True)
               for name, rows in splits.items()]
    tallies += [tally_sentences("written sentences, train+dev", written_train, rule, False),
                tally_sentences("written sentences, held-out test", written_test, rule, False),
                demo_tally(rule), synthetic_tally(rule)]
    for tally in tallies:
        print(tally.line())
    real = [t for t in tallies if t.name.startswith("real corpus")]
    real_on = sum(t.on_topic_sentences for t in real)
    real_in = sum(t.sentences_in_passing_articles for t in real)
    sentence_sets = [t for t in tallies if t.on_topic_sentences]
    all_on = sum(t.on_topic_sentences for t in sentence_sets)
    all_match = sum(t.sentences_matching for t in sentence_sets)
    article_sets = [t for t in sentence_sets if t.in_articles]
    in_articles_on = sum(t.on_topic_sentences for t in article_sets)
    all_in = sum(t.sentences_in_passing_articles for t in article_sets)
    articles_on = sum(t.on_topic_articles for t in tallies if not t.name.startswith("real"))
    articles_pass = sum(t.on_topic_articles_passing for t in tallies
                        if not t.name.startswith("real"))
    test = next(t for t in real if t.name.endswith("test split"))
    lossless = test.sentences_matching == test.on_topic_sentences
    print(f"sentence-level prefilter on the real test split: {test.sentences_matching}/"
          f"{test.on_topic_sentences} on-topic sentences mention a term: "
          + ("lossless" if lossless else "NOT lossless, so there is no sentence-level prefilter"))
    missed = [text for t in tallies for text in t.missed]
    for text in missed[: args.show_missed]:
        print(f"  blocked: {text[:160]}")
    recall = all_in / max(1, in_articles_on)
    print(f"relevance-check: {in_articles_on} on-topic sentences in articles, {recall:.2%} in "
          f"passing articles (real corpus {real_in / max(1, real_on):.2%}; target >= "
          f"{TARGET:.1%}); sentence level {all_match / max(1, all_on):.2%} of {all_on} (lower "
          f"bound); on-topic articles passing {articles_pass}/{articles_on} (demo + synthetic)")
    return 0 if recall >= TARGET and real_in / max(1, real_on) >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
