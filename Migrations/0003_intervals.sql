-- Time intervals (INT-1). Each belongs to a user of the tenant (members manage their own,
-- admins all of them); times are minutes since midnight on the interval's own time zone.
CREATE TABLE intervals (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    owner_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    algorithm text NOT NULL DEFAULT 'individualDays' CHECK (algorithm IN ('individualDays', 'continuous')),
    timezone text NOT NULL,
    start_minute smallint NOT NULL CHECK (start_minute BETWEEN 0 AND 1439),
    end_minute smallint NOT NULL CHECK (end_minute BETWEEN 0 AND 1439),
    start_weekday text CHECK (start_weekday IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')),
    end_weekday text CHECK (end_weekday IN ('monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday')),
    start_day smallint NOT NULL DEFAULT 1 CHECK (start_day BETWEEN 1 AND 31),
    end_day smallint NOT NULL DEFAULT 31 CHECK (end_day BETWEEN 1 AND 31),
    months smallint[] NOT NULL DEFAULT '{}',
    start_date date,
    end_date date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    CHECK ((start_weekday IS NULL) = (end_weekday IS NULL)),
    CHECK ((start_date IS NULL) = (end_date IS NULL) AND (start_date IS NULL OR start_date <= end_date))
);
CREATE INDEX intervals_tenant_name_idx ON intervals (tenant_id, lower(name), id);
CREATE INDEX intervals_tenant_owner_idx ON intervals (tenant_id, owner_id);

ALTER TABLE intervals ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON intervals USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON intervals TO centralita_app;
