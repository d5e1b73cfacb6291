/**
 * Who a bank is, from migration 5 on: every bank logs in as one shared ingest role (through one
 * PgBouncer pool: server connections bounded by the pool, not by the number of banks) and
 * proves which bank it is inside every call with a key of its own, 32 random bytes. The center
 * keeps the key's SHA-256 only: a dump of the central database yields no usable key.
 *
 * The ingest role may only call central.ingest_batch and central.pull_bank_commands (granted by
 * central-create-ingest-role); it holds no table privilege at all, so it reads nothing but the
 * commands addressed to the bank whose key it shows, and never a pickup code.
 *
 * Bank roles of migration 1 (one login role per bank) keep working through ingest_events and
 * pull_commands until the operator moves each bank to a key; they lose their read access to
 * the tables here (a role that can read central.events can also hold a lock on it for as long
 * as it likes, and central.parcels held plain pickup codes).
 */
export const IDENTITY_SQL = String.raw`
  ALTER TABLE central.banks ALTER COLUMN role_name DROP NOT NULL;
  ALTER TABLE central.banks
    ADD COLUMN key_sha256 bytea CHECK (octet_length(key_sha256) = 32),
    ADD COLUMN key_set_at timestamptz;

  -- The bank whose key this is, or an error (the same one for an unknown bank, a bank with no
  -- key and a wrong or revoked key). The key is 43 base64url characters; only its hash is kept.
  CREATE FUNCTION central.bank_by_key(p_bank_id text, p_key text) RETURNS text
  LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
  DECLARE v_bank text;
  BEGIN
    SELECT b.id INTO v_bank FROM central.banks b
    WHERE b.id = p_bank_id AND b.key_sha256 = sha256(convert_to(COALESCE(p_key, ''), 'UTF8'));
    IF v_bank IS NULL THEN
      RAISE EXCEPTION 'bank %: key refused', p_bank_id USING ERRCODE = '28000',
        HINT = 'an unknown bank, a bank with no key, or a key replaced by central-create-bank --rotate';
    END IF;
    RETURN v_bank;
  END $fn$;
  REVOKE ALL ON FUNCTION central.bank_by_key(text, text) FROM PUBLIC;

  -- Bank roles of migration 1 read nothing any more (see above); they may still ingest.
  DO $do$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT b.role_name FROM central.banks b JOIN pg_catalog.pg_roles p ON p.rolname = b.role_name LOOP
      EXECUTE format('REVOKE SELECT ON central.banks, central.events, central.lockers, central.parcels, '
                     'central.parcel_history, central.bank_commands FROM %I', r.role_name);
    END LOOP;
  END $do$;
`;
