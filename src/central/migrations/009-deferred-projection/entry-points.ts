/**
 * Migration 9: the ways in call central.land_as (landing.ts) instead of central.ingest_as; the
 * operator's conflict resolution projects the bank's landed batches before it rebuilds. Whole
 * bodies of migration 5's functions, replaced; the changes are marked "migration 9".
 */
export const ENTRY_POINTS_SQL = String.raw`
  CREATE OR REPLACE FUNCTION central.ingest_events(p_bank_id text, p_events jsonb) RETURNS bigint
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
    SELECT central.land_as(central.caller_bank(p_bank_id), p_events) -- migration 9: land_as
  $fn$;

  CREATE OR REPLACE FUNCTION central.ingest_batch(p_bank_id text, p_key text, p_events jsonb, OUT ack bigint, OUT conflict text)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE v_bank text := central.bank_by_key(p_bank_id, p_key); v_msg text;
  BEGIN
    BEGIN
      ack := central.land_as(v_bank, p_events); -- migration 9: land_as
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

  CREATE OR REPLACE FUNCTION central.resolve_sequence_conflict(p_bank_id text, p_from_seq bigint, p_reason text)
  RETURNS TABLE (quarantined bigint, kept bigint)
  LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE v_batch jsonb; v_quarantined bigint; v_kept bigint;
  BEGIN
    IF p_from_seq IS NULL OR p_from_seq < 1 THEN
      RAISE EXCEPTION 'from seq must be 1 or more' USING ERRCODE = '22023';
    END IF;
    -- the bank's lock: none of its batches meanwhile
    PERFORM 1 FROM central.banks b WHERE b.id = p_bank_id FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'bank % is not registered', p_bank_id USING ERRCODE = '22023';
    END IF;
    -- migration 9: the bank's landed batches are part of what the center holds: project them first
    PERFORM central.project_landed_of(p_bank_id, NULL, false);
    WITH q AS (DELETE FROM central.events e WHERE e.bank_id = p_bank_id AND e.seq >= p_from_seq RETURNING e.*)
    INSERT INTO central.events_quarantine SELECT q.*, now(), p_reason FROM q;
    GET DIAGNOSTICS v_quarantined = ROW_COUNT;

    -- The projections may hold what the quarantined events did: rebuild them from the events
    -- left, replayed through ingestion into empty projections (plain pickup codes, which events
    -- never hold, are not restored).
    SELECT jsonb_agg(jsonb_build_array(e.seq, (extract(epoch FROM e.at) * 1000)::bigint, e.clock_synced, e.type,
                                       e.locker_id, e.parcel_id, e.data) ORDER BY e.seq), count(*)
    INTO v_batch, v_kept FROM central.events e WHERE e.bank_id = p_bank_id;
    DELETE FROM central.events e WHERE e.bank_id = p_bank_id;
    DELETE FROM central.parcels p WHERE p.bank_id = p_bank_id;
    DELETE FROM central.lockers l WHERE l.bank_id = p_bank_id;
    UPDATE central.banks b SET last_seq = 0, last_event_at = NULL WHERE b.id = p_bank_id;
    IF v_batch IS NOT NULL THEN
      PERFORM central.ingest_as(p_bank_id, v_batch);
    END IF;
    -- migration 9: nothing waits landed; the next batch may start right after what is kept
    UPDATE central.banks b SET landed_seq = b.last_seq WHERE b.id = p_bank_id;
    DELETE FROM central.sequence_conflicts c WHERE c.bank_id = p_bank_id;
    RETURN QUERY SELECT v_quarantined, v_kept;
  END $fn$;
`;
