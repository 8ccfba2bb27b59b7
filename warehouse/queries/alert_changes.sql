-- Shifts and first positions (the stance_changes view) of the holders and groups the watch
-- lists name, whose first day is in [$since, $until], and for which no alert is recorded.
-- alert_id names the change: a holder taking a stance on a topic in a week.
WITH changes AS (
    SELECT left(sha256(concat_ws('|', actor, topic, CAST(to_period AS VARCHAR), to_stance)),
                16) AS alert_id,
           *
    FROM stance_changes
    WHERE (list_contains(CAST($holders AS VARCHAR[]), actor)
           OR list_contains(CAST($groups AS VARCHAR[]), actor_group))
      AND changed_on BETWEEN CAST($since AS DATE) AND CAST($until AS DATE)
)
SELECT alert_id, actor, actor_group, topic, from_stance, from_period, from_mentions, from_total,
       to_stance, to_period, changed_on, to_mentions, to_total, evidence
FROM changes
WHERE alert_id NOT IN (SELECT alert_id FROM alerts)
ORDER BY changed_on, actor, topic;
