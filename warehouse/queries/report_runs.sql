-- The latest runs (at most 10), newest first, with their failures counted by stage.
WITH recent AS (
    SELECT * FROM runs ORDER BY started_at DESC LIMIT 10
), failed AS (
    SELECT run_id,
           count(*) FILTER (WHERE stage IN ('feed', 'robots')) AS feed_failures,
           count(*) FILTER (WHERE stage = 'fetch') AS fetch_failures,
           count(*) FILTER (WHERE stage = 'extract') AS extract_failures,
           count(*) FILTER (WHERE stage NOT IN ('feed', 'robots', 'fetch', 'extract'))
               AS other_failures
    FROM failures
    WHERE run_id IN (SELECT run_id FROM recent)
    GROUP BY run_id
)
SELECT r.run_id, r.flow, r.status, r.started_at, r.finished_at, r.feeds_ok, r.feeds_failed,
       r.feeds_not_modified, r.articles_seen, r.articles_new, r.duplicates, r.mentions_new,
       COALESCE(f.feed_failures, 0) AS feed_failures,
       COALESCE(f.fetch_failures, 0) AS fetch_failures,
       COALESCE(f.extract_failures, 0) AS extract_failures,
       COALESCE(f.other_failures, 0) AS other_failures,
       r.model_version, r.error
FROM recent AS r
LEFT JOIN failed AS f USING (run_id)
ORDER BY r.started_at DESC, r.run_id;
