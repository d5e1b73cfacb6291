/**
 * The bank's kiosk: who is at the keypad and scanner, and what their keys and scans mean.
 * A customer types a code (digits, then # or Enter; * or Backspace clears) or shows a QR token;
 * a courier signs in with a badge or a PIN (# first, then the PIN and #) and fills lockers.
 * Every action runs in order on one queue; the indicator tells the person what happened. A
 * pickup's door answer is awaited off the queue (door-answers.ts).
 */
import type { RecordedEvent } from "../basics/events.js";
import { pinSignIn } from "../bank/attempts.js";
import type { BankContext } from "../bank/context.js";
import { courierSessionEnded, courierSessionStarted } from "../bank/couriers.js";
import { isLockerdError } from "../basics/errors.js";
import { looksLikePickupToken, pickupByToken } from "../bank/pickup-token.js";
import { pickupByCode, type PickupResult, type PickupSource } from "../bank/pickup.js";
import { looksLikePass } from "../signing/pass.js";
import { CourierSession, type SessionEnd, type SessionHost } from "./courier-session.js";
import { DoorAnswers } from "./door-answers.js";
import { passStanding, presentPass } from "./pass-scans.js";
import { PICKUP_HOLD_MS, PickupHold } from "./pickup-hold.js";
import type { TimerHandle } from "../basics/ports.js";
import type { KeypadKey, Scan } from "../input/devices.js";
import type { Indicator, Pattern } from "../output/indicator.js";
import type { Logger } from "../system/logger.js";
import { mark } from "../system/trace.js";
import type { Courier, CourierDirectory, Standing } from "./couriers.js";

export interface KioskSettings {
  keypadName: string;
  scannerName: string;
  customerIdleMs: number;
  courierIdleMs: number;
  doesntFitWindowMs: number;
  /** "1" → "S", ... */
  sizeKeys: Readonly<Record<string, string>>;
  courierKeys: { doesntFit: KeypadKey; collectExpired: KeypadKey; endSession: KeypadKey; collectReturns: KeypadKey };
  pinDigits: number;
}

export interface KioskDeps {
  ctx: BankContext;
  couriers: CourierDirectory;
  indicator: Indicator;
  log: Logger;
  settings: KioskSettings;
}

/** Longest entry kept: anything longer is certainly wrong, and memory stays bounded. */
const MAX_ENTRY = 16;

type Mode = { kind: "customer"; entry: string; pin: boolean } | { kind: "courier"; session: CourierSession };

export type KioskState = { mode: "customer"; typed: number; pinEntry: boolean } | { mode: "courier"; courierId: string; size: string };

export class Kiosk {
  private mode: Mode = { kind: "customer", entry: "", pin: false };
  private queue: Promise<void> = Promise.resolve();
  private readonly doorAnswers = new DoorAnswers();
  private idleTimer: TimerHandle | null = null;
  private unsubscribe: (() => void) | null = null;
  private readonly log: Logger;
  private readonly busHold: PickupHold;
  /** What a courier's session asks of the kiosk. */
  private readonly host: SessionHost = {
    show: (p) => this.show(p),
    showFailure: (e, what) => this.showFailure(e, what),
    touch: () => this.touchCourier(),
    end: (reason) => this.endCourier(reason),
    start: (courier, via) => this.startCourier(courier, via),
    passScan: (text) => this.passScan(text),
  };

  constructor(private readonly deps: KioskDeps) {
    this.log = deps.log;
    this.busHold = new PickupHold(deps.ctx.doors);
  }

  start(): void {
    this.unsubscribe = this.deps.ctx.store.events.subscribe((e) => this.onEvent(e));
  }

  async stop(): Promise<void> {
    this.unsubscribe?.();
    this.unsubscribe = null;
    this.idleTimer?.cancel();
    this.idleTimer = null;
    await this.settled();
  }

  state(): KioskState {
    const m = this.mode;
    return m.kind === "customer" ? { mode: "customer", typed: m.entry.length, pinEntry: m.pin } : { mode: "courier", courierId: m.session.courier.id, size: m.session.size };
  }

  /** Resolves when every queued action has finished (tests). */
  async settled(): Promise<void> {
    await this.queue;
    await this.doorAnswers.settled();
  }

  key(k: KeypadKey): void {
    mark("kiosk.queued");
    this.enqueue(() => (this.mode.kind === "customer" ? this.customerKey(k) : this.mode.session.key(k)));
  }

  scan(s: Scan): void {
    mark("kiosk.queued");
    this.enqueue(() => (this.mode.kind === "customer" ? this.customerScan(s) : this.mode.session.scan(s)));
  }

  /** A scan has begun at the scanner (its first bytes): at the customer's kiosk, likely a pickup token. */
  scanArriving(): void {
    if (this.mode.kind === "customer") this.busHold.hold(PICKUP_HOLD_MS.scan);
  }

  /** The keypad came or went: a half-typed code does not survive an unplug. */
  keypadConnected(connected: boolean): void {
    this.enqueue(() => {
      if (connected) return;
      if (this.mode.kind === "customer" && (this.mode.entry || this.mode.pin)) {
        this.log.warn("keypad lost mid-entry; the entry is discarded");
        this.clearEntry();
      }
      this.show("error");
    });
  }

  // ---- customers ------------------------------------------------------------------------

  private async customerKey(k: KeypadKey): Promise<void> {
    const m = this.mode;
    if (m.kind !== "customer") return;
    if (k === "*" || k === "backspace" || k === "escape") return this.clearEntry();
    if (k === "#") {
      if (!m.entry && !m.pin) {
        // # on an empty entry: a courier's PIN follows.
        m.pin = true;
        return this.armIdle(this.deps.settings.customerIdleMs, () => this.enqueue(() => this.clearEntry()));
      }
      const entry = m.entry;
      const pin = m.pin;
      // a code's hold on the bus stands until its unlock (submitCode holds it again)
      this.clearEntry(!pin);
      return pin ? this.submitPin(entry) : this.submitCode(entry);
    }
    if (m.entry.length < MAX_ENTRY) m.entry += k;
    // A pickup code is on its way: the door hardware keeps its bus free for the unlock.
    if (!m.pin) this.deps.ctx.doors.expectUnlock?.();
    // A whole code: Enter is next, and with it the unlock (a digit more and it is not a code).
    if (!m.pin && this.deps.ctx.codes.isWellFormed(m.entry)) this.busHold.hold(PICKUP_HOLD_MS.code);
    else this.busHold.letGo();
    this.armIdle(this.deps.settings.customerIdleMs, () =>
      this.enqueue(() => {
        this.log.info("half-typed entry forgotten after inactivity");
        this.clearEntry();
      }),
    );
  }

  private clearEntry(submitting = false): void {
    if (this.mode.kind !== "customer") return;
    this.mode.entry = "";
    this.mode.pin = false;
    if (!submitting) this.busHold.letGo();
    this.idleTimer?.cancel();
    this.idleTimer = null;
  }

  private keypadSource(): PickupSource {
    return { channel: "keypad", id: this.deps.settings.keypadName };
  }

  private submitCode(code: string): void {
    this.startPickup("pickup at the keypad", () => pickupByCode(this.deps.ctx, code, this.keypadSource()));
  }

  /** Checked, committed and unlocking now, the bus held for it; the door's answer comes off the queue. */
  private startPickup(what: string, pickup: () => Promise<PickupResult>): void {
    mark("kiosk.start");
    const held = this.busHold.hold(PICKUP_HOLD_MS.submit);
    this.doorAnswers.track(
      pickup().then(
        (r) => {
          this.busHold.served(held);
          this.log.info({ lockerId: r.lockerId, parcelId: r.parcelId }, what);
          this.show("door_opening");
        },
        (e: unknown) => {
          this.busHold.letGo(held);
          this.showFailure(e, `${what} failed`);
        },
      ),
    );
  }

  private async submitPin(pin: string): Promise<void> {
    const wellFormed = pin.length === this.deps.settings.pinDigits && /^[0-9]+$/.test(pin);
    let courier: Courier;
    try {
      courier = await pinSignIn(this.deps.ctx, this.keypadSource(), () => (wellFormed ? this.deps.couriers.byPin(pin) : Promise.resolve(null)));
    } catch (e) {
      if (isLockerdError(e, "INVALID_CODE")) this.log.warn("courier PIN rejected");
      return this.showFailure(e, "courier sign-in failed");
    }
    this.startCourier(courier, "pin");
  }

  private async customerScan(s: Scan): Promise<void> {
    if (!looksLikePickupToken(s.text)) this.busHold.letGo();
    if (looksLikePass(s.text)) return this.passScan(s.text);
    const courier = this.deps.couriers.byBadge(s.text);
    if (courier) return this.startCourier(courier, "badge");
    if (!looksLikePickupToken(s.text)) {
      this.log.info({ length: s.text.length, symbology: s.symbology }, "scan is neither a pickup token nor a courier badge");
      return this.show("rejected");
    }
    // Not attempt-limited, and not blocked by a keypad lockout: tokens cannot be guessed.
    this.startPickup("pickup by scanned token", () => pickupByToken(this.deps.ctx, s.text, { channel: "scanner", id: this.deps.settings.scannerName }));
  }

  // ---- couriers signing in and out (the session itself: courier-session.ts) --------------

  /** A pass at the scanner, in either mode (kiosk/pass-scans.ts says what each kind does). */
  private async passScan(text: string): Promise<void> {
    const keypad = this.keypadSource();
    const r = await presentPass(this.deps.ctx, text, keypad, this.log);
    if (!r.ok) return this.showFailure(r.error, "pass refused");
    const h = r.holder;
    if (r.kind === "courier" && h) {
      if (this.mode.kind === "courier") this.endCourier("badge");
      return this.startCourier({ id: h.id, name: h.id, credential: `pass:${h.passId}`, carrier: h.carrier ?? undefined, pass: h }, "pass");
    }
    this.show(r.kind === "return" ? "door_opening" : "accepted");
  }

  private standingOf(c: Courier): Standing | "expired" {
    return c.pass ? passStanding(this.deps.ctx, c.pass) : this.deps.couriers.standing(c);
  }

  private startCourier(courier: Courier, via: "badge" | "pin" | "pass"): void {
    this.clearEntry();
    // A PIN is checked over several awaits: central may have revoked it meanwhile.
    if (this.standingOf(courier) !== "active") {
      this.log.warn({ courierId: courier.id, via }, "courier credential withdrawn during sign-in");
      return this.show("rejected");
    }
    const size = this.deps.settings.sizeKeys["1"] ?? this.deps.ctx.sizes.sizes[0]!;
    this.mode = { kind: "courier", session: new CourierSession(courier, size, this.deps, this.host) };
    // A courier pass's session start was recorded with the pass's use.
    if (via !== "pass") this.record(() => courierSessionStarted(this.deps.ctx, courier.id, via));
    this.log.info({ courierId: courier.id, via }, "courier session started");
    this.show("courier_mode");
    this.touchCourier();
  }

  /** revoked / replaced: the credential the courier signed in with stopped working. `extra` goes in the event. */
  private endCourier(reason: SessionEnd, extra: Record<string, unknown> = {}): void {
    const m = this.mode;
    if (m.kind !== "courier") return;
    this.idleTimer?.cancel();
    this.idleTimer = null;
    this.mode = { kind: "customer", entry: "", pin: false };
    this.record(() => courierSessionEnded(this.deps.ctx, m.session.courier.id, reason, extra));
    this.log.info({ courierId: m.session.courier.id, reason }, "courier session ended");
    this.show(reason === "revoked" || reason === "replaced" || reason === "expired" ? "session_ended" : "accepted");
  }

  private touchCourier(): void {
    this.armIdle(this.deps.settings.courierIdleMs, () => this.enqueue(() => this.endCourier("inactivity")));
  }

  // ---- door events ----------------------------------------------------------------------

  private onEvent(e: RecordedEvent): void {
    const m = this.mode;
    if (m.kind !== "courier") return;
    if (e.type === "courier.credential_added" || e.type === "courier.credential_revoked") return this.credentialsChanged(m.session.courier, e);
    if (m.session.follows(e)) this.enqueue(() => (this.mode.kind === "courier" ? this.mode.session.event(e) : undefined));
  }

  /**
   * Central revoked or replaced a credential: a session whose own credential stopped working ends
   * now, not through the queue, so no scan or key still waiting there acts for it. An action
   * already under way completes (a door already opening for a parcel opens; the deposit stands).
   */
  private credentialsChanged(courier: Courier, e: RecordedEvent<"courier.credential_added" | "courier.credential_revoked">): void {
    let standing: Standing | "expired";
    try {
      standing = this.standingOf(courier);
    } catch (err) {
      this.log.error({ err }, "courier credentials could not be read; the session ends");
      standing = "revoked";
    }
    if (standing === "active") return;
    this.endCourier(standing, typeof e.data.commandId === "number" ? { commandId: e.data.commandId } : {});
  }

  // ---- plumbing -------------------------------------------------------------------------

  private showFailure(e: unknown, what: string): void {
    if (isLockerdError(e, "INVALID_CODE")) return this.show("rejected");
    if (isLockerdError(e, "PASS_REFUSED")) {
      this.log.warn({ reason: e.details.reason, passId: e.details.passId }, e.message);
      return this.show("rejected");
    }
    if (isLockerdError(e, "TOO_MANY_ATTEMPTS")) {
      this.log.warn({ retryAfterSeconds: e.details.retryAfterSeconds }, "keypad locked out");
      return this.show("locked_out");
    }
    if (isLockerdError(e, "NO_LOCKER_AVAILABLE") || isLockerdError(e, "PARCEL_ALREADY_IN_BANK") || isLockerdError(e, "INVALID_STATE")) {
      this.log.warn({ code: e.code, lockerId: e.details.lockerId }, e.message);
      return this.show("rejected");
    }
    this.log.error({ err: e }, what);
    this.show("error");
  }

  private show(p: Pattern): void {
    try {
      this.deps.indicator.show(p);
    } catch (err) {
      this.log.warn({ err }, "indicator failed");
    }
  }

  /** A session event through the bank; the session goes on if it cannot be recorded. */
  private record(useCase: () => void): void {
    try {
      useCase();
    } catch (err) {
      this.log.error({ err }, "kiosk event could not be recorded");
    }
  }

  private armIdle(ms: number, fn: () => void): void {
    this.idleTimer?.cancel();
    this.idleTimer = this.deps.ctx.clock.after(ms, () => {
      this.idleTimer = null;
      fn();
    });
  }

  /** One action at a time, in arrival order; a failing action never stops the queue. */
  private enqueue(fn: () => Promise<void> | void): void {
    this.acting++;
    this.queue = this.queue
      .then(fn)
      .catch((err: unknown) => {
        this.log.error({ err }, "kiosk action failed");
        this.show("error");
      })
      .finally(() => {
        if (--this.acting === 0) for (const done of this.idleWaiters.splice(0)) done();
      });
  }

  private acting = 0;
  private readonly idleWaiters: (() => void)[] = [];

  /**
   * Acting for the person at the bank (a key, a scan, a pickup imminent or until its door
   * answered): the API's requests and the sync loop's writes wait (basics/foreground.ts,
   * bounded there). null when idle.
   */
  idle(): Promise<void> | null {
    const busy = () => this.acting > 0 || this.doorAnswers.size > 0 || this.busHold.holding;
    if (!busy()) return null;
    return (async () => {
      while (busy()) {
        if (this.acting > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
        await this.busHold.standing();
        await this.doorAnswers.settled();
      }
    })();
  }
}
