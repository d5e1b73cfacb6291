/**
 * The one function that creates commands for banks in bulk (central.bank_commands), each signed
 * with the service's command key: every part of lockerd-central that commands banks goes through
 * here or through queueCommand (commands.ts, one command), never a bare INSERT a bank would
 * refuse.
 */
import type pg from "pg";
import { LockerdError } from "../../basics/errors.js";
import type { Signer } from "../../signing/ed25519.js";
import { signCommand } from "../../signing/signed-command.js";

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

export interface CommandSigning {
  /** null: this instance has no command key; creating commands is refused. */
  signer: Signer | null;
  /** How long each command stays valid (a bank refuses longer than its commands.maxValidityMs). */
  ttlMs: number;
  now: number;
}

/** Create signed commands (in the caller's transaction, if it has one); returns their ids in order. */
export async function createBankCommands(db: pg.ClientBase | pg.Pool, signing: CommandSigning, commands: readonly NewBankCommand[]): Promise<number[]> {
  if (commands.length === 0) return [];
  const { signer } = signing;
  if (!signer) throw new LockerdError("INVALID_STATE", "this instance has no command key (commands.keyFile): it cannot sign commands for banks");
  const rows = commands.map((c) => {
    const s = signCommand(signer, { bank: c.bankId, kind: c.kind, args: c.args, issuedAt: signing.now, ttlMs: signing.ttlMs });
    return {
      bank_id: c.bankId,
      kind: c.kind,
      args: c.args,
      created_by: c.createdBy,
      signed_payload: s.payload,
      signature: s.signature,
      signed_id: s.fields.id,
      key_id: s.fields.keyId,
      issued_at: s.fields.issuedAt,
      expires_at: s.fields.expiresAt,
    };
  });
  const r = await db.query<{ id: string }>(
    `INSERT INTO central.bank_commands (bank_id, kind, args, created_by, signed_payload, signature, signed_id, key_id, issued_at, expires_at)
     SELECT c.bank_id, c.kind, c.args, c.created_by, c.signed_payload, c.signature, c.signed_id, c.key_id,
            to_timestamp(c.issued_at::double precision / 1000), to_timestamp(c.expires_at::double precision / 1000)
     FROM jsonb_to_recordset($1::jsonb)
       AS c(bank_id text, kind text, args jsonb, created_by text, signed_payload text, signature text, signed_id text, key_id text, issued_at bigint, expires_at bigint)
     RETURNING id`,
    [JSON.stringify(rows)],
  );
  return r.rows.map((x) => Number(x.id));
}
