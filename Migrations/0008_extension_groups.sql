-- Extension groups (EXT-5): named, ordered sets of phone extensions, usable as a destination.
CREATE TABLE extension_groups (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);
CREATE UNIQUE INDEX extension_groups_name_key ON extension_groups (tenant_id, lower(name));

CREATE TABLE extension_group_members (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    group_id uuid NOT NULL REFERENCES extension_groups (id) ON DELETE CASCADE,
    extension_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    position integer NOT NULL,
    PRIMARY KEY (tenant_id, group_id, extension_id)
);

ALTER TABLE extension_groups ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON extension_groups USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
ALTER TABLE extension_group_members ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON extension_group_members USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON extension_groups, extension_group_members TO centralita_app;
