-- Which of the candidate URLs (table candidate_urls(url)) already lead to a stored article.
SELECT c.url, COALESCE(a.article_id, s.article_id) AS article_id
FROM candidate_urls AS c
LEFT JOIN url_aliases AS a ON a.url = c.url
LEFT JOIN stored_articles AS s ON s.url = c.url
WHERE a.article_id IS NOT NULL OR s.article_id IS NOT NULL;
