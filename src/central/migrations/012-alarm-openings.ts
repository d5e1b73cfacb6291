/**
 * Central migration 12 (issue 17's follow-ups): two gaps of migration 11's alarm clearing.
 *
 * (1) An alarm id names one opening of a row of central.alarms; when the row opens again it gets
 * a new id and, until now, the old id was forgotten unless an operator had cleared it (then
 * central.alarm_clearings held it). An opening the bank itself cleared, then raised again, so
 * answered 404 to an operator's clear although it existed. Every opening that ends and is
 * followed by another is now kept in central.alarm_openings (the row as it was when it opened
 * again), so an old id answers 409 "already cleared" (by whom, and the newer open alarm's id).
 * A clear and a new raise of the same alarm in one batch of the bank's events now also give the
 * raise a new id (migration 11 kept the old id, so clearing it hid the newer raise).
 *
 * (2) A keypad lockout that ran out by itself sent nothing, so the fleet kept its pickup_lockout
 * alarm open for ever. The bank now records kiosk.lockout_ended when its alarmed lockouts are
 * over (src/bank/attempts.ts); it clears pickup_lockout like kiosk.lockout_cleared, by a rule
 * (central.alarm_rules is data: no function changes for it).
 */
export const ALARM_OPENINGS_SQL = String.raw`
  -- Openings of an alarm that were cleared (by the bank's event, its status report or an
  -- operator) and later followed by a new opening of the same bank, kind and locker: the row of
  -- central.alarms as it was then. The open one, and the last cleared one, are in central.alarms.
  CREATE TABLE central.alarm_openings (
    id          bigint PRIMARY KEY,
    bank_id     text COLLATE "C" NOT NULL,
    kind        text COLLATE "C" NOT NULL,
    locker_id   text COLLATE "C" NOT NULL,
    raised_seq  bigint NOT NULL,
    raised_at   timestamptz NOT NULL,
    last_seq    bigint NOT NULL,
    last_at     timestamptz NOT NULL,
    raises      integer NOT NULL,
    data        jsonb NOT NULL,
    cleared_seq bigint,
    cleared_at  timestamptz NOT NULL,
    cleared_by  text,
    clear_note  text
  );
  -- no policy: a bank's role reads none of it
  ALTER TABLE central.alarm_openings ENABLE ROW LEVEL SECURITY;

  -- ===== migration 12: central.alarm_reopened (migration 11) also keeps the opening that ended =====
  -- Changed: the INSERT into central.alarm_openings (with, for a clear and a new raise that came
  -- in one batch, the clear track_alarms saw in that batch); the rest is migration 11's body.
  CREATE OR REPLACE FUNCTION central.alarm_reopened() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  DECLARE
    v_cleared_seq bigint := OLD.cleared_seq;
    v_cleared_at timestamptz := OLD.cleared_at;
  BEGIN
    IF v_cleared_at IS NULL THEN
      -- still open here: the bank's clear and its new raise came in one batch (track_alarms,
      -- whose effects of the batch are in its temporary table); failing that, the new raise's time
      v_cleared_at := NEW.raised_at;
      IF to_regclass('pg_temp.alarm_effects') IS NOT NULL THEN
        EXECUTE 'SELECT e.seq, e.at FROM pg_temp.alarm_effects e WHERE e.bank_id = $1 AND e.kind = $2 AND e.locker_id = $3
                   AND e.effect = ''clear'' AND e.seq < $4 ORDER BY e.seq DESC LIMIT 1'
          INTO v_cleared_seq, v_cleared_at USING OLD.bank_id, OLD.kind, OLD.locker_id, NEW.raised_seq;
        v_cleared_at := COALESCE(v_cleared_at, NEW.raised_at);
      END IF;
    END IF;
    INSERT INTO central.alarm_openings (id, bank_id, kind, locker_id, raised_seq, raised_at, last_seq, last_at, raises, data,
                                        cleared_seq, cleared_at, cleared_by, clear_note)
    VALUES (OLD.id, OLD.bank_id, OLD.kind, OLD.locker_id, OLD.raised_seq, OLD.raised_at, OLD.last_seq, OLD.last_at, OLD.raises, OLD.data,
            v_cleared_seq, v_cleared_at, OLD.cleared_by, OLD.clear_note)
    ON CONFLICT (id) DO NOTHING;
    NEW.id := nextval('central.alarm_ids');
    NEW.cleared_by := NULL;
    NEW.clear_note := NULL;
    RETURN NEW;
  END $fn$;
  REVOKE ALL ON FUNCTION central.alarm_reopened() FROM PUBLIC;
  -- ===== end of the replacement of central.alarm_reopened =====

  -- Changed from migration 11: also a new opening when the bank's clear and its next raise came
  -- in one batch. The row never looked cleared then (track_alarms applies the batch's last
  -- state), but the raise starts a new opening (raised_seq moves forward; a raise of an alarm
  -- still open keeps its raised_seq), so it gets a new id and the old id stays the one cleared.
  DROP TRIGGER alarms_reopened ON central.alarms;
  CREATE TRIGGER alarms_reopened BEFORE UPDATE ON central.alarms
    FOR EACH ROW WHEN (NEW.cleared_at IS NULL AND (OLD.cleared_at IS NOT NULL OR NEW.raised_seq > OLD.raised_seq))
    EXECUTE FUNCTION central.alarm_reopened();

  -- A lockout the bank raised pickup_lockout for ran out by itself (no technician).
  INSERT INTO central.alarm_rules (event_type, kind, effect) VALUES ('kiosk.lockout_ended', 'pickup_lockout', 'clear')
  ON CONFLICT DO NOTHING;
`;
