/**
 * Migration 4, the operator's fleet view: what a bank reports about itself besides its events
 * (software version, clock, backlog, last sync error), free lockers counted per bank, size and
 * status (kept as lockers change, so "which of these banks has a free M" is a key lookup, not a
 * count over millions of lockers), and the open alarms derived from the events banks send.
 * Nothing here changes central.ingest_events: the counts and alarms follow its writes through
 * triggers, so another migration may replace that function without touching these.
 */
export const FLEET_VIEWS_SQL = String.raw`
  -- What a bank says about itself at every command poll (central.report_bank_status): the
  -- things that are not events. reported_at is the central clock, bank_time the bank's: their
  -- difference is the bank's clock offset.
  CREATE TABLE central.bank_status (
    bank_id          text COLLATE "C" PRIMARY KEY,
    reported_at      timestamptz NOT NULL DEFAULT now(),
    bank_time        timestamptz,
    software_version text,
    clock_synced     boolean,
    backlog          bigint,
    oldest_unsent_at timestamptz,
    last_error       text,
    sequence_conflict boolean NOT NULL DEFAULT false
  );
  ALTER TABLE central.bank_status ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.bank_status FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));

  -- Lockers per bank, size and status, maintained from central.lockers by triggers (below).
  -- size '' stands for "not known yet" (a locker named by an event before any snapshot).
  CREATE TABLE central.locker_counts (
    bank_id text COLLATE "C" NOT NULL,
    size    text COLLATE "C" NOT NULL,
    status  text COLLATE "C" NOT NULL,
    n       integer NOT NULL,
    PRIMARY KEY (bank_id, size, status)
  );
  ALTER TABLE central.locker_counts ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.locker_counts FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));
  -- "which of these banks has a free M": only the counts of free lockers, by bank (a probe per
  -- bank named; for the whole fleet, read in bank order up to the limit)
  CREATE INDEX locker_counts_free ON central.locker_counts (bank_id, size) INCLUDE (n) WHERE status = 'AVAILABLE' AND n > 0;

  INSERT INTO central.locker_counts (bank_id, size, status, n)
  SELECT l.bank_id, COALESCE(l.size, ''), l.status, count(*) FROM central.lockers l GROUP BY 1, 2, 3;

  -- A locker's (size, status) left one count and joined another. Only ingest_events writes
  -- lockers, one bank at a time under that bank's lock, so a bank's count rows have one writer.
  CREATE FUNCTION central.count_lockers() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      UPDATE central.locker_counts c SET n = c.n - 1
      WHERE c.bank_id = OLD.bank_id AND c.size = COALESCE(OLD.size, '') AND c.status = OLD.status;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      INSERT INTO central.locker_counts AS c (bank_id, size, status, n) VALUES (NEW.bank_id, COALESCE(NEW.size, ''), NEW.status, 1)
      ON CONFLICT (bank_id, size, status) DO UPDATE SET n = c.n + 1;
    END IF;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER lockers_counted_insert AFTER INSERT ON central.lockers
    FOR EACH ROW EXECUTE FUNCTION central.count_lockers();
  CREATE TRIGGER lockers_counted_update AFTER UPDATE OF size, status ON central.lockers
    FOR EACH ROW WHEN (OLD.size IS DISTINCT FROM NEW.size OR OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION central.count_lockers();
  CREATE TRIGGER lockers_counted_delete AFTER DELETE ON central.lockers
    FOR EACH ROW EXECUTE FUNCTION central.count_lockers();

  -- Open (and recently closed) alarms, one row per bank, kind and locker ('' for the whole
  -- bank): the state the bank's events left it in. The events themselves are the history.
  CREATE TABLE central.alarms (
    bank_id     text COLLATE "C" NOT NULL,
    kind        text COLLATE "C" NOT NULL,
    locker_id   text COLLATE "C" NOT NULL DEFAULT '',
    raised_seq  bigint NOT NULL,
    raised_at   timestamptz NOT NULL,
    last_seq    bigint NOT NULL,
    last_at     timestamptz NOT NULL,
    -- how many times it was raised while open (a door left open repeats its alarm)
    raises      integer NOT NULL DEFAULT 1,
    data        jsonb NOT NULL DEFAULT '{}',
    cleared_seq bigint,
    cleared_at  timestamptz,
    PRIMARY KEY (bank_id, kind, locker_id)
  );
  CREATE INDEX alarms_open ON central.alarms (bank_id) WHERE cleared_at IS NULL;
  ALTER TABLE central.alarms ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.alarms FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));

  -- Which event raises or clears which alarm. Another migration adds rules with an INSERT;
  -- an alarm.* type with no rule raises an alarm of its own name (after "alarm."), which stays
  -- open until an event clears it or a newer raise replaces it.
  CREATE TABLE central.alarm_rules (
    event_type text COLLATE "C" NOT NULL,
    kind       text COLLATE "C" NOT NULL,
    effect     text NOT NULL CHECK (effect IN ('raise', 'clear')),
    PRIMARY KEY (event_type, kind)
  );
  INSERT INTO central.alarm_rules (event_type, kind, effect) VALUES
    ('alarm.door_forced', 'door_forced', 'raise'),
    ('alarm.door_left_open', 'door_left_open', 'raise'),
    ('alarm.door_closed', 'door_forced', 'clear'),
    ('alarm.door_closed', 'door_left_open', 'clear'),
    ('door.open_timeout', 'door_jammed', 'raise'),
    ('door.opened', 'door_jammed', 'clear'),
    ('locker.in_service', 'door_jammed', 'clear'),
    ('locker.flagged', 'locker_flagged', 'raise'),
    ('locker.in_service', 'locker_flagged', 'clear'),
    ('hardware.offline', 'board_offline', 'raise'),
    ('hardware.online', 'board_offline', 'clear'),
    ('alarm.storage_full', 'storage_full', 'raise'),
    ('alarm.storage_recovered', 'storage_full', 'clear'),
    ('alarm.sensor_unstable', 'sensor_unstable', 'raise'),
    ('alarm.sensor_settled', 'sensor_unstable', 'clear'),
    ('alarm.pickup_lockout', 'pickup_lockout', 'raise'),
    ('kiosk.lockout_cleared', 'pickup_lockout', 'clear'),
    ('locker.item_left_behind', 'item_left_behind', 'raise'),
    ('door.opened', 'item_left_behind', 'clear'),
    ('door.technician_open', 'item_left_behind', 'clear');

  -- A batch's effect on the alarms, once per INSERT into events (ingest_events inserts a batch
  -- with one statement), set-based: a trigger per event row cost a quarter of ingest's speed,
  -- door.opened being a quarter of a busy bank's events. hardware.* names its lockers in
  -- data.lockers: one alarm per locker whose board is offline. Per alarm (bank, kind, locker)
  -- only the batch's events after its last clear matter; an event older than the alarm's last
  -- change (a late arrival) changes nothing.
  CREATE FUNCTION central.track_alarms() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  BEGIN
    CREATE TEMP TABLE IF NOT EXISTS alarm_effects (
      bank_id text COLLATE "C", kind text COLLATE "C", locker_id text COLLATE "C", seq bigint, at timestamptz, data jsonb, effect text
    ) ON COMMIT DELETE ROWS;
    DELETE FROM pg_temp.alarm_effects;
    INSERT INTO pg_temp.alarm_effects
    SELECT n.bank_id, r.kind, l.locker_id, n.seq, n.at, n.data, r.effect
    FROM inserted n
    CROSS JOIN LATERAL (
      SELECT a.kind, a.effect FROM central.alarm_rules a WHERE a.event_type = n.type
      UNION ALL
      SELECT substr(n.type, 7), 'raise'
      WHERE n.type LIKE 'alarm.%' AND NOT EXISTS (SELECT 1 FROM central.alarm_rules a WHERE a.event_type = n.type)
    ) r
    CROSS JOIN LATERAL (
      SELECT x AS locker_id FROM jsonb_array_elements_text(CASE WHEN jsonb_typeof(n.data -> 'lockers') = 'array' THEN n.data -> 'lockers' END) x
      WHERE n.type LIKE 'hardware.%'
      UNION ALL
      SELECT COALESCE(n.locker_id, '') WHERE n.type NOT LIKE 'hardware.%'
    ) l
    WHERE n.type LIKE 'alarm.%' OR n.type IN (SELECT a.event_type FROM central.alarm_rules a);
    IF NOT FOUND THEN
      RETURN NULL;
    END IF;

    -- per alarm: the batch's last clear, and its raises after that
    WITH k AS (
      SELECT e.bank_id, e.kind, e.locker_id, max(e.seq) FILTER (WHERE e.effect = 'clear') AS clear_seq
      FROM pg_temp.alarm_effects e GROUP BY 1, 2, 3
    ), cleared AS (
      UPDATE central.alarms a SET cleared_seq = c.seq, cleared_at = c.at, last_seq = c.seq, last_at = c.at
      FROM k JOIN pg_temp.alarm_effects c ON c.bank_id = k.bank_id AND c.kind = k.kind AND c.locker_id = k.locker_id AND c.seq = k.clear_seq
      WHERE a.bank_id = k.bank_id AND a.kind = k.kind AND a.locker_id = k.locker_id AND a.cleared_at IS NULL AND a.last_seq < k.clear_seq
        AND NOT EXISTS (SELECT 1 FROM pg_temp.alarm_effects r WHERE r.bank_id = k.bank_id AND r.kind = k.kind AND r.locker_id = k.locker_id
                                                                AND r.effect = 'raise' AND r.seq > k.clear_seq)
      RETURNING a.bank_id
    ), raised AS (
      SELECT r.bank_id, r.kind, r.locker_id, k.clear_seq IS NOT NULL AS after_clear, count(*)::int AS raises,
             min(r.seq) AS first_seq, (array_agg(r.at ORDER BY r.seq))[1] AS first_at,
             max(r.seq) AS last_seq, (array_agg(r.at ORDER BY r.seq DESC))[1] AS last_at, (array_agg(r.data ORDER BY r.seq DESC))[1] AS data
      FROM pg_temp.alarm_effects r JOIN k USING (bank_id, kind, locker_id)
      WHERE r.effect = 'raise' AND r.seq > COALESCE(k.clear_seq, 0)
      GROUP BY r.bank_id, r.kind, r.locker_id, k.clear_seq
    )
    INSERT INTO central.alarms AS a (bank_id, kind, locker_id, raised_seq, raised_at, last_seq, last_at, raises, data)
    SELECT x.bank_id, x.kind, x.locker_id, x.first_seq, x.first_at, x.last_seq, x.last_at, x.raises, x.data FROM raised x
    ON CONFLICT (bank_id, kind, locker_id) DO UPDATE SET
      -- still open (and not cleared in this batch): the same alarm raised again
      raised_seq = CASE WHEN a.cleared_at IS NULL AND a.last_seq < excluded.raised_seq AND NOT EXISTS (SELECT 1 FROM pg_temp.alarm_effects c
                          WHERE c.bank_id = a.bank_id AND c.kind = a.kind AND c.locker_id = a.locker_id AND c.effect = 'clear')
                        THEN a.raised_seq ELSE excluded.raised_seq END,
      raised_at = CASE WHEN a.cleared_at IS NULL AND a.last_seq < excluded.raised_seq AND NOT EXISTS (SELECT 1 FROM pg_temp.alarm_effects c
                          WHERE c.bank_id = a.bank_id AND c.kind = a.kind AND c.locker_id = a.locker_id AND c.effect = 'clear')
                        THEN a.raised_at ELSE excluded.raised_at END,
      raises = CASE WHEN a.cleared_at IS NULL AND a.last_seq < excluded.raised_seq AND NOT EXISTS (SELECT 1 FROM pg_temp.alarm_effects c
                          WHERE c.bank_id = a.bank_id AND c.kind = a.kind AND c.locker_id = a.locker_id AND c.effect = 'clear')
                    THEN a.raises + excluded.raises ELSE excluded.raises END,
      last_seq = excluded.last_seq, last_at = excluded.last_at, data = excluded.data, cleared_seq = NULL, cleared_at = NULL
    WHERE a.last_seq < excluded.last_seq;
    RETURN NULL;
  END $fn$;
  CREATE TRIGGER events_alarms AFTER INSERT ON central.events REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION central.track_alarms();

  -- What a bank's role calls at every command poll: its software version, clock, backlog and
  -- last sync error. A sequence conflict cannot arrive as an event (the batch is refused), so
  -- this is how it becomes an alarm.
  CREATE FUNCTION central.report_bank_status(p_bank_id text, p_status jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE
    v_bank text := central.caller_bank(p_bank_id);
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
  -- Every bank's role may call it, those registered before this migration too: caller_bank
  -- refuses any role that is not a bank's, and a bank can only report for itself.
  GRANT EXECUTE ON FUNCTION central.report_bank_status(text, jsonb) TO PUBLIC;
  REVOKE ALL ON FUNCTION central.count_lockers() FROM PUBLIC;
  REVOKE ALL ON FUNCTION central.track_alarms() FROM PUBLIC;

  -- Reading a parcel's history by tracking ref goes through parcels_tracking_ref (migration 1);
  -- lockers of a bank through the lockers' primary key.
`;
