INSERT INTO failures (run_id, url, stage, error, feed_url, occurred_at)
VALUES ($run_id, $url, $stage, $error, $feed_url, now());
