/**
 * Registering a bank: its row in central.banks and a login role that may only call the
 * ingestion and command functions and read its own rows (row-level security does the rest).
 */
import { randomBytes } from "node:crypto";
import type pg from "pg";
import { scramVerifier } from "./scram.js";

export interface CreateBankOptions {
  bankId: string;
  /** Login role name; default lockerd_bank_<bankId> (lower case). */
  role?: string;
  /** Default: 32 random bytes, base64url. */
  password?: string;
  /** The role exists already: give it a new password instead of failing. */
  rotate?: boolean;
}

export interface BankCredentials {
  bankId: string;
  role: string;
  password: string;
}

export const BANK_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function defaultRoleName(bankId: string): string {
  return `lockerd_bank_${bankId.toLowerCase().replace(/-/g, "_")}`;
}

const TABLES = ["banks", "events", "lockers", "parcels", "parcel_history", "bank_commands"];

export async function createBank(client: pg.ClientBase, opts: CreateBankOptions): Promise<BankCredentials> {
  if (!BANK_ID.test(opts.bankId)) throw new Error(`bank id ${JSON.stringify(opts.bankId)}: expected 1-64 letters, digits, _ or -`);
  const role = opts.role ?? defaultRoleName(opts.bankId);
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(role)) throw new Error(`role name ${JSON.stringify(role)}: expected lower-case letters, digits and _`);
  const password = opts.password ?? randomBytes(32).toString("base64url");
  const ident = client.escapeIdentifier(role);
  const verifier = client.escapeLiteral(scramVerifier(password));
  const db = (await client.query<{ db: string }>("SELECT current_database() AS db")).rows[0]!.db;

  await client.query("BEGIN");
  try {
    const exists = (await client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [role])).rowCount! > 0;
    if (exists && !opts.rotate) throw new Error(`role ${role} exists already (use --rotate to give it a new password)`);
    if (exists) await client.query(`ALTER ROLE ${ident} WITH LOGIN PASSWORD ${verifier}`);
    else await client.query(`CREATE ROLE ${ident} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOINHERIT NOREPLICATION CONNECTION LIMIT 4 PASSWORD ${verifier}`);
    await client.query(
      `INSERT INTO central.banks (id, role_name) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET role_name = EXCLUDED.role_name`,
      [opts.bankId, role],
    );
    await client.query(`GRANT CONNECT ON DATABASE ${client.escapeIdentifier(db)} TO ${ident}`);
    await client.query(`GRANT USAGE ON SCHEMA central TO ${ident}`);
    await client.query(`GRANT EXECUTE ON FUNCTION central.ingest_events(text, jsonb) TO ${ident}`);
    await client.query(`GRANT EXECUTE ON FUNCTION central.pull_commands(text, integer) TO ${ident}`);
    // Read-only, own rows only (row-level security policies in the schema).
    await client.query(`GRANT SELECT ON ${TABLES.map((t) => `central.${t}`).join(", ")} TO ${ident}`);
    await client.query("COMMIT");
  } catch (e) {
    await client.query("ROLLBACK");
    throw e;
  }
  return { bankId: opts.bankId, role, password };
}
