/**
 * Migration 2, the service: operator tokens.
 */
export const CENTRAL_SERVICE_SQL = String.raw`
  -- Operator tokens of lockerd-central: the SHA-256 of the token, never the token itself. Every
  -- instance of the service reads them here, so a token made on one works on all at once.
  -- Banks' roles get no privilege on this table (none is granted; the schema's default is none).
  CREATE TABLE central.operator_tokens (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    name       text NOT NULL CHECK (name ~ '^[\x21-\x7e]{1,64}$'),
    role       text NOT NULL CHECK (role IN ('viewer', 'operator', 'carrier', 'admin')),
    sha256     bytea NOT NULL UNIQUE CHECK (octet_length(sha256) = 32),
    created_at timestamptz NOT NULL DEFAULT now(),
    revoked_at timestamptz
  );
  -- one live token per name (revoke, then make a new one)
  CREATE UNIQUE INDEX operator_tokens_live_name ON central.operator_tokens (name) WHERE revoked_at IS NULL;
`;
