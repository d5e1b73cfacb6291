/**
 * Commands from the operator to a bank: the queue, and the function a bank's role calls to pull
 * them (the outcome comes back as a command.done / command.failed event, see ingest.ts).
 */
export const COMMANDS_SQL = String.raw`
  -- Commands for a bank; it pulls them, applies each once and reports the outcome as an event
  -- (command.done / command.failed), which closes the command here.
  CREATE TABLE central.bank_commands (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    bank_id      text COLLATE "C" NOT NULL REFERENCES central.banks(id),
    kind         text NOT NULL CHECK (kind IN ('open_door', 'extend_deadline', 'cancel_parcel', 'out_of_service',
                                                'in_service', 'add_courier_credential', 'revoke_courier_credential')),
    args         jsonb NOT NULL DEFAULT '{}',
    created_at   timestamptz NOT NULL DEFAULT now(),
    created_by   text NOT NULL DEFAULT current_user,
    status       text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'done', 'failed')),
    deliveries   integer NOT NULL DEFAULT 0,
    delivered_at timestamptz,
    completed_at timestamptz,
    result       jsonb,
    result_seq   bigint
  );
  CREATE INDEX bank_commands_open ON central.bank_commands (bank_id, id) WHERE status IN ('pending', 'delivered');
  ALTER TABLE central.bank_commands ENABLE ROW LEVEL SECURITY;
  CREATE POLICY own_rows ON central.bank_commands FOR SELECT USING (bank_id = (SELECT b.id FROM central.banks b WHERE b.role_name = current_user));

  -- Commands for the calling bank not yet closed, oldest first; each pull counts a delivery.
  CREATE FUNCTION central.pull_commands(p_bank_id text, p_limit integer)
  RETURNS TABLE (id bigint, kind text, args jsonb, created_at timestamptz)
  LANGUAGE sql SECURITY DEFINER SET search_path = pg_catalog, central AS $fn$
    WITH picked AS (
      UPDATE central.bank_commands c
      SET status = 'delivered', deliveries = c.deliveries + 1, delivered_at = COALESCE(c.delivered_at, now())
      WHERE c.id IN (SELECT o.id FROM central.bank_commands o
                     WHERE o.bank_id = central.caller_bank(p_bank_id) AND o.status IN ('pending', 'delivered')
                     ORDER BY o.id LIMIT LEAST(GREATEST(p_limit, 1), 1000))
      RETURNING c.id, c.kind, c.args, c.created_at
    )
    SELECT picked.id, picked.kind, picked.args, picked.created_at FROM picked ORDER BY picked.id
  $fn$;

  REVOKE ALL ON FUNCTION central.pull_commands(text, integer) FROM PUBLIC;
`;
