-- Runs left 'running' by a killed process (we hold the run lock, so none is alive).
UPDATE runs SET status = 'crashed', finished_at = now(),
    error = 'the process ended before the run finished (killed or crashed); work committed '
            || 'in completed batches was kept, the next run completed the rest'
WHERE status = 'running';
