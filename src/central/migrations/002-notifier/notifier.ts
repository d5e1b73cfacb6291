/**
 * Migration 2, the notifier: parcels keep only the sealed codes; each bank gets a time zone and
 * a name for messages; carriers' pre-advice; one delivery row per (parcel, message kind,
 * channel), claimed by any instance of lockerd-central.
 */
export const NOTIFIER_SQL = String.raw`
  -- The center keeps no plain pickup code: the bank seals code and QR token to the notifier's
  -- X25519 key (see src/system/sealed-codes.ts); only lockerd-central with the private key opens
  -- them, in memory. Plain codes held from before are dropped with their columns.
  ALTER TABLE central.parcels DROP COLUMN pickup_code, DROP COLUMN pickup_token, ADD COLUMN sealed_codes jsonb;

  -- What a message says about the bank: where it is, and the time zone its deadlines are shown in.
  ALTER TABLE central.banks ADD COLUMN display_name text, ADD COLUMN address text,
    ADD COLUMN time_zone text NOT NULL DEFAULT 'UTC';

  -- Pre-advice: who a parcel is for, before it arrives (POST /parcels/advice). Joined with the
  -- bank's parcel by (bank, tracking ref) once the parcel is stored; an advice never matched
  -- expires. Banks' roles get no privilege here: the bank never learns the recipient.
  CREATE TABLE central.advice (
    bank_id      text COLLATE "C" NOT NULL REFERENCES central.banks(id),
    tracking_ref text COLLATE "C" NOT NULL,
    email        text,
    phone        text,
    language     text NOT NULL DEFAULT 'en',
    status       text NOT NULL DEFAULT 'waiting' CHECK (status IN ('waiting', 'matched', 'expired')),
    parcel_id    text COLLATE "C",
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    matched_at   timestamptz,
    PRIMARY KEY (bank_id, tracking_ref),
    CHECK (email IS NOT NULL OR phone IS NOT NULL)
  );
  CREATE INDEX advice_waiting ON central.advice (expires_at) WHERE status = 'waiting';

  -- One row per (parcel, kind, channel): never two "stored" e-mails for one parcel, whatever
  -- runs twice. A row is due at due_at; claiming it sets status 'sending' and moves due_at to
  -- the end of the claim's lease, so a row whose instance died is due again then. The message
  -- itself (with the code) is built in memory at send time and never stored.
  CREATE TABLE central.notifications (
    id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id       text COLLATE "C" NOT NULL,
    parcel_id     text COLLATE "C" NOT NULL,
    tracking_ref  text COLLATE "C" NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('stored', 'reminder', 'expired', 'picked_up')),
    channel       text NOT NULL CHECK (channel IN ('email', 'sms')),
    status        text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'sending', 'sent', 'dead', 'skipped')),
    due_at        timestamptz NOT NULL,
    attempts      integer NOT NULL DEFAULT 0,
    claimed_by    text,
    last_error    text,
    -- the parcel deadline the message spoke of (a reminder is sent again for a later deadline)
    deadline      timestamptz,
    message_id    text COLLATE "C",
    sent_at       timestamptz,
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (bank_id, parcel_id, kind, channel)
  );
  CREATE INDEX notifications_due ON central.notifications (due_at) WHERE status IN ('pending', 'sending');
  CREATE INDEX notifications_dead ON central.notifications (updated_at) WHERE status = 'dead';
`;
