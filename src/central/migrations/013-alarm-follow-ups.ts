/**
 * Central migration 13: two follow-ups of the alarms of migrations 11 and 12.
 *
 * (1) The fleet holds one pickup_lockout alarm per bank, but a bank locks out each source (its
 * keypad's codes, its keypad's PINs, the scanner, an HTTP caller) on its own. A technician's
 * kiosk.lockout_cleared for one source cleared the alarm while another source was still locked
 * out and alarmed. A bank now names, in the event's data, the other sources whose alarm is not
 * over (stillAlarmed, src/bank/attempts.ts); an event that names any clears nothing. The alarm
 * ends with the last source's clear (stillAlarmed empty) or its kiosk.lockout_ended, which the
 * bank records only once every alarmed source's lockout is over. A bank older than this sends
 * no stillAlarmed: its clear ends the alarm, as before; a center older than this ignores the
 * field and does the same.
 *
 * (2) central.alarm_openings (migration 12) grew without end: lockerd-central now deletes
 * openings cleared longer ago than fleet.alarmHistoryDays (src/central/fleet/alarm-history.ts),
 * a bounded batch at a time, oldest first, through the index added here.
 */
export const ALARM_FOLLOW_UPS_SQL = String.raw`
  -- ===== migration 13: central.track_alarms (migration 4), the whole body =====
  -- Changed: the rules an event applies leave out its clears when its data.stillAlarmed is a
  -- non-empty array (marked [migration 13] below); everything else is migration 4's body.
  CREATE OR REPLACE FUNCTION central.track_alarms() RETURNS trigger
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
        -- [migration 13] a clear that names sources still alarmed clears nothing
        -- (CASE: jsonb_array_length of anything but an array would fail the bank's whole batch)
        AND NOT (a.effect = 'clear' AND CASE WHEN jsonb_typeof(n.data -> 'stillAlarmed') = 'array' THEN jsonb_array_length(n.data -> 'stillAlarmed') > 0 ELSE false END)
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
  -- ===== end of the replacement of central.track_alarms =====
  REVOKE ALL ON FUNCTION central.track_alarms() FROM PUBLIC;

  -- The prune's order (oldest cleared first) and its bound.
  CREATE INDEX alarm_openings_cleared ON central.alarm_openings (cleared_at);
`;
