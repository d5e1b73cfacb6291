/**
 * Migration 2, sealed codes: central.ingest_events as in migration 1, with one change (every
 * changed line is marked "[migration 2"): the parcel's codes arrive sealed to the notifier's
 * key (data.sealedCodes) and are kept sealed in central.parcels.sealed_codes; a plain
 * pickupCode / pickupToken from an older bank is dropped, never stored. (Another migration
 * may replace this function again: combine by carrying the marked lines over.)
 */
export const SEALED_INGEST_SQL = String.raw`
  CREATE OR REPLACE FUNCTION central.ingest_events(p_bank_id text, p_events jsonb) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE
    v_bank text := central.caller_bank(p_bank_id);
    v_bad bigint[];
    v_count bigint;
    v_distinct bigint;
    v_min bigint;
    v_max bigint;
    v_last bigint;
    v_owner text;
    v_bad_at bigint;
    v_first_at timestamptz;
    v_last_at timestamptz;
    r record;
    -- the locker state machine
    v_locker text; v_status text; v_reason text; v_size text; v_parcel text; v_seq bigint; v_at timestamptz;
  BEGIN
    -- one ingest per bank at a time: last_seq and the lookups below cannot race an insert
    PERFORM pg_advisory_xact_lock(hashtext('central.ingest'), hashtext(v_bank));
    SELECT b.last_seq INTO v_last FROM central.banks b WHERE b.id = v_bank;

    -- The batch is one JSON array, one array per event: [seq, atMs, clockSynced, type,
    -- lockerId, parcelId, data]. The bank joins its stored JSON texts (nothing is escaped
    -- twice) and PostgreSQL parses the whole batch at once.
    IF jsonb_typeof(p_events) IS DISTINCT FROM 'array' THEN
      RAISE EXCEPTION 'the batch is not a JSON array' USING ERRCODE = '22023';
    END IF;
    -- The batch's table lives as long as the bank's connection and is emptied at every commit:
    -- no catalog rows made and dropped per call (thousands of banks sync every few seconds).
    -- It must be this function's own: a table the bank's role made under that name could carry
    -- triggers that would run with this function's rights.
    SELECT pg_get_userbyid(c.relowner) INTO v_owner FROM pg_class c WHERE c.oid = to_regclass('pg_temp.incoming');
    IF v_owner IS NULL THEN
      CREATE TEMP TABLE incoming (
        ord bigint, seq bigint, at_ms bigint, at timestamptz, clock_synced boolean, type text COLLATE "C",
        locker_id text COLLATE "C", parcel_id text COLLATE "C", data jsonb, pickup_code text, pickup_token text, valid boolean,
        held smallint -- for a seq at or below banks.last_seq: 1 held as is, 2 held with other content
      ) ON COMMIT DELETE ROWS;
      -- [migration 2, sealed codes] the column pickup_code carries the sealed envelope (JSON text);
      -- pickup_token is no longer used. Names kept: a bank's session that made this table under
      -- migration 1 goes on using it after the upgrade.
    ELSIF v_owner <> current_user THEN
      RAISE EXCEPTION 'pg_temp.incoming belongs to %, not to the ingest function; use a new connection', v_owner
        USING ERRCODE = '42501';
    ELSE
      DELETE FROM pg_temp.incoming; -- a second call in the same transaction
    END IF;

    -- Each event's JSON is taken apart once; the sealed codes are split off (the bank deletes
    -- them locally once sent): they are neither compared nor stored with the event.
    -- [migration 2, sealed codes] a plain pickupCode / pickupToken (a bank older than the
    -- sealing) is dropped here: the center keeps no plain code anywhere.
    -- A value of the wrong JSON type becomes NULL and the event is refused below, by position.
    -- (OFFSET 0 keeps the planner from pulling the subquery up and extracting the data again.)
    INSERT INTO pg_temp.incoming (ord, seq, at_ms, at, clock_synced, type, locker_id, parcel_id, data, pickup_code, pickup_token, valid)
    SELECT j.ord, j.seq, j.at_ms, timestamptz 'epoch' + j.at_ms * interval '1 millisecond' AS at, j.clock_synced, j.type,
           j.locker_id, j.parcel_id,
           CASE WHEN j.raw ?| ARRAY['pickupCode', 'pickupToken', 'sealedCodes'] THEN j.raw - ARRAY['pickupCode', 'pickupToken', 'sealedCodes'] ELSE j.raw END AS data,
           CASE WHEN jsonb_typeof(j.raw -> 'sealedCodes') = 'object' THEN (j.raw -> 'sealedCodes')::text END AS pickup_code, NULL AS pickup_token,
           j.shaped AND j.seq IS NOT NULL AND j.at_ms IS NOT NULL AND j.clock_synced IS NOT NULL AND j.type IS NOT NULL
             AND j.raw IS NOT NULL AS valid
    FROM (
      SELECT x.ord,
             CASE WHEN jsonb_typeof(x.e -> 0) = 'number' THEN (x.e ->> 0)::bigint END AS seq,
             CASE WHEN jsonb_typeof(x.e -> 1) = 'number' THEN (x.e ->> 1)::bigint END AS at_ms,
             CASE WHEN jsonb_typeof(x.e -> 2) = 'boolean' THEN (x.e ->> 2)::boolean END AS clock_synced,
             CASE WHEN jsonb_typeof(x.e -> 3) = 'string' THEN x.e ->> 3 END AS type,
             x.e ->> 4 AS locker_id, x.e ->> 5 AS parcel_id,
             CASE WHEN jsonb_typeof(x.e -> 6) = 'object' THEN x.e -> 6 END AS raw,
             jsonb_typeof(x.e) = 'array' AND jsonb_array_length(CASE WHEN jsonb_typeof(x.e) = 'array' THEN x.e ELSE '[]' END) = 7
               AND jsonb_typeof(x.e -> 4) IN ('string', 'null') AND jsonb_typeof(x.e -> 5) IN ('string', 'null') AS shaped
      FROM jsonb_array_elements(p_events) WITH ORDINALITY AS x(e, ord)
      OFFSET 0
    ) j;

    SELECT count(*), count(DISTINCT i.seq), min(i.seq), max(i.seq), min(i.ord) FILTER (WHERE NOT i.valid), min(i.at), max(i.at)
    INTO v_count, v_distinct, v_min, v_max, v_bad_at, v_first_at, v_last_at
    FROM pg_temp.incoming i;
    IF v_bad_at IS NOT NULL THEN
      RAISE EXCEPTION 'event % of the batch is not [seq, atMs, clockSynced, type, lockerId, parcelId, {data}]', v_bad_at
        USING ERRCODE = '22023';
    END IF;
    IF v_min < 1 THEN
      RAISE EXCEPTION 'batch has a sequence number below 1 (%)', v_min USING ERRCODE = '22023';
    END IF;
    IF v_count <> v_distinct THEN
      RAISE EXCEPTION 'batch holds a sequence number twice' USING ERRCODE = 'LK001';
    END IF;
    -- statistics for the columns the statements below join and filter on (not the JSON), for a
    -- batch big enough that a wrong plan would cost more than the ANALYZE
    IF v_count >= 1000 THEN
      ANALYZE pg_temp.incoming (seq, type, locker_id, parcel_id);
    END IF;

    -- The batch's months first, before this transaction takes any lock on central.events: a new
    -- partition needs the table exclusively, and a bank holding a lock on it while waiting for
    -- its turn to make partitions would deadlock with the bank whose turn it is.
    PERFORM central.ensure_event_partitions(v_first_at, v_last_at);

    -- Events sent before: the same content is skipped, different content is an error.
    -- One key probe per event, never a join the planner could run as a scan of the bank's whole
    -- history (a re-sent batch after a lost answer is routine): by seq and time, which finds
    -- the one partition; a seq not held at that time is looked for in every partition, as it
    -- may be held at another time (changed content) or not at all (a late arrival, stored).
    IF v_min <= v_last THEN
      UPDATE pg_temp.incoming i SET held = (
        SELECT CASE WHEN (e.clock_synced, e.type, e.locker_id, e.parcel_id, e.data)
                         IS NOT DISTINCT FROM (i.clock_synced, i.type, i.locker_id, i.parcel_id, i.data) THEN 1 ELSE 2 END
        FROM central.events e WHERE e.bank_id = v_bank AND e.seq = i.seq AND e.at = i.at LIMIT 1)
      WHERE i.seq <= v_last;
      UPDATE pg_temp.incoming i SET held = 2
      WHERE i.seq <= v_last AND i.held IS NULL
        AND (SELECT 1 FROM central.events e WHERE e.bank_id = v_bank AND e.seq = i.seq LIMIT 1) IS NOT NULL;
      SELECT array_agg(i.seq ORDER BY i.seq) INTO v_bad FROM pg_temp.incoming i WHERE i.held = 2;
      IF v_bad IS NOT NULL THEN
        RAISE EXCEPTION 'bank %: sequence numbers % arrived again with different content', v_bank, v_bad[1:20]
          USING ERRCODE = 'LK001', DETAIL = 'the bank''s event log no longer matches what the central database holds';
      END IF;
      DELETE FROM pg_temp.incoming i WHERE i.held = 1;
    END IF;

    INSERT INTO central.events (bank_id, seq, at, clock_synced, type, locker_id, parcel_id, data)
    SELECT v_bank, i.seq, i.at, i.clock_synced, i.type, i.locker_id, i.parcel_id, i.data
    FROM pg_temp.incoming i ORDER BY i.seq;

    -- parcels, set-based: per parcel the batch's latest status, its details and deadline,
    -- merged with the row already held (x); each row written once
    -- (only this function writes parcels, under the bank's lock, so the lookup of the rows held
    -- tells new from known: the new ones, most of a batch, are inserted without ON CONFLICT,
    -- whose speculative insertion costs more than the insert)
    WITH m AS MATERIALIZED (
    SELECT a.parcel_id, x.parcel_id IS NOT NULL AS known,
           COALESCE(a.locker_id, CASE WHEN x.parcel_id IS NULL THEN t.status_locker_id ELSE x.locker_id END) AS locker_id,
           COALESCE(a.tracking_ref, x.tracking_ref) AS tracking_ref, COALESCE(a.size, x.size) AS size,
           COALESCE(a.locker_size, x.locker_size) AS locker_size,
           s.status, s.status_seq, s.status_at,
           -- a code that can no longer open anything is not kept
           -- [migration 2, sealed codes] sealed_codes instead of pickup_code and pickup_token
           CASE WHEN s.status IN ('PICKED_UP', 'EXPIRED', 'CANCELLED') THEN NULL ELSE COALESCE(a.pickup_code::jsonb, x.sealed_codes) END AS sealed_codes,
           CASE WHEN d.expires_seq > COALESCE(x.expires_seq, 0) THEN d.expires_at ELSE x.expires_at END AS expires_at,
           GREATEST(d.expires_seq, x.expires_seq, 0) AS expires_seq,
           COALESCE(a.assigned_at, x.assigned_at) AS assigned_at, COALESCE(a.stored_at, x.stored_at) AS stored_at,
           COALESCE(a.picked_up_at, x.picked_up_at) AS picked_up_at, COALESCE(a.expired_at, x.expired_at) AS expired_at,
           COALESCE(a.cancelled_at, x.cancelled_at) AS cancelled_at, COALESCE(a.removed_at, x.removed_at) AS removed_at
    FROM (
      SELECT i.parcel_id,
        max(i.locker_id) FILTER (WHERE i.type = 'parcel.assigned') AS locker_id,
        max(i.data ->> 'trackingRef') FILTER (WHERE i.type = 'parcel.assigned') AS tracking_ref,
        max(i.data ->> 'size') FILTER (WHERE i.type = 'parcel.assigned') AS size,
        max(i.data ->> 'lockerSize') FILTER (WHERE i.type = 'parcel.assigned') AS locker_size,
        max(i.pickup_code) FILTER (WHERE i.type = 'parcel.assigned') AS pickup_code, -- [migration 2] the sealed envelope
        max(i.at) FILTER (WHERE i.type = 'parcel.assigned') AS assigned_at,
        max(i.at) FILTER (WHERE i.type = 'parcel.stored') AS stored_at,
        max(i.at) FILTER (WHERE i.type = 'parcel.picked_up') AS picked_up_at,
        max(i.at) FILTER (WHERE i.type = 'parcel.expired') AS expired_at,
        max(i.at) FILTER (WHERE i.type = 'parcel.cancelled') AS cancelled_at,
        max(i.at) FILTER (WHERE i.type = 'parcel.removed') AS removed_at
      FROM pg_temp.incoming i WHERE i.parcel_id IS NOT NULL AND i.type LIKE 'parcel.%'
      GROUP BY i.parcel_id
    ) a
    -- the latest status event and the latest deadline (DISTINCT ON: one sort, not one per group)
    LEFT JOIN (
      SELECT DISTINCT ON (i.parcel_id) i.parcel_id, i.seq AS status_seq, i.at AS status_at, i.locker_id AS status_locker_id,
             CASE i.type WHEN 'parcel.assigned' THEN 'ASSIGNED' WHEN 'parcel.stored' THEN 'STORED'
                         WHEN 'parcel.picked_up' THEN 'PICKED_UP' WHEN 'parcel.expired' THEN 'EXPIRED'
                         ELSE 'CANCELLED' END AS status
      FROM pg_temp.incoming i
      WHERE i.parcel_id IS NOT NULL
        AND i.type IN ('parcel.assigned', 'parcel.stored', 'parcel.picked_up', 'parcel.expired', 'parcel.cancelled')
      ORDER BY i.parcel_id, i.seq DESC
    ) t ON t.parcel_id = a.parcel_id
    LEFT JOIN (
      SELECT DISTINCT ON (i.parcel_id) i.parcel_id, i.seq AS expires_seq,
             timestamptz 'epoch' + (CASE i.type WHEN 'parcel.assigned' THEN i.data ->> 'expiresAt' ELSE i.data ->> 'to' END)::bigint
                                   * interval '1 millisecond' AS expires_at
      FROM pg_temp.incoming i
      WHERE i.parcel_id IS NOT NULL
        AND ((i.type = 'parcel.assigned' AND i.data ->> 'expiresAt' ~ '^[0-9]{1,15}$')
          OR (i.type = 'parcel.deadline_changed' AND i.data ->> 'to' ~ '^[0-9]{1,15}$'))
      ORDER BY i.parcel_id, i.seq DESC
    ) d ON d.parcel_id = a.parcel_id
    -- one primary-key probe per parcel of the batch (LIMIT keeps it from being flattened into a
    -- join the planner may run as a scan of all the bank's parcels: cost would grow with history)
    LEFT JOIN LATERAL (
      SELECT x.* FROM central.parcels x WHERE x.bank_id = v_bank AND x.parcel_id = a.parcel_id LIMIT 1
    ) x ON true
    CROSS JOIN LATERAL (
      SELECT CASE WHEN x.parcel_id IS NULL OR t.status_seq > x.status_seq THEN t.status ELSE x.status END AS status,
             CASE WHEN x.parcel_id IS NULL OR t.status_seq > x.status_seq THEN t.status_seq ELSE x.status_seq END AS status_seq,
             CASE WHEN x.parcel_id IS NULL OR t.status_seq > x.status_seq THEN t.status_at ELSE x.status_at END AS status_at
    ) s
    -- a parcel is created by a status event; other parcel events only add to one already held
    WHERE t.status IS NOT NULL OR x.parcel_id IS NOT NULL
    ), upd AS (
      -- the known parcels: by primary key (speculative insertion costs little for these few)
      INSERT INTO central.parcels AS p (bank_id, parcel_id, locker_id, tracking_ref, size, locker_size, status, status_seq,
                                        status_at, sealed_codes, expires_at, expires_seq, assigned_at, stored_at,
                                        picked_up_at, expired_at, cancelled_at, removed_at)
      SELECT v_bank, m.parcel_id, m.locker_id, m.tracking_ref, m.size, m.locker_size, m.status, m.status_seq,
             m.status_at, m.sealed_codes, m.expires_at, m.expires_seq, m.assigned_at, m.stored_at,
             m.picked_up_at, m.expired_at, m.cancelled_at, m.removed_at
      FROM m WHERE m.known
      ON CONFLICT (bank_id, parcel_id) DO UPDATE SET locker_id = excluded.locker_id, tracking_ref = excluded.tracking_ref,
        size = excluded.size, locker_size = excluded.locker_size, status = excluded.status, status_seq = excluded.status_seq,
        status_at = excluded.status_at, sealed_codes = excluded.sealed_codes,
        expires_at = excluded.expires_at, expires_seq = excluded.expires_seq, assigned_at = excluded.assigned_at,
        stored_at = excluded.stored_at, picked_up_at = excluded.picked_up_at, expired_at = excluded.expired_at,
        cancelled_at = excluded.cancelled_at, removed_at = excluded.removed_at, updated_at = now()
    )
    INSERT INTO central.parcels (bank_id, parcel_id, locker_id, tracking_ref, size, locker_size, status, status_seq,
                                 status_at, sealed_codes, expires_at, expires_seq, assigned_at, stored_at,
                                 picked_up_at, expired_at, cancelled_at, removed_at)
    SELECT v_bank, m.parcel_id, m.locker_id, m.tracking_ref, m.size, m.locker_size, m.status, m.status_seq,
           m.status_at, m.sealed_codes, m.expires_at, m.expires_seq, m.assigned_at, m.stored_at,
           m.picked_up_at, m.expired_at, m.cancelled_at, m.removed_at
    FROM m WHERE NOT m.known;

    -- lockers: every locker an event names, then its status in seq order (a locker out of
    -- service stays so until it is put back, as on the bank)
    INSERT INTO central.lockers (bank_id, locker_id)
    SELECT DISTINCT v_bank, i.locker_id FROM pg_temp.incoming i WHERE i.locker_id IS NOT NULL
    ON CONFLICT DO NOTHING;
    INSERT INTO central.lockers (bank_id, locker_id)
    SELECT DISTINCT v_bank, l ->> 'id' FROM pg_temp.incoming i, jsonb_array_elements(i.data -> 'lockers') l
    WHERE i.type = 'lockers.snapshot' AND jsonb_typeof(i.data -> 'lockers') = 'array' AND l ->> 'id' IS NOT NULL
    ON CONFLICT DO NOTHING;

    -- The status is a state machine over the locker's events in seq order: run it in memory,
    -- locker by locker, and write each locker once (not one UPDATE per event).
    -- Of a locker's parcel events (assigned, stored, released) only two can change the outcome:
    -- the last one (status unless out of service, parcel) and the last assigned that names a
    -- size; the earlier ones are overwritten, and they never take a locker out of service.
    FOR r IN
      -- (MATERIALIZED: computed once; joined with the few lockers, never re-scanned per locker)
      WITH pe AS MATERIALIZED (
        SELECT unnest(ARRAY[max(i.seq), max(i.seq) FILTER (WHERE i.type = 'parcel.assigned' AND i.data ->> 'lockerSize' IS NOT NULL)]) AS seq
        FROM pg_temp.incoming i
        WHERE i.locker_id IS NOT NULL AND i.type IN ('parcel.assigned', 'parcel.stored', 'locker.released')
        GROUP BY i.locker_id
      ), ev AS MATERIALIZED (
        SELECT i.seq, i.at, i.type, i.locker_id, i.parcel_id, NULL::text AS snap_status, NULL::text AS snap_size,
               NULL::text AS snap_reason, i.data ->> 'reason' AS reason, i.data ->> 'status' AS in_status,
               i.data ->> 'lockerSize' AS locker_size
        FROM pg_temp.incoming i
        WHERE i.locker_id IS NOT NULL AND i.type IN ('locker.out_of_service', 'locker.flagged', 'locker.in_service')
        UNION ALL
        SELECT i.seq, i.at, i.type, i.locker_id, i.parcel_id, NULL, NULL, NULL, NULL, NULL, i.data ->> 'lockerSize'
        FROM pg_temp.incoming i JOIN (SELECT DISTINCT pe.seq FROM pe WHERE pe.seq IS NOT NULL) k ON k.seq = i.seq
        UNION ALL
        SELECT i.seq, i.at, i.type, l ->> 'id', l ->> 'parcelId', l ->> 'status', l ->> 'size', l ->> 'serviceReason',
               NULL, NULL, NULL
        FROM pg_temp.incoming i,
             jsonb_array_elements(CASE WHEN jsonb_typeof(i.data -> 'lockers') = 'array' THEN i.data -> 'lockers' ELSE '[]' END) l
        WHERE i.type = 'lockers.snapshot' AND l ->> 'id' IS NOT NULL AND l ->> 'status' IS NOT NULL
      )
      SELECT ev.*, c.status AS c_status, c.size AS c_size, c.service_reason AS c_reason, c.parcel_id AS c_parcel
      FROM ev JOIN central.lockers c ON c.bank_id = v_bank AND c.locker_id = ev.locker_id
      WHERE ev.seq > c.status_seq
      ORDER BY ev.locker_id, ev.seq
    LOOP
      IF v_locker IS DISTINCT FROM r.locker_id THEN
        IF v_locker IS NOT NULL THEN
          UPDATE central.lockers c SET status = v_status, service_reason = v_reason, size = v_size, parcel_id = v_parcel,
                 status_seq = v_seq, status_at = v_at, updated_at = now()
          WHERE c.bank_id = v_bank AND c.locker_id = v_locker;
        END IF;
        v_locker := r.locker_id; v_status := r.c_status; v_reason := r.c_reason; v_size := r.c_size; v_parcel := r.c_parcel;
      END IF;
      IF r.type = 'lockers.snapshot' THEN
        v_status := r.snap_status; v_size := COALESCE(r.snap_size, v_size); v_reason := r.snap_reason; v_parcel := r.parcel_id;
      ELSE
        v_status := CASE
          WHEN r.type IN ('locker.out_of_service', 'locker.flagged') THEN 'OUT_OF_SERVICE'
          WHEN r.type = 'locker.in_service' THEN COALESCE(r.in_status, 'AVAILABLE')
          WHEN v_status = 'OUT_OF_SERVICE' THEN v_status
          WHEN r.type = 'parcel.assigned' THEN 'RESERVED'
          WHEN r.type = 'parcel.stored' THEN 'OCCUPIED'
          ELSE 'AVAILABLE' END;
        IF r.type IN ('locker.out_of_service', 'locker.flagged') THEN v_reason := r.reason;
        ELSIF r.type = 'locker.in_service' THEN v_reason := NULL;
        END IF;
        IF r.type = 'parcel.assigned' THEN v_size := COALESCE(r.locker_size, v_size); END IF;
        IF r.type IN ('parcel.assigned', 'parcel.stored') THEN v_parcel := r.parcel_id;
        ELSIF r.type = 'locker.released' THEN v_parcel := NULL;
        END IF;
      END IF;
      v_seq := r.seq; v_at := r.at;
    END LOOP;
    IF v_locker IS NOT NULL THEN
      UPDATE central.lockers c SET status = v_status, service_reason = v_reason, size = v_size, parcel_id = v_parcel,
             status_seq = v_seq, status_at = v_at, updated_at = now()
      WHERE c.bank_id = v_bank AND c.locker_id = v_locker;
    END IF;

    -- (a few lockers, many events: aggregate, then fetch the one event per locker)
    UPDATE central.lockers c SET last_seq = e.seq, last_event_type = e.type, last_event_at = e.at, updated_at = now()
    FROM (SELECT i.locker_id, i.seq, i.type, i.at FROM pg_temp.incoming i
          JOIN (SELECT max(l.seq) AS seq FROM pg_temp.incoming l WHERE l.locker_id IS NOT NULL GROUP BY l.locker_id) m ON m.seq = i.seq) e
    WHERE c.bank_id = v_bank AND c.locker_id = e.locker_id AND c.last_seq < e.seq;

    -- the outcome of a command closes it
    UPDATE central.bank_commands c SET
      status = CASE WHEN x.type = 'command.done' THEN 'done' ELSE 'failed' END,
      completed_at = now(), result = x.data, result_seq = x.seq
    FROM (SELECT i.type, i.seq, i.data, (i.data ->> 'commandId')::bigint AS command_id FROM pg_temp.incoming i
          WHERE i.type IN ('command.done', 'command.failed') AND i.data ->> 'commandId' ~ '^[0-9]{1,18}$') x
    WHERE c.bank_id = v_bank AND c.id = x.command_id AND c.status IN ('pending', 'delivered');

    UPDATE central.banks b SET
      last_seq = GREATEST(b.last_seq, COALESCE(v_max, 0)),
      last_event_at = GREATEST(b.last_event_at, v_last_at),
      last_sync_at = now()
    WHERE b.id = v_bank;

    RETURN COALESCE(v_max, 0);
  END $fn$;

`;
