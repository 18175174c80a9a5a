-- Usernames are unique per tenant, not on the platform (issue 14).
--
-- With one platform-wide index, creating a user in tenant B answered 409 for a username that
-- tenant A had taken: anyone able to create users could list another company's usernames.
-- Now a username is unique within its tenant, and among the platform operators (who belong to
-- no tenant); the same name may exist in both and in any number of tenants.
--
-- Sign-in therefore takes the tenant — its alias or its ID — besides the username: either as
-- a separate field or written `username@tenant`. A username alone still signs in when it names
-- exactly one account: an operator's, or a tenant user's whose name no other tenant uses.
DROP INDEX users_username_key;
CREATE UNIQUE INDEX users_tenant_username_key ON users (tenant_id, username) WHERE tenant_id IS NOT NULL;
CREATE UNIQUE INDEX users_operator_username_key ON users (username) WHERE tenant_id IS NULL;
CREATE INDEX users_username_idx ON users (username);

-- The one account a sign-in names, or nothing (no account, or more than one). In order:
--   1. with p_tenant: that tenant's user (the tenant by alias or ID);
--   2. without: the operator of that name;
--   3. without, and no such operator: the tenant user of that name, or `name@tenant` read as
--      the username and the tenant's alias or ID — when exactly one account matches.
-- Same statement, same work, whether or not anything matches.
CREATE FUNCTION auth_find_login(p_tenant text, p_login text)
    RETURNS TABLE (id uuid, tenant_id uuid, password_hash text, role text)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$
    WITH candidates AS (
        SELECT u.id, u.tenant_id, u.password_hash, u.role, 1 AS rank
        FROM users u JOIN tenants t ON t.id = u.tenant_id
        WHERE p_tenant <> '' AND (t.alias = lower(p_tenant) OR t.id::text = lower(p_tenant)) AND u.username = p_login::citext
        UNION ALL
        SELECT u.id, u.tenant_id, u.password_hash, u.role, 1
        FROM users u WHERE p_tenant = '' AND u.tenant_id IS NULL AND u.username = p_login::citext
        UNION ALL
        SELECT u.id, u.tenant_id, u.password_hash, u.role, 2
        FROM users u WHERE p_tenant = '' AND u.tenant_id IS NOT NULL AND u.username = p_login::citext
        UNION ALL
        SELECT u.id, u.tenant_id, u.password_hash, u.role, 2
        FROM users u JOIN tenants t ON t.id = u.tenant_id
        WHERE p_tenant = '' AND strpos(p_login, '@') > 0
          AND (t.alias = lower(substring(p_login FROM '@([^@]*)$')) OR t.id::text = lower(substring(p_login FROM '@([^@]*)$')))
          AND u.username = substring(p_login FROM '^(.*)@[^@]*$')::citext
    ), best AS (
        SELECT rank FROM candidates GROUP BY rank ORDER BY rank LIMIT 1
    )
    SELECT c.id, c.tenant_id, c.password_hash, c.role FROM candidates c JOIN best b ON b.rank = c.rank
    WHERE (SELECT count(*) FROM candidates d WHERE d.rank = b.rank) = 1
    $$;

REVOKE ALL ON FUNCTION auth_find_login FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_find_login TO centralita_app;
DROP FUNCTION auth_find_user(text);

-- Like the other look-ups before a tenant is known, owned by the role that bypasses row-level
-- security where 0013 made one.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'centralita_definer')
       AND (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) THEN
        ALTER FUNCTION auth_find_login(text, text) OWNER TO centralita_definer;
    END IF;
END $$;
