/**
 * The central PostgreSQL schema, as numbered migrations (append only; applied by migrate.ts).
 * Everything lives in the schema `central`, owned by the role that migrates. Banks never get
 * table privileges for writing: they call SECURITY DEFINER functions that stamp every row with
 * the bank of the role that logged in, and row-level security limits what a bank may read to
 * its own rows.
 */
export const CENTRAL_MIGRATIONS: readonly string[] = [
  // 1: banks, the event store (partitioned by event time), projections, commands, ingestion.
  String.raw`
  CREATE SCHEMA central;
  REVOKE ALL ON SCHEMA central FROM PUBLIC;

  CREATE TABLE central.banks (
    id            text PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    role_name     text NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- highest sequence number received, when the newest event happened, when it last synced
    last_seq      bigint NOT NULL DEFAULT 0,
    last_event_at timestamptz,
    last_sync_at  timestamptz
  );

  -- (bank, seq) must be unique across the whole history, but a partitioned table's keys must
  -- include the partition column; this narrow table holds the idempotency key and the hash
  -- that makes a re-sent sequence number with different content an error.
  -- No foreign key to banks: only ingest_events writes here, stamping the caller's own bank,
  -- and a per-row key check would cost more than the insert itself.
  CREATE TABLE central.event_keys (
    bank_id      text NOT NULL,
    seq          bigint NOT NULL CHECK (seq > 0),
    at           timestamptz NOT NULL,
    payload_hash bytea NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_id, seq)
  );

  -- The bank's event log, by month of the bank's wall time (partitions made as needed).
  -- Order within a bank is seq, never at: a bank's clock may be unsynchronised (clock_synced).
  CREATE TABLE central.events (
    bank_id      text NOT NULL,
    seq          bigint NOT NULL,
    at           timestamptz NOT NULL,
    clock_synced boolean NOT NULL,
    type         text NOT NULL,
    locker_id    text,
    parcel_id    text,
    data         jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_id, seq, at)
  ) PARTITION BY RANGE (at);
  CREATE INDEX events_parcel ON central.events (bank_id, parcel_id) WHERE parcel_id IS NOT NULL;

  -- Projections the operator queries.
  CREATE TABLE central.lockers (
    bank_id         text NOT NULL REFERENCES central.banks(id),
    locker_id       text NOT NULL,
    size            text,
    status          text NOT NULL DEFAULT 'UNKNOWN',
    service_reason  text,
    parcel_id       text,
    status_seq      bigint NOT NULL DEFAULT 0,
    status_at       timestamptz,
    last_seq        bigint NOT NULL DEFAULT 0,
    last_event_type text,
    last_event_at   timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_id, locker_id)
  );

  CREATE TABLE central.parcels (
    bank_id       text NOT NULL REFERENCES central.banks(id),
    parcel_id     text NOT NULL,
    locker_id     text,
    tracking_ref  text,
    size          text,
    locker_size   text,
    status        text NOT NULL,
    status_seq    bigint NOT NULL,
    status_at     timestamptz,
    -- the plain pickup code, for the customer's notification (the bank deletes its copy);
    -- cleared once the parcel is picked up, expired or cancelled
    pickup_code   text,
    -- the long random token for the customer's QR code, kept and cleared like the code
    pickup_token  text,
    expires_at    timestamptz,
    expires_seq   bigint NOT NULL DEFAULT 0,
    assigned_at   timestamptz,
    stored_at     timestamptz,
    picked_up_at  timestamptz,
    expired_at    timestamptz,
    cancelled_at  timestamptz,
    removed_at    timestamptz,
    updated_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_id, parcel_id)
  );
  CREATE INDEX parcels_tracking_ref ON central.parcels (tracking_ref);
  CREATE INDEX parcels_live_expiry ON central.parcels (expires_at) WHERE status IN ('ASSIGNED', 'STORED');

  CREATE TABLE central.parcel_history (
    bank_id      text NOT NULL,
    parcel_id    text NOT NULL,
    seq          bigint NOT NULL,
    event_type   text NOT NULL,
    status       text,
    at           timestamptz NOT NULL,
    clock_synced boolean NOT NULL,
    PRIMARY KEY (bank_id, parcel_id, seq)
  );

  -- Commands for a bank; it pulls them, applies each once and reports the outcome as an event
  -- (command.done / command.failed), which closes the command here.
  CREATE TABLE central.bank_commands (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id      text NOT NULL REFERENCES central.banks(id),
    kind         text NOT NULL CHECK (kind IN ('open_door', 'extend_deadline', 'cancel_parcel', 'out_of_service',
                                                'in_service', 'add_courier_credential', 'revoke_courier_credential')),
    args         jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL DEFAULT current_user,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'done', 'failed')),
    deliveries   integer NOT NULL DEFAULT 0,
    delivered_at timestamptz,
    completed_at timestamptz,
    result       jsonb,
    result_seq   bigint
  );
  CREATE INDEX bank_commands_open ON central.bank_commands (bank_id, id) WHERE status IN ('pending', 'delivered');

  -- Reading: a bank's role sees its own rows only.
  ALTER TABLE central.banks ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_bank ON central.banks FOR SELECT USING (role_name = current_user);
  ALTER TABLE central.event_keys ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.event_keys FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  ALTER TABLE central.events ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.events FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  ALTER TABLE central.lockers ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.lockers FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  ALTER TABLE central.parcels ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.parcels FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  ALTER TABLE central.parcel_history ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.parcel_history FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  ALTER TABLE central.bank_commands ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.bank_commands FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));

  -- The bank of the role that logged in. Inside a SECURITY DEFINER function current_user is
  -- the owner, so the login role (session_user) identifies the bank; SET ROLE is not honoured.
  CREATE FUNCTION central.caller_bank(p_bank_id text) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE v_bank text;
  BEGIN
    SELECT b.id INTO v_bank FROM central.banks b WHERE b.role_name = session_user;
    IF v_bank IS NULL THEN
      RAISE EXCEPTION 'role % is not a bank''s role', session_user USING ERRCODE = '42501';
    END IF;
    IF p_bank_id IS DISTINCT FROM v_bank THEN
      RAISE EXCEPTION 'role % belongs to bank %, not to bank %', session_user, v_bank, p_bank_id USING ERRCODE = '42501';
    END IF;
    RETURN v_bank;
  END $fn$;

  -- Monthly partitions for the months present in the incoming batch.
  CREATE FUNCTION central.ensure_event_partitions() RETURNS void
  LANGUAGE plpgsql SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE m timestamptz; v_name text;
  BEGIN
    FOR m IN SELECT DISTINCT date_trunc('month', i.at, 'UTC') FROM pg_temp.incoming i LOOP
      v_name := 'events_' || to_char(m AT TIME ZONE 'UTC', 'YYYY_MM');
      IF to_regclass('central.' || v_name) IS NULL THEN
        -- banks ingesting in parallel may need the same new month
        PERFORM pg_advisory_xact_lock(hashtext('central.events partitions'));
        IF to_regclass('central.' || v_name) IS NULL THEN
          EXECUTE format('CREATE TABLE central.%I PARTITION OF central.events FOR VALUES FROM (%L) TO (%L)',
                         v_name, m, ((m AT TIME ZONE 'UTC') + interval '1 month') AT TIME ZONE 'UTC');
        END IF;
      END IF;
    END LOOP;
  END $fn$;

  -- Ingest one batch: idempotent by (bank, seq), a re-sent seq with different content is an
  -- error (SQLSTATE LK001), projections follow in seq order. Returns the highest seq of the
  -- batch, which the bank may then mark as sent.
  CREATE FUNCTION central.ingest_events(
    p_bank_id text, p_seq bigint[], p_at_ms bigint[], p_clock_synced boolean[], p_type text[],
    p_locker_id text[], p_parcel_id text[], p_data jsonb
  ) RETURNS bigint
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central, pg_temp AS $fn$
  DECLARE
    v_bank text := central.caller_bank(p_bank_id);
    v_bad bigint[];
    v_max bigint;
    r record;
    -- the locker state machine
    v_locker text; v_status text; v_reason text; v_size text; v_parcel text; v_seq bigint; v_at timestamptz;
  BEGIN
    -- one ingest per bank at a time, so the hash check below cannot race a concurrent insert
    PERFORM pg_advisory_xact_lock(hashtext('central.ingest'), hashtext(v_bank));

    DROP TABLE IF EXISTS pg_temp.incoming;
    -- The events' data come as one JSON array (element i for seq i): the bank joins its stored
    -- JSON texts, nothing is escaped twice, and PostgreSQL parses the batch at once.
    IF jsonb_typeof(p_data) IS DISTINCT FROM 'array' OR jsonb_array_length(p_data) <> cardinality(p_seq) THEN
      RAISE EXCEPTION 'batch data is not an array of one object per event' USING ERRCODE = '22004';
    END IF;
    -- Each event's JSON is parsed once; the plain code and token are split off (the bank deletes
    -- them locally once sent): they are neither hashed nor stored with the event.
    -- (OFFSET 0 keeps the planner from pulling the subqueries up and parsing the text again.)
    CREATE TEMP TABLE incoming ON COMMIT DROP AS
    SELECT s.seq, s.at_ms, timestamptz 'epoch' + s.at_ms * interval '1 millisecond' AS at, s.clock_synced, s.type,
           s.locker_id, s.parcel_id, s.data, s.pickup_code, s.pickup_token,
           sha256(convert_to(jsonb_build_array(s.seq, s.at_ms, s.clock_synced, s.type, s.locker_id, s.parcel_id, s.data)::text,
                             'UTF8')) AS payload_hash
    FROM (
      SELECT j.seq, j.at_ms, j.clock_synced, j.type, j.locker_id, j.parcel_id, j.raw - ARRAY['pickupCode', 'pickupToken'] AS data,
             j.raw ->> 'pickupCode' AS pickup_code, j.raw ->> 'pickupToken' AS pickup_token
      FROM (
        SELECT u.seq, u.at_ms, u.clock_synced, u.type, u.locker_id, u.parcel_id, p_data -> (u.ord - 1)::int AS raw
        FROM unnest(p_seq, p_at_ms, p_clock_synced, p_type, p_locker_id, p_parcel_id) WITH ORDINALITY
             AS u(seq, at_ms, clock_synced, type, locker_id, parcel_id, ord)
        OFFSET 0
      ) j
      OFFSET 0
    ) s;

    -- statistics for the columns the statements below join and filter on (not the JSON)
    ANALYZE pg_temp.incoming (seq, type, locker_id, parcel_id);

    IF EXISTS (SELECT 1 FROM pg_temp.incoming i WHERE i.seq IS NULL OR i.seq < 1 OR i.at_ms IS NULL OR i.type IS NULL
               OR i.clock_synced IS NULL OR i.data IS NULL) THEN
      RAISE EXCEPTION 'batch has an event without seq, time, type or data' USING ERRCODE = '22004';
    END IF;
    IF (SELECT count(*) <> count(DISTINCT i.seq) FROM pg_temp.incoming i) THEN
      RAISE EXCEPTION 'batch holds a sequence number twice' USING ERRCODE = 'LK001';
    END IF;

    SELECT array_agg(i.seq ORDER BY i.seq) INTO v_bad
    FROM pg_temp.incoming i JOIN central.event_keys k ON k.bank_id = v_bank AND k.seq = i.seq
    WHERE k.payload_hash <> i.payload_hash;
    IF v_bad IS NOT NULL THEN
      RAISE EXCEPTION 'bank %: sequence numbers % arrived again with different content', v_bank, v_bad[1:20]
        USING ERRCODE = 'LK001', DETAIL = 'the bank''s event log no longer matches what the central database holds';
    END IF;

    SELECT max(i.seq) INTO v_max FROM pg_temp.incoming i;

    -- keep only the events not seen before (the advisory lock above keeps this bank's keys still)
    DELETE FROM pg_temp.incoming i USING central.event_keys k WHERE k.bank_id = v_bank AND k.seq = i.seq;
    INSERT INTO central.event_keys (bank_id, seq, at, payload_hash)
    SELECT v_bank, i.seq, i.at, i.payload_hash FROM pg_temp.incoming i ORDER BY i.seq;

    PERFORM central.ensure_event_partitions();
    INSERT INTO central.events (bank_id, seq, at, clock_synced, type, locker_id, parcel_id, data)
    SELECT v_bank, i.seq, i.at, i.clock_synced, i.type, i.locker_id, i.parcel_id, i.data
    FROM pg_temp.incoming i ORDER BY i.seq;

    -- parcels, set-based: per parcel the batch's latest status, its details and deadline,
    -- merged with the row already held (x); each row written once
    -- (no ON CONFLICT: only this function writes parcels, under the bank's lock, so the join
    -- with the rows held tells new from known; speculative insertion costs more than the insert)
    WITH m AS MATERIALIZED (
    SELECT a.parcel_id, x.parcel_id IS NOT NULL AS known,
           COALESCE(a.locker_id, CASE WHEN x.parcel_id IS NULL THEN t.status_locker_id ELSE x.locker_id END) AS locker_id,
           COALESCE(a.tracking_ref, x.tracking_ref) AS tracking_ref, COALESCE(a.size, x.size) AS size,
           COALESCE(a.locker_size, x.locker_size) AS locker_size,
           s.status, s.status_seq, s.status_at,
           -- a code that can no longer open anything is not kept
           CASE WHEN s.status IN ('PICKED_UP', 'EXPIRED', 'CANCELLED') THEN NULL ELSE COALESCE(a.pickup_code, x.pickup_code) END AS pickup_code,
           CASE WHEN s.status IN ('PICKED_UP', 'EXPIRED', 'CANCELLED') THEN NULL ELSE COALESCE(a.pickup_token, x.pickup_token) END AS pickup_token,
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
        max(i.pickup_code) FILTER (WHERE i.type = 'parcel.assigned') AS pickup_code,
        max(i.pickup_token) FILTER (WHERE i.type = 'parcel.assigned') AS pickup_token,
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
    LEFT JOIN central.parcels x ON x.bank_id = v_bank AND x.parcel_id = a.parcel_id
    CROSS JOIN LATERAL (
      SELECT CASE WHEN x.parcel_id IS NULL OR t.status_seq > x.status_seq THEN t.status ELSE x.status END AS status,
             CASE WHEN x.parcel_id IS NULL OR t.status_seq > x.status_seq THEN t.status_seq ELSE x.status_seq END AS status_seq,
             CASE WHEN x.parcel_id IS NULL OR t.status_seq > x.status_seq THEN t.status_at ELSE x.status_at END AS status_at
    ) s
    -- a parcel is created by a status event; other parcel events only add to one already held
    WHERE t.status IS NOT NULL OR x.parcel_id IS NOT NULL
    ), upd AS (
      UPDATE central.parcels p SET locker_id = m.locker_id, tracking_ref = m.tracking_ref, size = m.size,
        locker_size = m.locker_size, status = m.status, status_seq = m.status_seq, status_at = m.status_at,
        pickup_code = m.pickup_code, pickup_token = m.pickup_token, expires_at = m.expires_at, expires_seq = m.expires_seq,
        assigned_at = m.assigned_at, stored_at = m.stored_at, picked_up_at = m.picked_up_at, expired_at = m.expired_at,
        cancelled_at = m.cancelled_at, removed_at = m.removed_at, updated_at = now()
      FROM m WHERE m.known AND p.bank_id = v_bank AND p.parcel_id = m.parcel_id
    )
    INSERT INTO central.parcels (bank_id, parcel_id, locker_id, tracking_ref, size, locker_size, status, status_seq,
                                 status_at, pickup_code, pickup_token, expires_at, expires_seq, assigned_at, stored_at,
                                 picked_up_at, expired_at, cancelled_at, removed_at)
    SELECT v_bank, m.parcel_id, m.locker_id, m.tracking_ref, m.size, m.locker_size, m.status, m.status_seq,
           m.status_at, m.pickup_code, m.pickup_token, m.expires_at, m.expires_seq, m.assigned_at, m.stored_at,
           m.picked_up_at, m.expired_at, m.cancelled_at, m.removed_at
    FROM m WHERE NOT m.known;

    INSERT INTO central.parcel_history (bank_id, parcel_id, seq, event_type, status, at, clock_synced)
    SELECT v_bank, i.parcel_id, i.seq, i.type,
           CASE i.type WHEN 'parcel.assigned' THEN 'ASSIGNED' WHEN 'parcel.stored' THEN 'STORED'
                       WHEN 'parcel.picked_up' THEN 'PICKED_UP' WHEN 'parcel.expired' THEN 'EXPIRED'
                       WHEN 'parcel.cancelled' THEN 'CANCELLED' END,
           i.at, i.clock_synced
    FROM pg_temp.incoming i WHERE i.parcel_id IS NOT NULL AND i.type LIKE 'parcel.%'
    ON CONFLICT DO NOTHING;

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
    FOR r IN
      WITH ev AS (
        SELECT i.seq, i.at, i.type, i.locker_id, i.parcel_id, NULL::text AS snap_status, NULL::text AS snap_size,
               NULL::text AS snap_reason, i.data ->> 'reason' AS reason, i.data ->> 'status' AS in_status,
               i.data ->> 'lockerSize' AS locker_size
        FROM pg_temp.incoming i
        WHERE i.locker_id IS NOT NULL AND i.type IN ('parcel.assigned', 'parcel.stored', 'locker.released',
                                                     'locker.out_of_service', 'locker.flagged', 'locker.in_service')
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

    UPDATE central.lockers c SET last_seq = e.seq, last_event_type = e.type, last_event_at = e.at, updated_at = now()
    FROM (SELECT DISTINCT ON (i.locker_id) i.locker_id, i.seq, i.type, i.at FROM pg_temp.incoming i
          WHERE i.locker_id IS NOT NULL ORDER BY i.locker_id, i.seq DESC) e
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
      last_event_at = GREATEST(b.last_event_at, (SELECT max(i.at) FROM pg_temp.incoming i)),
      last_sync_at = now()
    WHERE b.id = v_bank;

    DROP TABLE pg_temp.incoming;
    RETURN COALESCE(v_max, 0);
  END $fn$;

  -- Commands for the calling bank not yet closed, oldest first; each pull counts a delivery.
  CREATE FUNCTION central.pull_commands(p_bank_id text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    WITH picked AS (
      UPDATE central.bank_commands c
      SET status = 'delivered', deliveries = c.deliveries + 1, delivered_at = COALESCE(c.delivered_at, now())
      WHERE c.id IN (SELECT o.id FROM central.bank_commands o
                     WHERE o.bank_id = central.caller_bank(p_bank_id) AND o.status IN ('pending', 'delivered')
                     ORDER BY o.id LIMIT LEAST(GREATEST(p_limit, 1), 1000))
      RETURNING c.id, c.kind, c.args, c.created_at
    )
    SELECT picked.id, picked.kind, picked.args, picked.created_at FROM picked ORDER BY picked.id
  $fn$;

  REVOKE ALL ON FUNCTION central.caller_bank(text) FROM PUBLIC;
  REVOKE ALL ON FUNCTION central.ensure_event_partitions() FROM PUBLIC;
  REVOKE ALL ON FUNCTION central.ingest_events(text, bigint[], bigint[], boolean[], text[], text[], text[], jsonb) FROM PUBLIC;
  REVOKE ALL ON FUNCTION central.pull_commands(text, integer) FROM PUBLIC;
  `,
];
