/**
 * Bearer tokens with roles. Tokens are configured as SHA-256 hashes; LOCKERD_API_TOKEN adds one
 * technician token. A simulated bank with no tokens at all runs open on loopback for newcomers
 * (with a warning); real hardware with no tokens refuses everything but health. Requests that
 * arrive through the daemon's unix socket are a technician without a token: the socket file's
 * owner, group and mode decide who may connect. A technician pass (`Authorization: Pass …`,
 * api/pass-auth.ts) is a technician until the pass's notAfter.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { Socket } from "node:net";
import type { Request, RequestHandler } from "express";
import { LockerdError } from "../basics/errors.js";

export const ROLES = ["courier", "kiosk", "technician", "monitor"] as const;
export type Role = (typeof ROLES)[number];

export interface TokenEntry {
  name: string;
  role: Role;
  sha256: string;
}

export interface Caller {
  name: string;
  role: Role;
  /** A technician by pass (api/pass-auth.ts): whose, and which pass. */
  pass?: { holder: string; passId: string };
}

export interface AuthSettings {
  tokens: readonly TokenEntry[];
  /** No tokens configured and a simulated bank: every caller is a technician. */
  openForSimulator: boolean;
  /** `Authorization: Pass <text>`: the technician a valid technician pass makes its holder, or null. */
  pass?: (text: string) => Caller | null;
}

/** Connections accepted on the unix socket (marked by the listener that accepted them). */
const localSockets = new WeakSet<Socket>();

export function markLocalSocket(socket: Socket): void {
  localSockets.add(socket);
}

const sha256 = (s: string) => createHash("sha256").update(s).digest();

export function createAuth(settings: AuthSettings) {
  const entries = settings.tokens.map((t) => ({ ...t, digest: Buffer.from(t.sha256, "hex") }));
  const open = settings.openForSimulator && entries.length === 0;

  /** Who is calling; null when nobody we know (no, malformed or unknown token). */
  function identify(req: Request): Caller | null {
    if (localSockets.has(req.socket)) return { name: "unix-socket", role: "technician" };
    const header = req.headers.authorization;
    if (!header) return open ? { name: "simulator", role: "technician" } : null;
    const p = /^Pass\s+(LP1[A-Z2-7]{40,2200})$/.exec(header);
    if (p) return settings.pass?.(p[1]!) ?? null;
    const m = /^Bearer\s+([\x21-\x7e]{1,512})$/i.exec(header);
    if (!m) return null;
    const digest = sha256(m[1]!);
    // Compare against every entry so timing does not tell which tokens exist.
    let found: Caller | null = null;
    for (const e of entries) if (timingSafeEqual(e.digest, digest) && !found) found = { name: e.name, role: e.role };
    return found;
  }

  /** Allow these roles (technician is always allowed). */
  function allow(...roles: Role[]): RequestHandler {
    return (req, res, next) => {
      const caller = identify(req);
      if (!caller) {
        const given = req.headers.authorization !== undefined;
        throw new LockerdError("UNAUTHORIZED", given ? "the bearer token is not valid" : "a valid bearer token is required", given ? { invalidToken: true } : {});
      }
      if (caller.role !== "technician" && !roles.includes(caller.role)) {
        throw new LockerdError("FORBIDDEN", `the ${caller.role} role may not do this`, { role: caller.role });
      }
      res.locals.caller = caller;
      next();
    };
  }

  return { identify, allow };
}

export type Auth = ReturnType<typeof createAuth>;

export function hashToken(token: string): string {
  return createHash("sha256").update(token).digest("hex");
}
