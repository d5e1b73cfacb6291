/**
 * The ways in (migration 5). A bank with a key calls central.ingest_batch and
 * central.pull_bank_commands as the shared ingest role; a bank role of migration 1 still calls
 * central.ingest_events and central.pull_commands. Both authenticate the bank and hand it to
 * the shared bodies, central.ingest_as and central.pull_commands_as, granted to nobody.
 *
 * The command pull returns the signed payload and signature of migration 3; the bank's status
 * report of migration 4 gets a keyed way in too (report_bank_status_by_key, body in
 * report_bank_status_as). The entry points only authenticate.
 */
export const ENTRY_POINTS_SQL = String.raw`
  -- ===== fleet-scale (migration 5): replaces central.ingest_events (body now in ingest_as) =====
  CREATE OR REPLACE FUNCTION central.ingest_events(p_bank_id text, p_events jsonb) RETURNS bigint
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
    SELECT central.ingest_as(central.caller_bank(p_bank_id), p_events)
  $fn$;
  -- ===== end of the replacement of central.ingest_events =====

  -- A sequence conflict (a seq that arrived again with other content: see ingest_as) is kept
  -- here, one row per bank, for the operator (central-conflicts); the batch is not taken.
  CREATE TABLE central.sequence_conflicts (
    bank_id    text COLLATE "C" PRIMARY KEY REFERENCES central.banks(id),
    message    text NOT NULL,
    first_seq  bigint,
    last_seq   bigint,
    first_seen timestamptz NOT NULL DEFAULT now(),
    last_seen  timestamptz NOT NULL DEFAULT now(),
    attempts   integer NOT NULL DEFAULT 1
  );

  -- A bank's batch, as the bank whose key it shows. Answers the highest seq of the batch (ack),
  -- or, when the batch conflicts with events held, NULL and the conflict: that is recorded in
  -- central.sequence_conflicts (committed, as the batch is not) and the bank keeps its events.
  CREATE FUNCTION central.ingest_batch(p_bank_id text, p_key text, p_events jsonb, OUT ack bigint, OUT conflict text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE v_bank text := central.bank_by_key(p_bank_id, p_key); v_msg text;
  BEGIN
    BEGIN
      ack := central.ingest_as(v_bank, p_events);
    EXCEPTION WHEN SQLSTATE 'LK001' THEN
      GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT;
      INSERT INTO central.sequence_conflicts AS c (bank_id, message, first_seq, last_seq)
      VALUES (v_bank, v_msg,
              CASE WHEN jsonb_typeof(p_events -> 0 -> 0) = 'number' THEN (p_events -> 0 ->> 0)::numeric::bigint END,
              CASE WHEN jsonb_typeof(p_events -> -1 -> 0) = 'number' THEN (p_events -> -1 ->> 0)::numeric::bigint END)
      ON CONFLICT (bank_id) DO UPDATE SET message = excluded.message, first_seq = excluded.first_seq,
        last_seq = excluded.last_seq, last_seen = now(), attempts = c.attempts + 1;
      conflict := v_msg;
    END;
  END $fn$;
  REVOKE ALL ON FUNCTION central.ingest_batch(text, text, jsonb) FROM PUBLIC;

  -- ===== fleet-scale (migration 5): replaces central.pull_commands (body now in pull_commands_as) =====
  -- (with migration 3's signed payload and signature: the bank runs only what they say)
  CREATE FUNCTION central.pull_commands_as(p_bank_id text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz, signed_payload text, signature text)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    WITH picked AS (
      UPDATE central.bank_commands c
      SET status = 'delivered', deliveries = c.deliveries + 1, delivered_at = COALESCE(c.delivered_at, now())
      WHERE c.id IN (SELECT o.id FROM central.bank_commands o
                     WHERE o.bank_id = p_bank_id AND o.status IN ('pending', 'delivered')
                     ORDER BY o.id LIMIT LEAST(GREATEST(p_limit, 1), 1000))
      RETURNING c.id, c.kind, c.args, c.created_at, c.signed_payload, c.signature
    )
    SELECT picked.id, picked.kind, picked.args, picked.created_at, picked.signed_payload, picked.signature FROM picked ORDER BY picked.id
  $fn$;
  REVOKE ALL ON FUNCTION central.pull_commands_as(text, integer) FROM PUBLIC;

  CREATE OR REPLACE FUNCTION central.pull_commands(p_bank_id text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz, signed_payload text, signature text)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    SELECT * FROM central.pull_commands_as(central.caller_bank(p_bank_id), p_limit)
  $fn$;

  -- The commands of the bank whose key this is (the same as pull_commands for a role's bank).
  CREATE FUNCTION central.pull_bank_commands(p_bank_id text, p_key text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz, signed_payload text, signature text)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    SELECT * FROM central.pull_commands_as(central.bank_by_key(p_bank_id, p_key), p_limit)
  $fn$;
  REVOKE ALL ON FUNCTION central.pull_bank_commands(text, text, integer) FROM PUBLIC;
  -- ===== end of the replacement of central.pull_commands =====

  -- ===== fleet-scale (migration 5): central.report_bank_status (migration 4), body now in report_bank_status_as =====
  CREATE FUNCTION central.report_bank_status_as(p_bank_id text, p_status jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE
    v_bank text := p_bank_id;
    v_conflict boolean := COALESCE((p_status ->> 'sequenceConflict')::boolean, false);
  BEGIN
    INSERT INTO central.bank_status AS s (bank_id, reported_at, bank_time, software_version, clock_synced, backlog,
                                          oldest_unsent_at, last_error, sequence_conflict)
    VALUES (v_bank, now(),
            CASE WHEN p_status ->> 'bankTimeMs' ~ '^[0-9]{1,15}$' THEN timestamptz 'epoch' + (p_status ->> 'bankTimeMs')::bigint * interval '1 millisecond' END,
            left(p_status ->> 'softwareVersion', 64),
            CASE WHEN jsonb_typeof(p_status -> 'clockSynced') = 'boolean' THEN (p_status ->> 'clockSynced')::boolean END,
            CASE WHEN p_status ->> 'backlog' ~ '^[0-9]{1,15}$' THEN (p_status ->> 'backlog')::bigint END,
            CASE WHEN p_status ->> 'oldestUnsentMs' ~ '^[0-9]{1,15}$' THEN timestamptz 'epoch' + (p_status ->> 'oldestUnsentMs')::bigint * interval '1 millisecond' END,
            left(p_status ->> 'lastError', 500), v_conflict)
    ON CONFLICT (bank_id) DO UPDATE SET reported_at = excluded.reported_at, bank_time = excluded.bank_time,
      software_version = excluded.software_version, clock_synced = excluded.clock_synced, backlog = excluded.backlog,
      oldest_unsent_at = excluded.oldest_unsent_at, last_error = excluded.last_error, sequence_conflict = excluded.sequence_conflict;

    IF v_conflict THEN
      INSERT INTO central.alarms AS a (bank_id, kind, locker_id, raised_seq, raised_at, last_seq, last_at, data)
      VALUES (v_bank, 'sequence_conflict', '', 0, now(), 0, now(), jsonb_build_object('lastError', left(p_status ->> 'lastError', 500)))
      ON CONFLICT (bank_id, kind, locker_id) DO UPDATE SET last_at = excluded.last_at, data = excluded.data,
        raised_at = CASE WHEN a.cleared_at IS NULL THEN a.raised_at ELSE excluded.raised_at END,
        raises = CASE WHEN a.cleared_at IS NULL THEN a.raises ELSE 1 END, cleared_at = NULL, cleared_seq = NULL;
    ELSE
      UPDATE central.alarms a SET cleared_at = now()
      WHERE a.bank_id = v_bank AND a.kind = 'sequence_conflict' AND a.locker_id = '' AND a.cleared_at IS NULL;
    END IF;
  END $fn$;
  REVOKE ALL ON FUNCTION central.report_bank_status_as(text, jsonb) FROM PUBLIC;

  CREATE OR REPLACE FUNCTION central.report_bank_status(p_bank_id text, p_status jsonb) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    SELECT central.report_bank_status_as(central.caller_bank(p_bank_id), p_status)
  $fn$;
  -- migration 4 granted it to PUBLIC (caller_bank refuses any role not a bank's); from now on
  -- only the bank roles of migration 1 that exist hold it: the shared ingest role reports by key
  REVOKE ALL ON FUNCTION central.report_bank_status(text, jsonb) FROM PUBLIC;
  DO $do$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT b.role_name FROM central.banks b JOIN pg_catalog.pg_roles p ON p.rolname = b.role_name LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION central.report_bank_status(text, jsonb) TO %I', r.role_name);
    END LOOP;
  END $do$;

  -- The status of the bank whose key this is (granted to the ingest role with the other two).
  CREATE FUNCTION central.report_bank_status_by_key(p_bank_id text, p_key text, p_status jsonb) RETURNS void
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    SELECT central.report_bank_status_as(central.bank_by_key(p_bank_id, p_key), p_status)
  $fn$;
  REVOKE ALL ON FUNCTION central.report_bank_status_by_key(text, text, jsonb) FROM PUBLIC;
  -- ===== end of the replacement of central.report_bank_status =====

  -- migration 3's trigger function was left executable by PUBLIC (harmless: a trigger function
  -- cannot be called directly), but the shared ingest role holds nothing it does not need
  REVOKE ALL ON FUNCTION central.command_refused() FROM PUBLIC;
`;
