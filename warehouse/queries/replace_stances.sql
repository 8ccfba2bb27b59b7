DELETE FROM sentence_stances WHERE article_id IN (SELECT DISTINCT article_id FROM new_articles);
DELETE FROM article_topic_stances WHERE article_id IN (SELECT DISTINCT article_id FROM new_articles);
DELETE FROM trend_mention_facts WHERE article_id IN (SELECT DISTINCT article_id FROM new_articles);
INSERT INTO sentence_stances
    (article_id, sentence_index, topic, stance, confidence, actor, actor_group, model_version,
     holder_rule)
SELECT article_id, sentence_index, topic, stance, confidence, actor, actor_group, model_version,
       holder_rule
FROM new_mentions;
INSERT INTO article_topic_stances (article_id, topic, stance, confidence, mentions, model_version)
SELECT article_id, topic, stance, confidence, mentions, model_version FROM new_article_stances;
-- Derived table (migrations/003_trend_mention_facts.sql): the batch's mentions of originals,
-- with the stored article's source, url and day (article_day() of views/20_reports.sql).
-- insert_articles ran first in this transaction, so stored_articles holds the batch; a copy
-- (duplicate_of set) contributes nothing. Works with the reclassification's new_articles,
-- which has only article_id.
INSERT INTO trend_mention_facts
    (article_id, sentence_index, topic, stance, confidence, actor, actor_group, source, url, day)
SELECT m.article_id, m.sentence_index, m.topic, m.stance, m.confidence, m.actor, m.actor_group,
       a.source, a.url, CAST(timezone('UTC', COALESCE(a.published_at, a.fetched_at)) AS DATE) AS day
FROM new_mentions AS m
JOIN stored_articles AS a ON a.article_id = m.article_id
WHERE a.duplicate_of IS NULL
  AND m.stance IN ('favor', 'against', 'neutral')
ORDER BY day, m.topic, m.actor;
