/**
 * Resolving a sequence conflict (migration 5), the operator's side of a leaked bank key.
 *
 * A bank's key may append events to its own bank's log and pull its own commands; nothing
 * else. Whoever holds a leaked key can therefore append forged events at sequence numbers the
 * real bank has not used yet; the real bank then meets a conflict (LK001) when it reaches them,
 * recorded in central.sequence_conflicts, and keeps its events. The operator replaces the key
 * (central-create-bank --rotate: the old one is refused at once), looks at the conflict and the
 * events held, and declares the center's copy from a seq on not the bank's:
 * resolve_sequence_conflict moves those events to central.events_quarantine (kept, for the
 * record), rebuilds the bank's lockers and parcels from the events left, and the bank's next
 * sync (it retries with its backoff) sends its own events for those seqs.
 */
export const CONFLICTS_SQL = String.raw`
  CREATE TABLE central.events_quarantine (
    LIKE central.events,
    quarantined_at timestamptz NOT NULL DEFAULT now(),
    reason         text NOT NULL
  );
  CREATE INDEX events_quarantine_bank ON central.events_quarantine (bank_id, seq);

  CREATE FUNCTION central.resolve_sequence_conflict(p_bank_id text, p_from_seq bigint, p_reason text)
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
    DELETE FROM central.sequence_conflicts c WHERE c.bank_id = p_bank_id;
    RETURN QUERY SELECT v_quarantined, v_kept;
  END $fn$;
  REVOKE ALL ON FUNCTION central.resolve_sequence_conflict(text, bigint, text) FROM PUBLIC;
`;
