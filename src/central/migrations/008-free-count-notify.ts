/**
 * Central migration 8 (issue 17, fleet availability): lockerd-central instances keep a copy of
 * the free lockers per bank and size in memory (src/central/fleet/free-counts*.ts), so every
 * change to central.locker_counts is announced on the channel lockerd_free_counts with the
 * bank's id as payload. The instance re-reads that bank's counts.
 *
 * central.count_lockers (migration 4) is replaced whole (CREATE OR REPLACE): migration 4's body
 * plus one pg_notify per call. It runs once per locker whose size or status changed; PostgreSQL
 * folds identical notifications of one transaction into one, so a bank's batch of any size
 * sends one notification per bank, delivered only when the batch commits (none on rollback).
 */
export const FREE_COUNT_CHANNEL = "lockerd_free_counts";

export const FREE_COUNT_NOTIFY_SQL = String.raw`
  -- ===== availability copy (migration 8): central.count_lockers (migration 4) also notifies =====
  CREATE OR REPLACE FUNCTION central.count_lockers() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
      UPDATE central.locker_counts c SET n = c.n - 1
      WHERE c.bank_id = OLD.bank_id AND c.size = COALESCE(OLD.size, '') AND c.status = OLD.status;
      -- one notification a call (each costs ingest): an UPDATE's bank is NEW's, notified below
      IF TG_OP = 'DELETE' THEN
        PERFORM pg_notify('${FREE_COUNT_CHANNEL}', OLD.bank_id);
      ELSIF OLD.bank_id IS DISTINCT FROM NEW.bank_id THEN
        PERFORM pg_notify('${FREE_COUNT_CHANNEL}', OLD.bank_id);
      END IF;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
      INSERT INTO central.locker_counts AS c (bank_id, size, status, n) VALUES (NEW.bank_id, COALESCE(NEW.size, ''), NEW.status, 1)
      ON CONFLICT (bank_id, size, status) DO UPDATE SET n = c.n + 1;
      PERFORM pg_notify('${FREE_COUNT_CHANNEL}', NEW.bank_id);
    END IF;
    RETURN NULL;
  END $fn$;
  REVOKE ALL ON FUNCTION central.count_lockers() FROM PUBLIC;
  -- ===== end of the replacement of central.count_lockers =====
`;
