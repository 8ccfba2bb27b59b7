-- The stored original that a new text copies: same content hash, or SimHash within
-- $max_distance bits. The earliest published (then earliest fetched) original wins.
SELECT article_id
FROM stored_articles
WHERE duplicate_of IS NULL
  AND article_id <> $article_id
  AND (content_hash = $content_hash OR bit_count(xor(simhash, $simhash)) <= $max_distance)
ORDER BY published_at NULLS LAST, fetched_at, article_id
LIMIT 1;
