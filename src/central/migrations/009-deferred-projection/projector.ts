/**
 * Migration 9, the projector: central.project_landed applies landed batches (landing.ts) to the
 * projections, one bank per call, in the bank's seq order, in one transaction: a projector
 * killed mid-way leaves the batches landed, to be projected by the next call, once. Any number
 * of lockerd-central instances run it at once: a bank is taken by locking its row with SKIP
 * LOCKED (the lock its own ingest takes), so two never project one bank, and a bank busy
 * sending is left for the next call.
 */
export const PROJECTOR_SQL = String.raw`
  -- Up to p_max batches of one bank, the bank whose oldest waiting batch landed first among
  -- those free. Returns what it projected (0 batches: nothing waiting that is free to take).
  CREATE FUNCTION central.project_landed(p_max integer, OUT bank_id text, OUT batches integer, OUT events bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE r record; v_seen text[] := '{}';
  BEGIN
    batches := 0; events := 0;
    FOR r IN SELECT l.bank_id AS id FROM central.landed_batches l ORDER BY l.id LIMIT 256 LOOP
      CONTINUE WHEN r.id = ANY (v_seen);
      v_seen := v_seen || r.id;
      -- a batch that failed lately holds its bank's later ones back: leave the bank for now
      CONTINUE WHEN EXISTS (SELECT 1 FROM central.landed_batches f
                            WHERE f.bank_id = r.id AND f.failed_at > now() - interval '1 minute');
      PERFORM 1 FROM central.banks b WHERE b.id = r.id FOR UPDATE SKIP LOCKED;
      CONTINUE WHEN NOT FOUND;
      bank_id := r.id;
      SELECT p.batches, p.events INTO batches, events FROM central.project_landed_of(r.id, GREATEST(p_max, 1), true) p;
      RETURN;
    END LOOP;
  END $fn$;
  REVOKE ALL ON FUNCTION central.project_landed(integer) FROM PUBLIC;

  -- What waits to be projected, for the metrics and the fleet API.
  CREATE FUNCTION central.projection_backlog(OUT batches bigint, OUT events bigint, OUT banks bigint,
                                             OUT oldest_landed_at timestamptz, OUT failing bigint)
  LANGUAGE sql STABLE SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    SELECT count(*), COALESCE(sum(l.last_seq - l.first_seq + 1), 0), count(DISTINCT l.bank_id), min(l.landed_at),
           count(*) FILTER (WHERE l.failed_at IS NOT NULL)
    FROM central.landed_batches l
  $fn$;
  REVOKE ALL ON FUNCTION central.projection_backlog() FROM PUBLIC;
`;
