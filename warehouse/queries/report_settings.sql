-- The constants of the reporting views, quoted on the page.
SELECT stance_shift_min_mentions() AS min_mentions,
       stance_shift_evidence_limit() AS evidence_limit;
