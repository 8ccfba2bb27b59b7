-- Schema version 4: runs.sentences_capped, the sentences past max_sentences_per_article
-- (neither stored nor classified) in the run.
ALTER TABLE runs ADD COLUMN sentences_capped INTEGER DEFAULT 0;
