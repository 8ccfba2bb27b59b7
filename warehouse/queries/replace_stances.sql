DELETE FROM sentence_stances WHERE article_id IN (SELECT DISTINCT article_id FROM new_articles);
DELETE FROM article_topic_stances WHERE article_id IN (SELECT DISTINCT article_id FROM new_articles);
INSERT INTO sentence_stances
    (article_id, sentence_index, topic, stance, confidence, actor, actor_group, model_version)
SELECT article_id, sentence_index, topic, stance, confidence, actor, actor_group, model_version
FROM new_mentions;
INSERT INTO article_topic_stances (article_id, topic, stance, confidence, mentions, model_version)
SELECT article_id, topic, stance, confidence, mentions, model_version FROM new_article_stances;
