-- Row-level security binds the tables' owner too (issue 14).
--
-- Without FORCE, a connection as the tables' owner — the portal logs in as the owner and only
-- SET ROLEs, and a RESET ROLE escapes — sees every tenant. FORCE makes the policies apply to
-- the owner as well; only superusers and BYPASSRLS roles see past them.
--
-- The SECURITY DEFINER functions (the auth_* look-ups that run before any tenant is known,
-- and the config_changed trigger) run as their owner, so under FORCE they would see nothing.
-- They move to `centralita_definer`: a role that cannot log in, owns nothing else, and
-- bypasses row-level security — for exactly the code in those functions. Creating a
-- BYPASSRLS role needs a superuser; a database migrated by an ordinary owner keeps its
-- functions and is not forced (FORCE would lock the sign-in functions out), and says so.
DO $$
DECLARE
    can_create boolean := (SELECT rolsuper FROM pg_roles WHERE rolname = current_user);
    owner_bypasses boolean := (SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user);
    f regprocedure;
    t regclass;
    attempt integer;
BEGIN
    IF can_create THEN
        -- Roles are cluster-wide: another database of the cluster may be creating it in a
        -- transaction that has not committed (or that rolls back), so retry until it exists.
        FOR attempt IN 1..100 LOOP
            BEGIN
                IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'centralita_definer') THEN
                    CREATE ROLE centralita_definer NOLOGIN NOSUPERUSER BYPASSRLS;
                END IF;
                GRANT USAGE ON SCHEMA public TO centralita_definer;
                EXIT;
            EXCEPTION WHEN duplicate_object OR unique_violation OR undefined_object THEN
                PERFORM pg_sleep(0.05);
            END;
        END LOOP;
        GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO centralita_definer;
        GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO centralita_definer;
        FOR f IN
            SELECT p.oid::regprocedure FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = 'public' AND p.prosecdef
        LOOP
            EXECUTE format('ALTER FUNCTION %s OWNER TO centralita_definer', f);
        END LOOP;
    ELSIF NOT owner_bypasses THEN
        RAISE NOTICE 'not a superuser: SECURITY DEFINER functions keep their owner and tables are not FORCEd; migrate as a superuser to force row-level security';
        RETURN;
    END IF;
    FOR t IN
        SELECT c.oid::regclass FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
          AND (c.relname = 'tenants'
               OR EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped))
    LOOP
        EXECUTE format('ALTER TABLE %s ENABLE ROW LEVEL SECURITY', t);
        EXECUTE format('ALTER TABLE %s FORCE ROW LEVEL SECURITY', t);
    END LOOP;
END $$;
