/**
 * The ways in (migration 5). A bank with a key calls central.ingest_batch and
 * central.pull_bank_commands as the shared ingest role; a bank role of migration 1 still calls
 * central.ingest_events and central.pull_commands. Both authenticate the bank and hand it to
 * the shared bodies, central.ingest_as and central.pull_commands_as, granted to nobody.
 *
 * For the lead combining migrations: a change to the command pull (signed commands) goes into
 * pull_commands_as; the entry points only authenticate.
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
  CREATE FUNCTION central.pull_commands_as(p_bank_id text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    WITH picked AS (
      UPDATE central.bank_commands c
      SET status = 'delivered', deliveries = c.deliveries + 1, delivered_at = COALESCE(c.delivered_at, now())
      WHERE c.id IN (SELECT o.id FROM central.bank_commands o
                     WHERE o.bank_id = p_bank_id AND o.status IN ('pending', 'delivered')
                     ORDER BY o.id LIMIT LEAST(GREATEST(p_limit, 1), 1000))
      RETURNING c.id, c.kind, c.args, c.created_at
    )
    SELECT picked.id, picked.kind, picked.args, picked.created_at FROM picked ORDER BY picked.id
  $fn$;
  REVOKE ALL ON FUNCTION central.pull_commands_as(text, integer) FROM PUBLIC;

  CREATE OR REPLACE FUNCTION central.pull_commands(p_bank_id text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    SELECT * FROM central.pull_commands_as(central.caller_bank(p_bank_id), p_limit)
  $fn$;

  -- The commands of the bank whose key this is (the same as pull_commands for a role's bank).
  CREATE FUNCTION central.pull_bank_commands(p_bank_id text, p_key text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    SELECT * FROM central.pull_commands_as(central.bank_by_key(p_bank_id, p_key), p_limit)
  $fn$;
  REVOKE ALL ON FUNCTION central.pull_bank_commands(text, text, integer) FROM PUBLIC;
  -- ===== end of the replacement of central.pull_commands =====
`;
