-- Schema version 5: the page's own publication day next to published_at (UTC), and which
-- step of the extraction cascade produced the text (fast | full | recall).
-- published_local is the calendar day as the page states it in its own time zone; trend
-- days stay UTC days (one clock for every outlet), so an article published at 00:30 in
-- Kyiv counts on the previous UTC day there, and on its own day here.
ALTER TABLE stored_articles ADD COLUMN published_local DATE;
ALTER TABLE stored_articles ADD COLUMN extraction_mode VARCHAR;
