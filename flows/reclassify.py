"""Re-run the current classifier over stored articles (after a model update)."""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path

from stancewatch.flows import steps
from stancewatch.flows.lifecycle import ProgressCallback, RunSummary, run_lifecycle
from stancewatch.flows.pipeline import get_classifier
from stancewatch.models.inference import InferenceOptions
from stancewatch.warehouse import db


def reclassify(db_path: Path, since: date, until: date, model: str | None,
               actors_file: str | None, *, include_gated: bool = False,
               inference: InferenceOptions | None = None,
               prefect_flow_run_id: str | None = None,
               progress: ProgressCallback | None = None) -> RunSummary:
    """Stances of the articles published in [since, until] are replaced, stamped with the
    classifier's model_version. Articles the relevance gate left unclassified are included
    only with `include_gated` (and then count as classified); articles in a language the
    classifier does not read never are. `runs.articles_gated` counts the gated articles of
    the window left unclassified."""
    classifier = get_classifier(model, actors_file, inference)
    start, end = steps.window_bounds(since, until)
    with run_lifecycle(db_path, "reclassify", classifier.model_version,
                       prefect_flow_run_id=prefect_flow_run_id, progress=progress) as run, \
            db.connect(db_path) as connection:
        rows = connection.execute(db.load_sql("articles_in_window"),
                                  {"since": start, "until": end}).fetchall()
        ids = [article_id for article_id, reason in rows
               if reason is None or (reason == "gated" and include_gated)]
        started = time.perf_counter()
        done = 0

        def on_batch(count: int) -> None:
            nonlocal done
            done += count
            run.progress("articles", done, len(ids))

        run.stats.mentions_new = steps.reclassify_articles(connection, classifier, ids, on_batch)
        run.stats.classify_seconds = time.perf_counter() - started
        run.stats.articles_seen = len(ids)
        run.stats.articles_gated = sum(reason == "gated" for _, reason in rows) if not \
            include_gated else 0
    return run.summary()
