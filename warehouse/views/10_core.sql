-- The SQL interface analysts rely on. Names and columns are a contract.

CREATE OR REPLACE VIEW articles AS
SELECT article_id, url, source, title, author, published_at, language, text, duplicate_of,
       published_local, unclassified
FROM stored_articles;

CREATE OR REPLACE VIEW mentions AS
SELECT s.article_id, s.sentence_index, t.sentence, s.topic, s.stance, s.confidence,
       s.actor, s.actor_group, s.model_version, s.holder_rule
FROM sentence_stances AS s
JOIN sentences AS t USING (article_id, sentence_index);

CREATE OR REPLACE VIEW article_stances AS
SELECT article_id, topic, stance, confidence, mentions, model_version
FROM article_topic_stances;
