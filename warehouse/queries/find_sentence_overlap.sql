-- For each new article (candidate_sentences(article_id, sentence)), the stored original
-- that shares most of its sentences: a syndicated copy with another headline, an added
-- credit line or a trimmed ending. Quoting the same statement shares one or two
-- sentences, not most of them.
WITH sizes AS (
    SELECT article_id, count(DISTINCT sentence) AS total
    FROM candidate_sentences GROUP BY article_id
), shared AS (
    SELECT c.article_id AS new_id, s.article_id AS original_id,
           count(DISTINCT c.sentence) AS shared
    FROM candidate_sentences AS c
    JOIN sentences AS s ON s.sentence = c.sentence AND s.article_id <> c.article_id
    JOIN stored_articles AS a ON a.article_id = s.article_id AND a.duplicate_of IS NULL
    GROUP BY ALL
)
SELECT shared.new_id, arg_max(shared.original_id, shared.shared) AS original_id
FROM shared JOIN sizes ON sizes.article_id = shared.new_id
GROUP BY shared.new_id
HAVING max(shared.shared) >= $min_shared AND max(shared.shared) >= $min_share * any_value(sizes.total);
