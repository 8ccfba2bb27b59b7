"""Synthetic outlets for benchmarks and crash tests: N articles over several outlets and
feeds, written as static files that `flows.demo_sites.serve_outlets` serves.

Article text is assembled from the labelled sentences (written and real-coverage ones: real
stance language, with holders), drawn without replacement so that articles do not share
sentences (until the ~12,000-sentence pool runs out, at N ≈ 750), plus a unique closing
sentence, so every article is distinct and the classifier has real work to do.
"""

from __future__ import annotations

import html
import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

from tools.dataset import REAL_DIR, TRAIN_DIR

ITEMS_PER_FEED = 200
FIRST_DAY = datetime(2025, 1, 1, 8, 0, tzinfo=UTC)


def _sentences() -> list[str]:
    """Every labelled sentence we have (written and real), each once."""
    rows: list[str] = []
    for path in sorted(TRAIN_DIR.glob("*.jsonl")) + sorted(REAL_DIR.glob("*.jsonl")):
        rows += [json.loads(line)["text"] for line in path.read_text().splitlines() if line.strip()]
    return list(dict.fromkeys(rows))


class _Draw:
    """Sentences without replacement: a shuffled pass over the pool, then another. News
    articles do not share sentences, and sampling with replacement made a third of the
    sentences of N=300 repeats, which the classifier's per-call de-duplication then skipped."""

    def __init__(self, pool: list[str], rng: random.Random) -> None:
        self.pool, self.rng = pool, rng
        self.queue: list[str] = []

    def take(self, count: int) -> list[str]:
        taken: list[str] = []
        while len(taken) < count:
            if not self.queue:
                self.queue = self.rng.sample(self.pool, len(self.pool))
            sentence = self.queue.pop()
            if sentence not in taken:
                taken.append(sentence)
        return taken


def _page(outlet: str, title: str, published: datetime, paragraphs: list[str], path: str) -> str:
    body = "\n".join(f"<p>{html.escape(p)}</p>" for p in paragraphs)
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}'
            f'</title><meta property="og:site_name" content="{outlet}">'
            f'<link rel="canonical" href="{{{{BASE:{outlet.lower().replace(" ", "-")}}}}}{path}">'
            f'<meta property="article:published_time" content="{published.isoformat()}">'
            f'<meta name="author" content="Staff reporter"></head><body><header><nav>'
            f'<a href="/">Home</a> <a href="/world">World</a> <a href="/opinion">Opinion</a></nav>'
            f'</header><main><article><h1>{html.escape(title)}</h1>{body}</article></main>'
            f'<aside><h2>Related</h2><ul><li><a href="/x">More on Ukraine</a></li></ul></aside>'
            f"<footer>© {outlet}</footer></body></html>")


def _rss(outlet: str, items: list[tuple[str, str, datetime]]) -> str:
    slug = outlet.lower().replace(" ", "-")
    entries = "".join(
        f"<item><title>{html.escape(title)}</title><link>{{{{BASE:{slug}}}}}{path}?utm_source=rss"
        f"</link><guid>{{{{BASE:{slug}}}}}{path}</guid><pubDate>{format_datetime(when)}</pubDate></item>"
        for title, path, when in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>{outlet}'
            f"</title><link>{{{{BASE:{slug}}}}}/</link>{entries}</channel></rss>")


def build_synthetic_sites(folder: Path, articles: int, outlets: int = 5, seed: int = 7) -> Path:
    """Write `outlets` sites under `folder` and a feeds.toml template; returns the template."""
    rng = random.Random(seed)
    draw = _Draw(_sentences(), rng)
    names = [f"Synthetic Outlet {chr(65 + i)}" for i in range(outlets)]
    per_outlet: dict[str, list[tuple[str, str, datetime]]] = {name: [] for name in names}
    for number in range(articles):
        outlet = names[number % outlets]
        slug = outlet.lower().replace(" ", "-")
        published = FIRST_DAY + timedelta(hours=number * 7 % (24 * 300), minutes=number % 60)
        paragraphs = draw.take(rng.randint(12, 20))
        paragraphs.append(f"This is report number {number} of the synthetic benchmark, filed "
                          f"from desk {rng.randint(1, 10**6)}.")
        path = f"/news/{number:06d}.html"
        title = f"Report {number}: {paragraphs[0][:60]}"
        target = folder / slug / "news" / f"{number:06d}.html"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_page(outlet, title, published, paragraphs, path), encoding="utf-8")
        per_outlet[outlet].append((title, path, published))
    lines = ["[settings]", "politeness_delay = 0.0", "allow_private_networks = true",
             "per_domain_concurrency = 4", ""]
    for outlet, items in per_outlet.items():
        slug = outlet.lower().replace(" ", "-")
        (folder / slug / "robots.txt").write_text("User-agent: *\nDisallow: /private/\n")
        for index in range(0, len(items), ITEMS_PER_FEED):
            feed = f"feed-{index // ITEMS_PER_FEED}.xml"
            (folder / slug / feed).write_text(_rss(outlet, items[index : index + ITEMS_PER_FEED]),
                                              encoding="utf-8")
            lines += ["[[feeds]]", f'url = "{{{{BASE:{slug}}}}}/{feed}"', f'name = "{outlet}"', ""]
    template = folder / "feeds.toml"
    template.write_text("\n".join(lines), encoding="utf-8")
    return template
