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
  -- "which banks have a free M": the banks with free lockers of a size, without the others
  CREATE INDEX locker_counts_free ON central.locker_counts (size, bank_id) INCLUDE (n) WHERE status = 'AVAILABLE' AND n > 0;

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

  -- One event's effect on the alarms. hardware.* names its lockers in data.lockers: one alarm
  -- per locker whose board is offline. An event older than the alarm's last change (a late
  -- arrival) changes nothing.
  CREATE FUNCTION central.track_alarms() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  DECLARE r record; v_locker text; v_lockers text[];
  BEGIN
    IF NEW.type LIKE 'hardware.%' AND jsonb_typeof(NEW.data -> 'lockers') = 'array' THEN
      SELECT array_agg(x) INTO v_lockers FROM jsonb_array_elements_text(NEW.data -> 'lockers') x;
    ELSE
      v_lockers := ARRAY[COALESCE(NEW.locker_id, '')];
    END IF;
    FOR r IN
      SELECT a.kind, a.effect FROM central.alarm_rules a WHERE a.event_type = NEW.type
      UNION ALL
      SELECT substr(NEW.type, 7), 'raise'
      WHERE NEW.type LIKE 'alarm.%' AND NOT EXISTS (SELECT 1 FROM central.alarm_rules a WHERE a.event_type = NEW.type)
    LOOP
      FOREACH v_locker IN ARRAY COALESCE(v_lockers, ARRAY[]::text[]) LOOP
        IF r.effect = 'raise' THEN
          INSERT INTO central.alarms AS a (bank_id, kind, locker_id, raised_seq, raised_at, last_seq, last_at, data)
          VALUES (NEW.bank_id, r.kind, v_locker, NEW.seq, NEW.at, NEW.seq, NEW.at, NEW.data)
          ON CONFLICT (bank_id, kind, locker_id) DO UPDATE SET
            raised_seq = CASE WHEN a.cleared_at IS NULL THEN a.raised_seq ELSE excluded.raised_seq END,
            raised_at = CASE WHEN a.cleared_at IS NULL THEN a.raised_at ELSE excluded.raised_at END,
            raises = CASE WHEN a.cleared_at IS NULL THEN a.raises + 1 ELSE 1 END,
            last_seq = excluded.last_seq, last_at = excluded.last_at, data = excluded.data,
            cleared_seq = NULL, cleared_at = NULL
          WHERE a.last_seq < excluded.last_seq;
        ELSE
          UPDATE central.alarms a SET cleared_seq = NEW.seq, cleared_at = NEW.at, last_seq = NEW.seq, last_at = NEW.at
          WHERE a.bank_id = NEW.bank_id AND a.kind = r.kind AND a.locker_id = v_locker
            AND a.cleared_at IS NULL AND a.last_seq < NEW.seq;
        END IF;
      END LOOP;
    END LOOP;
    RETURN NULL;
  END $fn$;
  -- Only the events that can matter fire it (a pickup's other events do not).
  CREATE TRIGGER events_alarms AFTER INSERT ON central.events FOR EACH ROW
    WHEN (NEW.type LIKE 'alarm.%' OR NEW.type IN ('door.open_timeout', 'door.opened', 'door.technician_open', 'locker.in_service',
          'locker.flagged', 'hardware.offline', 'hardware.online', 'kiosk.lockout_cleared', 'locker.item_left_behind'))
    EXECUTE FUNCTION central.track_alarms();

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
