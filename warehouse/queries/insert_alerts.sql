-- New alerts, one row per alert and channel (registered Arrow table new_alerts); a row that
-- exists already is left as it is.
INSERT INTO alerts (alert_id, channel, kind, actor, actor_group, topic, from_stance, to_stance,
                    from_period, to_period, changed_on, watch, status, attempts, created_at,
                    run_id, payload)
SELECT alert_id, channel, kind, actor, actor_group, topic, from_stance, to_stance,
       from_period, to_period, changed_on, watch, status, 0, now(), $run_id, payload
FROM new_alerts
ON CONFLICT DO NOTHING;
