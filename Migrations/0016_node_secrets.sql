-- Media-node secrets are not readable by the portal's role (issue 14). A tenant scope sees the
-- nodes that serve it (their name and address, for the deployments page) but the secret signs
-- bundles and verifies a node's reports, so it is read only through app_node_secret, which
-- answers in operator scope (the deployer, node reports, agent commands) and nowhere else.
REVOKE SELECT, UPDATE ON media_nodes FROM centralita_app;
GRANT SELECT (id, name, url, version, created_at, updated_at) ON media_nodes TO centralita_app;
GRANT UPDATE (name, url, secret, version, updated_at) ON media_nodes TO centralita_app;

CREATE FUNCTION app_node_secret(p_node uuid) RETURNS text
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT secret FROM media_nodes WHERE id = p_node AND app_is_operator() $$;
REVOKE ALL ON FUNCTION app_node_secret FROM PUBLIC;
GRANT EXECUTE ON FUNCTION app_node_secret TO centralita_app;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'centralita_definer')
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION app_node_secret(uuid) OWNER TO centralita_definer;
    END IF;
END $$;
