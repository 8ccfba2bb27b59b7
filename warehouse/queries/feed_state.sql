SELECT feed_url, etag, last_modified, last_status FROM feed_state;
