/**
 * Commands for banks, on the central side: queued only signed (the signer's key file stays with
 * the operator's tool or the central service, never in the database), listed, and looked at
 * with the outcome the bank reported. Used by the central-command tool and the HTTP routes.
 */
import type pg from "pg";
import type { Signer } from "../signing/ed25519.js";
import { signCommand, type SignedCommand } from "../signing/signed-command.js";

/** The kinds a bank knows (central.bank_commands' CHECK holds the same list). */
export const COMMAND_KINDS = ["open_door", "extend_deadline", "cancel_parcel", "out_of_service", "in_service", "add_courier_credential", "revoke_courier_credential"] as const;
export type CommandKind = (typeof COMMAND_KINDS)[number];

export type CommandStatus = "pending" | "delivered" | "done" | "failed" | "refused";

export interface CommandView {
  id: number;
  bankId: string;
  kind: string;
  args: Record<string, unknown>;
  status: CommandStatus;
  createdAt: string;
  createdBy: string;
  signedId: string | null;
  keyId: string | null;
  issuedAt: string | null;
  expiresAt: string | null;
  deliveries: number;
  deliveredAt: string | null;
  completedAt: string | null;
  /** The bank's reason, when it refused the command. */
  refusal: string | null;
  /** The bank's outcome event data (error.code and error.message when it failed). */
  result: Record<string, unknown> | null;
}

export interface QueueCommand {
  bankId: string;
  kind: CommandKind;
  args: Record<string, unknown>;
  /** Validity (default 10 minutes). */
  ttlMs?: number;
  /** Who asked for it (an operator token's name); default the database user. */
  createdBy?: string;
  /** The signing time (default now). */
  now?: number;
}

/** Sign a command and queue it; returns the new row. */
export async function queueCommand(client: pg.ClientBase, signer: Signer, c: QueueCommand): Promise<CommandView> {
  const signed = signCommand(signer, { bank: c.bankId, kind: c.kind, args: c.args, issuedAt: c.now ?? Date.now(), ttlMs: c.ttlMs });
  return insertSigned(client, c.bankId, signed, c.createdBy);
}

/** Queue a command signed elsewhere (the operator's own tool); its bank, kind and args come from the payload. */
export async function insertSigned(client: pg.ClientBase, bankId: string, s: SignedCommand & { fields: { kind: string; args: unknown; id: string; keyId: string; issuedAt: number; expiresAt: number } }, createdBy?: string): Promise<CommandView> {
  const f = s.fields;
  const r = await client.query<Row>(
    `INSERT INTO central.bank_commands (bank_id, kind, args, signed_payload, signature, signed_id, key_id, issued_at, expires_at, created_by)
     VALUES ($1, $2, $3, $4, $5, $6, $7, to_timestamp($8::double precision / 1000), to_timestamp($9::double precision / 1000), COALESCE($10, current_user))
     RETURNING ${COLUMNS}`,
    [bankId, f.kind, JSON.stringify(f.args), s.payload, s.signature, f.id, f.keyId, f.issuedAt, f.expiresAt, createdBy ?? null],
  );
  return view(r.rows[0]!);
}

export interface CommandFilter {
  bankId?: string;
  status?: CommandStatus;
  kind?: string;
  /** Only commands with an id below this (paging backwards). */
  before?: number;
  limit?: number;
}

/** Newest first. */
export async function listCommands(client: pg.ClientBase, f: CommandFilter = {}): Promise<CommandView[]> {
  const r = await client.query<Row>(
    `SELECT ${COLUMNS} FROM central.bank_commands
     WHERE ($1::text IS NULL OR bank_id = $1) AND ($2::text IS NULL OR status = $2) AND ($3::text IS NULL OR kind = $3)
       AND ($4::bigint IS NULL OR id < $4)
     ORDER BY id DESC LIMIT $5`,
    [f.bankId ?? null, f.status ?? null, f.kind ?? null, f.before ?? null, Math.min(Math.max(f.limit ?? 50, 1), 500)],
  );
  return r.rows.map(view);
}

export async function getCommand(client: pg.ClientBase, id: number): Promise<CommandView | null> {
  const r = await client.query<Row>(`SELECT ${COLUMNS} FROM central.bank_commands WHERE id = $1`, [id]);
  return r.rows[0] ? view(r.rows[0]) : null;
}

const COLUMNS = `id, bank_id, kind, args, status, created_at, created_by, signed_id, key_id, issued_at, expires_at, deliveries, delivered_at, completed_at, refusal, result`;

interface Row {
  id: string;
  bank_id: string;
  kind: string;
  args: Record<string, unknown>;
  status: CommandStatus;
  created_at: Date;
  created_by: string;
  signed_id: string | null;
  key_id: string | null;
  issued_at: Date | null;
  expires_at: Date | null;
  deliveries: number;
  delivered_at: Date | null;
  completed_at: Date | null;
  refusal: string | null;
  result: Record<string, unknown> | null;
}

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

function view(r: Row): CommandView {
  return {
    id: Number(r.id),
    bankId: r.bank_id,
    kind: r.kind,
    args: r.args,
    status: r.status,
    createdAt: r.created_at.toISOString(),
    createdBy: r.created_by,
    signedId: r.signed_id,
    keyId: r.key_id,
    issuedAt: iso(r.issued_at),
    expiresAt: iso(r.expires_at),
    deliveries: r.deliveries,
    deliveredAt: iso(r.delivered_at),
    completedAt: iso(r.completed_at),
    refusal: r.refusal,
    result: r.result,
  };
}
