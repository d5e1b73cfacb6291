/**
 * Migration 6: the passes lockerd-central issued (a record, not the pass: the signed text is
 * handed to the caller once and never stored), one row each.
 */
export const PASS_TABLES_SQL = String.raw`
  CREATE TABLE central.passes (
    pass_id     text COLLATE "C" PRIMARY KEY CHECK (pass_id ~ '^[0-9a-f]{32}$'),
    kind        text NOT NULL CHECK (kind IN ('return', 'courier', 'technician')),
    -- the banks it opens at; empty: any bank of the fleet
    banks       text[] COLLATE "C" NOT NULL DEFAULT '{}',
    not_before  timestamptz NOT NULL,
    not_after   timestamptz NOT NULL,
    one_time    boolean NOT NULL,
    -- who it is for: a courier's 'carrier:courierId' (a revocation by subject refuses all of
    -- their passes), a technician's 'technician/id'; NULL for a return
    subject     text COLLATE "C",
    carrier     text COLLATE "C",
    -- a return: its reference, the size it needs, and whether the door must be within reach
    reference   text COLLATE "C",
    size        text,
    reachable   boolean,
    -- whom the notifier confirms a stored return to (never sent to a bank)
    email       text,
    phone       text,
    language    text NOT NULL DEFAULT 'en',
    key_id      text COLLATE "C" NOT NULL,
    issued_by   text NOT NULL,
    issued_at   timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    revoked_by  text,
    CHECK (not_after > not_before),
    CHECK (kind <> 'return' OR (reference IS NOT NULL AND size IS NOT NULL AND carrier IS NOT NULL)),
    CHECK (kind = 'return' OR subject IS NOT NULL)
  );
  CREATE INDEX passes_subject ON central.passes (subject, not_after) WHERE subject IS NOT NULL;
  CREATE INDEX passes_reference ON central.passes (carrier, reference) WHERE kind = 'return';
  CREATE INDEX passes_issued ON central.passes (issued_at);
`;
