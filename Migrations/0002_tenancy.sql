-- Tenants, users, sessions, API keys, login attempts, audit log and storage accounting.
--
-- The portal works as `centralita_app` (it runs SET ROLE after connecting): a role that owns
-- nothing and cannot bypass row-level security. Every tenant-owned table has tenant_id first
-- in its key and indexes and a policy on current_setting('app.tenant_id'), so a query that
-- forgets its WHERE still sees one tenant only. Platform operators act on one tenant at a
-- time the same way; only the tenants table itself opens up to them (app.operator = 'on').

DO $$
BEGIN
    CREATE ROLE centralita_app NOLOGIN NOSUPERUSER NOBYPASSRLS;
EXCEPTION WHEN duplicate_object OR unique_violation THEN
    NULL; -- roles are cluster-wide: another database of this cluster created it already
END
$$;
GRANT centralita_app TO CURRENT_USER;

-- The tenant the current transaction works for, or NULL.
CREATE FUNCTION app_tenant() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.tenant_id', true), '')::uuid $$;

-- The user acting in the current transaction, or NULL (API keys act for no user).
CREATE FUNCTION app_user() RETURNS uuid
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT nullif(current_setting('app.user_id', true), '')::uuid $$;

CREATE FUNCTION app_is_operator() RETURNS boolean
    LANGUAGE sql STABLE PARALLEL SAFE
    AS $$ SELECT coalesce(current_setting('app.operator', true), '') = 'on' $$;

CREATE TABLE tenants (
    id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    alias text CHECK (alias ~ '^[a-z0-9][a-z0-9-]{0,39}$'),
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'off')),
    timezone text NOT NULL DEFAULT 'Europe/Madrid',
    language text NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'en')),
    contact_email citext,
    max_extensions integer NOT NULL DEFAULT 50 CHECK (max_extensions >= 0),
    max_simultaneous_calls integer NOT NULL DEFAULT 10 CHECK (max_simultaneous_calls >= 0),
    storage_quota_bytes bigint NOT NULL DEFAULT 10737418240 CHECK (storage_quota_bytes >= 0),
    plan text NOT NULL DEFAULT 'standard',
    pending_plan text,
    pending_plan_from date,
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    CHECK ((pending_plan IS NULL) = (pending_plan_from IS NULL))
);
CREATE UNIQUE INDEX tenants_alias_key ON tenants (alias) WHERE alias IS NOT NULL;

-- Users: tenant_id NULL marks a platform operator. Usernames are unique on the platform, so
-- sign-in needs no tenant.
CREATE TABLE users (
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
    username citext NOT NULL CHECK (username ~ '^[A-Za-z0-9._@-]{3,64}$'),
    password_hash text NOT NULL,
    role text NOT NULL CHECK (role IN ('admin', 'member', 'operator')),
    first_name text NOT NULL DEFAULT '',
    last_name text NOT NULL DEFAULT '',
    phone text,
    email citext,
    address text,
    city text,
    postal_code text,
    country text,
    region text,
    timezone text,
    language text NOT NULL DEFAULT 'es' CHECK (language IN ('es', 'en')),
    phone_language text NOT NULL DEFAULT 'es',
    password_changed_at timestamptz NOT NULL DEFAULT now(),
    version integer NOT NULL DEFAULT 1,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (id),
    CHECK ((tenant_id IS NULL) = (role = 'operator'))
);
CREATE UNIQUE INDEX users_username_key ON users (username);
CREATE INDEX users_tenant_idx ON users (tenant_id, last_name, first_name);
CREATE INDEX users_search_idx ON users (tenant_id, search_fold(first_name || ' ' || last_name || ' ' || username || ' ' || coalesce(email::text, '')));

-- Sessions and API keys keep only SHA-256 hashes of their secrets.
CREATE TABLE sessions (
    tenant_id uuid REFERENCES tenants (id) ON DELETE CASCADE,
    token_hash bytea PRIMARY KEY,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    csrf_token text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_seen_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX sessions_user_idx ON sessions (user_id);

CREATE TABLE api_keys (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id uuid NOT NULL DEFAULT gen_random_uuid(),
    name text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    prefix text NOT NULL,
    secret_hash bytea NOT NULL UNIQUE,
    role text NOT NULL CHECK (role IN ('admin', 'member')),
    created_by uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at timestamptz,
    version integer NOT NULL DEFAULT 1,
    PRIMARY KEY (tenant_id, id)
);

-- Failed sign-ins, per username and per client address, for throttling.
CREATE TABLE login_attempts (
    id bigserial PRIMARY KEY,
    username citext NOT NULL,
    address text NOT NULL,
    attempted_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX login_attempts_username_idx ON login_attempts (username, attempted_at);
CREATE INDEX login_attempts_address_idx ON login_attempts (address, attempted_at);
CREATE INDEX login_attempts_attempted_at_idx ON login_attempts (attempted_at);

CREATE TABLE audit_log (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    id bigserial NOT NULL,
    at timestamptz NOT NULL DEFAULT now(),
    actor_user_id uuid,
    actor_api_key_id uuid,
    actor_name text NOT NULL,
    entity text NOT NULL,
    entity_id text NOT NULL,
    action text NOT NULL CHECK (action IN ('create', 'update', 'delete')),
    before jsonb,
    after jsonb,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX audit_log_tenant_at_idx ON audit_log (tenant_id, at DESC);
CREATE INDEX audit_log_tenant_entity_idx ON audit_log (tenant_id, entity, entity_id);

-- Bytes stored per user and kind (USR-5); later features add to it as they store files.
CREATE TABLE storage_usage (
    tenant_id uuid NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    kind text NOT NULL CHECK (kind IN ('voicemail', 'recordings', 'sounds', 'holdMusic')),
    bytes bigint NOT NULL DEFAULT 0 CHECK (bytes >= 0),
    PRIMARY KEY (tenant_id, user_id, kind)
);

-- Row-level security. Operators see every tenant row; everything else is one tenant's.
ALTER TABLE tenants ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON tenants USING (id = app_tenant() OR app_is_operator());

ALTER TABLE users ENABLE ROW LEVEL SECURITY;
CREATE POLICY tenant_scope ON users USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant());
-- Everyone (operators included, who belong to no tenant) can read and update their own row.
CREATE POLICY own_row ON users USING (id = app_user()) WITH CHECK (id = app_user());


DO $$
DECLARE t text;
BEGIN
    FOREACH t IN ARRAY ARRAY['sessions', 'api_keys', 'audit_log', 'storage_usage'] LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('CREATE POLICY tenant_scope ON %I USING (tenant_id = app_tenant()) WITH CHECK (tenant_id = app_tenant())', t);
    END LOOP;
END
$$;
CREATE POLICY own_sessions ON sessions USING (user_id = app_user()) WITH CHECK (user_id = app_user());

-- Sign-in happens before a tenant is known. These functions run as the owner and return only
-- what authentication needs; they are the only way around the policies.
CREATE FUNCTION auth_find_user(p_username text)
    RETURNS TABLE (id uuid, tenant_id uuid, password_hash text, role text, password_changed_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT id, tenant_id, password_hash, role, password_changed_at FROM users WHERE username = p_username::citext $$;

CREATE FUNCTION auth_find_session(p_token_hash bytea)
    RETURNS TABLE (user_id uuid, tenant_id uuid, role text, csrf_token text, username text,
                   created_at timestamptz, last_seen_at timestamptz, expires_at timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT s.user_id, s.tenant_id, u.role, s.csrf_token, u.username::text, s.created_at, s.last_seen_at, s.expires_at
          FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = p_token_hash $$;

CREATE FUNCTION auth_create_session(p_token_hash bytea, p_user_id uuid, p_csrf text, p_expires timestamptz)
    RETURNS void LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$ INSERT INTO sessions (tenant_id, token_hash, user_id, csrf_token, expires_at)
          SELECT tenant_id, p_token_hash, id, p_csrf, p_expires FROM users WHERE id = p_user_id $$;

CREATE FUNCTION auth_touch_session(p_token_hash bytea) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$ UPDATE sessions SET last_seen_at = now() WHERE token_hash = p_token_hash $$;

CREATE FUNCTION auth_end_session(p_token_hash bytea) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$ DELETE FROM sessions WHERE token_hash = p_token_hash $$;

CREATE FUNCTION auth_find_api_key(p_secret_hash bytea)
    RETURNS TABLE (id uuid, tenant_id uuid, name text, role text, stale_use boolean)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT id, tenant_id, name, role, last_used_at IS NULL OR last_used_at < now() - interval '60 seconds'
          FROM api_keys WHERE secret_hash = p_secret_hash AND revoked_at IS NULL $$;

-- Records use at most once a minute per key (the caller asks only when stale_use is true).
CREATE FUNCTION auth_touch_api_key(p_id uuid) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$ UPDATE api_keys SET last_used_at = now() WHERE id = p_id $$;

-- Records a failure and forgets those older than a day (throttling looks back minutes), so
-- the table stays small without a separate clean-up job.
CREATE FUNCTION auth_record_failure(p_username text, p_address text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$ DELETE FROM login_attempts WHERE attempted_at < now() - interval '1 day';
          INSERT INTO login_attempts (username, address) VALUES (p_username, p_address) $$;

-- Failures in the window, by username and by address.
CREATE FUNCTION auth_recent_failures(p_username text, p_address text, p_window interval)
    RETURNS TABLE (by_username bigint, by_address bigint, oldest_username timestamptz, oldest_address timestamptz)
    LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public
    AS $$ SELECT
            (SELECT count(*) FROM login_attempts WHERE username = p_username::citext AND attempted_at > now() - p_window),
            (SELECT count(*) FROM login_attempts WHERE address = p_address AND attempted_at > now() - p_window),
            (SELECT min(attempted_at) FROM login_attempts WHERE username = p_username::citext AND attempted_at > now() - p_window),
            (SELECT min(attempted_at) FROM login_attempts WHERE address = p_address AND attempted_at > now() - p_window) $$;

CREATE FUNCTION auth_clear_failures(p_username text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$ DELETE FROM login_attempts WHERE username = p_username::citext $$;

REVOKE ALL ON FUNCTION auth_find_user, auth_find_session, auth_create_session, auth_touch_session, auth_end_session,
    auth_find_api_key, auth_touch_api_key, auth_record_failure, auth_recent_failures, auth_clear_failures FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_find_user, auth_find_session, auth_create_session, auth_touch_session, auth_end_session,
    auth_find_api_key, auth_touch_api_key, auth_record_failure, auth_recent_failures, auth_clear_failures TO centralita_app;

GRANT SELECT, INSERT, UPDATE, DELETE ON tenants, users, sessions, api_keys, audit_log, storage_usage TO centralita_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO centralita_app;
GRANT SELECT ON schema_migrations TO centralita_app;
GRANT EXECUTE ON FUNCTION app_tenant, app_user, app_is_operator, search_fold TO centralita_app;
