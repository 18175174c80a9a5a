-- Queues (QUE-1, QUE-6): the behaviour of an extension of kind 'queue'. The settings are one
-- validated document (Telephony.QueueSettings); name and number stay on the extension.
CREATE TABLE queues (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    settings jsonb NOT NULL CHECK (jsonb_typeof(settings) = 'object'),
    PRIMARY KEY (tenant_id, extension_id),
    UNIQUE (extension_id)
);

-- Agents (QUE-2, QUE-3, QUE-5): phone extensions taking a queue's calls. The login PIN is
-- kept as SHA-1 over a per-agent salt and the PIN, the one digest the node's dial plan can
-- check (SHA1()) when the agent logs in from the phone. State changes are live commands to
-- the media node, not configuration: they do not bump the revision (see the trigger below).
CREATE TABLE queue_agents (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    queue_id uuid NOT NULL REFERENCES queues (extension_id) ON DELETE CASCADE,
    extension_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    pin_salt text CHECK (pin_salt ~ '^[0-9a-f]{16}$'),
    pin_sha1 text CHECK (pin_sha1 ~ '^[0-9a-f]{40}$'),
    penalty smallint NOT NULL DEFAULT 0 CHECK (penalty BETWEEN 0 AND 10),
    supervisor boolean NOT NULL DEFAULT false,
    state text NOT NULL DEFAULT 'loggedOut' CHECK (state IN ('loggedIn', 'paused', 'loggedOut')),
    last_login timestamptz,
    last_logout timestamptz,
    last_call timestamptz,
    calls_answered integer NOT NULL DEFAULT 0,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    CONSTRAINT queue_agents_member_key UNIQUE (queue_id, extension_id),
    CHECK ((pin_salt IS NULL) = (pin_sha1 IS NULL))
);
CREATE INDEX queue_agents_extension_idx ON queue_agents (tenant_id, extension_id);

-- Node reports already taken (answered-call counts must not grow when a batch is resent).
CREATE TABLE node_events_seen (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    event_id text NOT NULL CHECK (length(event_id) <= 64),
    seen_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, event_id)
);
ALTER TABLE node_events_seen ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON node_events_seen USING (tenant_id = app_tenant() OR app_is_operator())
    WITH CHECK (tenant_id = app_tenant() OR app_is_operator());
GRANT SELECT, INSERT, DELETE ON node_events_seen TO centralita_app;

-- IVR contexts (IVR-1) of an extension of kind 'ivr': exactly one is the entry.
CREATE TABLE ivr_contexts (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    ivr_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    is_entry boolean NOT NULL DEFAULT false,
    direct_dial boolean NOT NULL DEFAULT false,
    timeout_seconds smallint NOT NULL DEFAULT 5 CHECK (timeout_seconds BETWEEN 1 AND 60),
    max_retries smallint NOT NULL DEFAULT 2 CHECK (max_retries BETWEEN 0 AND 10),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);
CREATE UNIQUE INDEX ivr_contexts_entry_key ON ivr_contexts (ivr_id) WHERE is_entry;
CREATE UNIQUE INDEX ivr_contexts_name_key ON ivr_contexts (ivr_id, lower(name));

-- IVR options (IVR-2): each holds an ordered list of actions (Telephony.MenuAction).
CREATE TABLE ivr_options (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    context_id uuid NOT NULL REFERENCES ivr_contexts (id) ON DELETE CASCADE,
    key text NOT NULL CHECK (key IN ('start', 'timeout', 'invalid', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'star', 'hash')),
    actions jsonb NOT NULL CHECK (jsonb_typeof(actions) = 'array'),
    PRIMARY KEY (tenant_id, context_id, key)
);

-- Call flows (IVR-5): a public number routed through actions without an IVR extension.
CREATE TABLE call_flows (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    actions jsonb NOT NULL CHECK (jsonb_typeof(actions) = 'array'),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);
CREATE UNIQUE INDEX call_flows_name_key ON call_flows (tenant_id, lower(name));

-- CALL-1: the caller IDs an outgoing call may choose with a trailing c1, c2, ….
ALTER TABLE tenants ADD COLUMN outgoing_caller_ids text[] NOT NULL DEFAULT '{}'
    CHECK (cardinality(outgoing_caller_ids) <= 9);

DO $$
DECLARE
    tbl text;
BEGIN
    FOREACH tbl IN ARRAY ARRAY['queues', 'queue_agents', 'ivr_contexts', 'ivr_options', 'call_flows'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', tbl);
        EXECUTE format('CREATE POLICY tenant_scope ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', tbl);
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON %I TO centralita_app', tbl);
        IF tbl <> 'queue_agents' THEN
            EXECUTE format('CREATE TRIGGER config_changed AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH ROW EXECUTE FUNCTION config_changed()', tbl);
        END IF;
    END LOOP;
END $$;
-- Membership, penalty, supervisor and PIN are configuration; state and counters are not.
CREATE TRIGGER config_changed AFTER INSERT OR DELETE ON queue_agents FOR EACH ROW EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_changed_settings AFTER UPDATE OF penalty, supervisor, pin_sha1 ON queue_agents
    FOR EACH ROW WHEN ((OLD.penalty, OLD.supervisor, OLD.pin_sha1) IS DISTINCT FROM (NEW.penalty, NEW.supervisor, NEW.pin_sha1))
    EXECUTE FUNCTION config_changed();
CREATE TRIGGER config_changed_caller_ids AFTER UPDATE OF outgoing_caller_ids ON tenants
    FOR EACH ROW WHEN (OLD.outgoing_caller_ids IS DISTINCT FROM NEW.outgoing_caller_ids)
    EXECUTE FUNCTION config_changed();
