/**
 * Migration 6: returns the banks report. A return.stored event (written by central.ingest_as,
 * which is not replaced) makes a row here through a statement trigger on central.events, as
 * migration 4's alarms do: once per batch, set-based; return.collected closes it. The notifier
 * plans its confirmation from the rows not planned yet (planned_at).
 */
export const PASS_RETURNS_SQL = String.raw`
  CREATE TABLE central.returns (
    bank_id        text COLLATE "C" NOT NULL,
    parcel_id      text COLLATE "C" NOT NULL,
    locker_id      text COLLATE "C",
    pass_id        text COLLATE "C",
    reference      text COLLATE "C",
    size           text,
    carrier        text COLLATE "C",
    stored_seq     bigint NOT NULL,
    stored_at      timestamptz NOT NULL,
    collected_seq  bigint,
    collected_at   timestamptz,
    -- the notifier planned the customer's confirmation (or found no one to confirm it to)
    planned_at     timestamptz,
    PRIMARY KEY (bank_id, parcel_id)
  );
  CREATE INDEX returns_unplanned ON central.returns (stored_at) WHERE planned_at IS NULL;
  CREATE INDEX returns_pass ON central.returns (pass_id) WHERE pass_id IS NOT NULL;

  CREATE FUNCTION central.track_returns() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  BEGIN
    INSERT INTO central.returns (bank_id, parcel_id, locker_id, pass_id, reference, size, carrier, stored_seq, stored_at)
    SELECT DISTINCT ON (n.bank_id, n.parcel_id) n.bank_id, n.parcel_id, n.locker_id,
           CASE WHEN n.data ->> 'passId' ~ '^[0-9a-f]{32}$' THEN n.data ->> 'passId' END,
           left(n.data ->> 'reference', 200), left(n.data ->> 'size', 16), left(n.data ->> 'carrier', 64), n.seq, n.at
    FROM inserted n
    WHERE n.type = 'return.stored' AND n.parcel_id IS NOT NULL
    ORDER BY n.bank_id, n.parcel_id, n.seq
    ON CONFLICT (bank_id, parcel_id) DO NOTHING;

    UPDATE central.returns r SET collected_seq = c.seq, collected_at = c.at
    FROM (SELECT DISTINCT ON (n.bank_id, n.parcel_id) n.bank_id, n.parcel_id, n.seq, n.at
          FROM inserted n WHERE n.type = 'return.collected' AND n.parcel_id IS NOT NULL
          ORDER BY n.bank_id, n.parcel_id, n.seq) c
    WHERE r.bank_id = c.bank_id AND r.parcel_id = c.parcel_id AND r.collected_seq IS NULL;
    RETURN NULL;
  END $fn$;
  REVOKE ALL ON FUNCTION central.track_returns() FROM PUBLIC;
  CREATE TRIGGER events_returns AFTER INSERT ON central.events REFERENCING NEW TABLE AS inserted
    FOR EACH STATEMENT EXECUTE FUNCTION central.track_returns();
`;
