-- Versioned deployment to media nodes (MED-1). Every change to a tenant's call configuration
-- bumps the tenant's revision and adds an outbox row in the same transaction — done by
-- triggers, so no write path can forget it. The deployer compiles and pushes after commit
-- (NOTIFY is delivered at commit; a rollback drops the row and the notification together).

ALTER TABLE tenants
    ADD COLUMN dial_key integer GENERATED ALWAYS AS IDENTITY UNIQUE,
    ADD COLUMN config_revision bigint NOT NULL DEFAULT 1,
    ADD COLUMN deploy_mode text NOT NULL DEFAULT 'auto' CHECK (deploy_mode IN ('auto', 'manual')),
    -- The revision last compiled for the media nodes (auto mode: soon after each change;
    -- manual mode: when someone applies).
    ADD COLUMN staged_revision bigint NOT NULL DEFAULT 0,
    -- Why the last automatic compile was refused (validation errors), if it was.
    ADD COLUMN stage_error text;

CREATE TABLE config_outbox (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    revision bigint NOT NULL,
    txid bigint NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    processed_at timestamptz,
    PRIMARY KEY (tenant_id, revision),
    UNIQUE (tenant_id, txid)
);
CREATE INDEX config_outbox_pending_idx ON config_outbox (tenant_id) WHERE processed_at IS NULL;

CREATE TABLE media_nodes (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL UNIQUE CHECK (length(name) BETWEEN 1 AND 100),
    url text NOT NULL CHECK (url ~ '^http://[^/ ]+(/[^ ]*)?$'),
    -- The HMAC key both sides hold (the agent reads it from a file).
    secret text NOT NULL CHECK (length(secret) >= 16),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- One row per (tenant, node): what should be there, what is there, and how pushing goes.
CREATE TABLE deployments (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    node_id uuid NOT NULL REFERENCES media_nodes (id) ON DELETE CASCADE,
    desired_revision bigint NOT NULL DEFAULT 0,
    applied_revision bigint NOT NULL DEFAULT 0,
    applied_checksum text,
    state text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applying', 'applied', 'failed')),
    error text,
    attempts integer NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    applied_at timestamptz,
    PRIMARY KEY (tenant_id, node_id)
);
CREATE INDEX deployments_due_idx ON deployments (next_attempt_at) WHERE desired_revision <> applied_revision;

-- Every compiled revision, kept for history and rollback.
CREATE TABLE deployment_bundles (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    revision bigint NOT NULL,
    config_revision bigint NOT NULL,
    checksum text NOT NULL,
    files jsonb NOT NULL,
    rollback_of bigint,
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, revision)
);

-- *74N states reported by media nodes.
CREATE TABLE rule_toggles (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension_number text NOT NULL,
    code smallint NOT NULL CHECK (code BETWEEN 0 AND 9),
    active boolean NOT NULL,
    reported_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, extension_number, code)
);

ALTER TABLE config_outbox ENABLE ROW LEVEL SECURITY;
ALTER TABLE deployments ENABLE ROW LEVEL SECURITY;
ALTER TABLE deployment_bundles ENABLE ROW LEVEL SECURITY;
ALTER TABLE rule_toggles ENABLE ROW LEVEL SECURITY;
ALTER TABLE media_nodes ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON config_outbox USING (tenant_id = app_tenant() OR app_is_operator())
    WITH CHECK (tenant_id = app_tenant() OR app_is_operator());
CREATE POLICY tenant_scope ON deployments USING (tenant_id = app_tenant() OR app_is_operator())
    WITH CHECK (tenant_id = app_tenant() OR app_is_operator());
CREATE POLICY tenant_scope ON deployment_bundles USING (tenant_id = app_tenant() OR app_is_operator())
    WITH CHECK (tenant_id = app_tenant() OR app_is_operator());
CREATE POLICY tenant_scope ON rule_toggles USING (tenant_id = app_tenant() OR app_is_operator())
    WITH CHECK (tenant_id = app_tenant() OR app_is_operator());
-- Nodes are the operator's; tenants see the names of theirs through deployments.
CREATE POLICY operator_only ON media_nodes USING (app_is_operator()
    OR EXISTS (SELECT 1 FROM deployments d WHERE d.node_id = media_nodes.id AND d.tenant_id = app_tenant()))
    WITH CHECK (app_is_operator());
GRANT SELECT, INSERT, UPDATE, DELETE ON config_outbox, deployments, deployment_bundles, rule_toggles, media_nodes TO centralita_app;

CREATE FUNCTION config_changed() RETURNS trigger
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
    PERFORM pg_notify('centralita_config', t::text);
    RETURN NULL;
END $$;
REVOKE ALL ON FUNCTION config_changed() FROM PUBLIC;

DO $$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['extensions', 'rules', 'intervals', 'voicemail_settings', 'recording_settings', 'public_numbers',
                               'extension_groups', 'extension_group_members'] LOOP
        EXECUTE format('CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION config_changed()', tbl);
    END LOOP;
END $$;
CREATE TRIGGER config_changed AFTER UPDATE OF status, timezone, language ON tenants
    FOR EACH ROW WHEN (OLD.status IS DISTINCT FROM NEW.status OR OLD.timezone IS DISTINCT FROM NEW.timezone
                       OR OLD.language IS DISTINCT FROM NEW.language)
    EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_changed AFTER UPDATE OF first_name, last_name, email, phone_language ON users
    FOR EACH ROW WHEN (NEW.tenant_id IS NOT NULL AND (OLD.first_name, OLD.last_name, OLD.email, OLD.phone_language)
                       IS DISTINCT FROM (NEW.first_name, NEW.last_name, NEW.email, NEW.phone_language))
    EXECUTE FUNCTION config_changed();
