-- No operator bypass in tenant policies (issue 14). Six policies let operator scope
-- (app.operator = 'on') see every tenant's rows; operators now act by setting the tenant, like
-- everyone else. The background workers that must find work across tenants (the deployer,
-- the mailer, media-node reports) ask these SECURITY DEFINER functions which tenants have
-- work — tenant IDs only — and then do each tenant's work in that tenant's scope.
CREATE FUNCTION app_tenants_with_due_deployments(p_limit integer) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT tenant_id FROM deployments
          WHERE desired_revision <> applied_revision AND desired_revision > 0 AND next_attempt_at <= now()
            AND (state <> 'applying' OR updated_at < now() - interval '1 minute')
          GROUP BY tenant_id ORDER BY min(next_attempt_at) LIMIT p_limit $$;

CREATE FUNCTION app_tenants_with_due_email(p_limit integer) RETURNS SETOF uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT tenant_id FROM email_outbox WHERE sent_at IS NULL AND next_attempt_at <= now()
          GROUP BY tenant_id ORDER BY min(next_attempt_at) LIMIT p_limit $$;

-- The tenant with this dial-plan key, if the node serves it (media-node reports).
CREATE FUNCTION app_node_tenant(p_node uuid, p_dial_key integer) RETURNS uuid
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT t.id FROM tenants t JOIN deployments d ON d.tenant_id = t.id AND d.node_id = p_node WHERE t.dial_key = p_dial_key $$;

REVOKE ALL ON FUNCTION app_tenants_with_due_deployments, app_tenants_with_due_email, app_node_tenant FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_tenants_with_due_deployments, app_tenants_with_due_email, app_node_tenant TO centralita_app;

DO $$
DECLARE
    t text;
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'centralita_definer')
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION app_tenants_with_due_deployments(integer) OWNER TO centralita_definer;
        ALTER FUNCTION app_tenants_with_due_email(integer) OWNER TO centralita_definer;
        ALTER FUNCTION app_node_tenant(uuid, integer) OWNER TO centralita_definer;
    END IF;
    FOREACH t IN ARRAY ARRAY['config_outbox', 'deployments', 'deployment_bundles', 'rule_toggles', 'node_events_seen', 'email_outbox'] LOOP
        EXECUTE format('DROP POLICY tenant_scope ON %I', t);
        EXECUTE format('CREATE POLICY tenant_scope ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END $$;
