-- Actor x topic grid: each actor's latest dominant stance with a quote, for the actors
-- mentioned most within the filters (at most 30).
WITH latest AS (
    SELECT * FROM actor_latest_in($since, $until, $topic, $source)
), ranked AS (
    SELECT actor, sum(total_mentions)::BIGINT AS actor_mentions
    FROM latest
    GROUP BY actor
    ORDER BY actor_mentions DESC, actor
    LIMIT 30
)
SELECT l.actor, l.actor_group, l.topic, l.stance, l.period, l.period_mentions,
       l.total_mentions, r.actor_mentions, l.quote, l.article_id, l.url, l.source, l.published
FROM latest AS l
JOIN ranked AS r USING (actor)
ORDER BY r.actor_mentions DESC, l.actor, l.topic;
