-- Extensions the schema relies on: case-insensitive text for usernames and e-mail addresses,
-- and accent folding for searches ("José" is found by "jose").
CREATE EXTENSION IF NOT EXISTS citext;
CREATE EXTENSION IF NOT EXISTS unaccent;

-- unaccent() is only STABLE (it reads a dictionary); an IMMUTABLE wrapper pinned to the
-- dictionary lets search expressions be indexed.
CREATE FUNCTION search_fold(text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE STRICT
    AS $$ SELECT lower(public.unaccent('public.unaccent'::regdictionary, $1)) $$;
