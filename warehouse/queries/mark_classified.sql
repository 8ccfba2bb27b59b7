-- Reclassification classified these articles (new_articles.article_id): clear the reason
-- they had been left unclassified.
UPDATE stored_articles SET unclassified = NULL
WHERE unclassified IS NOT NULL AND article_id IN (SELECT article_id FROM new_articles);
