/**
 * Migration 6: revocations, and the keyed function a bank pulls them with.
 *
 * A revocation names one pass, or a subject (a courier: all of their passes). It is sent until a
 * day after not_after, the latest end of validity of what it revokes (a bank with an unsynced
 * clock honours a pass up to its clock grace longer); the bank keeps it until not_after plus
 * its own passes.clockGraceMs (the sync loop prunes store.passes with that margin).
 *
 * A bank asks for the revocations after the last id it holds. An id must therefore never
 * become visible after a higher one was: central.revoke_pass takes the table's EXCLUSIVE lock
 * (SELECT still runs) before taking an id, so revocations commit in id order, one at a time.
 * Revocations are rare; the lock costs nothing that matters.
 */
export const PASS_REVOCATIONS_SQL = String.raw`
  CREATE TABLE central.pass_revocations (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    pass_id     text COLLATE "C" CHECK (pass_id ~ '^[0-9a-f]{32}$'),
    subject     text COLLATE "C",
    -- the banks that need it (those of the revoked pass); empty: every bank
    banks       text[] COLLATE "C" NOT NULL DEFAULT '{}',
    not_after   timestamptz NOT NULL,
    reason      text,
    revoked_by  text NOT NULL,
    revoked_at  timestamptz NOT NULL DEFAULT now(),
    CHECK ((pass_id IS NULL) <> (subject IS NULL))
  );
  CREATE INDEX pass_revocations_live ON central.pass_revocations (not_after);

  -- Revoke one pass (p_pass_id) or every pass of a subject (p_subject), kept until p_not_after.
  -- Returns the revocation's id. The lock is held to the end of the caller's transaction.
  CREATE FUNCTION central.revoke_pass(p_pass_id text, p_subject text, p_banks text[], p_not_after timestamptz,
                                      p_reason text, p_by text) RETURNS bigint
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  DECLARE v_id bigint;
  BEGIN
    LOCK TABLE central.pass_revocations IN EXCLUSIVE MODE;
    INSERT INTO central.pass_revocations (pass_id, subject, banks, not_after, reason, revoked_by)
    VALUES (p_pass_id, p_subject, COALESCE(p_banks, '{}'), p_not_after, p_reason, p_by)
    RETURNING id INTO v_id;
    RETURN v_id;
  END $fn$;
  REVOKE ALL ON FUNCTION central.revoke_pass(text, text, text[], timestamptz, text, text) FROM PUBLIC;

  -- The revocations of the bank whose key this is, after p_after_id, those still in force,
  -- oldest first; at most 1,000 a call. Granted to the ingest role by
  -- central-create-ingest-role (createIngestRole). "In force" reaches a day past not_after: a
  -- bank whose clock is not known to be synchronised honours a pass up to its
  -- passes.clockGraceMs (at most 24 h) after the pass's notAfter, and must refuse it as revoked
  -- for as long.
  CREATE FUNCTION central.pull_pass_revocations(p_bank_id text, p_key text, p_after_id bigint, p_limit integer)
  RETURNS TABLE (id bigint, pass_id text, subject text, not_after_ms bigint)
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE v_bank text := central.bank_by_key(p_bank_id, p_key);
  BEGIN
    RETURN QUERY
    SELECT r.id, r.pass_id::text, r.subject::text, (extract(epoch FROM r.not_after) * 1000)::bigint
    FROM central.pass_revocations r
    WHERE r.id > COALESCE(p_after_id, 0) AND r.not_after > now() - interval '24 hours'
      AND (cardinality(r.banks) = 0 OR v_bank = ANY (r.banks))
    ORDER BY r.id
    LIMIT LEAST(GREATEST(COALESCE(p_limit, 1000), 1), 1000);
  END $fn$;
  REVOKE ALL ON FUNCTION central.pull_pass_revocations(text, text, bigint, integer) FROM PUBLIC;
`;

/**
 * An ingest role made before this migration (central-create-ingest-role) may pull revocations
 * too: every role that may call central.ingest_batch gets the new function, as
 * createIngestRole grants it to a role made from now on.
 */
export const PASS_REVOCATIONS_GRANT_SQL = String.raw`
  DO $do$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole::text AS role
             FROM pg_proc p, aclexplode(p.proacl) a
             WHERE p.oid = 'central.ingest_batch(text, text, jsonb)'::regprocedure
               AND a.privilege_type = 'EXECUTE' AND a.grantee <> 0 AND a.grantee <> p.proowner LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION central.pull_pass_revocations(text, text, bigint, integer) TO %s', r.role);
    END LOOP;
  END $do$;
`;
