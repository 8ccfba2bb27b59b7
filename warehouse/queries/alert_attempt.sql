-- The outcome of one delivery attempt. A failure that used the last attempt gives up.
UPDATE alerts SET
    attempts = attempts + 1,
    last_attempt_at = now(),
    status = CASE WHEN $sent THEN 'sent'
                  WHEN attempts + 1 >= $max_attempts THEN 'gave_up'
                  ELSE 'failed' END,
    sent_at = CASE WHEN $sent THEN now() ELSE sent_at END,
    error = CASE WHEN $sent THEN NULL ELSE $error END
WHERE alert_id = $alert_id AND channel = $channel;
