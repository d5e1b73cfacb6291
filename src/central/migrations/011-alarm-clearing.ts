/**
 * Central migration 11 (issue 17): an operator clears (acknowledges) an open alarm that no bank
 * event will ever clear, such as alarm.command_refused. Additive only: columns on central.alarms,
 * a log of clearings, and a trigger; no function of an earlier migration is replaced.
 *
 * An alarm is one opening of a row of central.alarms (bank, kind, locker): it gets an id, and
 * when the row opens again after any clear (an event's, a status report's or an operator's) it
 * gets a new id. So a clear names exactly the opening the operator saw: a raise that reopened
 * the row meanwhile is a new alarm and stays open. An operator's clear sets cleared_at only:
 * last_seq is untouched, so the ingest's rule "an event older than the alarm's last change
 * changes nothing" still holds (a late older raise does not reopen it, a newer one does), and
 * cleared_seq stays NULL (no event of the bank cleared it).
 */
export const ALARM_CLEARING_SQL = String.raw`
  CREATE SEQUENCE central.alarm_ids;
  ALTER TABLE central.alarms
    ADD COLUMN id bigint NOT NULL DEFAULT nextval('central.alarm_ids'),
    -- the operator token's name and note of the clear; NULL when an event (or nothing) cleared it
    ADD COLUMN cleared_by text,
    ADD COLUMN clear_note text;
  ALTER SEQUENCE central.alarm_ids OWNED BY central.alarms.id;
  CREATE UNIQUE INDEX alarms_id ON central.alarms (id);

  -- Every operator clear, kept when the alarm opens again (the row of central.alarms then
  -- forgets it): who, when, the note, and which opening of the alarm it was.
  CREATE TABLE central.alarm_clearings (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    alarm_id    bigint NOT NULL,
    bank_id     text COLLATE "C" NOT NULL,
    kind        text COLLATE "C" NOT NULL,
    locker_id   text COLLATE "C" NOT NULL,
    raised_seq  bigint NOT NULL,
    raised_at   timestamptz NOT NULL,
    last_seq    bigint NOT NULL,
    cleared_at  timestamptz NOT NULL,
    cleared_by  text NOT NULL,
    note        text NOT NULL
  );
  CREATE INDEX alarm_clearings_alarm ON central.alarm_clearings (alarm_id);
  CREATE INDEX alarm_clearings_bank ON central.alarm_clearings (bank_id, cleared_at);
  -- no policy: a bank's role reads none of it
  ALTER TABLE central.alarm_clearings ENABLE ROW LEVEL SECURITY;

  -- Opened again after a clear (track_alarms' upsert, report_bank_status_as's sequence_conflict,
  -- or whatever writes alarms later): a new alarm, with a new id and no operator's clear.
  CREATE FUNCTION central.alarm_reopened() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  BEGIN
    NEW.id := nextval('central.alarm_ids');
    NEW.cleared_by := NULL;
    NEW.clear_note := NULL;
    RETURN NEW;
  END $fn$;
  REVOKE ALL ON FUNCTION central.alarm_reopened() FROM PUBLIC;
  CREATE TRIGGER alarms_reopened BEFORE UPDATE ON central.alarms
    FOR EACH ROW WHEN (OLD.cleared_at IS NOT NULL AND NEW.cleared_at IS NULL)
    EXECUTE FUNCTION central.alarm_reopened();
`;
