"""Warehouse scale benchmark: `make bench-warehouse` (python -m tools.bench_warehouse).

Loads a year of synthetic coverage (2 million on-topic mentions by default, 200 outlets,
150 actors) into the real tables of a fresh warehouse, then times every reporting view
and the report against the targets of the SQL interface: a view answers in under 1 s,
`stancewatch report` in under 10 s.

The data is drawn with numpy (one seeded generator, so every run builds the same
warehouse) and stored the way the pipeline stores it: ArticleRecords, one
`warehouse.db.store_articles` call per daily run, so articles, aliases, sentences, mentions,
article stances and trend facts come from the real writers, and article stances from
`models.aggregate` (no rule is re-implemented here). Its shape follows the pipeline: every
mention has its sentence, every article its lead and closing sentence, text, hashes and
URL aliases; syndicated copies keep their sentences but carry no mentions or stances; one
run a day fetches what was published since the one before, some runs fail, some feeds fail
for weeks. Only the runs' history (their start and end times, counters, failures and feed
states over the synthetic year) is written by SQL here: the run writers stamp `now()`.
The topics are the registry's (models/topics.toml); the sentence vocabulary below must have
sentences for each of them.

Each view is timed twice: `SELECT count(*) FROM (SELECT * FROM view)` and an analyst's
query (one topic and a quarter, ordered, LIMIT 50, as in warehouse/README.md); the slower
median counts. The SQL is inline (not in warehouse/queries/) because it belongs to this
benchmark only; values are bound as parameters, only the view names (constants below) are
formatted into the count query.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa

from stancewatch.models.aggregate import Mention, aggregate_article
from stancewatch.models.topics import topic_names
from stancewatch.warehouse.db import (
    WarehouseError,
    article_id_for,
    check_db_path,
    connect,
    load_sql,
    store_articles,
)
from stancewatch.warehouse.records import ArticleRecord, MentionRecord
from stancewatch.warehouse.report import REPORT_QUERIES, ReportFilters, write_report

VIEW_TARGET_S = 1.0
REPORT_TARGET_S = 10.0
SEED = 13
MODEL_VERSION = "bench-synthetic-1"
YEAR_START = date(2025, 1, 1)
DAYS = 365
RUN_HOUR = 5  # the daily run starts at 05:00 UTC and fetches what appeared since the last one
TOPICS = topic_names()
STANCES = ("favor", "against", "neutral")
ACTORS_TOML = Path(__file__).resolve().parent.parent / "models" / "actors.toml"
ACTOR_COUNT = 150
OUTLET_COUNT = 200
COPY_SHARE = 0.05  # of stored articles, syndicated copies
OFF_TOPIC_SHARE = 0.12  # of originals, no on-topic sentence (volume only)
UNDATED_SHARE = 0.02  # of originals, no publication date (the day is the fetch day)
ATTRIBUTED_SHARE = 0.8  # of mentions, with an actor
FAILED_RUN_SHARE = 0.03

# The analyst's window: one quarter, one topic (the third quarter holds most shifts).
QUARTER = (date(2025, 7, 1), date(2025, 9, 30))
ANALYST_PARAMS = {"since": QUARTER[0], "until": QUARTER[1], "topic": TOPICS[0],
                  "since_ts": datetime(2025, 7, 1, tzinfo=UTC),
                  "until_ts": datetime(2025, 10, 1, tzinfo=UTC)}

# Each reporting view and a question an analyst would put to it (warehouse/README.md).
ANALYST_QUERIES: dict[str, str] = {
    "articles": """
        SELECT source, count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS copies,
               count(*) AS stored
        FROM articles WHERE published_at >= $since_ts AND published_at < $until_ts
        GROUP BY source ORDER BY copies DESC, source LIMIT 50""",
    "mentions": """
        SELECT m.actor, m.sentence, m.confidence, a.source, a.published_at
        FROM mentions AS m JOIN articles AS a USING (article_id)
        WHERE m.topic = $topic AND m.stance = 'against' AND m.actor_group = 'Russia'
          AND a.published_at >= $since_ts AND a.published_at < $until_ts
        ORDER BY m.confidence DESC, a.published_at DESC LIMIT 50""",
    "article_stances": """
        SELECT a.source, s.stance, count(*) AS articles, round(avg(s.confidence), 3) AS confidence
        FROM article_stances AS s JOIN articles AS a USING (article_id)
        WHERE s.topic = $topic AND a.duplicate_of IS NULL
          AND a.published_at >= $since_ts AND a.published_at < $until_ts
        GROUP BY ALL ORDER BY articles DESC, a.source, s.stance LIMIT 50""",
    "stance_daily": """
        SELECT day, stance, articles, mentions FROM stance_daily
        WHERE topic = $topic AND day BETWEEN $since AND $until
        ORDER BY day DESC, stance LIMIT 50""",
    "stance_weekly": """
        SELECT week,
               round(100 * sum(articles) FILTER (WHERE stance = 'against') / sum(articles))
                   AS against_pct,
               sum(articles) AS articles
        FROM stance_weekly WHERE topic = $topic AND week BETWEEN $since AND $until
        GROUP BY week ORDER BY week LIMIT 50""",
    "actor_stances": """
        SELECT actor, actor_group, list(stance || ': ' || mentions ORDER BY stance) AS record,
               sum(mentions) AS mentions
        FROM actor_stances
        WHERE topic = $topic AND stance IN ('favor', 'against') AND last_seen >= $since
        GROUP BY actor, actor_group HAVING count(*) = 2
        ORDER BY mentions DESC, actor LIMIT 50""",
    "actor_timeline": """
        SELECT period, favor, against, neutral FROM actor_timeline
        WHERE actor = 'Donald Trump' AND topic = $topic AND period BETWEEN $since AND $until
        ORDER BY period LIMIT 50""",
    "actor_latest": """
        SELECT actor, actor_group, stance, period, quote, url FROM actor_latest
        WHERE topic = $topic
        ORDER BY total_mentions DESC, actor LIMIT 50""",
    "source_stances": """
        SELECT source, sum(favor) AS favor, sum(against) AS against, sum(neutral) AS neutral,
               sum(mixed) AS mixed
        FROM source_stances WHERE topic = $topic AND period BETWEEN $since AND $until
        GROUP BY source ORDER BY sum(favor + against + neutral + mixed) DESC, source LIMIT 50""",
    "stance_shifts": """
        SELECT actor, topic, from_stance || ' → ' || to_stance AS shift, changed_on,
               evidence[1].sentence AS quote, evidence[1].url AS url
        FROM stance_shifts
        WHERE topic = $topic AND changed_on BETWEEN $since AND $until
        ORDER BY changed_on DESC, actor LIMIT 50""",
    "trend_articles": """
        SELECT source, count(*) AS articles FROM trend_articles
        WHERE day BETWEEN $since AND $until
        GROUP BY source ORDER BY articles DESC, source LIMIT 50""",
    "trend_mentions": """
        SELECT actor, count(*) AS mentions FROM trend_mentions
        WHERE actor IS NOT NULL AND topic = $topic AND day BETWEEN $since AND $until
        GROUP BY actor ORDER BY mentions DESC, actor LIMIT 50""",
}
VIEWS = tuple(ANALYST_QUERIES)

# ------------------------------------------------------------------ vocabulary
SENTENCES = {
    ("membership", "favor"): (
        "{actor} said Ukraine's future is in NATO and the path to membership is irreversible",
        "{actor} called for an invitation to join the alliance at the next summit",
        "{actor} said NATO membership remains the cheapest guarantee of peace in Europe",
        "{actor} urged allies to set a timetable for Ukraine's accession to NATO",
    ),
    ("membership", "against"): (
        "{actor} said Ukraine joining NATO was not realistic and should be taken off the table",
        "{actor} ruled out NATO membership for Ukraine as part of any settlement",
        "{actor} warned that admitting Ukraine to the alliance would be a grave mistake",
    ),
    ("membership", "neutral"): (
        "{actor} said the question of Ukraine's NATO membership would be discussed with allies",
        "{actor} declined to say whether Ukraine should be invited to join the alliance",
        "{actor} said a decision on membership was not expected before the summit",
    ),
    ("guarantees", "favor"): (
        "{actor} said Europe must back any ceasefire with firm security guarantees for Ukraine",
        "{actor} offered troops for a reassurance force to guarantee a settlement",
        "{actor} said Ukraine needs binding guarantees so that Russia cannot attack again",
    ),
    ("guarantees", "against"): (
        "{actor} rejected sending troops to guarantee a settlement in Ukraine",
        "{actor} said Western security guarantees for Kyiv were unacceptable",
        "{actor} warned that foreign troops in Ukraine would be a legitimate target",
    ),
    ("guarantees", "neutral"): (
        "{actor} said security guarantees for Ukraine were still being discussed",
        "{actor} said the details of any guarantees would be settled after a ceasefire",
    ),
}
CONTEXTS = ("in an interview", "at a press conference", "in a statement", "on social media",
            "after talks with allies", "in parliament", "at a summit", "in a televised address",
            "speaking to reporters", "in a newspaper column", "at a security conference",
            "after a phone call")
WHENS = ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday", "at the weekend",
         "late on Sunday", "earlier this week", "this morning", "on the sidelines")
SPEAKERS = ("Analysts", "Officials", "Diplomats", "Observers", "Critics", "Several lawmakers")
CLOSINGS = ("Talks are expected to continue next week.", "The ministry did not comment further.",
            "Allies are due to meet again in Brussels.", "The debate is likely to continue.",
            "Further details were not disclosed.")
TITLES = {
    "membership": ("{lead} on Ukraine's NATO bid", "{lead} and the question of NATO membership",
                   "What {lead} said about Ukraine in NATO"),
    "guarantees": ("{lead} on security guarantees for Kyiv", "{lead} weighs guarantees for Ukraine",
                   "{lead} and the ceasefire guarantees debate"),
}
OFF_TOPIC_TITLES = ("Energy prices ease", "Grain exports rise", "Storm closes ports",
                    "Central bank holds rates", "Elections called for spring")
OUTLET_PREFIXES = ("Kyiv", "Atlantic", "Danube", "Baltic", "Nordic", "Carpathian", "Vistula",
                   "Rhine", "Adriatic", "Black Sea", "Continental", "Capital", "Eastern", "Western",
                   "Northern", "Alpine", "Channel", "Meridian", "Harbor", "Frontier")
OUTLET_SUFFIXES = ("Ledger", "Dispatch", "Daily", "Wire", "Herald", "Times", "Observer", "Tribune",
                   "Courier", "Monitor", "Gazette", "Review")
INVENTED_FIRST = ("Anna", "Jonas", "Marta", "Pieter", "Elena", "Tomas", "Ingrid", "Luca", "Sofia",
                  "Mikko", "Claire", "Andrzej", "Katarina")
INVENTED_LAST = ("Brandt", "Kowal", "Varga", "Lindqvist", "Moreau", "Rossi", "Novak", "Petrenko",
                 "Jansen", "Horvath", "Kask", "Ozturk", "Dupont")
HEADLINE_ACTORS = ("Volodymyr Zelensky", "Donald Trump", "Vladimir Putin", "Mark Rutte",
                   "Dmitry Peskov", "Emmanuel Macron", "Keir Starmer", "Friedrich Merz",
                   "Sergei Lavrov", "Ursula von der Leyen", "Kaja Kallas", "Marco Rubio",
                   "Steve Witkoff", "Donald Tusk", "Viktor Orbán")
# Each group's usual dominant stance on GROUP_STANCE_TOPICS; other groups and topics: neutral.
GROUP_STANCE_TOPICS = ("membership", "guarantees")
GROUP_STANCES = {
    "Ukraine": ("favor", "favor"), "Russia": ("against", "against"),
    "Belarus": ("against", "against"), "China": ("against", "against"),
    "Hungary": ("against", "against"), "Slovakia": ("against", "neutral"),
    "Baltic states": ("favor", "favor"), "Poland": ("favor", "favor"),
    "Finland": ("favor", "favor"), "Sweden": ("favor", "favor"), "Denmark": ("favor", "favor"),
    "Czech Republic": ("favor", "favor"), "Netherlands": ("favor", "favor"),
    "Canada": ("favor", "favor"), "United Kingdom": ("neutral", "favor"),
    "France": ("neutral", "favor"), "EU": ("neutral", "favor"), "NATO": ("favor", "neutral"),
}
# Shifts the news of the year made: (actor, topic, stance before, day of year, stance after);
# more are drawn at random.
KNOWN_SHIFTS = (("Donald Trump", "membership", "neutral", 45, "against"),
                ("Donald Trump", "guarantees", "against", 170, "neutral"),
                ("Friedrich Merz", "guarantees", "neutral", 200, "favor"),
                ("Robert Fico", "membership", "neutral", 150, "against"),
                ("Mark Rutte", "membership", "favor", 130, "neutral"),
                ("Giorgia Meloni", "guarantees", "neutral", 220, "favor"))
RANDOM_SHIFT_SHARE = 0.15  # of the other actor × topic pairs

# ------------------------------------------------------------------ output helpers


@contextmanager
def step(label: str) -> Iterator[None]:
    """One line per generation step, with its time (a spinner meanwhile on a terminal)."""
    from rich.console import Console

    console = Console()
    started = time.perf_counter()
    if console.is_terminal:
        with console.status(f"{label} …"):
            yield
    else:
        yield
    print(f"  {label}: {time.perf_counter() - started:.1f} s", flush=True)


def median_seconds(call: Callable[[], object], repeat: int) -> tuple[float, object]:
    """The median wall time of `repeat` calls and the last call's result."""
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def verdict(seconds: float, target: float) -> str:
    return "OK" if seconds < target else "SLOW"


# ------------------------------------------------------------------ dimensions


@dataclass(frozen=True)
class Dimensions:
    outlets: pa.Table  # outlet_id, source, domain
    actors: pa.Table  # actor_id, name, actor_group
    outlet_weight: np.ndarray
    outlet_lean: np.ndarray  # outlet × stance probabilities, for unattributed sentences
    actor_weight: np.ndarray
    actor_profile: np.ndarray  # actor × topic × phase (before/after shift) × stance
    shift_day: np.ndarray  # actor × topic, DAYS when the actor never shifts
    shifts: int


def outlet_names() -> list[str]:
    names = ["Kyiv Ledger", "Atlantic Dispatch", "EuroWire", "Danube Daily"]
    for suffix in OUTLET_SUFFIXES:
        for prefix in OUTLET_PREFIXES:
            name = f"{prefix} {suffix}"
            if name not in names and len(names) < OUTLET_COUNT:
                names.append(name)
    return names


def actor_list() -> list[tuple[str, str]]:
    """models/actors.toml, then invented officials and commentators up to ACTOR_COUNT."""
    known = [(entry["name"], entry["group"])
             for entry in tomllib.loads(ACTORS_TOML.read_text(encoding="utf-8"))["actor"]]
    groups = sorted({group for _, group in known})
    invented: list[tuple[str, str]] = []
    index = 0
    while len(known) + len(invented) < ACTOR_COUNT:
        first = INVENTED_FIRST[index % len(INVENTED_FIRST)]
        last = INVENTED_LAST[(index // len(INVENTED_FIRST) + 3 * index) % len(INVENTED_LAST)]
        name = f"{first} {last}"
        if all(name != other for other, _ in invented):
            group = "Commentators" if index % 4 == 0 else groups[index % len(groups)]
            invented.append((name, group))
        index += 1
    return (known + invented)[:ACTOR_COUNT]


def stance_profile(rng: np.random.Generator, dominant: int) -> np.ndarray:
    """Probabilities of favor, against, neutral with `dominant` clearly ahead."""
    share = rng.uniform(0.55, 0.8)
    rest = rng.dirichlet((2.0, 2.0)) * (1 - share)
    profile = np.empty(3)
    profile[dominant] = share
    profile[[i for i in range(3) if i != dominant]] = rest
    return profile


def build_dimensions(rng: np.random.Generator) -> Dimensions:
    names = outlet_names()
    outlet_weight = 1 / (np.arange(OUTLET_COUNT) + 4.0) ** 0.8
    outlet_weight = rng.permutation(outlet_weight)
    outlet_lean = rng.dirichlet((8.0, 6.0, 6.0), OUTLET_COUNT)

    actors = actor_list()
    # Zipf-like prominence: the headline actors first, the rest in random order.
    order = [index for name in HEADLINE_ACTORS for index, (other, _) in enumerate(actors)
             if other == name]
    order += [int(index) for index in rng.permutation(len(actors)) if index not in order]
    actor_weight = np.empty(len(actors))
    actor_weight[order] = 1 / (np.arange(len(actors)) + 4.0) ** 1.15
    profile = np.empty((len(actors), len(TOPICS), 2, 3))
    shift_day = np.full((len(actors), len(TOPICS)), DAYS)
    known_shifts = {(actor, topic): (before, day, after)
                    for actor, topic, before, day, after in KNOWN_SHIFTS}
    for index, (name, group) in enumerate(actors):
        for topic_index, topic in enumerate(TOPICS):
            usual = dict(zip(GROUP_STANCE_TOPICS, GROUP_STANCES.get(group, ()),
                             strict=False)).get(topic, "neutral")
            dominant = STANCES.index(usual) if rng.random() < 0.85 else int(rng.integers(3))
            if (name, topic) in known_shifts:
                usual, day, stance = known_shifts[(name, topic)]
                dominant = STANCES.index(usual)
            before = stance_profile(rng, dominant)
            after = before
            if (name, topic) in known_shifts:
                shift_day[index, topic_index] = day
                after = stance_profile(rng, STANCES.index(stance))
            elif rng.random() < RANDOM_SHIFT_SHARE:
                shift_day[index, topic_index] = int(rng.integers(100, 280))
                new = (dominant + 1 + int(rng.integers(2))) % 3
                after = stance_profile(rng, new)
            profile[index, topic_index] = before, after
    return Dimensions(
        outlets=pa.table({
            "outlet_id": pa.array(range(OUTLET_COUNT), pa.int32()),
            "source": names,
            "domain": [name.lower().replace(" ", "-") + ".example" for name in names]}),
        actors=pa.table({
            "actor_id": pa.array(range(len(actors)), pa.int32()),
            "name": [name for name, _ in actors],
            "actor_group": [group for _, group in actors]}),
        outlet_weight=outlet_weight / outlet_weight.sum(),
        outlet_lean=outlet_lean,
        actor_weight=actor_weight / actor_weight.sum(),
        actor_profile=profile,
        shift_day=shift_day,
        shifts=int((shift_day < DAYS).sum()),
    )


def check_vocabulary() -> None:
    """The synthetic year speaks about the registry's topics: two of them, each with
    sentences for every stance and titles."""
    missing = [f"{topic}/{stance}" for topic in TOPICS for stance in STANCES
               if (topic, stance) not in SENTENCES] + [topic for topic in TOPICS
                                                       if topic not in TITLES]
    if missing or len(TOPICS) != 2:
        raise SystemExit(f"bench-warehouse: the synthetic vocabulary does not fit the topic "
                         f"registry {list(TOPICS)} (missing: {', '.join(missing) or 'none'}; "
                         "draw_articles mixes exactly two topics)")


# ------------------------------------------------------------------ facts (numpy)


def day_weights(rng: np.random.Generator) -> np.ndarray:
    """Weekdays busier than weekends, a slow rise over the year, a few news peaks."""
    weekday = np.array([(YEAR_START + timedelta(days=day)).weekday() for day in range(DAYS)])
    weight = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.6, 0.5))
    weight *= np.linspace(0.8, 1.2, DAYS)
    for peak in rng.choice(DAYS, 8, replace=False):
        weight[peak:peak + 3] *= rng.uniform(1.8, 3.0)
    return weight / weight.sum()


def run_schedule(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """One run a day at RUN_HOUR (plus a few minutes), the day after the year included.
    Returns each run's start (seconds since YEAR_START) and whether it completed."""
    runs = DAYS + 1
    start = np.arange(runs) * 86_400 + RUN_HOUR * 3600 + rng.integers(0, 600, runs)
    completed = rng.random(runs) >= FAILED_RUN_SHARE
    completed[-1] = True
    return start, completed


def fetching_run(published: np.ndarray, run_start: np.ndarray, completed: np.ndarray
                 ) -> np.ndarray:
    """The first completed run after publication (a failed run leaves it to the next)."""
    run = np.searchsorted(run_start, published, side="right")
    next_completed = np.arange(len(run_start))
    for index in range(len(run_start) - 2, -1, -1):
        if not completed[index]:
            next_completed[index] = next_completed[index + 1]
    return next_completed[np.minimum(run, len(run_start) - 1)]


def draw_articles(rng: np.random.Generator, dims: Dimensions, mentions: int,
                  run_start: np.ndarray, completed: np.ndarray) -> tuple[pa.Table, np.ndarray]:
    """Originals with exactly `mentions` on-topic sentences between them."""
    estimate = int(mentions / ((1 - OFF_TOPIC_SHARE) * 4.0) * 1.15) + 50
    on_topic = rng.random(estimate) >= OFF_TOPIC_SHARE
    counts = np.where(on_topic, np.minimum(1 + rng.poisson(3.0, estimate), 14), 0)
    total = np.cumsum(counts)
    while total[-1] < mentions:  # a tiny --mentions can outrun the estimate
        counts = np.concatenate([counts, 1 + rng.poisson(3.0, estimate)])
        total = np.cumsum(counts)
    size = int(np.searchsorted(total, mentions)) + 1
    counts = counts[:size].copy()
    counts[-1] -= int(total[size - 1] - mentions)

    day = rng.choice(DAYS, size, p=day_weights(rng))
    published = day * 86_400 + rng.integers(0, 86_400, size)
    run = fetching_run(published, run_start, completed)
    fetched = run_start[run] + rng.integers(60, 1800, size)
    undated = rng.random(size) < UNDATED_SHARE
    lead = np.where(rng.random(size) < 0.8,
                    rng.choice(len(dims.actor_weight), size, p=dims.actor_weight), -1)
    table = pa.table({
        "n": pa.array(np.arange(size), pa.int64()),
        "outlet_id": pa.array(rng.choice(OUTLET_COUNT, size, p=dims.outlet_weight), pa.int32()),
        "published_s": pa.array(published, pa.int64()),
        "fetched_s": pa.array(fetched, pa.int64()),
        "undated": pa.array(undated),
        "run_n": pa.array(run, pa.int32()),
        "topic_code": pa.array((rng.random(size) >= 0.55).astype(np.int32)),
        "lead_actor": pa.array(lead, pa.int32()),
        "mentions": pa.array(counts, pa.int32()),
        "title_variant": pa.array(rng.integers(0, 3, size), pa.int32()),
        "closing_id": pa.array(rng.integers(0, len(CLOSINGS), size), pa.int32()),
        "aliased": pa.array(rng.random(size) < 0.15),
    })
    return table, counts


def draw_mentions(rng: np.random.Generator, dims: Dimensions, articles: pa.Table,
                  counts: np.ndarray) -> pa.Table:
    total = int(counts.sum())
    article = np.repeat(np.arange(len(counts)), counts)
    first = np.cumsum(counts) - counts
    sentence_index = np.arange(total) - np.repeat(first, counts) + 1
    primary = articles.column("topic_code").to_numpy()[article]
    topic = np.where(rng.random(total) < 0.8, primary, 1 - primary)
    lead = articles.column("lead_actor").to_numpy()[article]
    other = rng.choice(len(dims.actor_weight), total, p=dims.actor_weight)
    pick = rng.random(total)
    actor = np.where((pick < 0.55) & (lead >= 0), lead,
                     np.where(pick < ATTRIBUTED_SHARE, other, -1))
    day = articles.column("published_s").to_numpy()[article] // 86_400
    attributed = actor >= 0
    safe_actor = np.where(attributed, actor, 0)
    phase = (day >= dims.shift_day[safe_actor, topic]).astype(np.int64)
    probabilities = dims.actor_profile[safe_actor, topic, phase]
    outlet = articles.column("outlet_id").to_numpy()[article]
    probabilities = np.where(attributed[:, None], probabilities, dims.outlet_lean[outlet])
    draw = rng.random(total)
    stance = (draw >= probabilities[:, 0]).astype(np.int32) + (
        draw >= probabilities[:, 0] + probabilities[:, 1])
    variants = np.array([[len(SENTENCES[(t, s)]) for s in STANCES] for t in TOPICS])
    return pa.table({
        "article_n": pa.array(article, pa.int64()),
        "sentence_index": pa.array(sentence_index, pa.int32()),
        "topic_code": pa.array(topic, pa.int32()),
        "stance_code": pa.array(stance, pa.int32()),
        "variant": pa.array(rng.integers(0, 1 << 30, total) % variants[topic, stance], pa.int32()),
        "ending_id": pa.array(rng.integers(0, len(CONTEXTS) * len(WHENS), total), pa.int32()),
        "speaker_id": pa.array(rng.integers(0, len(SPEAKERS), total), pa.int32()),
        "actor_id": pa.array(actor, pa.int32()),
        "confidence": pa.array(np.round(0.45 + 0.55 * rng.beta(5.0, 2.0, total), 4)),
    })


def draw_copies(rng: np.random.Generator, articles: pa.Table, run_start: np.ndarray,
                completed: np.ndarray) -> pa.Table:
    """Syndicated copies: COPY_SHARE of all stored articles, each of a distinct original,
    published by another outlet a few hours later."""
    originals = articles.num_rows
    size = min(originals, round(originals * COPY_SHARE / (1 - COPY_SHARE)))
    chosen = np.sort(rng.choice(originals, size, replace=False))
    published = articles.column("published_s").to_numpy()[chosen] + rng.integers(
        1800, 30 * 3600, size)
    run = fetching_run(published, run_start, completed)
    outlet = (articles.column("outlet_id").to_numpy()[chosen] + 1
              + rng.integers(0, OUTLET_COUNT - 1, size)) % OUTLET_COUNT
    return pa.table({
        "original_n": pa.array(chosen, pa.int64()),
        "outlet_id": pa.array(outlet, pa.int32()),
        "published_s": pa.array(published, pa.int64()),
        "fetched_s": pa.array(run_start[run] + rng.integers(60, 1800, size), pa.int64()),
        "run_n": pa.array(run, pa.int32()),
    })


def draw_runs(rng: np.random.Generator, run_start: np.ndarray, completed: np.ndarray
              ) -> tuple[pa.Table, pa.Table]:
    """Runs with their durations, and their failures: a few feeds failing for weeks, and
    the odd unreachable or unreadable article every day."""
    runs = len(run_start)
    duration = rng.integers(600, 2400, runs)
    failing_feeds = {int(outlet): (int(first), int(first) + int(length))
                     for outlet, first, length in zip(
                         rng.choice(OUTLET_COUNT, 6, replace=False), rng.integers(0, runs - 20, 6),
                         rng.integers(3, 40, 6), strict=True)}
    failing_feeds[int(rng.integers(OUTLET_COUNT))] = (runs - 5, runs)  # failing right now
    failures: dict[str, list] = {"run_n": [], "outlet_id": [], "stage": [], "number": [],
                                 "occurred_s": []}

    def fail(run: int, outlet: int, stage: str, number: int) -> None:
        failures["run_n"].append(run)
        failures["outlet_id"].append(outlet)
        failures["stage"].append(stage)
        failures["number"].append(number)
        failures["occurred_s"].append(int(run_start[run] + rng.integers(0, duration[run])))

    feeds_failed = np.zeros(runs, np.int32)
    for run in range(runs):
        for outlet, (first, last) in failing_feeds.items():
            if first <= run < last:
                fail(run, outlet, "feed", 0)
                feeds_failed[run] += 1
        if rng.random() < 0.05:
            fail(run, int(rng.integers(OUTLET_COUNT)), "robots", 0)
            feeds_failed[run] += 1
        for stage, rate in (("fetch", 3.0), ("extract", 5.0), ("classify", 0.05)):
            for number in range(rng.poisson(rate)):
                fail(run, int(rng.integers(OUTLET_COUNT)), stage, number)
    run_table = pa.table({
        "run_n": pa.array(range(runs), pa.int32()),
        "started_s": pa.array(run_start, pa.int64()),
        "finished_s": pa.array(run_start + duration, pa.int64()),
        "completed": pa.array(completed),
        "feeds_failed": pa.array(feeds_failed),
        "not_modified": pa.array(rng.integers(20, 90, runs), pa.int32()),
        "fetch_seconds": pa.array(np.round(duration * rng.uniform(0.3, 0.5, runs), 1)),
        "extract_seconds": pa.array(np.round(duration * rng.uniform(0.05, 0.1, runs), 1)),
        "classify_seconds": pa.array(np.round(duration * rng.uniform(0.3, 0.5, runs), 1)),
        "store_seconds": pa.array(np.round(duration * rng.uniform(0.01, 0.03, runs), 1)),
    })
    failure_table = pa.table({
        "run_n": pa.array(failures["run_n"], pa.int32()),
        "outlet_id": pa.array(failures["outlet_id"], pa.int32()),
        "stage": pa.array(failures["stage"], pa.string()),
        "number": pa.array(failures["number"], pa.int32()),
        "occurred_s": pa.array(failures["occurred_s"], pa.int64()),
    })
    return run_table, failure_table


# ------------------------------------------------------------------ loading (DuckDB)

# The runs' history over the synthetic year (start and end times, counters from what was
# stored, failures, feed states): SQL, because the run writers stamp now().
RUN_STATEMENTS: tuple[tuple[str, str], ...] = (
    ("run ids", """
        CREATE TEMP TABLE bench_run_ids AS
        SELECT run_n, CASE WHEN run_n = 0 THEN 'backfill-' ELSE 'daily-' END
                      || strftime(CAST(to_timestamp($epoch + started_s) AS DATE), '%Y-%m-%d')
                      AS run_id
        FROM bench_runs"""),
    ("runs and failures", """
        INSERT INTO runs
            (run_id, flow, started_at, finished_at, status, feeds_ok, feeds_failed,
             feeds_not_modified, articles_seen, articles_new, duplicates, failures, mentions_new,
             http_requests, http_not_modified, model_version, fetch_seconds, extract_seconds,
             classify_seconds, store_seconds, error)
        WITH stored AS (
            SELECT run_id, count(*) FILTER (WHERE duplicate_of IS NULL) AS articles_new,
                   count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS duplicates
            FROM stored_articles GROUP BY run_id
        ), mentioned AS (
            SELECT a.run_id, count(*) AS mentions_new
            FROM sentence_stances AS m JOIN stored_articles AS a USING (article_id)
            GROUP BY a.run_id
        ), failed AS (
            SELECT run_n, count(*) AS failures FROM bench_gen_failures GROUP BY run_n
        )
        SELECT i.run_id, CASE WHEN r.run_n = 0 THEN 'backfill' ELSE 'daily' END,
               to_timestamp($epoch + r.started_s), to_timestamp($epoch + r.finished_s),
               CASE WHEN r.completed THEN 'completed' ELSE 'failed' END,
               $outlets - r.feeds_failed, r.feeds_failed, r.not_modified,
               COALESCE(s.articles_new, 0) + COALESCE(s.duplicates, 0) + COALESCE(f.failures, 0),
               COALESCE(s.articles_new, 0), COALESCE(s.duplicates, 0), COALESCE(f.failures, 0),
               COALESCE(m.mentions_new, 0),
               $outlets + COALESCE(s.articles_new, 0) + COALESCE(s.duplicates, 0)
                   + COALESCE(f.failures, 0),
               r.not_modified, $model_version, r.fetch_seconds, r.extract_seconds,
               r.classify_seconds, r.store_seconds,
               CASE WHEN NOT r.completed
                    THEN 'worker killed during classification (out of memory)' END
        FROM bench_runs AS r
        JOIN bench_run_ids AS i USING (run_n)
        LEFT JOIN stored AS s USING (run_id)
        LEFT JOIN mentioned AS m USING (run_id)
        LEFT JOIN failed AS f USING (run_n);
        INSERT INTO failures (run_id, url, stage, error, feed_url, occurred_at)
        SELECT i.run_id,
               CASE WHEN f.stage IN ('feed', 'robots') THEN 'https://' || o.domain || '/rss'
                    ELSE 'https://' || o.domain || '/live/' || i.run_id || '-' || f.number END,
               f.stage,
               CASE f.stage WHEN 'feed' THEN 'HTTP 503 Service Unavailable'
                            WHEN 'robots' THEN 'robots.txt disallows the feed'
                            WHEN 'fetch' THEN 'read timeout after 15 s'
                            WHEN 'extract' THEN 'extracted text too short (112 characters, need 250)'
                            ELSE 'classifier input rejected (empty after cleaning)' END,
               'https://' || o.domain || '/rss', to_timestamp($epoch + f.occurred_s)
        FROM bench_gen_failures AS f
        JOIN bench_run_ids AS i USING (run_n)
        JOIN bench_outlets AS o USING (outlet_id);
        INSERT INTO feed_state (feed_url, etag, last_modified, last_status, last_checked_at)
        SELECT 'https://' || domain || '/rss', '"' || md5(domain) || '"', NULL,
               CASE WHEN outlet_id IN (SELECT outlet_id FROM bench_gen_failures AS f
                                       WHERE f.stage = 'feed'
                                         AND f.run_n = (SELECT max(run_n) FROM bench_runs))
                    THEN 'HTTP 503' ELSE '200' END,
               (SELECT max(started_at) FROM runs)
        FROM bench_outlets"""),
)


# ------------------------------------------------------------------ storing (the real writers)


def run_ids(run_start: np.ndarray, epoch: int) -> list[str]:
    """As the SQL's bench_run_ids: backfill-/daily- and the run's UTC day."""
    return [("backfill-" if run == 0 else "daily-")
            + datetime.fromtimestamp(epoch + int(start), UTC).strftime("%Y-%m-%d")
            for run, start in enumerate(run_start)]


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


class YearOfRecords:
    """The drawn year as ArticleRecords, built one run at a time (a year at once would not
    fit in memory at 2 M mentions)."""

    def __init__(self, dims: Dimensions, articles: pa.Table, mentions: pa.Table,
                 copies: pa.Table, epoch: int) -> None:
        self.epoch = epoch
        self.a = {name: articles.column(name).to_numpy() for name in articles.column_names}
        self.m = {name: mentions.column(name).to_numpy() for name in mentions.column_names}
        self.c = {name: copies.column(name).to_numpy() for name in copies.column_names}
        self.first_mention = np.cumsum(self.a["mentions"]) - self.a["mentions"]
        self.sources = dims.outlets.column("source").to_pylist()
        self.domains = dims.outlets.column("domain").to_pylist()
        self.names = dims.actors.column("name").to_pylist()
        self.groups = dims.actors.column("actor_group").to_pylist()
        self.endings = [f" {context} {when}." for context in CONTEXTS for when in WHENS]

    def _when(self, seconds: int) -> datetime:
        return datetime.fromtimestamp(self.epoch + int(seconds), UTC)

    def original(self, n: int) -> ArticleRecord:
        a, m = self.a, self.m
        outlet, lead, count = int(a["outlet_id"][n]), int(a["lead_actor"][n]), int(a["mentions"][n])
        source, domain = self.sources[outlet], self.domains[outlet]
        title = (TITLES[TOPICS[a["topic_code"][n]]][a["title_variant"][n]].replace(
            "{lead}", self.names[lead] if lead >= 0 else "Officials") if count
            else OFF_TOPIC_TITLES[n % len(OFF_TOPIC_TITLES)])
        published = self._when(a["published_s"][n])
        url = f"https://{domain}/{published:%Y/%m/%d}/{_slug(title)}-{n}"
        sentences = [f"{title}, {source} reported."]
        mentions = []
        for row in range(int(self.first_mention[n]), int(self.first_mention[n]) + count):
            topic, stance = TOPICS[m["topic_code"][row]], STANCES[m["stance_code"][row]]
            actor = int(m["actor_id"][row])
            speaker = self.names[actor] if actor >= 0 else SPEAKERS[m["speaker_id"][row]]
            sentences.append(SENTENCES[(topic, stance)][m["variant"][row]].replace(
                "{actor}", speaker) + self.endings[m["ending_id"][row]])
            mentions.append(MentionRecord(
                int(m["sentence_index"][row]), topic, stance, float(m["confidence"][row]),
                self.names[actor] if actor >= 0 else None,
                self.groups[actor] if actor >= 0 else None))
        sentences.append(CLOSINGS[a["closing_id"][n]])
        text = " ".join(sentences)
        digest = hashlib.sha256(text.encode("utf-8")).hexdigest()
        return ArticleRecord(
            article_id=article_id_for(url), url=url, source=source, domain=domain, title=title,
            author=None if n % 3 == 0 else f"{source} staff",
            published_at=None if a["undated"][n] else published, language="en", text=text,
            content_hash=digest, simhash=int(digest[:15], 16), feed_url=f"https://{domain}/rss",
            fetched_at=self._when(a["fetched_s"][n]), sentences=sentences, mentions=mentions,
            stances=aggregate_article(
                [Mention(x.topic, x.stance, x.confidence) for x in mentions], TOPICS),
            model_version=MODEL_VERSION,
            aliases=[f"{url}?utm_source=rss&utm_medium=feed"] if a["aliased"][n] else [])

    def copy(self, k: int) -> ArticleRecord:
        """A syndicated copy as link_duplicates leaves it: the original's text and sentences,
        no mentions or stances."""
        c = self.c
        original = self.original(int(c["original_n"][k]))
        outlet = int(c["outlet_id"][k])
        published = self._when(c["published_s"][k])
        url = (f"https://{self.domains[outlet]}/{published:%Y/%m/%d}/syndicated-"
               f"{original.article_id}")
        return ArticleRecord(
            **{**vars(original), "article_id": article_id_for(url), "url": url,
               "source": self.sources[outlet], "domain": self.domains[outlet], "author": None,
               "published_at": None if original.published_at is None else published,
               "feed_url": f"https://{self.domains[outlet]}/rss",
               "fetched_at": self._when(c["fetched_s"][k]), "mentions": [], "stances": [],
               "aliases": [], "duplicate_of": original.article_id})

    def by_run(self, runs: int) -> Iterator[tuple[int, list[ArticleRecord]]]:
        """Each run's articles: originals first, then the copies it fetched."""
        originals = np.argsort(self.a["run_n"], kind="stable")
        copies = np.argsort(self.c["run_n"], kind="stable")
        original_runs = self.a["run_n"][originals]
        copy_runs = self.c["run_n"][copies]
        for run in range(runs):
            first, last = np.searchsorted(original_runs, [run, run + 1])
            records = [self.original(int(n)) for n in originals[first:last]]
            first, last = np.searchsorted(copy_runs, [run, run + 1])
            records += [self.copy(int(k)) for k in copies[first:last]]
            if records:
                yield run, records


def bound(sql: str, params: dict[str, object]) -> dict[str, object]:
    """The parameters a statement names (DuckDB refuses unused ones)."""
    named = set(re.findall(r"\$(\w+)", sql))
    return {name: value for name, value in params.items() if name in named}


def generate(db_path: Path, mentions: int) -> dict[str, int]:
    """Fill a fresh warehouse with a year of synthetic coverage; returns the row counts."""
    check_vocabulary()
    rng = np.random.default_rng(SEED)
    with step("drawing the year (numpy)"):
        dims = build_dimensions(rng)
        run_start, completed = run_schedule(rng)
        articles, counts = draw_articles(rng, dims, mentions, run_start, completed)
        drawn_mentions = draw_mentions(rng, dims, articles, counts)
        copies = draw_copies(rng, articles, run_start, completed)
        runs, failures = draw_runs(rng, run_start, completed)
    epoch = int(datetime.combine(YEAR_START, datetime.min.time(), tzinfo=UTC).timestamp())
    params = {"epoch": epoch, "model_version": MODEL_VERSION, "outlets": OUTLET_COUNT}
    year = YearOfRecords(dims, articles, drawn_mentions, copies, epoch)
    ids = run_ids(run_start, epoch)
    with connect(db_path) as connection:
        connection.execute("SET enable_progress_bar = false")
        connection.execute("SET TimeZone = 'UTC'")  # days and URLs in UTC, like article_day()
        with step(f"articles through warehouse.db.store_articles, run by run ({len(ids)} runs)"):
            for run, records in year.by_run(len(ids)):
                store_articles(connection, ids[run], records)
        for name, table in {"bench_outlets": dims.outlets, "bench_runs": runs,
                            "bench_gen_failures": failures}.items():
            connection.register(name, table)
        for label, sql in RUN_STATEMENTS:
            with step(label):
                for statement in filter(str.strip, sql.split(";\n")):
                    connection.execute(statement, bound(statement, params) or None)
        with step("checkpoint"):
            connection.execute("CHECKPOINT")
        counts_sql = """
            SELECT (SELECT count(*) FROM stored_articles WHERE duplicate_of IS NULL),
                   (SELECT count(*) FROM stored_articles WHERE duplicate_of IS NOT NULL),
                   (SELECT count(*) FROM sentences), (SELECT count(*) FROM sentence_stances),
                   (SELECT count(*) FROM article_topic_stances), (SELECT count(*) FROM url_aliases),
                   (SELECT count(*) FROM runs), (SELECT count(*) FROM runs WHERE status = 'failed'),
                   (SELECT count(*) FROM failures), (SELECT count(DISTINCT source) FROM stored_articles),
                   (SELECT count(DISTINCT actor) FROM sentence_stances)"""
        row = connection.execute(counts_sql).fetchone()
        shares = dict(connection.execute(
            "SELECT stance, round(100 * count(*) / sum(count(*)) OVER (), 1) FROM sentence_stances "
            "GROUP BY stance").fetchall())
    names = ("originals", "copies", "sentences", "mentions", "article_stances", "url_aliases",
             "runs", "failed_runs", "failures", "outlets", "actors")
    result = dict(zip(names, row, strict=True))
    result["planned_shifts"] = dims.shifts
    for stance in STANCES:
        result[f"{stance}_pct"] = shares.get(stance, 0)
    return result


# ------------------------------------------------------------------ timing


@dataclass(frozen=True)
class ViewTiming:
    name: str
    count_s: float
    rows: int
    query_s: float
    query_rows: int

    @property
    def seconds(self) -> float:
        return max(self.count_s, self.query_s)


def time_views(db_path: Path, repeat: int) -> list[ViewTiming]:
    timings = []
    with connect(db_path, read_only=True) as connection:
        connection.execute("SET enable_progress_bar = false")
        for name in VIEWS:
            count_sql = f"SELECT count(*) FROM (SELECT * FROM {name})"  # name: a constant above
            count_s, count_rows = median_seconds(
                lambda sql=count_sql: connection.execute(sql).fetchall(), repeat)
            query_sql = ANALYST_QUERIES[name]
            params = bound(query_sql, ANALYST_PARAMS)
            query_s, rows = median_seconds(
                lambda sql=query_sql, params=params: connection.execute(sql, params).fetchall(),
                repeat)
            timing = ViewTiming(name, count_s, count_rows[0][0], query_s, len(rows))
            print(f"view {name}: {timing.seconds:.3f} s ({timing.rows} rows) "
                  f"{verdict(timing.seconds, VIEW_TARGET_S)}  "
                  f"[count {count_s:.3f} s; analyst query {query_s:.3f} s, {len(rows)} rows]",
                  flush=True)
            timings.append(timing)
    return timings


def report_breakdown(db_path: Path, filters: ReportFilters) -> list[tuple[str, float]]:
    """Each query behind the page, timed once on a warm connection (where the time goes)."""
    params = filters.params()
    names = [("report_overview", True)] + [REPORT_QUERIES[name] for name in REPORT_QUERIES
                                           if name != "recent_shifts"]
    spent = []
    with connect(db_path, read_only=True) as connection:
        connection.execute("SET enable_progress_bar = false")
        for query, filtered in names:
            started = time.perf_counter()
            connection.sql(load_sql(query), params=params if filtered else None).to_arrow_table()
            spent.append((query, time.perf_counter() - started))
    return spent


def time_reports(db_path: Path, repeat: int) -> list[tuple[str, float]]:
    cases = (
        (f"--since {QUARTER[0]} --until {QUARTER[1]}",
         {"since": QUARTER[0], "until": QUARTER[1]}),
        ("full range", {}),
        (f"--topic {TOPICS[0]}", {"topic": TOPICS[0]}),
    )
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-report-") as folder:
        for label, options in cases:
            seconds, _ = median_seconds(
                lambda options=options: write_report(db_path, Path(folder) / "report", **options),
                repeat)
            print(f"report {label}: {seconds:.2f} s {verdict(seconds, REPORT_TARGET_S)}",
                  flush=True)
            results.append((label, seconds))
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "stancewatch", "report", "--db", str(db_path),
                        "--out", str(Path(folder) / "cli")], check=True, stdout=subprocess.DEVNULL)
        seconds = time.perf_counter() - started
        print(f"report `stancewatch report` (full range, fresh process, once): {seconds:.2f} s "
              f"{verdict(seconds, REPORT_TARGET_S)}", flush=True)
        results.append(("stancewatch report, fresh process", seconds))
    print("  full-range report, query by query (one warm run each):")
    for query, seconds in report_breakdown(db_path, ReportFilters()):
        print(f"    {query}: {seconds:.3f} s")
    return results


# ------------------------------------------------------------------ command line


def machine_load() -> str:
    """Other work on the machine slows every figure: print the load next to them."""
    one, five, _ = os.getloadavg()
    return f"{os.cpu_count()} cores, load average {one:.1f} (1 min), {five:.1f} (5 min)"


def positive(text: str) -> int:
    value = int(text.replace("_", ""))
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive number")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tools.bench_warehouse",
        description="Time the reporting views and the report on a year of synthetic coverage.")
    parser.add_argument("--mentions", type=positive, default=2_000_000,
                        help="on-topic mentions to generate (default 2,000,000)")
    parser.add_argument("--db", type=Path,
                        help="warehouse file to build and keep (default: a temporary file)")
    parser.add_argument("--reuse", action="store_true",
                        help="time the existing --db as it is instead of building it")
    parser.add_argument("--repeat", type=positive, default=3,
                        help="runs per measurement; the median is reported (default 3)")
    args = parser.parse_args(argv)
    if args.reuse and (args.db is None or not args.db.exists()):
        print("--reuse needs --db naming an existing warehouse", file=sys.stderr)
        return 2
    if args.db is not None and args.db.exists() and not args.reuse:
        print(f"--db {args.db} already exists; remove it, choose another path or add --reuse",
              file=sys.stderr)
        return 2
    try:
        if args.db is not None:
            check_db_path(args.db, must_exist=args.reuse)
    except WarehouseError as exc:
        print(exc, file=sys.stderr)
        return 2
    print(f"machine: {machine_load()}", flush=True)
    try:
        return run_benchmark(args)
    except WarehouseError as exc:
        print(f"bench-warehouse: {exc}", file=sys.stderr)
        return 1


def run_benchmark(args: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-warehouse-") as folder:
        db_path = args.db or Path(folder) / "bench.duckdb"
        if args.reuse:
            with connect(db_path, read_only=True) as connection:
                mentions = connection.execute("SELECT count(*) FROM sentence_stances").fetchone()[0]
            print(f"reusing {db_path}: {mentions} mentions")
        else:
            print(f"generating {args.mentions:,} mentions into {db_path}", flush=True)
            started = time.perf_counter()
            rows = generate(db_path, args.mentions)
            print(f"generated in {time.perf_counter() - started:.1f} s "
                  f"({db_path.stat().st_size / 2**20:.0f} MiB): "
                  + ", ".join(f"{name}={value}" for name, value in rows.items()), flush=True)
            mentions = rows["mentions"]
        views = time_views(db_path, args.repeat)
        reports = time_reports(db_path, args.repeat)
        print(f"machine: {machine_load()}")
        slowest = max(views, key=lambda timing: timing.seconds)
        report_s = max(seconds for _, seconds in reports)
        if args.db is not None:
            print(f"warehouse kept at {db_path}")
    print(f"bench-warehouse: mentions={mentions}, slowest view {slowest.name} "
          f"{slowest.seconds:.3f} s, report {report_s:.2f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
