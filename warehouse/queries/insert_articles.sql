INSERT OR IGNORE INTO stored_articles
    (article_id, url, source, domain, title, author, published_at, language, text,
     content_hash, simhash, duplicate_of, feed_url, fetched_at, run_id, published_local,
     extraction_mode, unclassified)
SELECT article_id, url, source, domain, title, author, published_at, language, text,
       content_hash, simhash, duplicate_of, feed_url, fetched_at, run_id, published_local,
       extraction_mode, unclassified
FROM new_articles;
