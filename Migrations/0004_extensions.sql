-- Extensions (EXT-1, EXT-2, EXT-5 ring time). The internal number is unique in the tenant;
-- the SIP username is unique on the platform (it names the PJSIP endpoint). The SIP password
-- is kept only as the HA1 digest the media node needs. Deleting a user removes their
-- extensions.
CREATE TABLE extensions (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    kind text NOT NULL CHECK (kind IN ('phone', 'queue', 'ivr')),
    owner_id uuid REFERENCES users (id) ON DELETE CASCADE,
    number text NOT NULL CHECK (number ~ '^[0-9]{4}$'),
    name text NOT NULL DEFAULT '' CHECK (length(name) <= 100),
    sip_username text NOT NULL CHECK (sip_username ~ '^[0-9]{9,10}$'),
    sip_ha1 text NOT NULL CHECK (sip_ha1 ~ '^[0-9a-f]{32}$'),
    ring_seconds smallint NOT NULL DEFAULT 20 CHECK (ring_seconds BETWEEN 5 AND 300),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    CONSTRAINT extensions_number_key UNIQUE (tenant_id, number),
    CHECK (kind <> 'phone' OR owner_id IS NOT NULL)
);
CREATE UNIQUE INDEX extensions_sip_username_key ON extensions (sip_username);
CREATE INDEX extensions_tenant_owner_idx ON extensions (tenant_id, owner_id);

-- Registrations reported by the media node (filled by its events).
CREATE TABLE extension_devices (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    contact text NOT NULL,
    user_agent text,
    address text,
    registered_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    PRIMARY KEY (tenant_id, extension_id, contact)
);

ALTER TABLE extensions ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON extensions USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
ALTER TABLE extension_devices ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON extension_devices USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON extensions, extension_devices TO centralita_app;
