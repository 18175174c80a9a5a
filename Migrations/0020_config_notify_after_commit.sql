-- A transaction that sends NOTIFY holds a database-wide lock from its commit until the commit
-- record is on disk (PostgreSQL keeps notifications in commit order), so every configuration
-- write used to queue behind every other one, in any tenant: measured with pgbench on the
-- benchmark's cluster, 10 clients updating random rows went from about 5,900 to 2,500
-- transactions/s when each also notified.
--
-- A portal's write transaction now sets `app.notify_after_commit`: the trigger then only
-- records the tenant in the session setting `app.changed_tenants` (undone with the
-- transaction if it rolls back), and the portal calls `app_notify_config_changes()` in its
-- own statement right after COMMIT, in the same write to the server. Anything else (the CLI,
-- plain SQL) still notifies inside its transaction.
CREATE OR REPLACE FUNCTION config_changed() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    t uuid;
    r bigint;
BEGIN
    IF TG_TABLE_NAME = 'tenants' THEN
        t := NEW.id;
    ELSIF TG_OP = 'DELETE' THEN
        t := OLD.tenant_id;
    ELSE
        t := NEW.tenant_id;
    END IF;
    IF t IS NULL OR EXISTS (SELECT 1 FROM config_outbox WHERE tenant_id = t AND txid = txid_current()) THEN
        RETURN NULL;
    END IF;
    UPDATE tenants SET config_revision = config_revision + 1 WHERE id = t RETURNING config_revision INTO r;
    IF r IS NULL THEN
        RETURN NULL; -- the tenant itself is being deleted
    END IF;
    INSERT INTO config_outbox (tenant_id, revision, txid) VALUES (t, r, txid_current());
    IF current_setting('app.notify_after_commit', true) = 'on' THEN
        PERFORM set_config('app.changed_tenants',
                           concat_ws(',', nullif(current_setting('app.changed_tenants', true), ''), t::text), false);
    ELSE
        PERFORM pg_notify('centralita_config', t::text);
    END IF;
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION config_changed() FROM PUBLIC;

-- Notifies `centralita_config` once per tenant the session's last committed transaction
-- changed, and forgets them. Only tenant IDs can be in the setting (the trigger writes it),
-- and each is parsed as one before it is sent.
CREATE FUNCTION app_notify_config_changes() RETURNS integer
    LANGUAGE plpgsql SET search_path = public, pg_temp AS $$
DECLARE
    changed text := current_setting('app.changed_tenants', true);
    t uuid;
    n integer := 0;
BEGIN
    IF changed IS NULL OR changed = '' THEN
        RETURN 0;
    END IF;
    PERFORM set_config('app.changed_tenants', '', false);
    FOREACH t IN ARRAY string_to_array(changed, ',')::uuid[] LOOP
        PERFORM pg_notify('centralita_config', t::text);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
REVOKE ALL ON FUNCTION app_notify_config_changes() FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_notify_config_changes() TO centralita_app;

-- The revision bump locks the tenant's row until the transaction ends, so every write of a
-- tenant waits for the one before it to finish: run it as the transaction commits, not at the
-- first change, and that wait no longer spans the writer's round trips to its portal. The
-- triggers become deferred constraint triggers with the same events and conditions; within a
-- transaction the revision is the one before it (nothing reads it there), and it moves with
-- the commit, as before.
DO $$
DECLARE
    tr record;
    def text;
BEGIN
    FOR tr IN
        SELECT t.oid, t.tgname, t.tgrelid::regclass AS rel FROM pg_trigger t JOIN pg_proc p ON p.oid = t.tgfoid
        WHERE p.proname = 'config_changed' AND NOT t.tgisinternal AND NOT t.tgdeferrable
    LOOP
        def := pg_get_triggerdef(tr.oid);
        EXECUTE format('DROP TRIGGER %I ON %s', tr.tgname, tr.rel);
        def := regexp_replace(def, '^CREATE TRIGGER', 'CREATE CONSTRAINT TRIGGER');
        def := regexp_replace(def, ' FOR EACH ROW', ' DEFERRABLE INITIALLY DEFERRED FOR EACH ROW');
        EXECUTE def;
    END LOOP;
END $$;
