-- Schema version 7: alerts. One row per alert and channel: a watched holder's change of
-- dominant stance (a shift, or a first position) and its delivery through one channel of
-- the watch configuration. The row is written before the first attempt and updated after
-- each, so a re-run or a backfill never sends the same alert twice (alerts/, README "Alerts").
-- The payload is the message as sent (JSON, no secrets), re-sent as is on a retry.
-- (Versions 5 and 6 belong to other work; gaps are fine: each file is applied once.)
CREATE TABLE alerts (
    alert_id        VARCHAR NOT NULL,      -- the change: 16 hex of sha256(actor|topic|to_period|to_stance)
    channel         VARCHAR NOT NULL,      -- the channel's name in the watch configuration
    kind            VARCHAR NOT NULL,      -- shift | first
    actor           VARCHAR NOT NULL,
    actor_group     VARCHAR,
    topic           VARCHAR NOT NULL,
    from_stance     VARCHAR,               -- NULL for a first position
    to_stance       VARCHAR NOT NULL,
    from_period     DATE,
    to_period       DATE NOT NULL,
    changed_on      DATE NOT NULL,
    watch           VARCHAR NOT NULL,      -- the watch list(s) that asked for it
    status          VARCHAR NOT NULL,      -- pending | sent | failed | gave_up | suppressed
    attempts        INTEGER NOT NULL DEFAULT 0,  -- runs that tried to deliver it
    created_at      TIMESTAMPTZ NOT NULL,
    last_attempt_at TIMESTAMPTZ,
    sent_at         TIMESTAMPTZ,
    error           VARCHAR,               -- the last failure, one line
    run_id          VARCHAR NOT NULL,      -- the run that recorded it
    payload         VARCHAR NOT NULL,      -- the message as sent (JSON)
    PRIMARY KEY (alert_id, channel)
);

ALTER TABLE runs ADD COLUMN alerts_sent INTEGER DEFAULT 0;
ALTER TABLE runs ADD COLUMN alerts_failed INTEGER DEFAULT 0;
