-- Feeds that failed (feed or robots stage) in any of the latest 10 runs, worst first.
WITH recent AS (
    SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 10
)
SELECT COALESCE(feed_url, url) AS feed,
       count(DISTINCT run_id) AS runs_failed,
       (SELECT count(*) FROM recent) AS runs_checked,
       max(occurred_at) AS last_failed_at,
       arg_max(error, occurred_at) AS last_error
FROM failures
WHERE stage IN ('feed', 'robots') AND run_id IN (SELECT run_id FROM recent)
GROUP BY COALESCE(feed_url, url)
ORDER BY runs_failed DESC, last_failed_at DESC, feed;
