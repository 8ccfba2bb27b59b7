-- Schema version 8: the attribution rule that named each mention's holder (audit; e.g.
-- 'verb-speech', 'trailing', 'poll', 'first-actor' — the weakest; see
-- models/holders/rules.py and `python -m tools.holders_eval`). NULL when no holder.
ALTER TABLE sentence_stances ADD COLUMN holder_rule VARCHAR;
