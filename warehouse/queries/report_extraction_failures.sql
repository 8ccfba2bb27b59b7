-- The latest article failures (fetch, extract, classify, store) of the latest 10 runs.
WITH recent AS (
    SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 10
)
SELECT occurred_at, stage, url, error, run_id
FROM failures
WHERE stage NOT IN ('feed', 'robots') AND run_id IN (SELECT run_id FROM recent)
ORDER BY occurred_at DESC, url
LIMIT 20;
