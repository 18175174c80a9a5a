-- Tenants leave media nodes (issue 12): the deployer compares what each node holds with what
-- is assigned to it and takes the rest off. The assignments of every tenant are behind row-level
-- security, so the keys a node should hold come from this SECURITY DEFINER function — keys
-- only — like the deployer's other cross-tenant questions (0014).
CREATE FUNCTION app_node_tenant_keys(p_node uuid) RETURNS SETOF text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT 't' || t.dial_key FROM deployments d JOIN tenants t ON t.id = d.tenant_id WHERE d.node_id = p_node $$;

REVOKE ALL ON FUNCTION app_node_tenant_keys FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_node_tenant_keys TO centralita_app;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'centralita_definer')
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION app_node_tenant_keys(uuid) OWNER TO centralita_definer;
    END IF;
END $$;
