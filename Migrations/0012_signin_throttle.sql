-- Sign-in throttling that decides and counts in one statement (issue 14).
--
-- Before, the portal read the failure count, checked the password, then recorded the failure:
-- 60 concurrent wrong passwords all passed the check. Now every attempt is claimed first, under
-- advisory locks on its username and its address, by auth_claim_attempt: it either refuses
-- (and counts nothing) or records the attempt as a failure; a correct password then withdraws
-- it with auth_clear_failures. The limits:
--   * per (username, address): a hard lock, so a stranger cannot lock the owner out;
--   * per address, across usernames: a hard lock (password spraying);
--   * per username from other addresses: only a slowdown, growing with the failures and
--     capped, never a lock, so the owner can still sign in from their own address.
ALTER TABLE login_attempts ADD COLUMN IF NOT EXISTS pair_key text;
UPDATE login_attempts SET pair_key = lower(username::text) || ' ' || address WHERE pair_key IS NULL;
CREATE INDEX login_attempts_pair_idx ON login_attempts (pair_key, attempted_at);

CREATE FUNCTION auth_claim_attempt(p_username text, p_address text, p_window interval, p_max_pair integer,
                                   p_max_address integer, p_slow_after integer)
    RETURNS TABLE (allowed boolean, retry_after integer, slowdown_ms integer)
    LANGUAGE plpgsql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$
DECLARE
    v_pair text := lower(p_username) || ' ' || p_address;
    v_by_pair integer;
    v_by_address integer;
    v_elsewhere integer;
    v_oldest timestamptz;
BEGIN
    -- Always the username lock first, then the address lock: no two claims wait on each other in a cycle.
    PERFORM pg_advisory_xact_lock(hashtext('signin-user:' || lower(p_username)));
    PERFORM pg_advisory_xact_lock(hashtext('signin-address:' || p_address));
    DELETE FROM login_attempts WHERE attempted_at < now() - interval '1 day';
    SELECT count(*), min(attempted_at) INTO v_by_pair, v_oldest
        FROM login_attempts WHERE pair_key = v_pair AND attempted_at > now() - p_window;
    IF v_by_pair >= p_max_pair THEN
        RETURN QUERY SELECT false, greatest(1, ceil(extract(epoch FROM v_oldest + p_window - now()))::integer), 0;
        RETURN;
    END IF;
    SELECT count(*), min(attempted_at) INTO v_by_address, v_oldest
        FROM login_attempts WHERE address = p_address AND attempted_at > now() - p_window;
    IF v_by_address >= p_max_address THEN
        RETURN QUERY SELECT false, greatest(1, ceil(extract(epoch FROM v_oldest + p_window - now()))::integer), 0;
        RETURN;
    END IF;
    SELECT count(*) INTO v_elsewhere FROM login_attempts
        WHERE username = p_username::citext AND address <> p_address AND attempted_at > now() - p_window;
    INSERT INTO login_attempts (username, address, pair_key) VALUES (p_username, p_address, v_pair);
    RETURN QUERY SELECT true, 0, least(5000, greatest(0, v_elsewhere - p_slow_after + 1) * 250);
END $$;

-- A correct password withdraws this address's claims on the username (not other addresses').
CREATE FUNCTION auth_clear_failures(p_username text, p_address text) RETURNS void
    LANGUAGE sql VOLATILE SECURITY DEFINER SET search_path = public
    AS $$ DELETE FROM login_attempts WHERE pair_key = lower(p_username) || ' ' || p_address $$;

REVOKE ALL ON FUNCTION auth_claim_attempt, auth_clear_failures(text, text) FROM PUBLIC;
GRANT EXECUTE ON FUNCTION auth_claim_attempt, auth_clear_failures(text, text) TO centralita_app;

-- The read-then-record pair this replaces.
DROP FUNCTION auth_recent_failures(text, text, interval);
DROP FUNCTION auth_record_failure(text, text);
DROP FUNCTION auth_clear_failures(text);
