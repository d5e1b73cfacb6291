/**
 * Who may sign in as a courier: the couriers in the configuration file, and the credentials
 * central issued or revoked (courier_credentials). A stored row named like a configured
 * courier's id or name takes that courier's place: central can re-issue a leaked badge, or lock
 * the courier out, without anyone editing files on the bank; the configured entry stays out
 * until central adds a credential for it again.
 */
import type { StoredCredential } from "../store/courier-credentials.js";
import type { BankContext } from "./context.js";
import { LockerdError } from "../basics/errors.js";

export interface ConfiguredCourier {
  id: string;
  name: string;
  badgeSha256?: string | undefined;
  pinHash?: string | undefined;
  /** The carrier whose returns they collect. */
  carrier?: string | undefined;
}

/** One courier as sign-in sees it. */
export interface SignInEntry {
  id: string;
  name: string;
  badgeSha256?: string | undefined;
  pinHash?: string | undefined;
  carrier?: string | undefined;
}

export type CredentialKind = "badge" | "pin" | "badge+pin" | "none";

/** A courier as technicians see it: never a hash. */
export interface CourierView {
  /** The id sign-in events carry (courierId). */
  id: string;
  name: string;
  source: "config" | "central";
  kind: CredentialKind;
  /** active; revoked (by central); replaced (a configured courier central issued a new credential for). */
  status: "active" | "revoked" | "replaced";
  addedAt: string | null;
  revokedAt: string | null;
  /** The central command that last changed it. */
  commandId: number | null;
}

const kindOf = (badge: unknown, pin: unknown): CredentialKind => (badge && pin ? "badge+pin" : badge ? "badge" : pin ? "pin" : "none");
const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());

/** The stored row that takes a configured courier's place, if any (by id first, then by name). */
function shadowOf(c: ConfiguredCourier, byName: ReadonlyMap<string, StoredCredential>): StoredCredential | undefined {
  return byName.get(c.id) ?? byName.get(c.name);
}

function rosterParts(configured: readonly ConfiguredCourier[], stored: readonly StoredCredential[]) {
  const byName = new Map(stored.map((s) => [s.name, s]));
  /** Stored rows standing for a configured courier keep that courier's id in events. */
  const idOf = new Map<string, string>();
  const config = configured.map((c) => {
    const s = shadowOf(c, byName);
    if (s && !idOf.has(s.name)) idOf.set(s.name, c.id);
    return { c, s };
  });
  return { config, idOf };
}

/** Everyone who can sign in now: configured couriers no stored row overrides, and active stored credentials. */
export function signInEntries(configured: readonly ConfiguredCourier[], stored: readonly StoredCredential[]): SignInEntry[] {
  const { config, idOf } = rosterParts(configured, stored);
  const out: SignInEntry[] = config.filter((x) => !x.s).map((x) => x.c);
  for (const s of stored) {
    if (s.revokedAt !== null || (!s.badgeSha256 && !s.pinHash)) continue;
    out.push({ id: idOf.get(s.name) ?? s.name, name: s.name, badgeSha256: s.badgeSha256 ?? undefined, pinHash: s.pinHash ?? undefined });
  }
  return out;
}

/** Every courier and credential, revoked ones included, for `lockerctl couriers` and GET /couriers. */
export function courierViews(configured: readonly ConfiguredCourier[], stored: readonly StoredCredential[]): CourierView[] {
  const { config, idOf } = rosterParts(configured, stored);
  const views: CourierView[] = config.map(({ c, s }) => ({
    id: c.id,
    name: c.name,
    source: "config",
    kind: kindOf(c.badgeSha256, c.pinHash),
    status: !s ? "active" : s.revokedAt !== null || (!s.badgeSha256 && !s.pinHash) ? "revoked" : "replaced",
    addedAt: null,
    revokedAt: s ? iso(s.revokedAt ?? s.addedAt) : null,
    commandId: s ? (s.revokedCommand ?? s.addedCommand) : null,
  }));
  for (const s of stored) {
    // A row that only locks out a configured courier is shown on that courier's line.
    if (!s.badgeSha256 && !s.pinHash && idOf.has(s.name)) continue;
    views.push({
      id: idOf.get(s.name) ?? s.name,
      name: s.name,
      source: "central",
      kind: kindOf(s.badgeSha256, s.pinHash),
      status: s.revokedAt !== null ? "revoked" : "active",
      addedAt: iso(s.addedAt),
      revokedAt: iso(s.revokedAt),
      commandId: s.revokedCommand ?? s.addedCommand,
    });
  }
  return views;
}

export interface NewCredential {
  name: string;
  badgeSha256: string | null;
  pinHash: string | null;
}

/**
 * Inside a write transaction (a central command's): add a credential, or replace the one of the
 * same name (a re-issued badge: the old one stops working at once).
 */
export function addCourierCredential(ctx: BankContext, c: NewCredential, commandId: number | null): { replaced: boolean; credential: CredentialKind } {
  const configured = ctx.couriers ?? [];
  const stored = ctx.store.couriers.all();
  if (c.badgeSha256) {
    // One badge, one courier: otherwise a scan would sign in whichever entry comes first.
    const owner = signInEntries(configured, stored).find((e) => e.badgeSha256 === c.badgeSha256 && e.name !== c.name && e.id !== c.name);
    if (owner) throw new LockerdError("INVALID_STATE", `that badge already belongs to courier ${owner.name}`);
  }
  const previous = stored.find((s) => s.name === c.name);
  const replaced = (previous !== undefined && previous.revokedAt === null) || (previous === undefined && configured.some((k) => k.id === c.name || k.name === c.name));
  const now = ctx.clock.now();
  ctx.store.couriers.put(c, now, commandId);
  const kind = kindOf(c.badgeSha256, c.pinHash);
  ctx.store.record({ type: "courier.credential_added", data: { name: c.name, kind, replaced, ...(commandId !== null ? { commandId } : {}) } }, now);
  return { replaced, credential: kind };
}

/**
 * Inside a write transaction: revoke the credential of that name, and lock out a configured
 * courier whose id or name it is. NOT_FOUND when the bank knows no such courier.
 */
export function revokeCourierCredential(ctx: BankContext, name: string, commandId: number | null): { alreadyRevoked: boolean } {
  const configured = ctx.couriers ?? [];
  const previous = ctx.store.couriers.get(name);
  if (!previous && !configured.some((c) => c.id === name || c.name === name)) {
    throw new LockerdError("NOT_FOUND", `no courier named ${name} on this bank`);
  }
  if (previous && previous.revokedAt !== null) return { alreadyRevoked: true };
  const now = ctx.clock.now();
  ctx.store.couriers.revoke(name, now, commandId);
  ctx.store.record({ type: "courier.credential_revoked", data: { name, ...(commandId !== null ? { commandId } : {}) } }, now);
  return { alreadyRevoked: false };
}

/** A courier signed in at the kiosk (by badge or PIN): the session's start, in the outbox. */
export function courierSessionStarted(ctx: BankContext, courierId: string, via: "badge" | "pin"): void {
  // A courier pass's session starts in bank/pass-sign-in.ts (with the pass's use, one transaction).
  const now = ctx.clock.now();
  ctx.store.write(() => void ctx.store.record({ type: "courier.session_started", data: { courierId, via } }, now));
}

/** A courier's kiosk session ended (a key, the badge again, inactivity, or central revoked the credential). */
export function courierSessionEnded(ctx: BankContext, courierId: string, reason: string, extra: Record<string, unknown> = {}): void {
  const now = ctx.clock.now();
  ctx.store.write(() => void ctx.store.record({ type: "courier.session_ended", data: { courierId, reason, ...extra } }, now));
}
