/**
 * Courier PINs that can sign in now, for doctor's guessing bound: the configuration's and those
 * central issued (courier_credentials), as the daemon counts them at start. Asked of the daemon
 * (GET /couriers) when it runs, else read from the database file; never a hash.
 */
import { existsSync } from "node:fs";
import type { ConfiguredCourier, CourierView } from "../../bank/couriers.js";
import { OfflineBank } from "../offline.js";

export interface PinCouriers {
  count: number;
  /** Where central's credentials were read; "configuration" when they could not be. */
  source: "daemon" | "database" | "configuration";
  /** Why central's credentials are not counted (source "configuration"). */
  why?: string;
}

/** Couriers whose PIN signs in: active configured ones no central row overrides, and central's active ones. */
export function activePinCouriers(views: readonly CourierView[]): number {
  return views.filter((v) => v.status === "active" && (v.kind === "pin" || v.kind === "badge+pin")).length;
}

export const configuredPinCouriers = (configured: readonly ConfiguredCourier[]): number => configured.filter((c) => c.pinHash).length;

/**
 * `live`: GET /couriers of the running daemon, or null when it is down. When it fails (an older
 * daemon, a token without the technician role) the database is read instead.
 */
export async function countPinCouriers(configured: readonly ConfiguredCourier[], live: (() => Promise<CourierView[]>) | null, dbPath: string | null): Promise<PinCouriers> {
  let liveError: string | null = null;
  if (live) {
    try {
      return { count: activePinCouriers(await live()), source: "daemon" };
    } catch (e) {
      liveError = (e as Error).message;
    }
  }
  const fallback = (why: string): PinCouriers => ({ count: configuredPinCouriers(configured), source: "configuration", why: liveError ? `${why}; the daemon: ${liveError}` : why });
  if (dbPath === null) return fallback("no database path in the configuration");
  // No database yet: the daemon has never run here, so central has issued nothing to it.
  if (!existsSync(dbPath)) return { count: configuredPinCouriers(configured), source: "database" };
  try {
    const bank = OfflineBank.open(dbPath);
    try {
      return { count: activePinCouriers(bank.couriers(configured)), source: "database" };
    } finally {
      bank.close();
    }
  } catch (e) {
    return fallback(`central's credentials unreadable: ${(e as Error).message}`);
  }
}
