/**
 * Central migration 7 (door truth, issue 20). (1) How the fleet's open alarms treat the bank's
 * new door-truth alarms (rules in central.alarm_rules, migration 4). Without them, alarm.sensor_cut_suspected and alarm.locker_health_low would raise
 * alarms of their own name that nothing clears; alarm.door_jammed already raises door_jammed
 * (its name) and is cleared by the rules migration 4 gave door.open_timeout's jam.
 * (2) Each bank's compartment-health summary, carried in its status report (lockerHealth: the
 * threshold, lockers counted, how many score below it, the worst few), kept in
 * central.bank_status.locker_health for the fleet view. report_bank_status_as is replaced whole
 * (CREATE OR REPLACE): migration 5's body, plus the locker_health column. What a bank sends is
 * kept only when it is a JSON object of at most 4,000 characters (a bank is trusted with no more
 * than its own row).
 */
export const DOOR_TRUTH_ALARMS_SQL = String.raw`
  INSERT INTO central.alarm_rules (event_type, kind, effect) VALUES
    ('alarm.sensor_cut_suspected', 'sensor_cut_suspected', 'raise'),
    -- the sensor reads closed again (cable repaired), or the technician put the locker back
    ('alarm.door_closed', 'sensor_cut_suspected', 'clear'),
    ('locker.in_service', 'sensor_cut_suspected', 'clear'),
    ('alarm.locker_health_low', 'locker_health_low', 'raise'),
    -- taken out of service once the parcel left (locker_flagged is raised instead), or repaired
    ('locker.flagged', 'locker_health_low', 'clear'),
    ('locker.in_service', 'locker_health_low', 'clear')
  ON CONFLICT DO NOTHING;

  ALTER TABLE central.bank_status ADD COLUMN locker_health jsonb;

  -- ===== door truth (migration 7): central.report_bank_status_as (migration 5) also keeps lockerHealth =====
  CREATE OR REPLACE FUNCTION central.report_bank_status_as(p_bank_id text, p_status jsonb) RETURNS void
  LANGUAGE plpgsql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE
    v_bank text := p_bank_id;
    v_conflict boolean := COALESCE((p_status ->> 'sequenceConflict')::boolean, false);
    v_health jsonb := CASE WHEN jsonb_typeof(p_status -> 'lockerHealth') = 'object' AND length((p_status -> 'lockerHealth')::text) <= 4000
                           THEN p_status -> 'lockerHealth' END;
  BEGIN
    INSERT INTO central.bank_status AS s (bank_id, reported_at, bank_time, software_version, clock_synced, backlog,
                                          oldest_unsent_at, last_error, sequence_conflict, locker_health)
    VALUES (v_bank, now(),
            CASE WHEN p_status ->> 'bankTimeMs' ~ '^[0-9]{1,15}$' THEN timestamptz 'epoch' + (p_status ->> 'bankTimeMs')::bigint * interval '1 millisecond' END,
            left(p_status ->> 'softwareVersion', 64),
            CASE WHEN jsonb_typeof(p_status -> 'clockSynced') = 'boolean' THEN (p_status ->> 'clockSynced')::boolean END,
            CASE WHEN p_status ->> 'backlog' ~ '^[0-9]{1,15}$' THEN (p_status ->> 'backlog')::bigint END,
            CASE WHEN p_status ->> 'oldestUnsentMs' ~ '^[0-9]{1,15}$' THEN timestamptz 'epoch' + (p_status ->> 'oldestUnsentMs')::bigint * interval '1 millisecond' END,
            left(p_status ->> 'lastError', 500), v_conflict, v_health)
    ON CONFLICT (bank_id) DO UPDATE SET reported_at = excluded.reported_at, bank_time = excluded.bank_time,
      software_version = excluded.software_version, clock_synced = excluded.clock_synced, backlog = excluded.backlog,
      oldest_unsent_at = excluded.oldest_unsent_at, last_error = excluded.last_error, sequence_conflict = excluded.sequence_conflict,
      locker_health = excluded.locker_health;

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
  -- ===== end of the replacement of central.report_bank_status_as =====
`;
