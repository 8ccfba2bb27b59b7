-- The day an article's titles resolve on (its own day, else its UTC publication date).
SELECT COALESCE(published_local, CAST(timezone('UTC', published_at) AS DATE))
FROM stored_articles WHERE article_id = $article_id;
