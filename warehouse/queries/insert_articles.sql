INSERT OR IGNORE INTO stored_articles
    (article_id, url, source, domain, title, author, published_at, language, text,
     content_hash, simhash, duplicate_of, feed_url, fetched_at, run_id)
SELECT article_id, url, source, domain, title, author, published_at, language, text,
       content_hash, simhash, duplicate_of, feed_url, fetched_at, run_id
FROM new_articles;
