-- One PATCH of an extension's name as the portal sends it (issue 15), for pgbench: the scope,
-- the row lock (with the transaction's timestamp, from which the answer is built), the audit
-- row, the update with its trigger (revision bump and outbox row at commit), COMMIT and the
-- notification after it. The portal sends the last four in one write; pgbench one at a time.
-- `bench_ext` (made by Benchmarks/run.sh) numbers the benchmark's extensions; the portal's role
-- runs it, so row-level security applies.
\set n random(1, 250)
SET ROLE centralita_app;
BEGIN;
SELECT set_config('app.tenant_id', (SELECT t::text FROM bench_ext WHERE n = :n), true), set_config('app.user_id', '', true),
       set_config('app.operator', 'off', true), set_config('app.notify_after_commit', 'on', true);
SELECT id::text AS id, kind, owner_id::text AS owner_id, number, name, sip_username, ring_seconds, version, created_at, updated_at,
       ARRAY(SELECT p.number FROM public_numbers p WHERE p.tenant_id = extensions.tenant_id AND p.destination_id = extensions.id
             AND p.destination_type IN ('extension', 'voicemail') ORDER BY p.number) AS public_numbers, now() AS now
  FROM extensions WHERE id = (SELECT e FROM bench_ext WHERE n = :n) FOR UPDATE;
INSERT INTO audit_log (tenant_id, actor_api_key_id, actor_name, entity, entity_id, action, before, after)
  SELECT t, k, 'benchmark', 'extension', e, 'update', '{"name":"Desk 1"}', '{"name":"Desk 2"}' FROM bench_ext WHERE n = :n;
UPDATE extensions SET owner_id = owner_id, number = number, name = 'Replay ' || :n, ring_seconds = ring_seconds,
    version = version + 1, updated_at = now() WHERE id = (SELECT e FROM bench_ext WHERE n = :n);
COMMIT;
SELECT app_notify_config_changes();
RESET ROLE;
