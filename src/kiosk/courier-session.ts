/**
 * A courier's session at the kiosk, from sign-in to its end: size keys, scans that deposit a
 * parcel, "doesn't fit", collecting expired parcels or returns door by door, and the door events
 * of the parcels it handles. Signing in and out (the mode switch) is the kiosk's (kiosk.ts).
 */
import type { RecordedEvent } from "../basics/events.js";
import { assignLocker, reassignLarger, type Assignment } from "../bank/assign.js";
import type { KeypadKey, Scan } from "../input/devices.js";
import type { Pattern } from "../output/indicator.js";
import { looksLikePass } from "../signing/pass.js";
import { openNext, type Collecting } from "./collecting.js";
import type { Courier, Standing } from "./couriers.js";
import type { KioskDeps } from "./kiosk.js";
import { passStanding } from "./pass-scans.js";

/** Why a session ended; revoked / replaced: the credential the courier signed in with stopped working. */
export type SessionEnd = "key" | "badge" | "inactivity" | "expired" | Exclude<Standing, "active">;

/** What a session asks of the kiosk it runs in. */
export interface SessionHost {
  show(p: Pattern): void;
  showFailure(e: unknown, what: string): void;
  /** The courier acted: their inactivity timer starts again. */
  touch(): void;
  end(reason: SessionEnd): void;
  start(courier: Courier, via: "badge"): void;
  /** A pass at the scanner (kiosk/pass-scans.ts says what each kind does). */
  passScan(text: string): Promise<void>;
}

interface Deposit {
  parcelId: string;
  lockerId: string;
}

export class CourierSession {
  last: Deposit | null = null;
  collecting: string | null = null;
  collectingWhat?: Collecting;

  constructor(
    readonly courier: Courier,
    public size: string,
    private readonly deps: KioskDeps,
    private readonly host: SessionHost,
  ) {}

  /** A door event of the parcel last deposited or being collected. */
  follows(e: RecordedEvent): boolean {
    if (!e.parcelId) return false;
    return e.parcelId === this.last?.parcelId || e.parcelId === this.collecting;
  }

  async key(k: KeypadKey): Promise<void> {
    if (this.passEnded()) return;
    this.host.touch();
    const keys = this.deps.settings.courierKeys;
    const size = this.deps.settings.sizeKeys[k];
    if (size) {
      this.size = size;
      return this.host.show("accepted");
    }
    if (k === keys.endSession) return this.host.end("key");
    if (k === keys.doesntFit) return this.doesntFit();
    if (k === keys.collectExpired) return this.collectNext("expired");
    if (k === keys.collectReturns) return this.collectNext("returns");
    this.host.show("rejected");
  }

  async scan(s: Scan): Promise<void> {
    if (this.passEnded()) return;
    this.host.touch();
    if (looksLikePass(s.text)) return this.host.passScan(s.text);
    const badge = this.deps.couriers.byBadge(s.text);
    if (badge) {
      if (badge.id === this.courier.id) return this.host.end("badge");
      this.host.end("badge");
      return this.host.start(badge, "badge");
    }
    // A parcel already in the bank is refused by the bank (PARCEL_ALREADY_IN_BANK), on every path.
    await this.deposit(() => assignLocker(this.deps.ctx, { size: this.size, trackingRef: s.text }));
  }

  async event(e: RecordedEvent): Promise<void> {
    this.host.touch();
    if (e.type === "parcel.stored") this.host.show("accepted");
    else if (e.type === "door.closed" && e.parcelId === this.collecting) {
      this.collecting = null;
      await this.collectNext(this.collectingWhat ?? "expired");
    } else if (e.type === "door.open_timeout" && e.parcelId === this.collecting) {
      this.collecting = null;
      this.host.show("error");
    }
  }

  private async deposit(assign: () => Promise<Assignment>): Promise<void> {
    try {
      const a = await assign();
      this.last = { parcelId: a.parcelId, lockerId: a.lockerId };
      this.deps.log.info({ courierId: this.courier.id, lockerId: a.lockerId, parcelId: a.parcelId, size: a.size }, "locker assigned to a courier's parcel");
      this.host.show("door_opening");
    } catch (e) {
      this.host.showFailure(e, "assigning a locker failed");
    }
  }

  /** "Doesn't fit": the bank gives the locker back and opens the next larger size for the same parcel. */
  private async doesntFit(): Promise<void> {
    const last = this.last;
    if (!last) return this.host.show("rejected");
    await this.deposit(() => reassignLarger(this.deps.ctx, last.parcelId, { windowMs: this.deps.settings.doesntFitWindowMs }));
  }

  /** A courier pass revoked (arrived with sync) or past its window ends the session at the next action. */
  private passEnded(): boolean {
    const c = this.courier;
    if (!c.pass) return false;
    const standing = passStanding(this.deps.ctx, c.pass);
    if (standing === "active") return false;
    this.host.end(standing);
    return true;
  }

  /** Open the next expired parcel, or the next return for the courier's carrier; the one after opens when its door closes. */
  private async collectNext(what: Collecting): Promise<void> {
    this.collecting = null;
    this.collectingWhat = what;
    if (what === "returns" && !this.courier.carrier) this.deps.log.warn({ courierId: this.courier.id }, "courier has no carrier (couriers[].carrier) and cannot collect returns");
    try {
      const next = await openNext(this.deps.ctx, what, this.courier.carrier);
      if (next === "done" || next === "stuck") return this.host.show(next === "done" ? "accepted" : "rejected");
      this.collecting = next.parcelId;
      this.deps.log.info({ courierId: this.courier.id, lockerId: next.lockerId, parcelId: next.parcelId, what }, "door opened for collection");
      this.host.show("door_opening");
    } catch (e) {
      this.host.showFailure(e, `opening the next door (${what}) failed`);
    }
  }
}
