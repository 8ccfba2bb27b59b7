INSERT INTO runs (run_id, flow, started_at, status, model_version)
VALUES ($run_id, $flow, now(), 'running', $model_version);
