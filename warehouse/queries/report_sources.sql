-- Articles per outlet and topic by aggregated stance, over the whole filtered window.
SELECT source, topic,
       sum(favor)::BIGINT AS favor, sum(against)::BIGINT AS against,
       sum(neutral)::BIGINT AS neutral, sum(mixed)::BIGINT AS mixed,
       sum(favor + against + neutral + mixed)::BIGINT AS articles
FROM source_stances_in($since, $until, $topic, $source)
GROUP BY source, topic
ORDER BY sum(sum(favor + against + neutral + mixed)) OVER (PARTITION BY source) DESC, source, topic;
