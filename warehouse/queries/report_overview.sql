-- Headline numbers for the report, within the filters ($since, $until inclusive days;
-- $topic, $source exact; NULL = no filter). Duplicates are counted apart.
WITH stored AS (
    SELECT count(*) FILTER (WHERE duplicate_of IS NULL) AS articles,
           count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS duplicates,
           count(DISTINCT source) FILTER (WHERE duplicate_of IS NULL) AS outlets
    FROM stored_articles
    WHERE ($source IS NULL OR source = $source)
      AND ($since IS NULL OR article_day(published_at, fetched_at) >= $since)
      AND ($until IS NULL OR article_day(published_at, fetched_at) <= $until)
), on_topic AS (
    SELECT count(*) AS mentions,
           count(DISTINCT article_id) AS on_topic_articles,
           count(DISTINCT actor) AS actors,
           min(day) AS first_day,
           max(day) AS last_day
    FROM trend_mentions_in($since, $until, $topic, $source)
)
SELECT stored.articles, stored.duplicates, stored.outlets, on_topic.on_topic_articles,
       on_topic.mentions, on_topic.actors, on_topic.first_day, on_topic.last_day
FROM stored CROSS JOIN on_topic;
