-- Each topic's latest week with articles, its stance shares, and the previous such week's.
WITH weekly AS (
    SELECT week, topic, stance, articles,
           articles / sum(articles) OVER (PARTITION BY topic, week) AS share
    FROM stance_weekly_in($since, $until, $topic, $source)
    WHERE articles > 0
), weeks AS (
    SELECT topic, week, dense_rank() OVER (PARTITION BY topic ORDER BY week DESC) AS age
    FROM (SELECT DISTINCT topic, week FROM weekly)
), latest AS (
    SELECT l.topic, l.week, p.week AS previous_week
    FROM weeks AS l
    LEFT JOIN weeks AS p ON p.topic = l.topic AND p.age = 2
    WHERE l.age = 1
)
SELECT l.topic, l.week, s.stance,
       COALESCE(cur.articles, 0) AS articles,
       COALESCE(cur.share, 0) AS share,
       l.previous_week,
       CASE WHEN l.previous_week IS NOT NULL THEN COALESCE(prev.share, 0) END AS previous_share
FROM latest AS l
CROSS JOIN (VALUES ('favor', 1), ('against', 2), ('neutral', 3), ('mixed', 4)) AS s(stance, position)
LEFT JOIN weekly AS cur ON cur.topic = l.topic AND cur.week = l.week AND cur.stance = s.stance
LEFT JOIN weekly AS prev
  ON prev.topic = l.topic AND prev.week = l.previous_week AND prev.stance = s.stance
ORDER BY l.topic, s.position;
