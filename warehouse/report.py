"""Trend report: the reporting views rendered as one self-contained HTML page.

`write_report` reads the warehouse read-only and writes report.html (inline CSS and
matplotlib SVG, nothing fetched from the network), report.md and CSV/Parquet extracts of
every table behind the page. `summary_markdown` is the short version the daily flow
publishes as a Prefect artifact. Filters reach SQL only as bound parameters.
"""

from __future__ import annotations

import html
import io
import os
import re
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from string import Template
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from stancewatch import days
from stancewatch.errors import UserError
from stancewatch.models.topics import load_topics, topic_labels
from stancewatch.untrusted import CSV_FORMULA_STARTS, for_markdown, for_terminal
from stancewatch.warehouse.db import PACKAGE_DIR, WarehouseFileError, _views_digest, connect, load_sql

TOPICS = topic_labels()  # name -> label, from the topic registry (models/topics.toml)
STANCES = ("favor", "against", "neutral", "mixed")
STANCE_LABELS = {"favor": "Favor", "against": "Against", "neutral": "Neutral",
                 "mixed": "Mixed (both sides)"}
STANCE_COLOURS = {"favor": "#2e7d32", "against": "#c62828", "neutral": "#9e9e9e",
                  "mixed": "#f0a500"}
TOPIC_COLOURS = {topic.name: topic.colour for topic in load_topics()}
REPORT_TITLE = "Stance trends: " + " and ".join(
    label[:1].lower() + label[1:] if index else label for index, label in enumerate(TOPICS.values()))
TEMPLATE_PATH = PACKAGE_DIR / "report_template.html"
TOP_SHIFTS = 10
TOP_OUTLETS = 12

# Report tables, in page order: name -> (query file, takes the filters as parameters).
REPORT_QUERIES: dict[str, tuple[str, bool]] = {
    "share_weekly": ("report_share_weekly", True),
    "latest_shares": ("report_latest_shares", True),
    "actor_grid": ("report_actor_grid", True),
    "shifts": ("report_shifts", True),
    "sources": ("report_sources", True),
    "volume": ("report_volume", True),
    "runs": ("report_runs", False),
    "failing_feeds": ("report_failing_feeds", False),
    "extraction_failures": ("report_extraction_failures", False),
    "recent_shifts": ("report_recent_shifts", False),  # for the daily summary only
}
PAGE_TABLES = tuple(name for name in REPORT_QUERIES if name != "recent_shifts")


class ReportFilterError(UserError, ValueError):
    """A report option the user can fix: one line, a usage error (exit code 2)."""


def parse_day(text: str, option: str = "--since") -> date:
    """A day from the command line or the Python API, in any form of
    stancewatch.days.parse_day (2025-03-31, 31 March 2025, …)."""
    try:
        return days.parse_day(text)
    except days.DayFormatError:
        raise ReportFilterError(f"{option} {text[:40]!r} is not a date like "
                                f"{days.DAY_EXAMPLES}") from None


def _as_day(value: date | str | None, option: str) -> date | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return parse_day(value, option)
    raise ReportFilterError(f"{option} {value!r} is not a date like 2025-03-31")


@dataclass(frozen=True)
class ReportFilters:
    """What the report covers. Days are inclusive; None means no filter."""

    since: date | None = None
    until: date | None = None
    topic: str | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "since", _as_day(self.since, "--since"))
        object.__setattr__(self, "until", _as_day(self.until, "--until"))
        if self.since and self.until and self.since > self.until:
            raise ReportFilterError(f"--since {self.since} is after --until {self.until}")
        if self.topic is not None and self.topic not in TOPICS:
            raise ReportFilterError(
                f"--topic {self.topic!r} is not one of: {', '.join(TOPICS)}")
        if self.source is not None and not self.source.strip():
            raise ReportFilterError("--source is empty; give an outlet name or leave it out")

    def params(self) -> dict[str, object]:
        return {"since": self.since, "until": self.until, "topic": self.topic,
                "source": self.source}

    def describe(self) -> str:
        parts = []
        if self.since or self.until:
            parts.append(f"published {_day(self.since) if self.since else 'any time'}"
                         f" to {_day(self.until) if self.until else 'today'}")
        if self.topic:
            parts.append(f"topic: {TOPICS[self.topic]}")
        if self.source:
            parts.append(f"outlet: {self.source}")
        return "; ".join(parts) if parts else "all articles, all topics, all outlets"


@dataclass(frozen=True)
class ReportFiles:
    html: Path
    markdown: Path
    extracts: tuple[Path, ...]


@dataclass(frozen=True)
class Overview:
    articles: int = 0
    duplicates: int = 0
    outlets: int = 0
    on_topic_articles: int = 0
    mentions: int = 0
    actors: int = 0
    first_day: date | None = None
    last_day: date | None = None


@dataclass(frozen=True)
class ReportData:
    filters: ReportFilters
    generated_at: datetime
    overview: Overview
    tables: dict[str, pa.Table] = field(default_factory=dict)
    min_mentions: int = 2

    def rows(self, name: str, limit: int | None = None) -> list[dict[str, Any]]:
        table = self.tables[name]
        return (table if limit is None else table.slice(0, limit)).to_pylist()

    def count(self, name: str) -> int:
        return self.tables[name].num_rows


# ------------------------------------------------------------------ reading (DuckDB edge)
def _query(connection: duckdb.DuckDBPyConnection, name: str,
           params: dict[str, object] | None = None) -> pa.Table:
    return connection.sql(load_sql(name), params=params or None).to_arrow_table()


def _topic_columns(table: pa.Table) -> pa.Table:
    """report_volume's per-topic counts (a MAP) as one `<topic>_articles` column per topic
    of the registry, in its order: flat columns for the CSV extract and the chart."""
    position = table.schema.get_field_index("topic_articles")
    counts = [dict(entry or []) for entry in table.column("topic_articles").to_pylist()]
    table = table.remove_column(position)
    for offset, topic in enumerate(TOPICS):
        table = table.add_column(position + offset, f"{topic}_articles",
                                 pa.array([count.get(topic, 0) for count in counts], pa.int64()))
    return table


def check_views(connection: duckdb.DuckDBPyConnection, db_path: Path) -> None:
    """A read-only reader cannot create views: say so when the file predates them."""
    try:
        rows = connection.execute(load_sql("report_view_state")).fetchall()
    except duckdb.CatalogException:
        rows = []
    if [row[0] for row in rows] != [_views_digest()]:
        raise WarehouseFileError(
            f"the views in {db_path} are older than this stancewatch; open it once for writing "
            "(e.g. `stancewatch run`) to update them")


def load_report_data(connection: duckdb.DuckDBPyConnection, filters: ReportFilters,
                     names: Sequence[str] = PAGE_TABLES) -> ReportData:
    params = filters.params()
    overview_row = _query(connection, "report_overview", params).to_pylist()
    overview = Overview(**{key: value for key, value in overview_row[0].items()
                           if value is not None}) if overview_row else Overview()
    tables = {}
    for name in names:
        query, filtered = REPORT_QUERIES[name]
        tables[name] = _query(connection, query, params if filtered else None)
    if "volume" in tables:
        tables["volume"] = _topic_columns(tables["volume"])
    settings = _query(connection, "report_settings").to_pylist()[0]
    return ReportData(filters, datetime.now(UTC).replace(microsecond=0), overview, tables,
                      min_mentions=settings["min_mentions"])


def write_report(db_path: Path, out_dir: Path, *, since: date | None = None,
                 until: date | None = None, topic: str | None = None,
                 source: str | None = None) -> ReportFiles:
    """Write report.html, report.md and extracts/ for the filtered warehouse into out_dir."""
    filters = ReportFilters(since, until, topic, source)
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportFilterError(f"--out {out_dir} is a file, not a folder")
    with connect(Path(db_path), read_only=True) as connection:
        check_views(connection, Path(db_path))
        connection.execute("SET enable_progress_bar = false")
        data = load_report_data(connection, filters)
    out_dir.mkdir(parents=True, exist_ok=True)
    extracts = write_extracts(data.tables, out_dir / "extracts")
    html_path = _write_text(out_dir / "report.html",
                            render_html(data, [path.name for path in extracts]))
    markdown_path = _write_text(out_dir / "report.md", render_markdown(data))
    return ReportFiles(html=html_path, markdown=markdown_path, extracts=tuple(extracts))


def summary_markdown(connection: duckdb.DuckDBPyConnection, run_id: str | None = None) -> str:
    """Latest stances per topic, top shifts and the health of `run_id` (default: the latest
    run), for a Prefect markdown artifact. Call it after the run is finished."""
    data = load_report_data(connection, ReportFilters(),
                            names=("latest_shares", "recent_shifts", "failing_feeds"))
    run_rows = _query(connection, "report_run", {"run_id": run_id}).to_pylist()
    return render_markdown(data, run=run_rows[0] if run_rows else None, short=True,
                           run_id=run_id)


def run_summary_markdown(connection: duckdb.DuckDBPyConnection, summary: Any) -> str:
    """The Prefect artifact of a run: its counters, the short report and its failures, every
    value from the network escaped as in report.md."""
    lines = [f"# stancewatch {_md(summary.flow)} run `{_md(summary.run_id)}`", "",
             "| measure | value |", "|---|---|"]
    for key, value in vars(summary.stats).items():
        shown = round(value, 2) if isinstance(value, float) else value
        lines.append(f"| {_md(key.replace('_', ' '))} | {_md(shown)} |")
    lines += ["", summary_markdown(connection, summary.run_id)]
    if summary.failures:
        lines += ["", "## Failures", "", "| stage | url | reason |", "|---|---|---|"]
        lines += [f"| {_md(f.stage)} | {_md(f.url)} | {_md(f.error)} |"
                  for f in summary.failures[:50]]
        if len(summary.failures) > 50:
            lines.append(f"\n… and {len(summary.failures) - 50} more (`SELECT * FROM failures`).")
    return "\n".join(lines)


# ------------------------------------------------------------------ writing (file edge)
def _replace_file(path: Path, data: bytes) -> Path:
    """Replace the file whole (a folder served elsewhere never shows half a report), through
    a fresh temporary file: a symbolic link planted at `path` is replaced, never followed."""
    descriptor, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _write_text(path: Path, text: str) -> Path:
    return _replace_file(path, text.encode("utf-8"))


def _real_folder(folder: Path) -> Path:
    """A folder of our own under --out: a symbolic link planted there is removed, not
    followed, so no file outside --out is written."""
    if folder.is_symlink():
        folder.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def csv_ready(table: pa.Table) -> pa.Table:
    """CSV has no nested values: lists and structs become JSON text; and no cell may read as
    a spreadsheet formula (text starting = + - @ tab CR gets a leading '). Converted by
    DuckDB, column by column, without a round trip through Python objects."""
    nested = {field.name for field in table.schema if pa.types.is_nested(field.type)}
    text = {field.name for field in table.schema
            if pa.types.is_string(field.type) or pa.types.is_large_string(field.type)}
    as_text = duckdb.sqltype("VARCHAR")
    columns = []
    for name in table.column_names:
        column = duckdb.ColumnExpression(name)
        if name in nested:
            column = duckdb.FunctionExpression("to_json", column).cast(as_text)
        if name in nested or name in text:
            risky = duckdb.FunctionExpression("regexp_matches", column,
                                              duckdb.ConstantExpression(_FORMULA_START))
            column = duckdb.CaseExpression(risky, duckdb.FunctionExpression(
                "concat", duckdb.ConstantExpression("'"), column)).otherwise(column)
        columns.append(column.alias(name))
    with duckdb.connect() as scratch:
        return scratch.from_arrow(table).select(*columns).to_arrow_table()


_FORMULA_START = "^[" + re.escape("".join(CSV_FORMULA_STARTS)) + "]"


def write_extracts(tables: dict[str, pa.Table], folder: Path) -> list[Path]:
    _real_folder(folder)
    written = []
    for name, table in tables.items():
        parquet_path, csv_path = folder / f"{name}.parquet", folder / f"{name}.csv"
        parquet, csv_text = pa.BufferOutputStream(), pa.BufferOutputStream()
        pq.write_table(table, parquet)
        pa_csv.write_csv(csv_ready(table), csv_text)
        _replace_file(parquet_path, parquet.getvalue().to_pybytes())
        _replace_file(csv_path, csv_text.getvalue().to_pybytes())
        written.extend([csv_path, parquet_path])
    return written


# ------------------------------------------------------------------ formatting helpers
def _e(value: object) -> str:
    """Every text from the warehouse goes through here on its way into HTML."""
    return html.escape("" if value is None else str(value), quote=True)


def _day(value: date | None) -> str:
    return value.strftime("%-d %b %Y") if value else "—"


def _when(value: datetime | None) -> str:
    if value is None:
        return "—"
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d %H:%M UTC")


def _percent(share: float | None) -> str:
    return "—" if share is None else f"{100 * share:.0f}%"


def _safe_url(url: object) -> str | None:
    text = str(url or "")
    return text if re.match(r"https?://", text, re.IGNORECASE) else None


def _link(url: object, text: str) -> str:
    safe = _safe_url(url)
    if safe is None:
        return _e(text)
    return f'<a href="{_e(safe)}" rel="noopener noreferrer">{_e(text)}</a>'


def _source_label(row: dict[str, Any]) -> str:
    return f"{row['source']}, {_day(row['published'])}"


def _quoted(sentence: object) -> str:
    """A sentence in quotation marks, unless it opens with its own."""
    text = str(sentence or "").strip()
    return text if text[:1] in "\"“”„«»'‘’" else f"“{text}”"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _badge(stance: str | None) -> str:
    if not stance:
        return '<span class="muted">—</span>'
    return f'<span class="badge {_e(stance)}">{_e(STANCE_LABELS.get(stance, stance))}</span>'


def _by_topic(rows: Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Rows grouped by topic, topics in the order of TOPICS (then any unknown ones)."""
    grouped: dict[str, list[dict[str, Any]]] = {}
    for row in sorted(rows, key=lambda row: (list(TOPICS) + [row["topic"]]).index(row["topic"])):
        grouped.setdefault(row["topic"], []).append(row)
    return grouped


def _topics(filters: ReportFilters) -> list[str]:
    return [filters.topic] if filters.topic else list(TOPICS)


# ------------------------------------------------------------------ charts (matplotlib → SVG)
def _chart_text(text: object) -> str:
    """Warehouse text as a matplotlib label: a literal, never mathtext."""
    return for_terminal(text).replace("$", r"\$")


def _figure(width: float, height: float):
    from matplotlib.figure import Figure

    return Figure(figsize=(width, height), layout="constrained")


def svg_markup(figure, name: str, title: str) -> str:
    """Inline SVG: text kept as text, no metadata, ids prefixed so several charts can share
    one page, sized by CSS."""
    import matplotlib

    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": name}):
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    svg = buffer.getvalue()
    svg = svg[svg.index("<svg"):]
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, flags=re.DOTALL)
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{name}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{name}-\1)", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{name}-\1"', svg)
    svg = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"',
                 rf'<svg\1 class="chart" role="img" aria-label="{_e(title)}"', svg, count=1)
    return svg.strip()


def _week_axis(axis, weeks: Sequence[date]) -> None:
    """Ticks on Mondays (at most 12, evenly spaced), the year under the first of each year."""
    if not weeks:
        return
    first, last = min(weeks), max(weeks)
    count = (last - first).days // 7 + 1
    step = -(-count // 12)
    ticks = [first + timedelta(weeks=index) for index in range(0, count, step)]
    labels = [tick.strftime("%-d %b") + (f"\n{tick.year}" if index == 0
                                         or tick.year != ticks[index - 1].year else "")
              for index, tick in enumerate(ticks)]
    axis.set_xticks(ticks, labels)
    axis.set_xlim(first - timedelta(days=4), last + timedelta(days=4))


def _stance_legend(figure, axes) -> None:
    """One legend for all panels, in stance order, whichever panels drew what."""
    found: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            found.setdefault(label, handle)
    labels = [STANCE_LABELS[stance] for stance in STANCES if STANCE_LABELS[stance] in found]
    figure.legend([found[label] for label in labels], labels, loc="outside upper center",
                  ncols=4, frameon=False)


def share_chart(rows: Sequence[dict[str, Any]], topics: Sequence[str]) -> str | None:
    """Stacked weekly shares of article stances, one panel per topic."""
    if not rows:
        return None
    figure = _figure(9.5, 2.9 * len(topics) + 0.6)
    axes = figure.subplots(len(topics), 1, sharex=True, squeeze=False)[:, 0]
    all_weeks = sorted({row["week"] for row in rows})
    for axis, topic in zip(axes, topics, strict=True):
        weeks = sorted({row["week"] for row in rows if row["topic"] == topic})
        share: dict[tuple[date, str], float] = {}
        totals: dict[date, int] = {}
        for row in rows:
            if row["topic"] == topic:
                share[(row["week"], row["stance"])] = 100 * row["share"]
                totals[row["week"]] = totals.get(row["week"], 0) + row["articles"]
        series = [[share.get((week, stance), 0.0) for week in weeks] for stance in STANCES]
        if len(all_weeks) <= 52:
            bottom = [0.0] * len(weeks)
            for stance, heights in zip(STANCES, series, strict=True):
                axis.bar(weeks, heights, width=5.5, bottom=bottom, color=STANCE_COLOURS[stance],
                         label=STANCE_LABELS[stance], edgecolor="white", linewidth=0.5)
                bottom = [b + h for b, h in zip(bottom, heights, strict=True)]
        elif weeks:  # too many weeks for bars: stacked areas
            axis.stackplot(weeks, series, colors=[STANCE_COLOURS[s] for s in STANCES],
                           labels=[STANCE_LABELS[s] for s in STANCES], linewidth=0)
        if len(all_weeks) <= 26:
            for week in weeks:
                axis.annotate(f"n={totals[week]}", (week, 101), ha="center", va="bottom",
                              fontsize=7, color="#555555")
        axis.set_ylim(0, 112)
        axis.set_yticks([0, 25, 50, 75, 100])
        axis.set_ylabel("Share of articles (%)")
        axis.set_title(f"{TOPICS[topic]}: stance of the week's articles", loc="left",
                       fontsize=11, fontweight="bold")
        if not weeks:
            axis.text(0.5, 0.5, "no articles on this topic", transform=axis.transAxes,
                      ha="center", color="#777777")
        axis.grid(axis="y", color="#e6e6e6")
        axis.set_axisbelow(True)
        axis.spines[["top", "right"]].set_visible(False)
        _week_axis(axis, all_weeks)
    axes[-1].set_xlabel("Week starting (Monday); n = articles on the topic that week")
    _stance_legend(figure, axes)
    return svg_markup(figure, "share", "Share of articles by stance per week and topic")


def sources_chart(rows: Sequence[dict[str, Any]], topics: Sequence[str]) -> str | None:
    """Each outlet's articles by stance (100 % bars), one panel per topic."""
    if not rows:
        return None
    totals: dict[str, int] = {}
    for row in rows:
        totals[row["source"]] = totals.get(row["source"], 0) + row["articles"]
    outlets = sorted(totals, key=lambda source: (-totals[source], source))[:TOP_OUTLETS]
    outlets.reverse()  # barh draws bottom-up; the biggest outlet goes on top
    labels = [_chart_text(source) for source in outlets]
    figure = _figure(9.5, 0.42 * len(outlets) + 1.6)
    axes = figure.subplots(1, len(topics), sharey=True, squeeze=False)[0]
    for axis, topic in zip(axes, topics, strict=True):
        by_source = {row["source"]: row for row in rows if row["topic"] == topic}
        left = [0.0] * len(outlets)
        for stance in STANCES:
            widths = []
            for source in outlets:
                outlet = by_source.get(source)
                widths.append(100 * outlet[stance] / outlet["articles"]
                              if outlet and outlet["articles"] else 0.0)
            axis.barh(labels, widths, left=left, color=STANCE_COLOURS[stance],
                      label=STANCE_LABELS[stance], edgecolor="white", linewidth=0.5, height=0.7)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        for position, source in enumerate(outlets):
            outlet = by_source.get(source)
            axis.annotate(f"n={outlet['articles'] if outlet else 0}", (101, position), va="center",
                          fontsize=7, color="#555555", annotation_clip=False)
        axis.set_xlim(0, 100)
        axis.set_xticks([0, 25, 50, 75, 100])
        axis.set_xlabel("Share of the outlet's articles (%)")
        axis.set_title(TOPICS[topic], loc="left", fontsize=11, fontweight="bold")
        axis.spines[["top", "right"]].set_visible(False)
    _stance_legend(figure, axes)
    return svg_markup(figure, "sources", "Stance of each outlet's articles per topic")


def volume_chart(rows: Sequence[dict[str, Any]], topics: Sequence[str]) -> str | None:
    """Weekly articles: originals stored, copies left out, and originals per topic."""
    if not rows:
        return None
    figure = _figure(9.5, 3.8)
    axis = figure.subplots()
    weeks = [row["week"] for row in rows]
    width = 5.5 / len(topics)
    for offset, topic in enumerate(topics):
        centres = [week + timedelta(days=width * (offset + 0.5) - 2.75) for week in weeks]
        axis.bar(centres, [row[f"{topic}_articles"] for row in rows], width=width * 0.92,
                 color=TOPIC_COLOURS[topic], label=f"Articles on topic: {TOPICS[topic]}")
    axis.plot(weeks, [row["articles"] for row in rows], color="#222222", marker="o",
              markersize=3, linewidth=1.5, label="All articles stored (any topic)")
    axis.plot(weeks, [row["duplicates"] for row in rows], color="#888888", linestyle="--",
              marker="x", markersize=3, linewidth=1, label="Copies left out as duplicates")
    axis.set_ylabel("Articles per week")
    axis.set_xlabel("Week starting (Monday)")
    axis.set_title("Coverage volume", loc="left", fontsize=11, fontweight="bold")
    axis.set_ylim(bottom=0)
    axis.grid(axis="y", color="#e6e6e6")
    axis.set_axisbelow(True)
    axis.spines[["top", "right"]].set_visible(False)
    _week_axis(axis, weeks)
    figure.legend(loc="outside upper center", ncols=2, frameon=False, fontsize=9)
    return svg_markup(figure, "volume", "Articles per week")


# ------------------------------------------------------------------ HTML
def _chart_or_note(svg: str | None, note: str) -> str:
    return f'<figure>{svg}</figure>' if svg else f'<p class="empty">{_e(note)}</p>'


def _overview_html(data: ReportData) -> str:
    o = data.overview
    cards = [
        (f"{o.articles:,}", "articles (originals)"),
        (f"{o.duplicates:,}", "copies left out"),
        (f"{o.on_topic_articles:,}", "articles on topic"),
        (f"{o.mentions:,}", "on-topic sentences"),
        (f"{o.outlets:,}", "outlets"),
        (f"{o.actors:,}", "actors quoted"),
    ]
    items = "".join(f'<div class="card"><b>{_e(value)}</b><span>{_e(label)}</span></div>'
                    for value, label in cards)
    span = (f"Publication dates {_day(o.first_day)} – {_day(o.last_day)}."
            if o.first_day else "")
    return f'<div class="cards">{items}</div><p class="muted">{_e(span)}</p>'


def _latest_html(rows: Sequence[dict[str, Any]]) -> str:
    if not rows:
        return ""
    by_topic = _by_topic(rows)
    blocks = []
    for topic, stances in by_topic.items():
        total = sum(row["articles"] for row in stances)
        parts = []
        for row in stances:
            if row["articles"] == 0 and not row["previous_share"]:
                continue
            change = ""
            if row["previous_share"] is not None:
                points = round(100 * (row["share"] - row["previous_share"]))
                change = f' <small>({points:+d} pts)</small>'
            parts.append(f'{_badge(row["stance"])} {_percent(row["share"])}{change}')
        previous = stances[0]["previous_week"]
        compared = f"; change against the week of {_day(previous)}" if previous else ""
        blocks.append(
            f'<div class="latest"><h3>{_e(TOPICS.get(topic, topic))}</h3>'
            f'<p class="muted">Week of {_day(stances[0]["week"])}, '
            f'{_plural(total, "article")}{compared}</p>'
            f'<p>{" ".join(parts)}</p></div>')
    return f'<div class="latest-row">{"".join(blocks)}</div>'


def _grid_html(rows: Sequence[dict[str, Any]], topics: Sequence[str]) -> str:
    if not rows:
        return '<p class="empty">No actor quoted on these topics yet.</p>'
    actors: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = actors.setdefault(row["actor"], {"group": row["actor_group"],
                                                 "mentions": row["actor_mentions"]})
        entry[row["topic"]] = row
    head = "".join(f"<th>{_e(TOPICS[topic])}</th>" for topic in topics)
    body = []
    for actor, entry in actors.items():
        cells = []
        for topic in topics:
            latest = entry.get(topic)
            if latest is None:
                cells.append('<td class="muted">not quoted</td>')
                continue
            cells.append(
                f'<td>{_badge(latest["stance"])} <small class="muted">week of '
                f'{_day(latest["period"])} ({_plural(latest["period_mentions"], "mention")}; '
                f'{latest["total_mentions"]} in all)</small>'
                f'<blockquote>{_e(_quoted(latest["quote"]))}</blockquote>'
                f'<small>{_link(latest["url"], _source_label(latest))}</small></td>')
        group = f'{_e(entry["group"])} · ' if entry["group"] else ""
        body.append(f'<tr><th scope="row">{_e(actor)}<br><small class="muted">'
                    f'{group}{_plural(entry["mentions"], "mention")}</small></th>'
                    f'{"".join(cells)}</tr>')
    return (f'<table class="grid"><thead><tr><th>Actor</th>{head}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _shifts_html(rows: Sequence[dict[str, Any]], total: int) -> str:
    if not rows:
        return ('<p class="empty">No stance shifts: no actor changed its dominant stance '
                'between two weeks with enough mentions.</p>')
    body = []
    for row in rows:
        quotes = "".join(
            f'<li>{_e(_quoted(item["sentence"]))} <small>'
            f'{_link(item["url"], _source_label(item))}</small></li>'
            for item in row["evidence"] or [])
        body.append(
            f'<tr><th scope="row">{_e(row["actor"])}<br><small class="muted">'
            f'{_e(row["actor_group"] or "")}</small></th>'
            f'<td>{_e(TOPICS.get(row["topic"], row["topic"]))}</td>'
            f'<td class="nowrap">{_badge(row["from_stance"])} → {_badge(row["to_stance"])}'
            f'<br><small class="muted">week of {_day(row["from_period"])}: '
            f'{row["from_mentions"]} of {row["from_total"]}<br>week of '
            f'{_day(row["to_period"])}: {row["to_mentions"]} of {row["to_total"]}</small></td>'
            f'<td class="nowrap">{_day(row["changed_on"])}</td><td><ul>{quotes}</ul></td></tr>')
    more = (f'<p class="muted">{total - len(rows)} more in extracts/shifts.csv.</p>'
            if total > len(rows) else "")
    return ('<table><thead><tr><th>Actor</th><th>Topic</th><th>Shift (mentions with the '
            'dominant stance, of all)</th><th>Changed on</th><th>Evidence</th></tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>{more}')


def _table_html(rows: Sequence[dict[str, Any]],
                columns: Sequence[tuple[str, str, Callable[[Any], str] | None]]) -> str:
    head = "".join(f"<th>{_e(title)}</th>" for _, title, _ in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{format_(row[key]) if format_ else _e(row[key])}</td>"
                         for key, _, format_ in columns) + "</tr>"
        for row in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _status(value: str) -> str:
    kind = {"completed": "ok", "failed": "bad", "running": "warn"}.get(value, "warn")
    return f'<span class="status {kind}">{_e(value)}</span>'


def _code(value: object) -> str:
    return f'<code class="nowrap">{_e(value)}</code>'


def _count(value: int | None) -> str:
    return f'<span class="bad-count">{value}</span>' if value else "0"


def _health_html(data: ReportData) -> str:
    runs = data.rows("runs")
    if not runs:
        return '<p class="empty">No runs recorded yet.</p>'
    latest = runs[0]
    parts = [
        f'<p>Latest run <code>{_e(latest["run_id"])}</code> ({_e(latest["flow"])}) '
        f'{_status(latest["status"])}, started {_when(latest["started_at"])}: '
        f'{_plural(latest["feeds_ok"], "feed")} read, {latest["feeds_failed"]} failing, '
        f'{_plural(latest["articles_new"], "new article")}, '
        f'{_plural(latest["duplicates"], "duplicate")}, '
        f'{latest["extract_failures"] + latest["fetch_failures"]} not fetched or extracted.'
        + (f' Error: {_e(latest["error"])}' if latest["error"] else "") + "</p>",
        "<h3>Latest runs</h3>",
        _table_html(runs, [
            ("run_id", "Run", _code), ("flow", "Flow", None), ("status", "Status", _status),
            ("started_at", "Started", _when), ("feeds_ok", "Feeds ok", None),
            ("feeds_failed", "Feeds failing", _count), ("articles_new", "New articles", None),
            ("duplicates", "Duplicates", None), ("mentions_new", "On-topic sentences", None),
            ("fetch_failures", "Fetch failures", _count),
            ("extract_failures", "Extraction failures", _count),
            ("other_failures", "Other failures", _count)]),
    ]
    feeds = data.rows("failing_feeds")
    parts.append("<h3>Feeds failing</h3>")
    parts.append(_table_html(feeds, [
        ("feed", "Feed", _e), ("runs_failed", "Runs failed", None),
        ("runs_checked", "Of latest runs", None), ("last_failed_at", "Last failure", _when),
        ("last_error", "Last error", None)]) if feeds
        else '<p class="empty">No feed failed in the latest runs.</p>')
    failures = data.rows("extraction_failures")
    parts.append("<h3>Articles that could not be fetched or extracted</h3>")
    parts.append(_table_html(failures, [
        ("occurred_at", "When", _when), ("stage", "Stage", None),
        ("url", "URL", lambda url: _link(url, str(url))), ("error", "Error", None),
        ("run_id", "Run", None)]) if failures
        else '<p class="empty">No article failures in the latest runs.</p>')
    return "".join(parts)


def _topics_html() -> str:
    """The header's list of what is covered: each topic's label and description."""
    return "".join(f"<li><b>{_e(topic.label)}</b>: {_e(topic.description)}</li>"
                   for topic in load_topics())


def render_html(data: ReportData, extract_names: Sequence[str] = ()) -> str:
    """The whole page as one string: pure, so tests can render without a warehouse."""
    topics = _topics(data.filters)
    has_data = data.overview.articles > 0
    no_data = "" if has_data else (
        '<p class="notice">No data yet: the warehouse holds no articles'
        f'{" for these filters" if data.filters != ReportFilters() else ""}. '
        "Run <code>stancewatch run</code> and build the report again.</p>")
    sections = [
        ("overview", "At a glance", no_data + _overview_html(data)
         + _latest_html(data.rows("latest_shares"))),
        ("stance", "Stance over time",
         '<p class="lead">Week by week, the articles on each topic split by their overall '
         "stance (syndicated copies counted once).</p>"
         + _chart_or_note(share_chart(data.rows("share_weekly"), topics),
                          "No on-topic articles yet.")),
        ("actors", "Who stands where",
         "<p class=\"lead\">Each actor's dominant stance in the latest week they were quoted "
         "on the topic, with the clearest sentence from that week.</p>"
         + _grid_html(data.rows("actor_grid"), topics)),
        ("shifts", "Biggest shifts",
         '<p class="lead">Actors whose dominant stance on a topic changed from one week to '
         f"their next week with at least {data.min_mentions} mentions, with the sentences "
         "that show the new stance. Flips between favor and against come first.</p>"
         + _shifts_html(data.rows("shifts", TOP_SHIFTS), data.count("shifts"))),
        ("outlets", "Stance by outlet",
         _chart_or_note(sources_chart(data.rows("sources"), topics),
                        "No outlet has published on these topics yet.")),
        ("volume", "Volume",
         _chart_or_note(volume_chart(data.rows("volume"), topics), "No articles yet.")),
        ("health", "Run health", _health_html(data)),
    ]
    nav = "".join(f'<a href="#{key}">{_e(title)}</a>' for key, title, _ in sections)
    body = "".join(f'<section id="{key}"><h2>{_e(title)}</h2>{content}</section>'
                   for key, title, content in sections)
    extracts = ", ".join(f"<code>extracts/{_e(name)}</code>" for name in extract_names)
    template = Template(TEMPLATE_PATH.read_text(encoding="utf-8"))
    return template.substitute(
        title=_e(REPORT_TITLE), topics=_topics_html(),
        filters=_e(data.filters.describe()), generated=_e(_when(data.generated_at)),
        nav=nav, body=body,
        extracts=extracts or "none", min_mentions=str(data.min_mentions))


# ------------------------------------------------------------------ Markdown
def _md(value: object) -> str:
    return for_markdown(value)


def _md_link(url: object, text: str) -> str:
    safe = _safe_url(url)
    return f"[{_md(text)}](<{safe.replace('>', '%3E')}>)" if safe else _md(text)


def _md_latest(rows: Sequence[dict[str, Any]]) -> list[str]:
    if not rows:
        return ["No on-topic articles yet."]
    lines = ["| Topic | Week of | Favor | Against | Neutral | Mixed | Articles |",
             "|---|---|---|---|---|---|---|"]
    for topic, stances in _by_topic(rows).items():
        cells = []
        shares = {row["stance"]: row for row in stances}
        for stance in STANCES:
            row = shares.get(stance)
            cell = _percent(row["share"]) if row else "—"
            if row and row["previous_share"] is not None:
                cell += f" ({round(100 * (row['share'] - row['previous_share'])):+d})"
            cells.append(cell)
        total = sum(row["articles"] for row in stances)
        lines.append(f"| {_md(TOPICS.get(topic, topic))} | {_day(stances[0]['week'])} | "
                     + " | ".join(cells) + f" | {total} |")
    lines.append("")
    lines.append("Share of the week's articles; in brackets the change in points against the "
                 "previous week with articles.")
    return lines


def _md_shifts(rows: Sequence[dict[str, Any]], total: int) -> list[str]:
    if not rows:
        return ["No stance shifts."]
    lines = []
    for row in rows:
        lines.append(
            f"- **{_md(row['actor'])}** ({_md(row['actor_group'] or 'no group')}), "
            f"{_md(TOPICS.get(row['topic'], row['topic']))}: {row['from_stance']} → "
            f"**{row['to_stance']}** on {_day(row['changed_on'])} "
            f"({row['from_mentions']} of {row['from_total']} mentions in the week of "
            f"{_day(row['from_period'])}, {row['to_mentions']} of {row['to_total']} in the "
            f"week of {_day(row['to_period'])})")
        for item in (row["evidence"] or [])[:2]:
            lines.append(f"  - {_md(_quoted(item['sentence']))} "
                         f"({_md_link(item['url'], _source_label(item))})")
    if total > len(rows):
        lines.append(f"- … and {total - len(rows)} more.")
    return lines


def _md_run(run: dict[str, Any] | None, run_id: str | None) -> list[str]:
    if run is None:
        return [f"Run `{_md(run_id)}` not found." if run_id else "No runs recorded yet."]
    lines = [
        f"Run `{_md(run['run_id'])}` ({_md(run['flow'])}): **{_md(run['status'])}**, "
        f"started {_when(run['started_at'])}, finished {_when(run['finished_at'])}.",
        "",
        f"- Feeds: {run['feeds_ok']} read, {run['feeds_not_modified']} unchanged, "
        f"{run['feeds_failed']} failing",
        f"- Articles: {run['articles_seen']} seen, {run['articles_new']} new, "
        f"{run['duplicates']} duplicates, {run['mentions_new']} on-topic sentences",
    ]
    stages = run.get("failures_by_stage") or []
    if stages:
        lines.append("- Failures: " + ", ".join(
            f"{item['failures']} at {_md(item['stage'])} (last: {_md(item['last_error'])})"
            for item in stages))
    else:
        lines.append("- Failures: none")
    if run.get("error"):
        lines.append(f"- Error: {_md(run['error'])}")
    return lines


def render_markdown(data: ReportData, *, run: dict[str, Any] | None = None,
                    short: bool = False, run_id: str | None = None) -> str:
    o = data.overview
    h = "#" if short else ""  # the summary sits under the flow's own heading
    lines = [f"{h}# {_md(REPORT_TITLE)}", "",
             f"_Generated {_when(data.generated_at)}; {_md(data.filters.describe())}._", ""]
    if o.articles == 0:
        lines += ["**No data yet**: the warehouse holds no articles"
                  + (" for these filters." if data.filters != ReportFilters() else "."), ""]
    else:
        lines += [f"{o.articles:,} articles ({o.duplicates:,} copies left out) from "
                  f"{o.outlets} outlets; {o.on_topic_articles:,} on topic with "
                  f"{o.mentions:,} on-topic sentences quoting {o.actors} actors; published "
                  f"{_day(o.first_day)} – {_day(o.last_day)}.", ""]
    lines += [f"{h}## Latest stances", "", *_md_latest(data.rows("latest_shares")), ""]
    if short:
        lines += [f"{h}## Shifts in the last four weeks", "",
                  *_md_shifts(data.rows("recent_shifts", 5), data.count("recent_shifts")), ""]
    else:
        lines += [f"{h}## Biggest shifts", "",
                  *_md_shifts(data.rows("shifts", TOP_SHIFTS), data.count("shifts")), ""]
    if not short:
        lines += [f"{h}## Who stands where", ""]
        grid = data.rows("actor_grid")
        if grid:
            topics = _topics(data.filters)
            lines.append("| Actor | Group | " + " | ".join(TOPICS[t] for t in topics) + " |")
            lines.append("|---|---|" + "---|" * len(topics))
            actors: dict[str, dict[str, Any]] = {}
            for row in grid:
                actors.setdefault(row["actor"], {"group": row["actor_group"]})[row["topic"]] = row
            for actor, entry in actors.items():
                cells = [f"{entry[t]['stance']} (week of {_day(entry[t]['period'])})"
                         if t in entry else "—" for t in topics]
                lines.append(f"| {_md(actor)} | {_md(entry['group'])} | " + " | ".join(cells)
                             + " |")
        else:
            lines.append("No actor quoted yet.")
        lines += ["", f"{h}## Stance by outlet", ""]
        sources = data.rows("sources")
        if sources:
            lines += ["| Outlet | Topic | Favor | Against | Neutral | Mixed | Articles |",
                      "|---|---|---|---|---|---|---|"]
            lines += [f"| {_md(row['source'])} | {_md(TOPICS.get(row['topic'], row['topic']))} "
                      f"| {row['favor']} | {row['against']} | {row['neutral']} | {row['mixed']} "
                      f"| {row['articles']} |" for row in sources]
        else:
            lines.append("No outlet has published on these topics yet.")
        lines.append("")
    lines += [f"{h}## Run health", ""]
    if short:
        lines += _md_run(run, run_id)
    else:
        runs = data.rows("runs")
        if runs:
            lines += ["| Run | Flow | Status | Started | Feeds ok | Feeds failing | New articles "
                      "| Extraction failures |", "|---|---|---|---|---|---|---|---|"]
            lines += [f"| `{_md(r['run_id'])}` | {_md(r['flow'])} | {_md(r['status'])} | "
                      f"{_when(r['started_at'])} | {r['feeds_ok']} | {r['feeds_failed']} | "
                      f"{r['articles_new']} | {r['extract_failures'] + r['fetch_failures']} |"
                      for r in runs]
        else:
            lines.append("No runs recorded yet.")
    feeds = data.rows("failing_feeds")
    if feeds:
        lines += ["", "Feeds failing in the latest runs:", ""]
        lines += [f"- {_md(row['feed'])}: {row['runs_failed']} of {row['runs_checked']} runs "
                  f"(last: {_md(row['last_error'])})" for row in feeds]
    return "\n".join(lines).rstrip() + "\n"
