import { iso, type Queryable } from "./queries.js";

export interface CommandLogEntry {
  id: number;
  bankId: string;
  kind: string;
  args: Record<string, unknown>;
  createdAt: string;
  createdBy: string;
  status: string;
  completedAt: string | null;
  result: unknown;
}

/**
 * The commands sent to banks, newest first (read from the queue table; creating and signing
 * commands is the command routes' work, not this file's).
 */
export async function commandLog(db: Queryable, q: { bankId?: string | undefined; limit: number }): Promise<CommandLogEntry[]> {
  const params: unknown[] = [q.limit];
  if (q.bankId !== undefined) params.push(q.bankId);
  const r = await db.query<{
    id: string;
    bank_id: string;
    kind: string;
    args: Record<string, unknown>;
    created_at: Date;
    created_by: string;
    status: string;
    completed_at: Date | null;
    result: unknown;
  }>(
    `SELECT id, bank_id, kind, args, created_at, created_by, status, completed_at, result FROM central.bank_commands
     ${q.bankId !== undefined ? "WHERE bank_id = $2" : ""} ORDER BY id DESC LIMIT $1`,
    params,
  );
  return r.rows.map((x) => ({
    id: Number(x.id),
    bankId: x.bank_id,
    kind: x.kind,
    args: x.args ?? {},
    createdAt: x.created_at.toISOString(),
    createdBy: x.created_by,
    status: x.status,
    completedAt: iso(x.completed_at),
    result: x.result ?? null,
  }));
}
