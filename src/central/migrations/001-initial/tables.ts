/**
 * The central tables: banks, the event store (partitioned by event time), the projections the
 * operator queries, and the commands waiting for banks.
 */
export const TABLES_SQL = String.raw`
  -- Identifiers compare byte by byte (COLLATE "C") whatever the database's locale: they are
  -- keys, not words, and a linguistic collation would make every index comparison on them
  -- several times dearer (ingest writes four of them per event).
  CREATE SCHEMA central;
  REVOKE ALL ON SCHEMA central FROM PUBLIC;

  CREATE TABLE central.banks (
    id            text COLLATE "C" PRIMARY KEY CHECK (id ~ '^[A-Za-z0-9_-]{1,64}$'),
    role_name     text COLLATE "C" NOT NULL UNIQUE,
    created_at    timestamptz NOT NULL DEFAULT now(),
    -- highest sequence number received (every seq above it is new: see ingest_events),
    -- when the newest event happened, when it last synced
    last_seq      bigint NOT NULL DEFAULT 0,
    last_event_at timestamptz,
    last_sync_at  timestamptz
  );

  -- The bank's event log, by month of the bank's wall time (partitions made as needed).
  -- Order within a bank is seq, never at: a bank's clock may be unsynchronised (clock_synced).
  -- (bank, seq) is unique: a partitioned table's keys must include the partition column, so
  -- ingest_events enforces it instead (under the bank's lock, using banks.last_seq), and only
  -- that function writes here. The data never hold the plain pickup code or token.
  CREATE TABLE central.events (
    bank_id      text COLLATE "C" NOT NULL,
    seq          bigint NOT NULL CHECK (seq > 0),
    at           timestamptz NOT NULL,
    clock_synced boolean NOT NULL,
    type         text COLLATE "C" NOT NULL,
    locker_id    text COLLATE "C",
    parcel_id    text COLLATE "C",
    data         jsonb NOT NULL,
    received_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_id, seq, at)
  ) PARTITION BY RANGE (at);
  CREATE INDEX events_parcel ON central.events (bank_id, parcel_id) WHERE parcel_id IS NOT NULL;

  -- Projections the operator queries. No foreign keys to banks: only ingest_events writes
  -- them, stamping the caller's own bank, and a per-row key check costs more than the row.
  CREATE TABLE central.lockers (
    bank_id         text COLLATE "C" NOT NULL,
    locker_id       text COLLATE "C" NOT NULL,
    size            text,
    status          text NOT NULL DEFAULT 'UNKNOWN',
    service_reason  text,
    parcel_id       text COLLATE "C",
    status_seq      bigint NOT NULL DEFAULT 0,
    status_at       timestamptz,
    last_seq        bigint NOT NULL DEFAULT 0,
    last_event_type text,
    last_event_at   timestamptz,
    updated_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (bank_id, locker_id)
  );

  CREATE TABLE central.parcels (
    bank_id       text COLLATE "C" NOT NULL,
    parcel_id     text COLLATE "C" NOT NULL,
    locker_id     text COLLATE "C",
    tracking_ref  text COLLATE "C",
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

  -- A parcel's history is its events (read through events_parcel): a view, not a second copy
  -- written on every ingest. security_invoker: a bank's role sees its own rows only, by the
  -- events' row-level security.
  CREATE VIEW central.parcel_history WITH (security_invoker = true) AS
  SELECT e.bank_id, e.parcel_id, e.seq, e.type AS event_type,
         CASE e.type WHEN 'parcel.assigned' THEN 'ASSIGNED' WHEN 'parcel.stored' THEN 'STORED'
                     WHEN 'parcel.picked_up' THEN 'PICKED_UP' WHEN 'parcel.expired' THEN 'EXPIRED'
                     WHEN 'parcel.cancelled' THEN 'CANCELLED' END AS status,
         e.at, e.clock_synced
  FROM central.events e
  WHERE e.parcel_id IS NOT NULL AND e.type LIKE 'parcel.%';
`;
