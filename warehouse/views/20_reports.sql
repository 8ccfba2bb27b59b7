-- Reporting views: stance trends for analysts. Names and columns are a contract,
-- documented with example queries in warehouse/README.md.
--
-- Conventions shared by every view below:
--   * duplicates are counted once: copies (stored_articles.duplicate_of IS NOT NULL) are left out;
--   * an article's day is its publication date in UTC, or the day it was fetched when the
--     feed gave no date (article_day below);
--   * a period is a calendar week, named by its Monday (date_trunc('week', day));
--   * mentions are on-topic sentences (stance favor | against | neutral); articles carry
--     their aggregated stance (favor | against | neutral | mixed).
--
-- Each view is the unfiltered call of a table macro with the same name plus `_in`:
--   <view>_in(since_day DATE, until_day DATE, only_topic VARCHAR, only_source VARCHAR)
-- Days are inclusive on both ends; NULL means "no filter". The report binds its filters
-- to these arguments as parameters, so the page and the views always agree.

-- ------------------------------------------------------------------ constants
-- An actor needs at least this many mentions on a topic in a week for that week to count
-- towards a stance shift (one stray sentence is not a change of policy).
CREATE OR REPLACE MACRO stance_shift_min_mentions() AS 2;
-- Sentences kept as evidence for each shift, highest classifier confidence first.
CREATE OR REPLACE MACRO stance_shift_evidence_limit() AS 3;

-- Spelled out again in migrations/003 and queries/replace_stances.sql for trend_mention_facts:
-- a change here needs a migration that rebuilds that table.
CREATE OR REPLACE MACRO article_day(published_at, fetched_at) AS
    CAST(timezone('UTC', COALESCE(published_at, fetched_at)) AS DATE);

CREATE OR REPLACE MACRO week_of(day) AS CAST(date_trunc('week', day) AS DATE);

-- ------------------------------------------------------------------ building blocks
-- Articles that count for trends: originals only, with their day.
CREATE OR REPLACE MACRO trend_articles_in(since_day, until_day, only_source) AS TABLE
SELECT article_id, url, source, title, article_day(published_at, fetched_at) AS day
FROM stored_articles
WHERE duplicate_of IS NULL
  AND (only_source IS NULL OR source = only_source)
  AND (since_day IS NULL OR article_day(published_at, fetched_at) >= since_day)
  AND (until_day IS NULL OR article_day(published_at, fetched_at) <= until_day);

CREATE OR REPLACE VIEW trend_articles AS
SELECT * FROM trend_articles_in(NULL, NULL, NULL);

-- On-topic sentences of those articles, with the article's day, outlet and URL. Read from
-- trend_mention_facts (migrations/003_trend_mention_facts.sql), which holds exactly
--   sentence_stances JOIN trend_articles USING (article_id)
--   WHERE stance IN ('favor', 'against', 'neutral')
-- kept by queries/replace_stances.sql in the same transaction as the stances.
CREATE OR REPLACE MACRO trend_mentions_in(since_day, until_day, only_topic, only_source) AS TABLE
SELECT article_id, sentence_index, topic, stance, confidence, actor, actor_group,
       source, url, day
FROM trend_mention_facts
WHERE (only_source IS NULL OR source = only_source)
  AND (since_day IS NULL OR day >= since_day)
  AND (until_day IS NULL OR day <= until_day)
  AND (only_topic IS NULL OR topic = only_topic);

CREATE OR REPLACE VIEW trend_mentions AS
SELECT * FROM trend_mentions_in(NULL, NULL, NULL, NULL);

-- ------------------------------------------------------------------ stance over time
-- articles: originals published that day whose aggregated stance on the topic is `stance`;
-- mentions: on-topic sentences with that stance (mixed exists only for articles).
CREATE OR REPLACE MACRO stance_daily_in(since_day, until_day, only_topic, only_source) AS TABLE
WITH by_article AS (
    SELECT a.day, s.topic, s.stance, count(*) AS articles
    FROM article_topic_stances AS s
    JOIN trend_articles_in(since_day, until_day, only_source) AS a USING (article_id)
    WHERE only_topic IS NULL OR s.topic = only_topic
    GROUP BY ALL
), by_mention AS (
    SELECT day, topic, stance, count(*) AS mentions
    FROM trend_mentions_in(since_day, until_day, only_topic, only_source)
    GROUP BY ALL
)
SELECT day, topic, stance,
       COALESCE(by_article.articles, 0) AS articles,
       COALESCE(by_mention.mentions, 0) AS mentions
FROM by_article FULL OUTER JOIN by_mention USING (day, topic, stance);

CREATE OR REPLACE VIEW stance_daily AS
SELECT * FROM stance_daily_in(NULL, NULL, NULL, NULL);

CREATE OR REPLACE MACRO stance_weekly_in(since_day, until_day, only_topic, only_source) AS TABLE
SELECT week_of(day) AS week, topic, stance,
       sum(articles)::BIGINT AS articles, sum(mentions)::BIGINT AS mentions
FROM stance_daily_in(since_day, until_day, only_topic, only_source)
GROUP BY ALL;

CREATE OR REPLACE VIEW stance_weekly AS
SELECT * FROM stance_weekly_in(NULL, NULL, NULL, NULL);

-- ------------------------------------------------------------------ actors
CREATE OR REPLACE MACRO actor_stances_in(since_day, until_day, only_topic, only_source) AS TABLE
SELECT actor, arg_max(actor_group, day) AS actor_group, topic, stance,
       count(*) AS mentions, min(day) AS first_seen, max(day) AS last_seen
FROM trend_mentions_in(since_day, until_day, only_topic, only_source)
WHERE actor IS NOT NULL
GROUP BY actor, topic, stance;

CREATE OR REPLACE VIEW actor_stances AS
SELECT * FROM actor_stances_in(NULL, NULL, NULL, NULL);

-- One row per actor, topic and week, with the week's dominant stance: the stance with
-- strictly more mentions than each of the other two (a tie has none, NULL).
CREATE OR REPLACE MACRO actor_weeks_in(since_day, until_day, only_topic, only_source) AS TABLE
WITH counted AS (
    SELECT actor, arg_max(actor_group, day) AS actor_group, topic, week_of(day) AS period,
           count(*) FILTER (WHERE stance = 'favor') AS favor,
           count(*) FILTER (WHERE stance = 'against') AS against,
           count(*) FILTER (WHERE stance = 'neutral') AS neutral,
           count(*) AS mentions
    FROM trend_mentions_in(since_day, until_day, only_topic, only_source)
    WHERE actor IS NOT NULL
    GROUP BY actor, topic, week_of(day)
)
SELECT *,
       CASE WHEN favor > against AND favor > neutral THEN 'favor'
            WHEN against > favor AND against > neutral THEN 'against'
            WHEN neutral > favor AND neutral > against THEN 'neutral'
       END AS dominant_stance
FROM counted;

CREATE OR REPLACE MACRO actor_timeline_in(since_day, until_day, only_topic, only_source) AS TABLE
SELECT actor, topic, period, favor, against, neutral
FROM actor_weeks_in(since_day, until_day, only_topic, only_source);

CREATE OR REPLACE VIEW actor_timeline AS
SELECT * FROM actor_timeline_in(NULL, NULL, NULL, NULL);

-- Each actor's latest week with a dominant stance on a topic, and the sentence that shows
-- it best (highest confidence, then latest), to quote.
CREATE OR REPLACE MACRO actor_latest_in(since_day, until_day, only_topic, only_source) AS TABLE
WITH weeks AS (
    SELECT * FROM actor_weeks_in(since_day, until_day, only_topic, only_source)
), latest AS (
    SELECT actor, topic,
           max(period) FILTER (WHERE dominant_stance IS NOT NULL) AS period,
           arg_max(dominant_stance, period) FILTER (WHERE dominant_stance IS NOT NULL) AS stance,
           arg_max(mentions, period) FILTER (WHERE dominant_stance IS NOT NULL) AS period_mentions,
           arg_max(actor_group, period) AS actor_group,
           sum(mentions)::BIGINT AS total_mentions
    FROM weeks
    GROUP BY actor, topic
    HAVING count(dominant_stance) > 0
), quotes AS (
    SELECT l.actor, l.topic,
           arg_max(struct_pack(article_id := m.article_id, sentence_index := m.sentence_index,
                               url := m.url, source := m.source, published := m.day),
                   (m.confidence, m.day, m.article_id)) AS quote
    FROM latest AS l
    JOIN trend_mentions_in(since_day, until_day, only_topic, only_source) AS m
      ON m.actor = l.actor AND m.topic = l.topic AND m.stance = l.stance
     AND week_of(m.day) = l.period
    GROUP BY l.actor, l.topic
)
SELECT l.actor, l.actor_group, l.topic, l.period, l.stance, l.period_mentions,
       l.total_mentions, t.sentence AS quote, q.quote.article_id AS article_id,
       q.quote.url AS url, q.quote.source AS source, q.quote.published AS published
FROM latest AS l
JOIN quotes AS q USING (actor, topic)
JOIN sentences AS t
  ON t.article_id = q.quote.article_id AND t.sentence_index = q.quote.sentence_index;

CREATE OR REPLACE VIEW actor_latest AS
SELECT * FROM actor_latest_in(NULL, NULL, NULL, NULL);

-- ------------------------------------------------------------------ outlets
-- Articles per outlet, topic and week by aggregated stance.
CREATE OR REPLACE MACRO source_stances_in(since_day, until_day, only_topic, only_source) AS TABLE
SELECT a.source, s.topic, week_of(a.day) AS period,
       count(*) FILTER (WHERE s.stance = 'favor') AS favor,
       count(*) FILTER (WHERE s.stance = 'against') AS against,
       count(*) FILTER (WHERE s.stance = 'neutral') AS neutral,
       count(*) FILTER (WHERE s.stance = 'mixed') AS mixed
FROM article_topic_stances AS s
JOIN trend_articles_in(since_day, until_day, only_source) AS a USING (article_id)
WHERE only_topic IS NULL OR s.topic = only_topic
GROUP BY a.source, s.topic, week_of(a.day);

CREATE OR REPLACE VIEW source_stances AS
SELECT * FROM source_stances_in(NULL, NULL, NULL, NULL);

-- ------------------------------------------------------------------ stance shifts
-- An actor whose dominant stance on a topic differs from the one in its previous qualifying
-- week. A week qualifies when the actor has at least stance_shift_min_mentions() mentions on
-- the topic and a dominant stance (ties are skipped, so favor, tie, against is one shift).
-- changed_on is the first day of the new week with a mention carrying the new stance;
-- evidence holds up to stance_shift_evidence_limit() of those sentences.
-- With with_first = true, an actor's first qualifying week is a change too (a first
-- position: from_stance, from_period, from_mentions and from_total are NULL); the flag is a
-- constant, so stance_shifts pays nothing for it.
CREATE OR REPLACE MACRO stance_changes_with(since_day, until_day, only_topic, only_source,
                                            with_first) AS TABLE
WITH qualifying AS (
    SELECT actor, actor_group, topic, period, dominant_stance AS stance,
           CASE dominant_stance WHEN 'favor' THEN favor WHEN 'against' THEN against
                ELSE neutral END AS stance_mentions,
           mentions
    FROM actor_weeks_in(since_day, until_day, only_topic, only_source)
    WHERE dominant_stance IS NOT NULL AND mentions >= stance_shift_min_mentions()
), paired AS (
    SELECT *,
           lag(stance) OVER w AS from_stance,
           lag(period) OVER w AS from_period,
           lag(stance_mentions) OVER w AS from_mentions,
           lag(mentions) OVER w AS from_total
    FROM qualifying
    WINDOW w AS (PARTITION BY actor, topic ORDER BY period)
), shifts AS (
    SELECT actor, actor_group, topic, from_stance, stance AS to_stance, from_period,
           period AS to_period, from_mentions, stance_mentions AS to_mentions,
           from_total, mentions AS to_total
    FROM paired
    WHERE CASE WHEN from_stance IS NULL THEN with_first ELSE from_stance <> stance END
), evidence_sentences AS (
    -- The same sentence quoted by several outlets is one piece of evidence: its best copy.
    SELECT s.actor, s.topic, s.to_period, t.sentence, min(m.day) AS first_day,
           arg_min(struct_pack(article_id := m.article_id, url := m.url, source := m.source,
                               published := m.day, confidence := m.confidence),
                   (-m.confidence, m.day, m.article_id, m.sentence_index)) AS best
    FROM shifts AS s
    JOIN trend_mentions_in(since_day, until_day, only_topic, only_source) AS m
      ON m.actor = s.actor AND m.topic = s.topic AND m.stance = s.to_stance
     AND week_of(m.day) = s.to_period
    JOIN sentences AS t
      ON t.article_id = m.article_id AND t.sentence_index = m.sentence_index
    GROUP BY s.actor, s.topic, s.to_period, t.sentence
), evidence AS (
    SELECT actor, topic, to_period, min(first_day) AS changed_on,
           arg_min(struct_pack(article_id := best.article_id, url := best.url,
                               source := best.source, published := best.published,
                               sentence := sentence, confidence := best.confidence),
                   (-best.confidence, best.published, best.article_id, sentence),
                   stance_shift_evidence_limit()) AS evidence
    FROM evidence_sentences
    GROUP BY actor, topic, to_period
)
SELECT s.actor, s.topic, s.from_stance, s.to_stance, e.changed_on, e.evidence,
       s.actor_group, s.from_period, s.to_period, s.from_mentions, s.to_mentions,
       s.from_total, s.to_total
FROM shifts AS s
JOIN evidence AS e USING (actor, topic, to_period);

CREATE OR REPLACE MACRO stance_shifts_in(since_day, until_day, only_topic, only_source) AS TABLE
SELECT * FROM stance_changes_with(since_day, until_day, only_topic, only_source, false);

CREATE OR REPLACE VIEW stance_shifts AS
SELECT * FROM stance_shifts_in(NULL, NULL, NULL, NULL);

-- Shifts and first positions: what alerts are made of (alerts/, queries/alert_*.sql).
CREATE OR REPLACE MACRO stance_changes_in(since_day, until_day, only_topic, only_source) AS TABLE
SELECT * FROM stance_changes_with(since_day, until_day, only_topic, only_source, true);

CREATE OR REPLACE VIEW stance_changes AS
SELECT * FROM stance_changes_in(NULL, NULL, NULL, NULL);
