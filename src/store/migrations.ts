/**
 * Numbered schema migrations. The applied count lives in PRAGMA user_version; each migration
 * runs in its own immediate transaction together with the version bump. Append only: never
 * edit a migration that has shipped.
 */
export const MIGRATIONS: readonly string[] = [
  // 1: lockers, parcels, door intents, the event log (which is also the outbox), settings.
  `
  CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;

  CREATE TABLE lockers (
    id             TEXT PRIMARY KEY,
    size           TEXT NOT NULL,
    size_rank      INTEGER NOT NULL,
    position       INTEGER NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('AVAILABLE','RESERVED','OCCUPIED','OUT_OF_SERVICE')),
    service_reason TEXT,
    failed_opens   INTEGER NOT NULL DEFAULT 0,
    in_layout      INTEGER NOT NULL DEFAULT 1,
    updated_at     INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX lockers_allocation ON lockers(status, size_rank, position);

  CREATE TABLE parcels (
    id            TEXT PRIMARY KEY,
    tracking_ref  TEXT,
    size          TEXT NOT NULL,
    locker_id     TEXT NOT NULL REFERENCES lockers(id),
    status        TEXT NOT NULL CHECK (status IN ('ASSIGNED','STORED','PICKED_UP','EXPIRED','CANCELLED')),
    -- 1 while the parcel has a claim on its locker (reserved, inside, or being taken out).
    in_locker     INTEGER NOT NULL CHECK (in_locker IN (0,1)),
    -- HMAC of the pickup code; NULL once the code can no longer be used.
    code_hash     BLOB,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL,
    stored_at     INTEGER,
    picked_up_at  INTEGER,
    expired_at    INTEGER,
    cancelled_at  INTEGER,
    removed_at    INTEGER,
    released_at   INTEGER
  ) STRICT;
  -- The database itself refuses a second parcel in a locker and a duplicate live code.
  CREATE UNIQUE INDEX parcels_one_per_locker ON parcels(locker_id) WHERE in_locker = 1;
  CREATE UNIQUE INDEX parcels_live_code ON parcels(code_hash) WHERE code_hash IS NOT NULL;
  CREATE INDEX parcels_tracking_ref ON parcels(tracking_ref);
  CREATE INDEX parcels_expiry ON parcels(expires_at) WHERE status = 'STORED';

  CREATE TABLE door_intents (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    locker_id   TEXT NOT NULL REFERENCES lockers(id),
    parcel_id   TEXT REFERENCES parcels(id),
    purpose     TEXT NOT NULL CHECK (purpose IN ('deposit','pickup','collect','technician')),
    state       TEXT NOT NULL CHECK (state IN ('pending','opened','closed','timed_out','aborted')),
    created_at  INTEGER NOT NULL,
    opened_at   INTEGER,
    finished_at INTEGER
  ) STRICT;
  CREATE UNIQUE INDEX door_intents_one_active ON door_intents(locker_id) WHERE state IN ('pending','opened');

  CREATE TABLE events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    type         TEXT NOT NULL,
    at           INTEGER NOT NULL,
    clock_synced INTEGER NOT NULL CHECK (clock_synced IN (0,1)),
    locker_id    TEXT,
    parcel_id    TEXT,
    data         TEXT NOT NULL,
    sent_at      INTEGER
  ) STRICT;
  CREATE INDEX events_unsent ON events(seq) WHERE sent_at IS NULL;
  CREATE INDEX events_type ON events(type, seq);
  `,
  // 2: pickup tokens (QR/barcode) alongside codes, and the attempt limiter's state.
  `
  -- HMAC of the long random pickup token; NULL once it can no longer be used (like code_hash).
  ALTER TABLE parcels ADD COLUMN token_hash BLOB;
  CREATE UNIQUE INDEX parcels_live_token ON parcels(token_hash) WHERE token_hash IS NOT NULL;

  -- Failed pickup attempts per source (a keypad, an HTTP caller): recent failure times,
  -- recent lockout trips (JSON arrays of epoch ms, both bounded), and the lockout end.
  CREATE TABLE attempt_sources (
    source       TEXT PRIMARY KEY,
    failures     TEXT NOT NULL DEFAULT '[]',
    trips        TEXT NOT NULL DEFAULT '[]',
    locked_until INTEGER NOT NULL DEFAULT 0,
    updated_at   INTEGER NOT NULL
  ) STRICT;
  `,
  // 3: commands pulled from the central database, remembered so each is applied once.
  `
  CREATE TABLE sync_commands (
    id          INTEGER PRIMARY KEY,
    kind        TEXT NOT NULL,
    state       TEXT NOT NULL CHECK (state IN ('started','done','failed')),
    received_at INTEGER NOT NULL,
    finished_at INTEGER,
    result      TEXT
  ) STRICT;
  `,
  // 4: courier credentials issued and revoked by central commands. A row also
  // shadows a configured courier of the same id or name: revoked, it locks that courier out
  // (a leaked badge) until central issues a new credential.
  `
  CREATE TABLE courier_credentials (
    name            TEXT PRIMARY KEY,
    -- SHA-256 (hex) of the badge's barcode text, and/or the scrypt hash of a PIN.
    badge_sha256    TEXT CHECK (badge_sha256 IS NULL OR (length(badge_sha256) = 64 AND badge_sha256 NOT GLOB '*[^0-9a-f]*')),
    pin_hash        TEXT CHECK (pin_hash IS NULL OR pin_hash GLOB 'scrypt$*'),
    added_at        INTEGER,
    -- The central command (sync_commands.id) that added or revoked it.
    added_command   INTEGER,
    revoked_at      INTEGER,
    revoked_command INTEGER,
    CHECK (revoked_at IS NOT NULL OR badge_sha256 IS NOT NULL OR pin_hash IS NOT NULL)
  ) STRICT;
  `,
  // 5 (signed commands): a central command runs only when an operator's key signed it. Why one
  // was refused; the door intent whose outcome is a door command's outcome; the signed ids seen,
  // kept until the command could no longer be accepted anyway (replay protection).
  `
  ALTER TABLE sync_commands ADD COLUMN refusal TEXT;
  ALTER TABLE sync_commands ADD COLUMN key_id TEXT;
  ALTER TABLE sync_commands ADD COLUMN intent_id INTEGER REFERENCES door_intents(id);
  CREATE INDEX sync_commands_intent ON sync_commands(intent_id) WHERE intent_id IS NOT NULL;
  CREATE INDEX sync_commands_refused ON sync_commands(id) WHERE refusal IS NOT NULL;
  -- remote door opens, counted for the per-hour limit
  CREATE INDEX sync_commands_remote_opens ON sync_commands(received_at) WHERE intent_id IS NOT NULL;

  CREATE TABLE signed_command_ids (
    id           TEXT PRIMARY KEY,
    command_id   INTEGER NOT NULL,
    forget_after INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX signed_command_ids_forget ON signed_command_ids(forget_after);
  `,
  // 6 (first users): the limiter's last alarm per source (code lockouts are short and frequent:
  // one alarm an hour), and the answers to requests sent with an Idempotency-Key.
  `
  ALTER TABLE attempt_sources ADD COLUMN alarmed_at INTEGER NOT NULL DEFAULT 0;

  -- One row per (caller, Idempotency-Key), kept a day. Neither the caller nor the key is stored:
  -- id is an HMAC of both under the code secret, request an HMAC of method, path and body. The
  -- answer (which for an assignment holds the pickup code) is sealed with AES-256-GCM under a key
  -- derived from the code secret and the Idempotency-Key, so only a retry that knows the key can
  -- read it back; the row is deleted after a day (secure_delete zeroes it).
  CREATE TABLE idempotency_keys (
    id         BLOB PRIMARY KEY,
    request    BLOB NOT NULL,
    state      TEXT NOT NULL CHECK (state IN ('started','done')),
    status     INTEGER,
    answer     BLOB,
    created_at INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX idempotency_keys_age ON idempotency_keys(created_at);
  `,
  // 7 (passes, issue 23): revocations of passes the center signed (kept until the pass would
  // have expired anyway), one-time passes spent (in the transaction that creates the door intent
  // they open), returns as parcel rows of kind 'return', and lockers within a wheelchair
  // user's reach.
  `
  CREATE TABLE pass_revocations (
    revocation_id INTEGER PRIMARY KEY,
    -- one pass, or every pass of a subject (a courier's "carrier:courierId")
    pass_id       TEXT CHECK (pass_id IS NULL OR (length(pass_id) = 32 AND pass_id NOT GLOB '*[^0-9a-f]*')),
    subject       TEXT,
    not_after     INTEGER NOT NULL,
    received_at   INTEGER NOT NULL,
    CHECK (pass_id IS NOT NULL OR subject IS NOT NULL)
  ) STRICT;
  CREATE INDEX pass_revocations_pass ON pass_revocations(pass_id) WHERE pass_id IS NOT NULL;
  CREATE INDEX pass_revocations_subject ON pass_revocations(subject) WHERE subject IS NOT NULL;
  CREATE INDEX pass_revocations_age ON pass_revocations(not_after);

  CREATE TABLE spent_passes (
    pass_id   TEXT PRIMARY KEY,
    kind      TEXT NOT NULL,
    spent_at  INTEGER NOT NULL,
    -- kept until then: after it the pass is refused as expired anyway
    not_after INTEGER NOT NULL,
    intent_id INTEGER REFERENCES door_intents(id)
  ) STRICT;
  CREATE INDEX spent_passes_age ON spent_passes(not_after);
  CREATE INDEX spent_passes_intent ON spent_passes(intent_id) WHERE intent_id IS NOT NULL;

  -- A return is a parcel row: same locker claim (one per locker, enforced above), no pickup code.
  ALTER TABLE parcels ADD COLUMN kind TEXT NOT NULL DEFAULT 'delivery' CHECK (kind IN ('delivery','return'));
  ALTER TABLE parcels ADD COLUMN carrier TEXT;
  ALTER TABLE parcels ADD COLUMN pass_id TEXT;
  CREATE INDEX parcels_returns ON parcels(carrier, status) WHERE kind = 'return';

  ALTER TABLE lockers ADD COLUMN reachable INTEGER NOT NULL DEFAULT 0 CHECK (reachable IN (0,1));
  `,
  // 8 (door truth, issue 20): each unlock's outcome on its intent (one of opened,
  // open_not_detected, board_refused, no_answer; NULL while pending, or before migration 8) with
  // what the board answered; and each compartment's health counters. Fault counters count since
  // the locker was last put back in service (a technician's repair); cycles count for life.
  `
  ALTER TABLE door_intents ADD COLUMN outcome TEXT
    CHECK (outcome IS NULL OR outcome IN ('opened','open_not_detected','board_refused','no_answer'));
  ALTER TABLE door_intents ADD COLUMN board_answer TEXT;
  CREATE INDEX door_intents_locker_outcomes ON door_intents(locker_id, id) WHERE outcome IS NOT NULL;

  CREATE TABLE locker_health (
    locker_id     TEXT PRIMARY KEY REFERENCES lockers(id),
    cycles        INTEGER NOT NULL DEFAULT 0,
    failed_opens  INTEGER NOT NULL DEFAULT 0,
    jams          INTEGER NOT NULL DEFAULT 0,
    sensor_flaps  INTEGER NOT NULL DEFAULT 0,
    board_errors  INTEGER NOT NULL DEFAULT 0,
    -- set while the score is below the threshold (alarm raised once per crossing)
    low_since     INTEGER,
    reset_at      INTEGER,
    updated_at    INTEGER NOT NULL
  ) STRICT;
  `,
  // 9 (reachable doors from the pre-advice, issue 23): hints pulled from the center, one per
  // tracking ref whose advice asked for a door within a wheelchair user's reach; taken by the
  // parcel's assignment, pruned when the advice expires. The last id pulled is in meta.
  `
  CREATE TABLE advice_hints (
    tracking_ref TEXT PRIMARY KEY,
    hint_id      INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    received_at  INTEGER NOT NULL
  ) STRICT;
  CREATE INDEX advice_hints_age ON advice_hints(expires_at);
  `,
];
