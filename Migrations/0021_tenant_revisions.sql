-- The configuration revision leaves the tenants row for a narrow table of its own (issue 15).
--
-- Every configuration write bumped `tenants.config_revision`, so under a stream of edits each
-- tenant's row took a new version per write. Those versions pile up on the page while any
-- snapshot still sees them (the deployer compiles in a repeatable-read transaction), spill
-- onto new pages, and never come back: measured on the benchmark's cluster, the 10 tenants'
-- rows spread over 91 pages within minutes, and every read of `tenants` — each foreign-key
-- check of an audit row, every scope look-up — went through all of them; the machine's CPU per
-- PATCH rose from about 1,300 to 1,600 µs (back to 1,300 after VACUUM FULL). The write also
-- dirtied a row that a dozen other tables' foreign keys lock for share.
--
-- `tenant_revisions` holds only the counter: 16-byte key, 8-byte value, a page kept mostly
-- empty (fillfactor 10) so that updates stay on it and are pruned as they go, and no foreign
-- key points at it except the outbox's. `tenants` is now written only when a tenant is.
CREATE TABLE tenant_revisions (
    tenant_id uuid PRIMARY KEY REFERENCES tenants (id) ON DELETE CASCADE,
    config_revision bigint NOT NULL DEFAULT 1
) WITH (fillfactor = 10);

INSERT INTO tenant_revisions (tenant_id, config_revision) SELECT id, config_revision FROM tenants;
ALTER TABLE tenants DROP COLUMN config_revision;

-- The outbox row is written by the same trigger right after the bump: pointing its foreign key
-- at the row the transaction has just updated costs no further lock (on `tenants` it took a
-- share lock per write).
ALTER TABLE config_outbox DROP CONSTRAINT config_outbox_tenant_id_fkey;
ALTER TABLE config_outbox ADD CONSTRAINT config_outbox_tenant_id_fkey
    FOREIGN KEY (tenant_id) REFERENCES tenant_revisions (tenant_id) ON DELETE CASCADE;

-- The outbox holds the changes the deployer has not compiled yet, and only those: it deletes
-- what it handled (it used to mark rows processed and keep them for ever: a second version of
-- every row, three index entries each, and a table that only grew).
DELETE FROM config_outbox WHERE processed_at IS NOT NULL;
DROP INDEX config_outbox_pending_idx;
ALTER TABLE config_outbox DROP COLUMN processed_at;

ALTER TABLE tenant_revisions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON tenant_revisions USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT ON tenant_revisions TO centralita_app;

-- Like every tenant table, the table itself shows a scope only its own tenant's row. A
-- tenant's revision is read through this (the scope's own tenant, or any tenant in operator
-- scope, and nothing else), so the deployer's reads need no tenant scope.
CREATE FUNCTION app_config_revision(p_tenant uuid) RETURNS bigint
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT config_revision FROM tenant_revisions WHERE tenant_id = p_tenant AND (p_tenant = app_tenant() OR app_is_operator()) $$;
-- The tenants in automatic mode whose configuration changed since it was last compiled, in
-- one scan (the deployer's every pass; operator scope only).
CREATE FUNCTION app_tenants_to_stage(p_limit integer) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT t.id FROM tenants t JOIN tenant_revisions r ON r.tenant_id = t.id
          WHERE app_is_operator() AND t.deploy_mode = 'auto' AND r.config_revision > t.staged_revision
          ORDER BY t.id LIMIT p_limit $$;
REVOKE ALL ON FUNCTION app_config_revision(uuid), app_tenants_to_stage(integer) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_config_revision(uuid), app_tenants_to_stage(integer) TO centralita_app;

-- Every tenant has its row from its first moment.
CREATE FUNCTION tenant_revision_row() RETURNS trigger
    LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
    INSERT INTO tenant_revisions (tenant_id) VALUES (NEW.id);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION tenant_revision_row() FROM PUBLIC;
CREATE TRIGGER tenant_revision_row AFTER INSERT ON tenants FOR EACH ROW EXECUTE FUNCTION tenant_revision_row();

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
    UPDATE tenant_revisions SET config_revision = config_revision + 1 WHERE tenant_id = t RETURNING config_revision INTO r;
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

-- As in 0013: the definer role (when a superuser migrates) owns the SECURITY DEFINER code and
-- reads past row-level security; the tables' owner is bound by it too.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'centralita_definer')
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON tenant_revisions TO centralita_definer;
        ALTER FUNCTION tenant_revision_row() OWNER TO centralita_definer;
        ALTER FUNCTION app_config_revision(uuid) OWNER TO centralita_definer;
        ALTER FUNCTION app_tenants_to_stage(integer) OWNER TO centralita_definer;
    END IF;
    IF (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user) THEN
        ALTER TABLE tenant_revisions FORCE ROW LEVEL SECURITY;
    END IF;
END $$;
