-- Voicemail (EXT-3) and recording (EXT-4) settings, one row per extension once changed; an
-- extension without a row has the defaults. The voicemail PIN is write-only for the API.
CREATE TABLE voicemail_settings (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    enabled boolean NOT NULL,
    delete_after_days integer NOT NULL CHECK (delete_after_days BETWEEN 0 AND 3650),
    notify text NOT NULL CHECK (notify IN ('none', 'alert', 'attach')),
    pin text CHECK (pin ~ '^[0-9]{1,5}$'),
    answer_after_seconds smallint NOT NULL CHECK (answer_after_seconds BETWEEN 5 AND 300),
    exit_to_extension_id uuid REFERENCES extensions (id) ON DELETE SET NULL,
    keep_unread boolean NOT NULL,
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, extension_id)
);

CREATE TABLE recording_settings (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    extension_id uuid NOT NULL REFERENCES extensions (id) ON DELETE CASCADE,
    enabled boolean NOT NULL,
    start text NOT NULL CHECK (start IN ('never', 'conferences', 'onDemand', 'always')),
    announce boolean NOT NULL,
    delete_after_days integer NOT NULL CHECK (delete_after_days BETWEEN 0 AND 3650),
    version integer NOT NULL DEFAULT 1,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (tenant_id, extension_id)
);

ALTER TABLE voicemail_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON voicemail_settings USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
ALTER TABLE recording_settings ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON recording_settings USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
GRANT SELECT, INSERT, UPDATE, DELETE ON voicemail_settings, recording_settings TO centralita_app;
