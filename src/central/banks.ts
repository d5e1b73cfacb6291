/**
 * Registering banks (central schema migration 5 on): each bank a row in central.banks and a key
 * of its own, which it shows inside every ingest and command pull; the center keeps the key's
 * SHA-256 only. All banks log in as one shared ingest role, made once with createIngestRole,
 * which may call the keyed functions and nothing else.
 */
import { createHash, randomBytes } from "node:crypto";
import type pg from "pg";
import { scramVerifier } from "./scram.js";

export interface CreateBankOptions {
  bankId: string;
  /** Default: 32 random bytes, base64url. */
  key?: string;
  /** The bank exists already: give it a new key (the old one is refused from now on). */
  rotate?: boolean;
}

export interface BankKey {
  bankId: string;
  key: string;
}

export const BANK_ID = /^[A-Za-z0-9_-]{1,64}$/;
const ROLE = /^[a-z_][a-z0-9_]{0,62}$/;

export function newBankKey(): string {
  return randomBytes(32).toString("base64url");
}

export function keyHash(key: string): Buffer {
  return createHash("sha256").update(key, "utf8").digest();
}

/** Register a bank with a new key, or (rotate) replace an existing bank's key. */
export async function createBank(client: pg.ClientBase, opts: CreateBankOptions): Promise<BankKey> {
  if (!BANK_ID.test(opts.bankId)) throw new Error(`bank id ${JSON.stringify(opts.bankId)}: expected 1-64 letters, digits, _ or -`);
  const key = opts.key ?? newBankKey();
  if (key.length < 32) throw new Error("a bank key needs at least 32 characters");
  const r = await client.query(
    `INSERT INTO central.banks (id, key_sha256, key_set_at) VALUES ($1, $2, now())
     ON CONFLICT (id) DO UPDATE SET key_sha256 = EXCLUDED.key_sha256, key_set_at = now() WHERE $3
     RETURNING id`,
    [opts.bankId, keyHash(key), opts.rotate === true],
  );
  if (r.rowCount === 0) throw new Error(`bank ${opts.bankId} exists already (use --rotate to give it a new key)`);
  return { bankId: opts.bankId, key };
}

export interface IngestRoleOptions {
  /** Default lockerd_ingest. */
  role?: string;
  /** Default: 32 random bytes, base64url. */
  password?: string;
  /** The role exists already: give it a new password instead of failing. */
  rotate?: boolean;
  /**
   * The server's bound on one ingest or command pull (STATEMENT_TIMEOUT_MS: 1 s to 1 h). Default:
   * 120 s (as the bank's default) for a new role; on --rotate, what the role has (120 s if nothing).
   */
  statementTimeoutMs?: number;
  /** SCRAM iterations of the password verifier (default 4096, PostgreSQL's). */
  scramIterations?: number;
}

/** The ingest role's statement_timeout: its default, and the bounds a value must keep. */
export const STATEMENT_TIMEOUT_MS = { default: 120_000, min: 1000, max: 3_600_000 } as const;

/**
 * A statement timeout as an operator typed it (--statement-timeout-ms): whole milliseconds,
 * 1 s to 1 h. Below a second no batch of a busy bank gets through; above an hour a stuck call
 * holds its bank's lock (and a pooled connection) for longer than anyone would wait.
 */
export function parseStatementTimeoutMs(text: string): number {
  if (!/^-?\d+$/.test(text.trim())) throw new Error(`statement timeout ${JSON.stringify(text)}: expected a whole number of milliseconds, e.g. 120000`);
  const ms = Number(text.trim());
  checkStatementTimeoutMs(ms);
  return ms;
}

function checkStatementTimeoutMs(ms: number): void {
  const { min, max } = STATEMENT_TIMEOUT_MS;
  if (!Number.isSafeInteger(ms) || ms < min || ms > max) {
    throw new Error(`statement timeout ${ms} ms: expected ${min} (1 s) to ${max} (1 h) milliseconds`);
  }
}

/** The shared login role every bank uses: it may call the keyed functions (ingest, pull commands, report status, pull pass revocations) and nothing else. */
export async function createIngestRole(client: pg.ClientBase, opts: IngestRoleOptions = {}): Promise<{ role: string; password: string }> {
  const role = opts.role ?? "lockerd_ingest";
  if (!ROLE.test(role)) throw new Error(`role name ${JSON.stringify(role)}: expected lower-case letters, digits and _`);
  if (opts.statementTimeoutMs !== undefined) checkStatementTimeoutMs(opts.statementTimeoutMs);
  const password = opts.password ?? randomBytes(32).toString("base64url");
  const ident = client.escapeIdentifier(role);
  const verifier = client.escapeLiteral(scramVerifier(password, opts.scramIterations));
  const db = (await client.query<{ db: string }>("SELECT current_database() AS db")).rows[0]!.db;
  await client.query("BEGIN");
  try {
    const exists = (await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount! > 0;
    if (exists && !opts.rotate) throw new Error(`role ${role} exists already (use --rotate to give it a new password)`);
    if (exists) await client.query(`ALTER ROLE ${ident} WITH LOGIN PASSWORD ${verifier}`);
    else await client.query(`CREATE ROLE ${ident} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION PASSWORD ${verifier}`);
    await client.query(`GRANT CONNECT ON DATABASE ${client.escapeIdentifier(db)} TO ${ident}`);
    await client.query(`GRANT USAGE ON SCHEMA central TO ${ident}`);
    await client.query(`GRANT EXECUTE ON FUNCTION central.ingest_batch(text, text, jsonb) TO ${ident}`);
    await client.query(`GRANT EXECUTE ON FUNCTION central.pull_bank_commands(text, text, integer) TO ${ident}`);
    await client.query(`GRANT EXECUTE ON FUNCTION central.report_bank_status_by_key(text, text, jsonb) TO ${ident}`);
    // migration 6: the revocations of passes addressed to the bank whose key it shows (on an
    // older schema the migration grants it to every ingest role when it runs)
    const revocations = await client.query<{ ok: boolean }>(`SELECT to_regprocedure('central.pull_pass_revocations(text, text, bigint, integer)') IS NOT NULL AS ok`);
    if (revocations.rows[0]!.ok) await client.query(`GRANT EXECUTE ON FUNCTION central.pull_pass_revocations(text, text, bigint, integer) TO ${ident}`);
    // migration 10: the reachable-door hints of pre-advice for the bank whose key it shows
    const hints = await client.query<{ ok: boolean }>(`SELECT to_regprocedure('central.pull_advice_hints(text, text, bigint, integer)') IS NOT NULL AS ok`);
    if (hints.rows[0]!.ok) await client.query(`GRANT EXECUTE ON FUNCTION central.pull_advice_hints(text, text, bigint, integer) TO ${ident}`);
    // A transaction left open holds its locks: the server ends it (PgBouncer's
    // idle_transaction_timeout is the bound a bank cannot lift; see README).
    await client.query(`ALTER ROLE ${ident} SET idle_in_transaction_session_timeout = '10s'`);
    // Behind PgBouncer the banks cannot set it themselves without holding a transaction open
    // across round trips (see central-link.ts): the server's bound on one batch.
    // A new password (--rotate) without a timeout keeps the one the role has.
    const kept = exists && opts.statementTimeoutMs === undefined && (await hasStatementTimeout(client, role));
    if (!kept) {
      await client.query(`ALTER ROLE ${ident} SET statement_timeout = ${client.escapeLiteral(`${opts.statementTimeoutMs ?? STATEMENT_TIMEOUT_MS.default}ms`)}`);
    }
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK");
    throw e;
  }
  return { role, password };
}

/** Whether the role has its own statement_timeout (ALTER ROLE ... SET, in every database). */
async function hasStatementTimeout(client: pg.ClientBase, role: string): Promise<boolean> {
  const r = await client.query(
    `SELECT 1 FROM pg_db_role_setting s JOIN pg_roles r ON r.oid = s.setrole
     WHERE r.rolname = $1 AND s.setdatabase = 0 AND EXISTS (SELECT 1 FROM unnest(s.setconfig) c WHERE c LIKE 'statement\\_timeout=%')`,
    [role],
  );
  return r.rowCount! > 0;
}
