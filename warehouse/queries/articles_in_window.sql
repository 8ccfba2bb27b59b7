-- Stored articles published in [$since, $until), for reclassification, with the reason
-- each was left unclassified (NULL: classified; 'gated' | 'language').
SELECT article_id, unclassified
FROM stored_articles
WHERE published_at >= $since AND published_at < $until AND duplicate_of IS NULL
ORDER BY article_id;
