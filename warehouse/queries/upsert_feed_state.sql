INSERT INTO feed_state (feed_url, etag, last_modified, last_status, last_checked_at)
VALUES ($feed_url, $etag, $last_modified, $last_status, now())
ON CONFLICT (feed_url) DO UPDATE SET
    etag = COALESCE(excluded.etag, feed_state.etag),
    last_modified = COALESCE(excluded.last_modified, feed_state.last_modified),
    last_status = excluded.last_status,
    last_checked_at = excluded.last_checked_at;
