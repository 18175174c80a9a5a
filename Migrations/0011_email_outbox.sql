-- Emails the portal owes (CALL-2: IVR and call-flow email actions). Rows are added when a
-- media node reports the action ran; the mailer sends them through the configured SMTP relay,
-- retrying with backoff, and keeps what was sent (or why it failed) for the tenant to see.
CREATE TABLE email_outbox (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    recipient text NOT NULL CHECK (length(recipient) BETWEEN 3 AND 254),
    subject text NOT NULL CHECK (length(subject) <= 200),
    body text NOT NULL CHECK (length(body) <= 10000),
    created_at timestamptz NOT NULL DEFAULT now(),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    attempts integer NOT NULL DEFAULT 0,
    sent_at timestamptz,
    last_error text,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (id)
);
CREATE INDEX email_outbox_due_idx ON email_outbox (next_attempt_at) WHERE sent_at IS NULL;
ALTER TABLE email_outbox ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON email_outbox USING (tenant_id = app_tenant() OR app_is_operator())
    WITH CHECK (tenant_id = app_tenant() OR app_is_operator());
GRANT SELECT, INSERT, UPDATE, DELETE ON email_outbox TO centralita_app;
