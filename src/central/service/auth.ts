/**
 * Operator tokens of lockerd-central, kept in central.operator_tokens as SHA-256 hashes (the
 * plain token is shown once, when made) so every instance knows every token. Roles: viewer
 * reads, operator acts on banks and parcels, carrier may only send pre-advice, admin may do
 * everything (the bank's technician).
 */
import { createHash, randomBytes } from "node:crypto";
import type { RequestHandler } from "express";
import type pg from "pg";
import { LockerdError } from "../../basics/errors.js";
import { hashToken } from "../../api/auth.js";
import type { RoleModel } from "../../api/registry.js";

export const CENTRAL_ROLES = ["viewer", "operator", "carrier", "admin"] as const;
export type CentralRole = (typeof CENTRAL_ROLES)[number];
export const CENTRAL_ROLE_MODEL: RoleModel<CentralRole> = { all: CENTRAL_ROLES, superRole: "admin" };

export interface CentralCaller {
  name: string;
  role: CentralRole;
}

const BEARER = /^Bearer\s+([\x21-\x7e]{1,512})$/i;

/** Tokens remembered at most (the oldest forgotten first); each is a short string and a role. */
const CACHE_ENTRIES = 10_000;

/**
 * `cacheMs`: a token found good is trusted that long without a database round trip (a read at
 * 2,000/s spent half its database time on this lookup). Only good answers are remembered, keyed
 * by the token's hash, so a revocation takes effect at every instance within `cacheMs`, and
 * made-up tokens cannot fill the memory.
 */
export function createCentralAuth(pool: pg.Pool, opts: { cacheMs?: number; now?: () => number } = {}) {
  const cacheMs = opts.cacheMs ?? 0;
  const now = opts.now ?? Date.now;
  const known = new Map<string, { caller: CentralCaller; until: number }>();

  async function identify(header: string | undefined): Promise<CentralCaller | null> {
    if (!header) return null;
    const m = BEARER.exec(header);
    if (!m) return null;
    // The lookup is by the token's hash: timing tells nothing about which tokens exist.
    const digest = createHash("sha256").update(m[1]!).digest();
    const key = digest.toString("base64");
    const hit = known.get(key);
    if (hit && hit.until > now()) return hit.caller;
    known.delete(key);
    const r = await pool.query<{ name: string; role: CentralRole }>({
      name: "central-token",
      text: "SELECT name, role FROM central.operator_tokens WHERE sha256 = $1 AND revoked_at IS NULL",
      values: [digest],
    });
    const caller = r.rows[0] ?? null;
    if (caller && cacheMs > 0) {
      if (known.size >= CACHE_ENTRIES) known.delete(known.keys().next().value!);
      known.set(key, { caller: { name: caller.name, role: caller.role }, until: now() + cacheMs });
    }
    return caller;
  }

  /** Allow these roles (admin always is). */
  function allow(...roles: CentralRole[]): RequestHandler {
    return async (req, res, next) => {
      const caller = await identify(req.headers.authorization);
      if (!caller) {
        const given = req.headers.authorization !== undefined;
        throw new LockerdError("UNAUTHORIZED", given ? "the bearer token is not valid" : "a valid bearer token is required", given ? { invalidToken: true } : {});
      }
      if (caller.role !== "admin" && !roles.includes(caller.role)) {
        throw new LockerdError("FORBIDDEN", `the ${caller.role} role may not do this`, { role: caller.role });
      }
      res.locals.caller = caller;
      next();
    };
  }
  return { identify, allow };
}

export type CentralAuth = ReturnType<typeof createCentralAuth>;

/** Who called (set by allow); routes that record who did something read it. */
export function callerOf(res: { locals: Record<string, unknown> }): CentralCaller {
  return res.locals.caller as CentralCaller;
}

/** A new operator token: stored hashed, returned once in plain. */
export async function createOperatorToken(db: pg.ClientBase | pg.Pool, name: string, role: CentralRole): Promise<string> {
  if (!CENTRAL_ROLES.includes(role)) throw new Error(`role ${JSON.stringify(role)}: expected one of ${CENTRAL_ROLES.join(", ")}`);
  if (!/^[\x21-\x7e]{1,64}$/.test(name)) throw new Error("name: 1-64 printable characters");
  const token = `lkc_${randomBytes(32).toString("base64url")}`;
  await db.query("INSERT INTO central.operator_tokens (name, role, sha256) VALUES ($1, $2, $3)", [name, role, Buffer.from(hashToken(token), "hex")]);
  return token;
}

export async function listOperatorTokens(db: pg.ClientBase | pg.Pool): Promise<{ name: string; role: string; createdAt: string; revokedAt: string | null }[]> {
  const r = await db.query<{ name: string; role: string; created_at: Date; revoked_at: Date | null }>(
    "SELECT name, role, created_at, revoked_at FROM central.operator_tokens ORDER BY created_at, name",
  );
  return r.rows.map((x) => ({ name: x.name, role: x.role, createdAt: x.created_at.toISOString(), revokedAt: x.revoked_at?.toISOString() ?? null }));
}

/** Revoke every live token of this name; returns how many. */
export async function revokeOperatorToken(db: pg.ClientBase | pg.Pool, name: string): Promise<number> {
  const r = await db.query("UPDATE central.operator_tokens SET revoked_at = now() WHERE name = $1 AND revoked_at IS NULL", [name]);
  return r.rowCount ?? 0;
}
