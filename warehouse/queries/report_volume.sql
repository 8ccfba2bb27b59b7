-- Weekly volume within the filters: originals stored (any topic), copies left out as
-- duplicates, originals per topic, and on-topic sentences.
WITH stored AS (
    SELECT week_of(article_day(published_at, fetched_at)) AS week,
           count(*) FILTER (WHERE duplicate_of IS NULL) AS articles,
           count(*) FILTER (WHERE duplicate_of IS NOT NULL) AS duplicates
    FROM stored_articles
    WHERE ($source IS NULL OR source = $source)
      AND ($since IS NULL OR article_day(published_at, fetched_at) >= $since)
      AND ($until IS NULL OR article_day(published_at, fetched_at) <= $until)
    GROUP BY 1
), on_topic AS (
    SELECT week,
           sum(articles) FILTER (WHERE topic = 'membership') AS membership_articles,
           sum(articles) FILTER (WHERE topic = 'guarantees') AS guarantees_articles,
           sum(mentions) AS mentions
    FROM stance_weekly_in($since, $until, $topic, $source)
    GROUP BY week
)
SELECT week, stored.articles, stored.duplicates,
       COALESCE(on_topic.membership_articles, 0)::BIGINT AS membership_articles,
       COALESCE(on_topic.guarantees_articles, 0)::BIGINT AS guarantees_articles,
       COALESCE(on_topic.mentions, 0)::BIGINT AS mentions
FROM stored
LEFT JOIN on_topic USING (week)
ORDER BY week;
