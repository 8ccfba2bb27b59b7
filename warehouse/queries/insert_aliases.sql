INSERT OR IGNORE INTO url_aliases (url, article_id)
SELECT DISTINCT ON (url) url, article_id FROM new_aliases;
