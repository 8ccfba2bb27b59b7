INSERT INTO runs (run_id, flow, started_at, status, model_version, prefect_flow_run_id)
VALUES ($run_id, $flow, now(), 'running', $model_version, $prefect_flow_run_id);
