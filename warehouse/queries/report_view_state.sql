-- The digest of the view definitions this warehouse was last migrated with.
SELECT digest FROM view_state;
