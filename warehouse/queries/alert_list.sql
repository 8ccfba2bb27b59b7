-- The alerts table for `stancewatch alerts`: changes first seen on or after $since (NULL: all).
SELECT alert_id, channel, status, attempts, kind, actor, actor_group, topic, from_stance,
       to_stance, from_period, to_period, changed_on, watch, created_at, last_attempt_at,
       sent_at, error
FROM alerts
WHERE CAST($since AS DATE) IS NULL OR changed_on >= CAST($since AS DATE)
ORDER BY changed_on, actor, topic, channel;
