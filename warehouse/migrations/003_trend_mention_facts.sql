-- Schema version 3: trend_mention_facts, the rows of the reporting building block
-- trend_mentions (views/20_reports.sql) kept ready instead of joining every mention to its
-- article on each call, which stance_shifts, actor_latest and the report do several times.
--
-- Derived data, never written by hand: the on-topic mentions (favor | against | neutral) of
-- ORIGINAL articles (stored_articles.duplicate_of IS NULL), each with its article's source,
-- url and day. queries/replace_stances.sql, the only writer of sentence_stances, replaces an
-- article's rows here in the same transaction as its stances, so the two always agree.
-- `day` is article_day(published_at, fetched_at) of views/20_reports.sql, spelled out below
-- because views are created after migrations: changing that macro needs a migration that
-- rebuilds this table.
--
-- No primary key (an index would slow every batch's delete and insert); the backfill is
-- ordered by day, topic, actor so that DuckDB's zone maps skip row groups on day filters.
CREATE TABLE trend_mention_facts (
    article_id     VARCHAR NOT NULL,
    sentence_index INTEGER NOT NULL,
    topic          VARCHAR NOT NULL,
    stance         VARCHAR NOT NULL,              -- favor | against | neutral
    confidence     DOUBLE NOT NULL,
    actor          VARCHAR,
    actor_group    VARCHAR,
    source         VARCHAR NOT NULL,
    url            VARCHAR NOT NULL,
    day            DATE NOT NULL
);

INSERT INTO trend_mention_facts
    (article_id, sentence_index, topic, stance, confidence, actor, actor_group, source, url, day)
SELECT m.article_id, m.sentence_index, m.topic, m.stance, m.confidence, m.actor, m.actor_group,
       a.source, a.url, CAST(timezone('UTC', COALESCE(a.published_at, a.fetched_at)) AS DATE) AS day
FROM sentence_stances AS m
JOIN stored_articles AS a USING (article_id)
WHERE a.duplicate_of IS NULL
  AND m.stance IN ('favor', 'against', 'neutral')
ORDER BY day, m.topic, m.actor;
