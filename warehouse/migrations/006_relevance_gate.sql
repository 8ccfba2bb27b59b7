-- Schema version 6: the relevance gate (models/relevance.toml).
-- stored_articles.unclassified says why an article stored with its text and sentences has
-- no stances: 'gated' (no mention of NATO, Ukraine, security guarantees … in title or
-- text: it cannot be on either topic) or 'language' (not a language the classifier
-- reads); NULL: classified. runs.articles_gated counts the new articles a run gated (for a
-- reclassification: the gated articles of its window it left unclassified).
ALTER TABLE runs ADD COLUMN articles_gated INTEGER DEFAULT 0;
ALTER TABLE stored_articles ADD COLUMN unclassified VARCHAR;
-- Articles stored before this version were all classified, except those in another
-- language (the rule of flows/steps.py at the time: the first two letters of the stored
-- language, NULL counting as English).
UPDATE stored_articles SET unclassified = 'language'
WHERE language IS NOT NULL AND substr(language, 1, 2) <> 'en';
