/**
 * Migration 9, landing: a bank's batch is made durable and acknowledged first; its projections
 * (the events table and everything its triggers and central.ingest_as write: parcels, lockers,
 * locker counts, alarms, returns, command outcomes) may follow outside the bank's transaction.
 *
 * central.land_as(bank, events) is the new body behind both ways in. Under the bank's lock (its
 * row in central.banks, as ingest_as takes it) it looks at the batch once, cheaply: a batch of
 * well-formed events whose seqs run on one by one from above everything the center holds or has
 * landed for the bank can only be new. Such a batch is
 *  - projected at once by ingest_as (as before migration 9) when no batch of any bank waits
 *    landed and one of the inline slots (rows of central.projection_inline_slots, taken with
 *    SKIP LOCKED) is free: a quiet center stays current, with no lag;
 *  - else landed: one row in central.landed_batches, banks.landed_seq advanced, and acknowledged.
 *    The projector (central.project_landed, run by lockerd-central) applies it later, in the
 *    bank's seq order.
 * Every other batch (sent again after a lost answer, seqs out of order or with gaps, a malformed
 * event, a plain pickup code from a bank older than sealing, an empty batch) first has the
 * bank's landed batches projected, under the same lock, then goes through ingest_as exactly as
 * before: re-sent events acknowledged, different content refused (LK001), bad shape refused.
 */
export const LANDING_SQL = String.raw`
  -- The highest seq landed for the bank (projected or not): a batch must start above it and
  -- above last_seq (the highest projected) to land. landed_seq > last_seq: batches are waiting.
  ALTER TABLE central.banks ADD COLUMN landed_seq bigint NOT NULL DEFAULT 0;
  UPDATE central.banks SET landed_seq = last_seq;

  -- Batches acknowledged and not projected yet, one row each (the bank's JSON as it sent it:
  -- sealed codes included, which no bank's role can read: no privilege on this table).
  CREATE TABLE central.landed_batches (
    id        bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id   text COLLATE "C" NOT NULL REFERENCES central.banks(id),
    first_seq bigint NOT NULL,
    last_seq  bigint NOT NULL,
    events    jsonb NOT NULL,
    landed_at timestamptz NOT NULL DEFAULT now(),
    -- a projection that failed (the projector tries again a minute later; the bank's later
    -- batches wait behind it)
    attempts  integer NOT NULL DEFAULT 0,
    failed_at timestamptz,
    error     text,
    UNIQUE (bank_id, first_seq)
  );
  -- (lz4 where the server has it: a batch of a few hundred events is 50-100 kB of JSON)
  DO $do$
  BEGIN
    ALTER TABLE central.landed_batches ALTER COLUMN events SET COMPRESSION lz4;
  EXCEPTION WHEN feature_not_supported THEN NULL;
  END $do$;

  -- How many batches may be projected inside banks' own calls at once (one row each; no rows:
  -- every batch is landed and left to the projector). Under a storm the rest land.
  CREATE TABLE central.projection_inline_slots (slot smallint PRIMARY KEY);
  INSERT INTO central.projection_inline_slots (slot) VALUES (1), (2);

  -- Project the bank's landed batches in seq order (at most p_max; NULL: all). The caller
  -- holds the bank's lock. Stops at a batch that failed within the last minute (p_tolerant:
  -- a failure is recorded on the batch and the rest wait; else the error is raised).
  CREATE FUNCTION central.project_landed_of(p_bank_id text, p_max integer, p_tolerant boolean,
                                            OUT batches integer, OUT events bigint)
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE r record; v_msg text;
  BEGIN
    batches := 0; events := 0;
    FOR r IN SELECT l.id, l.first_seq, l.last_seq, l.events, l.failed_at FROM central.landed_batches l
             WHERE l.bank_id = p_bank_id ORDER BY l.first_seq LIMIT p_max LOOP
      IF p_tolerant AND r.failed_at > now() - interval '1 minute' THEN
        EXIT;
      END IF;
      IF p_tolerant THEN
        BEGIN
          PERFORM central.ingest_as(p_bank_id, r.events);
        EXCEPTION WHEN OTHERS THEN
          GET STACKED DIAGNOSTICS v_msg = MESSAGE_TEXT;
          UPDATE central.landed_batches l SET attempts = l.attempts + 1, failed_at = now(), error = left(v_msg, 500) WHERE l.id = r.id;
          EXIT;
        END;
      ELSE
        PERFORM central.ingest_as(p_bank_id, r.events);
      END IF;
      DELETE FROM central.landed_batches l WHERE l.id = r.id;
      batches := batches + 1;
      events := events + (r.last_seq - r.first_seq + 1);
    END LOOP;
  END $fn$;
  REVOKE ALL ON FUNCTION central.project_landed_of(text, integer, boolean) FROM PUBLIC;

  -- The body behind ingest_batch and ingest_events from migration 9 (ingest_as before).
  -- Returns the highest seq of the batch (the bank may mark it sent: it is durable).
  CREATE FUNCTION central.land_as(p_bank_id text, p_events jsonb) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE
    v_last bigint; v_landed bigint; v_n integer; v_first bigint; v_ok boolean; v_slot smallint; v_idle boolean;
  BEGIN
    SELECT b.last_seq, b.landed_seq INTO v_last, v_landed FROM central.banks b WHERE b.id = p_bank_id FOR UPDATE;
    IF NOT FOUND THEN
      RAISE EXCEPTION 'bank % is not registered', p_bank_id USING ERRCODE = '42501';
    END IF;

    IF jsonb_typeof(p_events) = 'array' AND jsonb_array_length(p_events) > 0
       AND jsonb_typeof(p_events -> 0) = 'array' AND jsonb_typeof(p_events -> 0 -> 0) = 'number'
       AND (p_events -> 0 ->> 0) ~ '^[1-9][0-9]{0,17}$' THEN
      v_n := jsonb_array_length(p_events);
      v_first := (p_events -> 0 ->> 0)::bigint;
      IF v_first > GREATEST(v_last, v_landed) THEN
        -- one pass: every event well-formed (as ingest_as requires), its seq the one after the
        -- last, no plain code; the times are converted as ingest_as converts them, so a time it
        -- would refuse is refused here with the same error
        SELECT bool_and(
                 jsonb_typeof(x.e) = 'array' AND jsonb_array_length(CASE WHEN jsonb_typeof(x.e) = 'array' THEN x.e ELSE '[]' END) = 7
                 AND (x.e ->> 0) = (v_first + x.ord - 1)::text
                 AND jsonb_typeof(x.e -> 1) = 'number' AND jsonb_typeof(x.e -> 2) = 'boolean' AND jsonb_typeof(x.e -> 3) = 'string'
                 AND jsonb_typeof(x.e -> 4) IN ('string', 'null') AND jsonb_typeof(x.e -> 5) IN ('string', 'null')
                 AND jsonb_typeof(x.e -> 6) = 'object' AND NOT (x.e -> 6 ?| ARRAY['pickupCode', 'pickupToken'])
                 AND CASE WHEN jsonb_typeof(x.e -> 1) = 'number'
                          THEN (timestamptz 'epoch' + (x.e ->> 1)::bigint * interval '1 millisecond') IS NOT NULL END)
        INTO v_ok
        FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, ord);
        IF v_ok THEN
          -- (nothing waits anywhere: no storm on; once batches wait, every batch lands until
          -- the projector has caught up, so banks are not held by projections under load)
          v_idle := NOT EXISTS (SELECT 1 FROM central.landed_batches);
          IF v_idle AND v_landed <= v_last THEN
            SELECT s.slot INTO v_slot FROM central.projection_inline_slots s FOR UPDATE SKIP LOCKED LIMIT 1;
            IF FOUND THEN
              RETURN central.ingest_as(p_bank_id, p_events);
            END IF;
          END IF;
          -- wake a sleeping projector only when nothing was waiting (a NOTIFY serialises commits)
          IF v_idle THEN
            PERFORM pg_notify('central_landed', '');
          END IF;
          INSERT INTO central.landed_batches (bank_id, first_seq, last_seq, events)
          VALUES (p_bank_id, v_first, v_first + v_n - 1, p_events);
          UPDATE central.banks b SET landed_seq = v_first + v_n - 1, last_sync_at = now() WHERE b.id = p_bank_id;
          RETURN v_first + v_n - 1;
        END IF;
      END IF;
    END IF;

    -- anything else: as before migration 9, after the bank's landed batches
    IF v_landed > v_last THEN
      PERFORM central.project_landed_of(p_bank_id, NULL, false);
    END IF;
    RETURN central.ingest_as(p_bank_id, p_events);
  END $fn$;
  REVOKE ALL ON FUNCTION central.land_as(text, jsonb) FROM PUBLIC;
`;
