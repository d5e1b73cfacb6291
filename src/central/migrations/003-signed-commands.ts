/**
 * Migration 3 (signed commands): a command carries the operator's signed payload and signature,
 * which the bank verifies before anything moves (the row's kind and args are for people to read;
 * the bank acts on the signed payload only). A command the bank refused (unsigned, unknown key,
 * bad signature, other bank, expired, replayed, over its door limit) closes as 'refused' with the
 * bank's reason; an open_door closes when the door opened ('done') or did not ('failed').
 *
 * Changes to migration 1's objects, kept to what this needs (another migration may replace the
 * same function: combine by keeping the two extra output columns):
 * - central.pull_commands returns signed_payload and signature too (dropped and created again,
 *   as its result type changes; EXECUTE is granted again to every bank's role).
 */
export const SIGNED_COMMANDS_SQL = String.raw`
  ALTER TABLE central.bank_commands
    ADD COLUMN signed_payload text,
    ADD COLUMN signature      text,
    -- from the signed payload, for looking commands up (the bank trusts only the payload itself)
    ADD COLUMN signed_id      text COLLATE "C",
    ADD COLUMN key_id         text COLLATE "C",
    ADD COLUMN issued_at      timestamptz,
    ADD COLUMN expires_at     timestamptz,
    -- the bank's reason for refusing it (UNSIGNED, BAD_SIGNATURE, UNKNOWN_KEY, OTHER_BANK, ...)
    ADD COLUMN refusal        text;
  CREATE INDEX bank_commands_signed_id ON central.bank_commands (signed_id) WHERE signed_id IS NOT NULL;
  CREATE INDEX bank_commands_bank_recent ON central.bank_commands (bank_id, id DESC);

  ALTER TABLE central.bank_commands DROP CONSTRAINT bank_commands_status_check;
  ALTER TABLE central.bank_commands ADD CONSTRAINT bank_commands_status_check
    CHECK (status IN ('pending', 'delivered', 'done', 'failed', 'refused'));

  -- The bank reports a refusal as command.failed with error.code COMMAND_REFUSED (ingest_events
  -- closes it as failed); this makes it 'refused' with the bank's reason.
  CREATE FUNCTION central.command_refused() RETURNS trigger
  LANGUAGE plpgsql SET search_path = pg_catalog, central AS $fn$
  BEGIN
    IF NEW.status = 'failed' AND NEW.result #>> '{error,code}' = 'COMMAND_REFUSED' THEN
      NEW.status := 'refused';
      NEW.refusal := left(NEW.result #>> '{error,reason}', 64);
    END IF;
    RETURN NEW;
  END $fn$;
  CREATE TRIGGER bank_commands_refused BEFORE UPDATE OF status ON central.bank_commands
    FOR EACH ROW WHEN (NEW.status = 'failed') EXECUTE FUNCTION central.command_refused();

  DROP FUNCTION central.pull_commands(text, integer);
  -- Commands for the calling bank not yet closed, oldest first; each pull counts a delivery.
  CREATE FUNCTION central.pull_commands(p_bank_id text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz, signed_payload text, signature text)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    WITH picked AS (
      UPDATE central.bank_commands c
      SET status = 'delivered', deliveries = c.deliveries + 1, delivered_at = COALESCE(c.delivered_at, now())
      WHERE c.id IN (SELECT o.id FROM central.bank_commands o
                     WHERE o.bank_id = central.caller_bank(p_bank_id) AND o.status IN ('pending', 'delivered')
                     ORDER BY o.id LIMIT LEAST(GREATEST(p_limit, 1), 1000))
      RETURNING c.id, c.kind, c.args, c.created_at, c.signed_payload, c.signature
    )
    SELECT picked.id, picked.kind, picked.args, picked.created_at, picked.signed_payload, picked.signature FROM picked ORDER BY picked.id
  $fn$;
  REVOKE ALL ON FUNCTION central.pull_commands(text, integer) FROM PUBLIC;
  DO $do$
  DECLARE r record;
  BEGIN
    FOR r IN SELECT b.role_name FROM central.banks b JOIN pg_roles p ON p.rolname = b.role_name LOOP
      EXECUTE format('GRANT EXECUTE ON FUNCTION central.pull_commands(text, integer) TO %I', r.role_name);
    END LOOP;
  END $do$;
`;
