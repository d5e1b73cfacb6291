/**
 * Migration 10, reachable doors asked for in the pre-advice (issue 23): a carrier's advice may
 * say `reachable: true`, and the bank the advice names learns it with its sync, so that the
 * courier's scan there (offline too) prefers a door a wheelchair user can reach.
 *
 * The bank never learns the recipient: what it pulls is a hint, (tracking ref, reachable,
 * until when), from central.advice_hints, which only the service writes (put_advice_hint). A
 * bank asks with its key for the hints after the last id it holds, as for pass revocations
 * (migration 6), so an id must never become visible after a higher one: put_advice_hint takes
 * the table's EXCLUSIVE lock (SELECT still runs) before taking an id, and holds it to commit.
 * Only an advice that asks for a reachable door, or stops asking, writes a hint: most advice
 * never takes the lock.
 *
 * A hint opens nothing: at worst (forged by whoever can write this table) it changes which
 * free locker a parcel gets.
 */
export const ADVICE_HINTS_SQL = String.raw`
  -- what the carrier asked (shown by GET /parcels/advice/{bank}/{ref})
  ALTER TABLE central.advice ADD COLUMN reachable boolean NOT NULL DEFAULT false;

  -- The hints the banks pull: the latest one per (bank, tracking ref) only (put_advice_hint
  -- deletes the one before); reachable false withdraws an earlier true.
  CREATE TABLE central.advice_hints (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id      text COLLATE "C" NOT NULL REFERENCES central.banks(id),
    tracking_ref text COLLATE "C" NOT NULL,
    reachable    boolean NOT NULL,
    expires_at   timestamptz NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
  );
  CREATE INDEX advice_hints_pull ON central.advice_hints (bank_id, id);
  CREATE INDEX advice_hints_ref ON central.advice_hints (bank_id, tracking_ref);
  CREATE INDEX advice_hints_age ON central.advice_hints (expires_at);

  -- Record a hint for the bank (the advice's expiry with it); returns its id. Hints expired a
  -- day ago go at the same time, so the table holds only what some bank may still need. The
  -- lock is held to the end of the caller's transaction.
  CREATE FUNCTION central.put_advice_hint(p_bank_id text, p_tracking_ref text, p_reachable boolean, p_expires_at timestamptz) RETURNS bigint
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  DECLARE v_id bigint;
  BEGIN
    LOCK TABLE central.advice_hints IN EXCLUSIVE MODE;
    DELETE FROM central.advice_hints h
    WHERE (h.bank_id = p_bank_id AND h.tracking_ref = p_tracking_ref) OR h.expires_at < now() - interval '1 day';
    INSERT INTO central.advice_hints (bank_id, tracking_ref, reachable, expires_at)
    VALUES (p_bank_id, p_tracking_ref, p_reachable, p_expires_at)
    RETURNING id INTO v_id;
    RETURN v_id;
  END $fn$;
  REVOKE ALL ON FUNCTION central.put_advice_hint(text, text, boolean, timestamptz) FROM PUBLIC;

  -- The hints for the bank whose key this is, after p_after_id, oldest first, at most 500 a
  -- call: only those not expired, and only for parcels not yet at the bank (no live parcel with
  -- the tracking ref there: once assigned, the hint has done its work or come too late).
  -- Granted to the ingest role by central-create-ingest-role (createIngestRole).
  CREATE FUNCTION central.pull_advice_hints(p_bank_id text, p_key text, p_after_id bigint, p_limit integer)
  RETURNS TABLE (id bigint, tracking_ref text, reachable boolean, expires_at_ms bigint)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE v_bank text := central.bank_by_key(p_bank_id, p_key);
  BEGIN
    RETURN QUERY
    SELECT h.id, h.tracking_ref::text, h.reachable, (extract(epoch FROM h.expires_at) * 1000)::bigint
    FROM central.advice_hints h
    WHERE h.bank_id = v_bank AND h.id > COALESCE(p_after_id, 0) AND h.expires_at > now()
      AND NOT EXISTS (SELECT 1 FROM central.parcels p
                      WHERE p.tracking_ref = h.tracking_ref AND p.bank_id = v_bank AND p.status IN ('ASSIGNED', 'STORED'))
    ORDER BY h.id
    LIMIT LEAST(GREATEST(COALESCE(p_limit, 500), 1), 500);
  END $fn$;
  REVOKE ALL ON FUNCTION central.pull_advice_hints(text, text, bigint, integer) FROM PUBLIC;

  -- An ingest role made before this migration may pull hints too: every role that may call
  -- central.ingest_batch gets the new function, as createIngestRole grants it from now on.
  DO $do$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole::text AS role
             FROM pg_proc p, aclexplode(p.proacl) a
             WHERE p.oid = 'central.ingest_batch(text, text, jsonb)'::regprocedure
               AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION central.pull_advice_hints(text, text, bigint, integer) TO %s', r.role);
    END LOOP;
  END $do$;
`;
