-- Public numbers (TEN-2): E.164 numbers the operator assigns to a tenant, unique on the
-- platform, each routed by the tenant to a destination (a tagged reference checked on write).
CREATE TABLE public_numbers (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    number text NOT NULL CHECK (number ~ '^\+[1-9][0-9]{6,14}$'),
    destination_type text CHECK (destination_type IN ('extension', 'group', 'voicemail', 'external', 'queue', 'ivr', 'ruleGroup', 'callFlow')),
    destination_id uuid,
    destination_number text,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id),
    CHECK ((destination_type = 'external') = (destination_number IS NOT NULL)),
    CHECK ((destination_type IS NULL OR destination_type = 'external') = (destination_id IS NULL))
);
CREATE UNIQUE INDEX public_numbers_number_key ON public_numbers (number);
CREATE INDEX public_numbers_destination_idx ON public_numbers (tenant_id, destination_type, destination_id);

ALTER TABLE public_numbers ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON public_numbers USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON public_numbers TO centralita_app;
