-- PgBouncer's auth_query for lockerd's login roles: run once as a superuser in the central
-- database (PgBouncer 1.18 runs auth_query in the database the client asks for). It lets the
-- lookup role read the SCRAM secret of lockerd's login roles only, never a superuser's: the
-- shared ingest role every bank logs in as (lockerd_ingest*, central schema migration 5 on) and
-- the bank roles made before it (lockerd_bank_*).
--
--   CREATE ROLE lockerd_pgbouncer LOGIN PASSWORD '...';   -- its password goes in auth_file
CREATE SCHEMA IF NOT EXISTS pgbouncer;
REVOKE ALL ON SCHEMA pgbouncer FROM PUBLIC;
CREATE OR REPLACE FUNCTION pgbouncer.lockerd_bank_secret(p_user text) RETURNS TABLE (usename name, passwd text)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog AS $fn$
  SELECT s.usename, s.passwd FROM pg_catalog.pg_shadow s
  WHERE s.usename = p_user AND (s.usename LIKE 'lockerd\_bank\_%' OR s.usename LIKE 'lockerd\_ingest%') AND NOT s.usesuper
$fn$;
REVOKE ALL ON FUNCTION pgbouncer.lockerd_bank_secret(text) FROM PUBLIC;
GRANT USAGE ON SCHEMA pgbouncer TO lockerd_pgbouncer;
GRANT EXECUTE ON FUNCTION pgbouncer.lockerd_bank_secret(text) TO lockerd_pgbouncer;
