/**
 * The bank's rules for commands from the center: a command runs only when an operator's key
 * this bank trusts signed it, for this bank, within its validity window, once; and whatever the
 * center sends, remote door opens are capped per hour and open one door each (a locker holding
 * a parcel only with the command's explicit force flag). A refusal is recorded as an alarm and
 * as the command's failure, which closes it centrally.
 *
 * Time: the bank's "now" for commands is never earlier than a floor kept in SQLite, raised to
 * the synchronised clock and to the issue time of every command accepted. A clock that is not
 * synchronised (a Pi without RTC before NTP) is not trusted to say a command is from the future;
 * it can only make commands look expired, and the floor keeps it from making an old one look
 * fresh again once a newer one has been seen. Signed ids are forgotten only below the floor, so
 * a forgotten command is always refused as expired.
 */
import type { PublicKey } from "../signing/ed25519.js";
import { readSignedCommand, type CommandFields, type SignatureRefusal } from "../signing/signed-command.js";
import type { BankContext } from "./context.js";
import { isLockerdError, LockerdError } from "../basics/errors.js";
import { newEvent } from "../basics/events.js";

export interface TrustedKey extends PublicKey {
  name: string;
}

export interface CommandTrust {
  bankId: string;
  /** Operator public keys by key id. */
  keys: ReadonlyMap<string, TrustedKey>;
  /** Remote door opens allowed per rolling hour. */
  maxRemoteOpensPerHour: number;
  /** Allowed difference between the signer's clock and the bank's. */
  clockSkewMs: number;
  /** A command valid for longer than this is refused. */
  maxValidityMs: number;
}

export type Refusal = SignatureRefusal | "OTHER_BANK" | "NOT_YET_VALID" | "EXPIRED" | "TOO_LONG" | "REPLAYED" | "RATE_LIMITED";

export class CommandRefused extends Error {
  constructor(
    readonly reason: Refusal,
    message: string,
    readonly keyId: string | null = null,
  ) {
    super(message);
    this.name = "CommandRefused";
  }
}

const FLOOR_KEY = "commands.timeFloor";
const HOUR = 3_600_000;

export interface CommandTime {
  now: number;
  synced: boolean;
  floor: number;
}

export function commandTime(ctx: BankContext): CommandTime {
  return { now: ctx.clock.now(), synced: ctx.clock.isSynchronised(), floor: Number(ctx.store.getMeta(FLOOR_KEY) ?? 0) };
}

/** Whether a signed command's validity window admits it now; null when it does. */
export function timeRefusal(trust: CommandTrust, f: Pick<CommandFields, "issuedAt" | "expiresAt">, t: CommandTime): CommandRefused | null {
  if (f.expiresAt - f.issuedAt > trust.maxValidityMs) {
    return new CommandRefused("TOO_LONG", `valid for ${f.expiresAt - f.issuedAt} ms, longer than this bank accepts (${trust.maxValidityMs} ms)`);
  }
  if (t.synced && f.issuedAt > t.now + trust.clockSkewMs) {
    return new CommandRefused("NOT_YET_VALID", `issued ${new Date(f.issuedAt).toISOString()}, later than the bank's synchronised clock allows (${new Date(t.now).toISOString()})`);
  }
  const now = Math.max(t.now, t.floor);
  if (now > f.expiresAt + trust.clockSkewMs) {
    return new CommandRefused("EXPIRED", `expired ${new Date(f.expiresAt).toISOString()} (bank time ${new Date(now).toISOString()}${t.synced ? "" : ", clock not synchronised"})`);
  }
  return null;
}

/** Signature, key, bank and validity window (reads only). Throws CommandRefused. */
export function verifyCommand(ctx: BankContext, trust: CommandTrust, payload: string | null | undefined, signature: string | null | undefined): CommandFields {
  const read = readSignedCommand(payload, signature, trust.keys);
  if (!read.ok) throw new CommandRefused(read.reason, read.message, read.keyId ?? null);
  const f = read.fields;
  if (f.bank !== trust.bankId) throw new CommandRefused("OTHER_BANK", `signed for bank ${f.bank}, this is ${trust.bankId}`, f.keyId);
  const late = timeRefusal(trust, f, commandTime(ctx));
  if (late) throw new CommandRefused(late.reason, late.message, f.keyId);
  return f;
}

/**
 * Inside the claim's write transaction: refuse a signed id seen before, remember this one,
 * raise the time floor, and forget ids below it.
 */
export function admitSignedCommand(ctx: BankContext, trust: CommandTrust, f: CommandFields, commandId: number): void {
  const t = commandTime(ctx);
  const seen = ctx.store.commands.seenSignedId(f.id);
  if (seen !== undefined) throw new CommandRefused("REPLAYED", `signed command ${f.id} was already brought by central command ${seen}`, f.keyId);
  const floor = Math.max(t.floor, f.issuedAt, t.synced ? t.now : 0);
  if (floor > t.floor) ctx.store.setMeta(FLOOR_KEY, String(floor));
  ctx.store.commands.forgetSignedIds(floor);
  ctx.store.commands.rememberSignedId(f.id, commandId, f.expiresAt + trust.clockSkewMs);
}

/**
 * Inside the claim's write transaction: a remote door opening, within the per-hour limit, one
 * door, a locker holding a parcel only with force. Returns the door intent, linked to the
 * command so the door's outcome becomes the command's.
 */
export function startRemoteOpen(ctx: BankContext, trust: CommandTrust, commandId: number, lockerId: string, force: boolean, keyId: string | null): number {
  const now = ctx.clock.now();
  const opened = ctx.store.commands.remoteOpensSince(now - HOUR);
  if (opened >= trust.maxRemoteOpensPerHour) {
    throw new CommandRefused("RATE_LIMITED", `${opened} remote door opens in the last hour; this bank allows ${trust.maxRemoteOpensPerHour}`, keyId);
  }
  const locker = ctx.store.lockers.get(lockerId);
  if (!locker || !locker.inLayout) throw new LockerdError("LOCKER_NOT_FOUND", `no locker ${lockerId}`);
  const parcel = ctx.store.parcels.inLocker(lockerId);
  if (parcel && !force) throw new LockerdError("LOCKER_OCCUPIED", `locker ${lockerId} holds parcel ${parcel.id}; a remote open needs "force": true`, { parcelId: parcel.id });
  if (ctx.store.intents.active(lockerId)) throw new LockerdError("LOCKER_BUSY", `locker ${lockerId} is in the middle of a door operation`);
  const intentId = ctx.store.intents.create(lockerId, null, "technician", now);
  ctx.store.commands.linkIntent(commandId, intentId);
  ctx.store.record({ type: "door.remote_open", lockerId, parcelId: parcel?.id ?? null, data: { commandId, forced: Boolean(parcel), keyId } }, now);
  return intentId;
}

/** In its own write: a refused command is closed, with an alarm and its failure event. */
export function recordRefusal(ctx: BankContext, commandId: number, kind: string, r: CommandRefused, signedId: string | null): void {
  const now = ctx.clock.now();
  ctx.store.write(() => refuseInside(ctx, commandId, kind, r, signedId, now));
}

export function refuseInside(ctx: BankContext, commandId: number, kind: string, r: CommandRefused, signedId: string | null, now: number): void {
  const error = { code: "COMMAND_REFUSED", reason: r.reason, message: r.message };
  const data = { commandId, kind, error };
  ctx.store.commands.refuse(commandId, kind, r.reason, data, now, r.keyId);
  ctx.store.record({ type: "alarm.command_refused", data: { commandId, kind, reason: r.reason, message: r.message, keyId: r.keyId, signedId } }, now);
  ctx.store.record({ type: "command.failed", data }, now);
}

/** Inside a write transaction: close a claimed command and record its outcome event. */
export function recordCommandOutcome(ctx: BankContext, id: number, kind: string, args: Record<string, unknown>, result: Record<string, unknown> | Error, now: number): void {
  const failed = result instanceof Error;
  const ids = { lockerId: typeof args.lockerId === "string" ? args.lockerId : null, parcelId: typeof args.parcelId === "string" ? args.parcelId : null };
  const event = failed
    ? newEvent("command.failed", ids, { commandId: id, kind, error: { code: errorCode(result), message: result.message } })
    : newEvent("command.done", ids, { commandId: id, kind, ...result });
  ctx.store.commands.finish(id, failed ? "failed" : "done", event.data ?? {}, now);
  ctx.store.record(event, now);
}

export type DoorVerdict = { opened: true } | { opened: false; code: string; message: string };

/**
 * Inside a door outcome's write transaction: the remote open this intent belongs to (if any)
 * is done when its door opened, failed when it did not.
 */
export function settleRemoteOpen(ctx: BankContext, intentId: number, verdict: DoorVerdict, now: number): void {
  const cmd = ctx.store.commands.byIntent(intentId);
  if (!cmd) return;
  const intent = ctx.store.intents.get(intentId);
  const args = { lockerId: intent?.lockerId };
  const result = verdict.opened ? { lockerId: intent?.lockerId, intentId } : commandError(verdict.code, verdict.message);
  recordCommandOutcome(ctx, cmd.id, cmd.kind, args, result, now);
}

/** An outcome error with a code of its own (DOOR_DID_NOT_OPEN, INTERRUPTED, ...). */
export function commandError(code: string, message: string): Error {
  return Object.assign(new Error(message), { commandCode: code });
}

function errorCode(e: Error): string {
  if (isLockerdError(e)) return e.code;
  const own = (e as { commandCode?: unknown }).commandCode;
  return typeof own === "string" ? own : "COMMAND_FAILED";
}

export interface RefusedCommandView {
  commandId: number;
  kind: string;
  reason: string;
  message: string | null;
  keyId: string | null;
  at: string;
}

export interface CommandTrustView {
  bankId: string;
  trustedKeys: { name: string; keyId: string; publicKey: string }[];
  maxRemoteOpensPerHour: number;
  remoteOpensLastHour: number;
  clockSkewMs: number;
  maxValidityMs: number;
  /** Newest first. */
  refused: RefusedCommandView[];
}

/** What lockerctl and GET /commands show: the keys this bank trusts, its limits, the commands it refused. */
export function commandTrustView(trust: CommandTrust, store: BankContext["store"], now: number, limit = 50): CommandTrustView {
  return {
    bankId: trust.bankId,
    trustedKeys: [...trust.keys.values()].map((k) => ({ name: k.name, keyId: k.keyId, publicKey: k.base64 })),
    maxRemoteOpensPerHour: trust.maxRemoteOpensPerHour,
    remoteOpensLastHour: store.commands.remoteOpensSince(now - HOUR),
    clockSkewMs: trust.clockSkewMs,
    maxValidityMs: trust.maxValidityMs,
    refused: store.commands.refused(limit).map((r) => {
      const result = r.result ? (JSON.parse(r.result) as { error?: { message?: string } }) : {};
      return { commandId: r.id, kind: r.kind, reason: r.refusal!, message: result.error?.message ?? null, keyId: r.keyId, at: new Date(r.receivedAt).toISOString() };
    }),
  };
}
