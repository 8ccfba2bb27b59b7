-- Schema version 2: the Prefect flow run that wrote each run row, to find its logs and
-- its summary artifact in the Prefect UI.
ALTER TABLE runs ADD COLUMN prefect_flow_run_id VARCHAR;
