-- Stance shifts of the last four weeks of coverage (counted back from the latest day with
-- an on-topic mention), biggest first as in report_shifts.sql: for the daily summary.
SELECT actor, actor_group, topic, from_stance, to_stance, changed_on, from_period, to_period,
       from_mentions, to_mentions, from_total, to_total, evidence
FROM stance_shifts
WHERE changed_on > (SELECT max(day) FROM trend_mentions) - INTERVAL 28 DAY
ORDER BY (from_stance IN ('favor', 'against') AND to_stance IN ('favor', 'against')) DESC,
         from_mentions + to_mentions DESC, changed_on DESC, actor, topic;
