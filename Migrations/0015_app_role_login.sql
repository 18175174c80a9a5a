-- The portal may log in as centralita_app itself (issue 14). Logging in as the tables' owner
-- and SET ROLE-ing is one RESET ROLE away from the owner's rights; a session that logs in as
-- centralita_app has nothing to reset to. LOGIN alone admits nobody: the deployment gives
-- the role a password (ALTER ROLE centralita_app PASSWORD …) or a pg_hba rule and passes the
-- portal CENTRALITA_APP_DATABASE_URL. Roles are cluster-wide and another database's migration
-- may be changing the same row, so this retries.
DO $$
DECLARE
    attempt integer;
BEGIN
    IF NOT (SELECT rolsuper OR rolcreaterole FROM pg_roles WHERE rolname = current_user) THEN
        RAISE NOTICE 'cannot alter roles: give centralita_app LOGIN by hand to let the portal log in as it';
        RETURN;
    END IF;
    FOR attempt IN 1..100 LOOP
        BEGIN
            IF NOT (SELECT rolcanlogin FROM pg_roles WHERE rolname = 'centralita_app') THEN
                ALTER ROLE centralita_app LOGIN;
            END IF;
            EXIT;
        EXCEPTION WHEN OTHERS THEN
            PERFORM pg_sleep(0.05); -- "tuple concurrently updated": another database got there first
        END;
    END LOOP;
END $$;
