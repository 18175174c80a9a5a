-- Incoming-call rules (RUL-1, RUL-2), in order per extension. The kind-specific part
-- (cascade steps, destinations, transfer conditions, identify password) is a JSON document
-- validated by the portal. An interval in use by a rule cannot be deleted.
CREATE TABLE rules (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    extension_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    position integer NOT NULL CHECK (position >= 1),
    kind text NOT NULL CHECK (kind IN ('cascade', 'busy', 'congestion', 'hangup', 'transfer', 'identify')),
    enabled boolean NOT NULL,
    continue_after boolean NOT NULL,
    interval_id uuid REFERENCES intervals (id) ON DELETE RESTRICT,
    keypad_code smallint CHECK (keypad_code BETWEEN 0 AND 9),
    definition jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    CONSTRAINT rules_position_key UNIQUE (extension_id, position) DEFERRABLE INITIALLY DEFERRED
);
CREATE UNIQUE INDEX rules_keypad_code_key ON rules (extension_id, keypad_code) WHERE keypad_code IS NOT NULL;
CREATE INDEX rules_tenant_extension_idx ON rules (tenant_id, extension_id, position);
CREATE INDEX rules_interval_idx ON rules (tenant_id, interval_id) WHERE interval_id IS NOT NULL;

ALTER TABLE rules ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON rules USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON rules TO centralita_app;
