-- Stance shifts within the filters, biggest first: a flip between favor and against before
-- a move to or from neutral, then the shifts with the most mentions behind them, then newest.
SELECT actor, actor_group, topic, from_stance, to_stance, changed_on, from_period, to_period,
       from_mentions, to_mentions, from_total, to_total, evidence
FROM stance_shifts_in($since, $until, $topic, $source)
ORDER BY (from_stance IN ('favor', 'against') AND to_stance IN ('favor', 'against')) DESC,
         from_mentions + to_mentions DESC, changed_on DESC, actor, topic;
