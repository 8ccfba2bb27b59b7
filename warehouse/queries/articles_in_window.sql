-- Stored articles published in [$since, $until), for reclassification.
SELECT article_id
FROM stored_articles
WHERE published_at >= $since AND published_at < $until AND duplicate_of IS NULL
ORDER BY article_id;
