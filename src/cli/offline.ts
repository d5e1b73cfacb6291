/**
 * The read-only fallback when the daemon is down: the same views the API gives, read straight
 * from the SQLite file (WAL readers do not block the daemon, and the daemon may come back while
 * we read). Door positions are unknown without the daemon. Codes are never read.
 */
import { existsSync } from "node:fs";
import { attemptRules, lockoutViews, type LimiterSettings, type LockoutView } from "../bank/attempts.js";
import { courierViews, type ConfiguredCourier, type CourierView } from "../bank/couriers.js";
import { commandTrustView, type CommandTrust, type CommandTrustView } from "../bank/remote-commands.js";
import { countAvailability, parcelView, type ParcelView } from "../bank/queries.js";
import { openDatabase, type Db } from "../store/database.js";
import type { ParcelRow, ParcelStatus, EventRow } from "../store/rows.js";
import { Store } from "../store/store.js";
import { outboxStatsReader } from "../store/sync-outbox.js";
import { CliError } from "./errors.js";
import { EXIT } from "./exit-codes.js";
import type { EventView, StatusView } from "./views.js";

export class OfflineBank {
  private readonly store: Store;

  private constructor(readonly path: string, db: Db) {
    this.store = new Store(db);
  }

  static open(path: string): OfflineBank {
    if (!existsSync(path)) throw new CliError(`no database at ${path}`, EXIT.NOT_FOUND, "NO_DATABASE");
    try {
      return new OfflineBank(path, openDatabase(path, { readonly: true, busyTimeoutMs: 2000 }));
    } catch (e) {
      throw new CliError(`cannot open the database ${path} read-only: ${(e as Error).message}`, EXIT.IO, "NO_DATABASE");
    }
  }

  get db(): Db {
    return this.store.db;
  }

  status(sizes: readonly string[]): StatusView {
    const { lockers, available, counts } = countAvailability({
      lockers: this.store.lockers.list(),
      sizes,
      parcelIn: (lockerId) => this.store.parcels.inLocker(lockerId)?.id ?? null,
      unavailable: new Set(),
      doorOf: () => "unknown",
    });
    // Without the daemon nothing is known of the hardware: the fault flag and IR sensor are left out, not guessed.
    return { lockers: lockers.map(({ fault: _unknown, itemPresent: _unread, ...l }) => l), available, counts };
  }

  events(filter: { type?: string | undefined; locker?: string | undefined; after?: number; limit: number; newestFirst?: boolean }): { events: EventView[]; lastSeq: number } {
    const rows = this.store.events.query({ type: filter.type, lockerId: filter.locker, afterSeq: filter.after ?? 0, limit: filter.limit, newestFirst: filter.newestFirst ?? false });
    return { events: rows.map(eventView), lastSeq: this.store.events.lastSeq() };
  }

  parcel(id: string): ParcelView | null {
    const p = this.store.parcels.get(id);
    return p ? this.view(p) : null;
  }

  /** A database from before migration 7 has no returns. */
  private hasReturns(): boolean {
    return (this.store.db.pragma("user_version", { simple: true }) as number) >= 7;
  }

  private view(p: ParcelRow): ParcelView {
    return parcelView(p, this.hasReturns() ? this.store.returns.get(p.id) : undefined);
  }

  parcels(filter: { ref?: string | undefined; locker?: string | undefined; status?: ParcelStatus | undefined; limit: number }): ParcelView[] {
    return this.store.parcels.find({ trackingRef: filter.ref, lockerId: filter.locker, status: filter.status, limit: filter.limit }).map((p) => this.view(p));
  }

  /** The attempt limiter's state per source, as GET /lockouts gives it. */
  lockouts(settings: LimiterSettings & { pins: LimiterSettings }, now: number): LockoutView[] {
    return lockoutViews(this.store, attemptRules(settings), now);
  }

  /** Couriers as GET /couriers lists them; a database from before the credential store has none stored. */
  /** The configuration's keys and limits with the refusals the database holds (a database from before signed commands holds none). */
  commandTrust(trust: CommandTrust, limit: number): CommandTrustView {
    try {
      return commandTrustView(trust, this.store, Date.now(), limit);
    } catch (e) {
      if (!/no such (table|column)/.test((e as Error).message)) throw e;
      const none = { commands: { remoteOpensSince: () => 0, refused: () => [] } } as unknown as Store;
      return commandTrustView(trust, none, Date.now(), limit);
    }
  }

  couriers(configured: readonly ConfiguredCourier[]): CourierView[] {
    let stored: ReturnType<Store["couriers"]["all"]> = [];
    try {
      stored = this.store.couriers.all();
    } catch (e) {
      if (!/no such table/.test((e as Error).message)) throw e;
    }
    return courierViews(configured, stored);
  }

  /** Outbox figures for `sync`/`doctor` when the daemon cannot tell us. */
  outbox(): { backlog: number; oldestUnsentAt: string | null; lastSeq: number } {
    const s = outboxStatsReader(this.db)();
    return { backlog: s.backlog, oldestUnsentAt: s.oldestUnsentAt === null ? null : new Date(s.oldestUnsentAt).toISOString(), lastSeq: this.store.events.lastSeq() };
  }

  close(): void {
    this.store.close();
  }
}

/** The API's public event shape (src/api/routes/events.ts publicEvent): the plain code stays behind. */
export function eventView(e: EventRow): EventView {
  const { pickupCode: _omit, ...data } = e.data;
  return { seq: e.seq, type: e.type, at: new Date(e.at).toISOString(), clockSynced: e.clockSynced, lockerId: e.lockerId, parcelId: e.parcelId, data };
}
