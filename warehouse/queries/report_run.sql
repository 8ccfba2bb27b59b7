-- One run ($run_id, or the latest when NULL) with its failures counted by stage.
WITH chosen AS (
    SELECT *
    FROM runs
    WHERE run_id = COALESCE($run_id, (SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1))
), failed AS (
    SELECT stage, count(*) AS failures, arg_max(error, occurred_at) AS last_error
    FROM failures
    WHERE run_id IN (SELECT run_id FROM chosen)
    GROUP BY stage
)
SELECT c.run_id, c.flow, c.status, c.started_at, c.finished_at, c.feeds_ok, c.feeds_failed,
       c.feeds_not_modified, c.articles_seen, c.articles_new, c.duplicates, c.mentions_new,
       c.error,
       (SELECT list(struct_pack(stage := stage, failures := failures, last_error := last_error)
                    ORDER BY failures DESC, stage) FROM failed) AS failures_by_stage
FROM chosen AS c;
