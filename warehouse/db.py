"""DuckDB warehouse: connections, the run lock, migrations and writers.

DuckDB allows one read-write process per file. A run takes an exclusive lock file
for its whole duration (a second run gets a clear message), but opens the database
only for short transactions, so readers (reports) get in between them.
"""

from __future__ import annotations

import fcntl
import functools
import hashlib
import os
import re
import stat
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import duckdb
import pyarrow as pa

from stancewatch.errors import StancewatchError, UserError
from stancewatch.warehouse.records import ArticleRecord, FailureRecord, FeedState, RunStats

PACKAGE_DIR = Path(__file__).resolve().parent
MIGRATIONS_DIR = PACKAGE_DIR / "migrations"
VIEWS_DIR = PACKAGE_DIR / "views"
QUERIES_DIR = PACKAGE_DIR / "queries"
LOCK_MESSAGES = ("Could not set lock", "Conflicting lock")


class WarehouseError(StancewatchError):
    """A problem with the warehouse (one line)."""


class WarehouseFileError(WarehouseError, UserError):
    """--db names something that is not a usable warehouse file (the user can fix it)."""


class WarehouseBusyError(WarehouseError):
    """Another process is writing to the warehouse."""


@contextmanager
def transaction(connection: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """BEGIN … COMMIT, or ROLLBACK on any error (the error is what the caller sees)."""
    connection.execute("BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        try:
            connection.execute("ROLLBACK")
        except duckdb.Error:
            pass  # the failed statement already ended the transaction (e.g. disk full)
        raise
    connection.execute("COMMIT")


@functools.cache
def load_sql(name: str) -> str:
    """A named statement from queries/, read once per process."""
    return (QUERIES_DIR / f"{name}.sql").read_text(encoding="utf-8")


def article_id_for(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of a DuckDB database file


def check_db_path(path: Path, must_exist: bool = False) -> None:
    """Refuse, before anything is created, a --db that cannot be a warehouse."""
    if path.is_dir():
        raise WarehouseFileError(f"--db {path} is a directory, not a DuckDB file")
    if path.exists() and not path.is_file():
        raise WarehouseFileError(f"--db {path} is not a regular file")
    if path.is_file() and path.stat().st_size > 0:
        with open(path, "rb") as handle:
            header = handle.read(12)
        if header[8:12] != DUCKDB_MAGIC:
            raise WarehouseFileError(f"--db {path} is not a DuckDB database (wrong file header)")
    if must_exist and not path.exists():
        raise WarehouseFileError(f"no warehouse at {path} (run `stancewatch run` first)")
    parent = path.parent if str(path.parent) else Path(".")
    if not must_exist and not parent.exists():
        raise WarehouseFileError(f"--db {path}: folder {parent} does not exist")
    if path.exists() and not must_exist and (
            not os.access(path, os.W_OK) or not path.stat().st_mode & 0o222):
        raise WarehouseFileError(f"--db {path} is read-only")
    if not path.exists() and not must_exist and not os.access(parent, os.W_OK):
        raise WarehouseFileError(f"--db {path}: folder {parent} is not writable")


def check_not_held(path: Path, wait_seconds: float = 3.0) -> None:
    """Before a run starts: is the file held open by a process that is not a stancewatch run
    (a notebook, a DuckDB shell)? Say so now, not after the run has waited for it."""
    lock_path = Path(f"{path}.lock")
    if not path.is_file() or lock_path.is_symlink():
        return
    if lock_path.exists():
        with open(lock_path) as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return  # another run holds it: run_lock says so
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            duckdb.connect(str(path)).close()
            return
        except duckdb.IOException as exc:
            if not any(message in str(exc) for message in LOCK_MESSAGES):
                return  # not a lock problem: connect() reports it in full
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(busy_message(path, exc, wait_seconds)) from None
            time.sleep(0.1)
        except duckdb.Error:
            return


@contextmanager
def run_lock(path: Path) -> Iterator[None]:
    """Exclusive lock for the duration of a run: one writer per warehouse."""
    lock_path = Path(f"{path}.lock")
    try:
        descriptor = os.open(lock_path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise WarehouseFileError(
            f"cannot create the lock file {lock_path}: {exc.strerror}"
            + (" (it is a symbolic link)" if lock_path.is_symlink() else "")) from None
    if not stat.S_ISREG(os.fstat(descriptor).st_mode):
        os.close(descriptor)
        raise WarehouseFileError(f"the lock file {lock_path} is not a regular file")
    handle = os.fdopen(descriptor, "r+")
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = handle.read().strip() or "unknown"
            raise WarehouseBusyError(
                f"another stancewatch run ({holder}) is writing to {path}; try again when it ends"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"pid {os.getpid()}, since {datetime.now().isoformat(timespec='seconds')}")
        handle.flush()
        yield
        handle.seek(0)
        handle.truncate()
    finally:
        handle.close()


def _held_by(exc: Exception) -> str:
    found = re.search(r"\(PID (\d+)\)", str(exc))
    return f"process {found.group(1)}" if found else "another process"


def busy_message(path: Path, exc: Exception, waited: float) -> str:
    return (f"{path} is held open by {_held_by(exc)} (a notebook or DuckDB shell?) and stayed "
            f"so for {waited:g}s. DuckDB lets a run write only while no other process has the "
            "file open, even read-only: close that connection, or query through short-lived "
            "ones (`with stancewatch.connect(path) as con:`), and run again")


@contextmanager
def connect(path: Path, read_only: bool = False, wait_seconds: float = 30.0
            ) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse; wait up to `wait_seconds` for another process to let go of it
    (readers between a run's transactions, a run between a reader's queries)."""
    check_db_path(path, must_exist=read_only)
    deadline = time.monotonic() + wait_seconds
    while True:
        try:
            connection = duckdb.connect(str(path), read_only=read_only)
            break
        except duckdb.IOException as exc:
            if not any(message in str(exc) for message in LOCK_MESSAGES):
                raise WarehouseFileError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
            if time.monotonic() >= deadline:
                raise WarehouseBusyError(busy_message(path, exc, wait_seconds)) from exc
            time.sleep(0.1)
        except duckdb.Error as exc:
            raise WarehouseFileError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
    try:
        if not read_only:
            migrate(connection)
        yield connection
    finally:
        connection.close()


def open_warehouse(path: Path, read_only: bool = True) -> duckdb.DuckDBPyConnection:
    """A connection for analysts and the Python API (close it, or use `with`). Read-only by
    default: any number of readers can share the file while a run writes between them."""
    check_db_path(path, must_exist=read_only)
    try:
        connection = duckdb.connect(str(path), read_only=read_only)
    except duckdb.IOException as exc:
        if any(message in str(exc) for message in LOCK_MESSAGES):
            raise WarehouseBusyError(f"{path} is open for writing in another process") from exc
        raise WarehouseFileError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
    except duckdb.Error as exc:
        raise WarehouseFileError(f"cannot open {path}: {str(exc).splitlines()[0]}") from exc
    if not read_only:
        migrate(connection)
    return connection


def _migration_files(folder: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    found = []
    for file in sorted(folder.glob("*.sql")):
        found.append((int(file.name.split("_", 1)[0]), file))
    return found


def _views_digest() -> str:
    digest = hashlib.sha256()
    for file in sorted(VIEWS_DIR.glob("*.sql")):
        digest.update(file.read_bytes())
    return digest.hexdigest()[:16]


def migrate(connection: duckdb.DuckDBPyConnection, migrations_dir: Path = MIGRATIONS_DIR
            ) -> list[int]:
    """Apply pending migrations, each in its own transaction, then refresh views if changed."""
    connection.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations ("
        "version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMPTZ NOT NULL)"
    )
    applied = {row[0] for row in connection.execute("SELECT version FROM schema_migrations").fetchall()}
    done: list[int] = []
    for version, file in _migration_files(migrations_dir):
        if version in applied:
            continue
        with transaction(connection):
            connection.execute(file.read_text(encoding="utf-8"))
            connection.execute(
                "INSERT INTO schema_migrations VALUES (?, ?, now())", [version, file.stem]
            )
        done.append(version)
    connection.execute("CREATE TABLE IF NOT EXISTS view_state (digest VARCHAR)")
    rows = connection.execute("SELECT digest FROM view_state").fetchall()
    current = rows[0] if rows else None
    digest = _views_digest()
    if done or current is None or current[0] != digest:
        with transaction(connection):
            for file in sorted(VIEWS_DIR.glob("*.sql")):
                connection.execute(file.read_text(encoding="utf-8"))
            connection.execute("DELETE FROM view_state")
            connection.execute("INSERT INTO view_state VALUES (?)", [digest])
    return done


def schema_version(connection: duckdb.DuckDBPyConnection) -> int:
    rows = connection.execute("SELECT max(version) FROM schema_migrations").fetchall()
    return int(rows[0][0] or 0)


# --------------------------------------------------------------------------- writers
def start_run(connection: duckdb.DuckDBPyConnection, run_id: str, flow: str,
              model_version: str | None, prefect_flow_run_id: str | None = None) -> None:
    """Record a new run; runs a killed process left 'running' are marked 'crashed'."""
    connection.execute(load_sql("close_crashed_runs"))
    connection.execute(load_sql("start_run"), {
        "run_id": run_id, "flow": flow, "model_version": model_version,
        "prefect_flow_run_id": prefect_flow_run_id})


def finish_run(connection: duckdb.DuckDBPyConnection, run_id: str, stats: RunStats,
               status: str, error: str | None = None) -> None:
    params = dict(vars(stats))
    params.update(run_id=run_id, status=status, error=error)
    connection.execute(load_sql("finish_run"), params)


def record_failures(connection: duckdb.DuckDBPyConnection, run_id: str,
                    failures: Sequence[FailureRecord]) -> None:
    """All of a batch's failures in one statement."""
    if not failures:
        return
    new_failures = pa.table({  # noqa: F841 - used by SQL
        "url": pa.array([f.url[:2000] for f in failures], pa.string()),
        "stage": pa.array([f.stage for f in failures], pa.string()),
        "error": pa.array([f.error[:2000] for f in failures], pa.string()),
        "feed_url": pa.array([f.feed_url for f in failures], pa.string())})
    connection.register("new_failures", new_failures)
    try:
        connection.execute(load_sql("insert_failures"), {"run_id": run_id})
    finally:
        connection.unregister("new_failures")


def feed_states(connection: duckdb.DuckDBPyConnection) -> dict[str, FeedState]:
    rows = connection.execute(load_sql("feed_state")).fetchall()
    return {row[0]: FeedState(*row) for row in rows}


def save_feed_states(connection: duckdb.DuckDBPyConnection, states: Sequence[FeedState]) -> None:
    for state in states:
        connection.execute(load_sql("upsert_feed_state"), vars(state))


def known_urls(connection: duckdb.DuckDBPyConnection, urls: Sequence[str]) -> dict[str, str]:
    """Map each already-stored URL (canonical or alias) to its article_id."""
    if not urls:
        return {}
    candidate_urls = pa.table({"url": list(dict.fromkeys(urls))})  # noqa: F841 - used by SQL
    connection.register("candidate_urls", candidate_urls)
    try:
        return dict(connection.execute(load_sql("known_urls")).fetchall())
    finally:
        connection.unregister("candidate_urls")


def find_original(connection: duckdb.DuckDBPyConnection, article_id: str, content_hash: str,
                  simhash: int, max_distance: int) -> str | None:
    rows = connection.execute(load_sql("find_original"), {
        "article_id": article_id, "content_hash": content_hash, "simhash": simhash,
        "max_distance": max_distance,
    }).fetchall()
    return rows[0][0] if rows else None


def sentence_overlap_originals(connection: duckdb.DuckDBPyConnection,
                               articles: Sequence[ArticleRecord], min_shared: int,
                               min_share: float) -> dict[str, str]:
    """Map new article ids to stored originals sharing most of their sentences (one query
    per batch)."""
    ids = [a.article_id for a in articles for _ in a.sentences]
    candidate_sentences = pa.table({  # noqa: F841 - used by SQL
        "article_id": pa.array(ids, pa.string()),
        "sentence": pa.array([s for a in articles for s in a.sentences], pa.string())})
    if not ids:
        return {}
    connection.register("candidate_sentences", candidate_sentences)
    try:
        return dict(connection.execute(load_sql("find_sentence_overlap"), {
            "min_shared": min_shared, "min_share": min_share}).fetchall())
    finally:
        connection.unregister("candidate_sentences")


MENTION_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("sentence_index", pa.int32()), ("topic", pa.string()),
    ("stance", pa.string()), ("confidence", pa.float64()), ("actor", pa.string()),
    ("actor_group", pa.string()), ("model_version", pa.string()), ("holder_rule", pa.string())])
ARTICLE_STANCE_SCHEMA = pa.schema([
    ("article_id", pa.string()), ("topic", pa.string()), ("stance", pa.string()),
    ("confidence", pa.float64()), ("mentions", pa.int32()), ("model_version", pa.string())])


def _arrow_tables(run_id: str, articles: Sequence[ArticleRecord]) -> dict[str, pa.Table]:
    article_rows: dict[str, list[object]] = {name: [] for name in (
        "article_id", "url", "source", "domain", "title", "author", "published_at", "language",
        "text", "content_hash", "simhash", "duplicate_of", "feed_url", "fetched_at", "run_id",
        "published_local", "extraction_mode", "unclassified")}
    aliases: dict[str, list] = {"url": [], "article_id": []}
    sentences: dict[str, list] = {"article_id": [], "sentence_index": [], "sentence": []}
    mentions: dict[str, list] = {name: [] for name in (
        "article_id", "sentence_index", "topic", "stance", "confidence", "actor", "actor_group",
        "model_version", "holder_rule")}
    stances: dict[str, list] = {name: [] for name in (
        "article_id", "topic", "stance", "confidence", "mentions", "model_version")}
    for article in articles:
        for name in article_rows:
            article_rows[name].append(run_id if name == "run_id" else getattr(article, name))
        for alias in {article.url, *article.aliases}:
            aliases["url"].append(alias)
            aliases["article_id"].append(article.article_id)
        for index, sentence in enumerate(article.sentences):
            sentences["article_id"].append(article.article_id)
            sentences["sentence_index"].append(index)
            sentences["sentence"].append(sentence)
        for mention in article.mentions:
            mentions["article_id"].append(article.article_id)
            for name in ("sentence_index", "topic", "stance", "confidence", "actor", "actor_group",
                         "holder_rule"):
                mentions[name].append(getattr(mention, name))
            mentions["model_version"].append(article.model_version)
        for stance in article.stances:
            stances["article_id"].append(article.article_id)
            for name in ("topic", "stance", "confidence", "mentions"):
                stances[name].append(getattr(stance, name))
            stances["model_version"].append(article.model_version)
    schema_overrides = {
        "published_at": pa.timestamp("us", tz="UTC"), "fetched_at": pa.timestamp("us", tz="UTC"),
        "simhash": pa.int64(), "published_local": pa.date32(),
    }
    article_table = pa.table({
        name: pa.array(values, type=schema_overrides.get(name, pa.string()))
        for name, values in article_rows.items()
    })
    return {
        "new_articles": article_table,
        "new_aliases": pa.table({"url": pa.array(aliases["url"], pa.string()),
                                 "article_id": pa.array(aliases["article_id"], pa.string())}),
        "new_sentences": pa.table({
            "article_id": pa.array(sentences["article_id"], pa.string()),
            "sentence_index": pa.array(sentences["sentence_index"], pa.int32()),
            "sentence": pa.array(sentences["sentence"], pa.string())}),
        "new_mentions": pa.table(mentions, schema=MENTION_SCHEMA),
        "new_article_stances": pa.table(stances, schema=ARTICLE_STANCE_SCHEMA),
    }


def _write_tables(connection: duckdb.DuckDBPyConnection, run_id: str,
                  tables: dict[str, pa.Table], failures: Sequence[FailureRecord]) -> None:
    """Insert registered batch tables in one transaction: an article is stored whole or not at all."""
    for name, table in tables.items():
        connection.register(name, table)
    try:
        with transaction(connection):
            if tables["new_articles"].num_rows:
                for statement in ("insert_articles", "insert_aliases", "insert_sentences",
                                  "replace_stances"):
                    connection.execute(load_sql(statement))
            record_failures(connection, run_id, failures)
    finally:
        for name in tables:
            connection.unregister(name)


def store_articles(connection: duckdb.DuckDBPyConnection, run_id: str,
                   articles: Sequence[ArticleRecord], failures: Sequence[FailureRecord] = ()
                   ) -> None:
    _write_tables(connection, run_id, _arrow_tables(run_id, articles), failures)


def write_parquet_batch(directory: Path, run_id: str, batch_number: int,
                        articles: Sequence[ArticleRecord]) -> Path:
    """Hand a batch over as Parquet files (for workers that must not open the warehouse)."""
    import pyarrow.parquet as pq

    folder = directory / f"{run_id}-{batch_number:06d}"
    folder.mkdir(parents=True, exist_ok=True)
    for name, table in _arrow_tables(run_id, articles).items():
        pq.write_table(table, folder / f"{name}.parquet")
    return folder


def load_parquet_batch(connection: duckdb.DuckDBPyConnection, run_id: str, folder: Path,
                       failures: Sequence[FailureRecord] = ()) -> None:
    """The single writer loads a worker's Parquet batch in one transaction."""
    import pyarrow.parquet as pq

    tables = {file.stem: pq.read_table(file) for file in folder.glob("*.parquet")}
    _write_tables(connection, run_id, tables, failures)


def replace_stances(connection: duckdb.DuckDBPyConnection, article_ids: Sequence[str],
                    results: Sequence[tuple[Sequence, Sequence]], model_version: str) -> int:
    """Swap the stances of stored articles for new ones (reclassification), atomically; the
    articles count as classified from now on (unclassified cleared)."""
    mentions: dict[str, list] = {k: [] for k in (
        "article_id", "sentence_index", "topic", "stance", "confidence", "actor", "actor_group",
        "holder_rule")}
    stances: dict[str, list] = {k: [] for k in ("article_id", "topic", "stance", "confidence",
                                                 "mentions")}
    for article_id, (article_mentions, article_stances) in zip(article_ids, results, strict=True):
        for mention in article_mentions:
            mentions["article_id"].append(article_id)
            for name in ("sentence_index", "topic", "stance", "confidence", "actor", "actor_group",
                         "holder_rule"):
                mentions[name].append(getattr(mention, name))
        for stance in article_stances:
            stances["article_id"].append(article_id)
            for name in ("topic", "stance", "confidence", "mentions"):
                stances[name].append(getattr(stance, name))
    mentions["model_version"] = [model_version] * len(mentions["article_id"])
    stances["model_version"] = [model_version] * len(stances["article_id"])
    tables = {
        "new_articles": pa.table({"article_id": pa.array(list(article_ids), pa.string())}),
        "new_mentions": pa.table(mentions, schema=MENTION_SCHEMA),
        "new_article_stances": pa.table(stances, schema=ARTICLE_STANCE_SCHEMA),
    }
    for name, table in tables.items():
        connection.register(name, table)
    try:
        with transaction(connection):
            connection.execute(load_sql("replace_stances"))
            connection.execute(load_sql("mark_classified"))
    finally:
        for name in tables:
            connection.unregister(name)
    return len(mentions["article_id"])
