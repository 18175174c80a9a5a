-- Portals cache who a session or API key is (IdentityCache). Whatever changes that notifies
-- `centralita_identity` on commit, so every portal forgets it at once: revoking or changing a
-- key, ending, touching or re-pointing a session, a user's role, name or password, deleting
-- users and tenants. The payload names what changed — `s:`/`k:` and the credential's hash,
-- `u:` and a user's id, `*` for everything — and PostgreSQL sends each distinct payload once
-- per transaction.
CREATE FUNCTION notify_identity_change() RETURNS trigger
    LANGUAGE plpgsql SET search_path = public
    AS $$
BEGIN
    -- One branch per table: PL/pgSQL resolves OLD's fields only in the branch it runs.
    IF TG_TABLE_NAME = 'sessions' THEN
        PERFORM pg_notify('centralita_identity', 's:' || encode(OLD.token_hash, 'hex'));
    ELSIF TG_TABLE_NAME = 'api_keys' THEN
        PERFORM pg_notify('centralita_identity', 'k:' || encode(OLD.secret_hash, 'hex'));
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('centralita_identity', 'u:' || OLD.id::text);
    ELSE
        PERFORM pg_notify('centralita_identity', '*');
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER api_keys_identity_changed
    AFTER UPDATE OF revoked_at, role, name, secret_hash, tenant_id ON api_keys
    FOR EACH ROW
    WHEN (OLD.revoked_at IS DISTINCT FROM NEW.revoked_at OR OLD.role IS DISTINCT FROM NEW.role OR OLD.name IS DISTINCT FROM NEW.name
          OR OLD.secret_hash IS DISTINCT FROM NEW.secret_hash OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION notify_identity_change();
CREATE TRIGGER api_keys_identity_deleted AFTER DELETE ON api_keys FOR EACH ROW EXECUTE FUNCTION notify_identity_change();

-- A touch (last_seen_at) notifies too: the idle timeout counts from it.
CREATE TRIGGER sessions_identity_changed
    AFTER UPDATE OF expires_at, last_seen_at, user_id, csrf_token, tenant_id ON sessions
    FOR EACH ROW
    WHEN (OLD.expires_at IS DISTINCT FROM NEW.expires_at OR OLD.last_seen_at IS DISTINCT FROM NEW.last_seen_at
          OR OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.csrf_token IS DISTINCT FROM NEW.csrf_token
          OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION notify_identity_change();
CREATE TRIGGER sessions_identity_deleted AFTER DELETE ON sessions FOR EACH ROW EXECUTE FUNCTION notify_identity_change();

CREATE TRIGGER users_identity_changed
    AFTER UPDATE OF role, username, password_hash, tenant_id ON users
    FOR EACH ROW
    WHEN (OLD.role IS DISTINCT FROM NEW.role OR OLD.username IS DISTINCT FROM NEW.username
          OR OLD.password_hash IS DISTINCT FROM NEW.password_hash OR OLD.tenant_id IS DISTINCT FROM NEW.tenant_id)
    EXECUTE FUNCTION notify_identity_change();
CREATE TRIGGER users_identity_deleted AFTER DELETE ON users FOR EACH ROW EXECUTE FUNCTION notify_identity_change();

CREATE TRIGGER tenants_identity_deleted AFTER DELETE ON tenants FOR EACH ROW EXECUTE FUNCTION notify_identity_change();
