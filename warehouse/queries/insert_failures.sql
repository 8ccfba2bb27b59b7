INSERT INTO failures (run_id, url, stage, error, feed_url, occurred_at)
SELECT $run_id, url, stage, error, feed_url, now() FROM new_failures;
