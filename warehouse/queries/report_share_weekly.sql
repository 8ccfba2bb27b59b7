-- Share of articles per stance, per topic and week (Monday), within the filters.
SELECT week, topic, stance, articles, mentions,
       articles / sum(articles) OVER (PARTITION BY topic, week) AS share
FROM stance_weekly_in($since, $until, $topic, $source)
WHERE articles > 0
ORDER BY topic, week, stance;
