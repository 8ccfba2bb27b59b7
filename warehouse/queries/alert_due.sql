-- Deliveries still owed: recorded and not yet tried (pending, or left so by a run that
-- crashed), or failed with attempts left.
SELECT alert_id, channel, payload, attempts
FROM alerts
WHERE status IN ('pending', 'failed') AND attempts < $max_attempts
ORDER BY created_at, changed_on, alert_id, channel;
