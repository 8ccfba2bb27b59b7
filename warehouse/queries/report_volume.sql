-- Weekly volume within the filters: originals stored (any topic), copies left out as
-- duplicates, originals per topic (a MAP topic -> articles; report.py spreads it into one
-- <topic>_articles column per topic of models/topics.toml), and on-topic sentences.
WITH stored AS (
    SELECT week_of(article_day(published_at, fetched_at)) AS week,
           count(*) FILTER (WHERE duplicate_of IS NULL) AS articles,
           count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS duplicates
    FROM stored_articles
    WHERE ($source IS NULL OR source = $source)
      AND ($since IS NULL OR article_day(published_at, fetched_at) >= $since)
      AND ($until IS NULL OR article_day(published_at, fetched_at) <= $until)
    GROUP BY 1
), by_topic AS (
    SELECT week, topic, sum(articles) AS articles, sum(mentions) AS mentions
    FROM stance_weekly_in($since, $until, $topic, $source)
    GROUP BY week, topic
), on_topic AS (
    SELECT week, map(list(topic ORDER BY topic), list(articles::BIGINT ORDER BY topic))
               AS topic_articles,
           sum(mentions) AS mentions
    FROM by_topic
    GROUP BY week
)
SELECT week, stored.articles, stored.duplicates, on_topic.topic_articles,
       COALESCE(on_topic.mentions, 0)::BIGINT AS mentions
FROM stored
LEFT JOIN on_topic USING (week)
ORDER BY week;
