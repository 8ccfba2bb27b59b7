UPDATE runs SET
    finished_at = now(), status = $status, error = $error,
    feeds_ok = $feeds_ok, feeds_failed = $feeds_failed, feeds_not_modified = $feeds_not_modified,
    articles_seen = $articles_seen, articles_new = $articles_new, duplicates = $duplicates,
    failures = $failures, mentions_new = $mentions_new,
    http_requests = $http_requests, http_not_modified = $http_not_modified,
    fetch_seconds = $fetch_seconds, extract_seconds = $extract_seconds,
    classify_seconds = $classify_seconds, store_seconds = $store_seconds,
    sentences_capped = $sentences_capped, articles_gated = $articles_gated,
    alerts_sent = $alerts_sent, alerts_failed = $alerts_failed
WHERE run_id = $run_id;
