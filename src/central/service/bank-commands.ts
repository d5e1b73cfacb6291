/**
 * The one function that creates a command for a bank (central.bank_commands). Every part of
 * lockerd-central that commands a bank goes through here, so that signing the commands (and
 * any cap or audit) is added in this one place.
 */
import type pg from "pg";

export type BankCommandKind =
  | "open_door"
  | "extend_deadline"
  | "cancel_parcel"
  | "out_of_service"
  | "in_service"
  | "add_courier_credential"
  | "revoke_courier_credential";

export interface NewBankCommand {
  bankId: string;
  kind: BankCommandKind;
  args: Record<string, unknown>;
  /** Who asked (the operator token's name, or the rule that made it). */
  createdBy: string;
}

/** Create commands (in the caller's transaction, if it has one); returns their ids in order. */
export async function createBankCommands(db: pg.ClientBase | pg.Pool, commands: readonly NewBankCommand[]): Promise<number[]> {
  if (commands.length === 0) return [];
  const r = await db.query<{ id: string }>(
    `INSERT INTO central.bank_commands (bank_id, kind, args, created_by)
     SELECT c.bank_id, c.kind, c.args, c.created_by
     FROM jsonb_to_recordset($1::jsonb) AS c(bank_id text, kind text, args jsonb, created_by text)
     RETURNING id`,
    [JSON.stringify(commands.map((c) => ({ bank_id: c.bankId, kind: c.kind, args: c.args, created_by: c.createdBy })))],
  );
  return r.rows.map((x) => Number(x.id));
}
