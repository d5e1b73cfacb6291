/**
 * A bank for the fleet simulator: the real store and sync loop, its outbox an in-memory SQLite
 * database copied from a template (a day's backlog, the bank's real schema, built once per
 * process), so one process can host thousands of banks each with its own outbox. No doors: a
 * fleet's storm is about the sync, not the hardware.
 *
 * Its store compiles each SQL statement when first used: the daemon's store prepares all of its
 * statements (about 66) at start, once in a life of months; a bank here lives one sync and uses
 * about a dozen of them. Preparing all took a third of the simulator's CPU per bank and about
 * 200 kB of each bank in flight. The statements that run are the store's own, compiled and run
 * by SQLite as in the daemon.
 */
import { DEFAULT_ATTEMPTS } from "../../src/bank/attempts.js";
import Database, { type Statement } from "better-sqlite3";
import { CodeBook } from "../../src/bank/codes.js";
import type { BankContext, DoorCommander } from "../../src/bank/context.js";
import { cryptoRandom } from "../../src/basics/ports.js";
import { SizeScale } from "../../src/bank/sizes.js";
import { loadLayout } from "../../src/config/layout.js";
import type { Db } from "../../src/store/database.js";
import { openDatabase } from "../../src/store/database.js";
import { Store } from "../../src/store/store.js";
import { createSystemClock } from "../../src/system/clock.js";
import { DEFAULT_LAYOUT } from "../../src/system/paths.js";

const sizes = new SizeScale(["S", "M", "L"]);
const clock = createSystemClock();
const codes = new CodeBook(Buffer.alloc(32, 7), 8);
const noDoors: DoorCommander = {
  unlock: () => Promise.reject(new Error("the fleet simulator has no doors")),
  unavailableLockers: () => new Set(),
  openUnattended: () => new Set(),
};

/** The template outbox: the bank's lockers and `events` events spread over the last day. */
export function templateOutbox(events: number): Buffer {
  const db = openDatabase(":memory:");
  const store = new Store(db, () => true);
  const layout = loadLayout(DEFAULT_LAYOUT, sizes.sizes);
  store.write(() => store.lockers.applyLayout(layout.lockers.map((l, i) => ({ id: l.id, size: l.size, sizeRank: sizes.rankOf(l.size), position: i })), clock.now()));
  fillDay(db, events, clock.now() - 86_400_000);
  const buf = db.serialize();
  db.close();
  return buf;
}

/** A busy bank's day: deliveries (assigned, door opened, door closed, stored), oldest first. */
function fillDay(db: Db, n: number, from: number): void {
  const step = Math.floor(86_400_000 / Math.max(n, 1));
  db.transaction(() => {
    db.prepare(
      `WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < ?)
       INSERT INTO events (type, at, clock_synced, locker_id, parcel_id, data)
       SELECT CASE i % 4 WHEN 0 THEN 'parcel.assigned' WHEN 1 THEN 'door.opened' WHEN 2 THEN 'door.closed' ELSE 'parcel.stored' END,
              ? + i * ?, 1, printf('%s%02d', substr('ABCD', (i % 24) / 6 + 1, 1), i % 6 + 1), printf('p_%020x', i / 4),
              CASE i % 4 WHEN 0 THEN json_object('size', 'S', 'lockerSize', 'S', 'trackingRef', 'T' || i, 'expiresAt', ? + i * ? + 259200000)
                         ELSE json_object('purpose', 'deposit') END
       FROM k`,
    ).run(n, from, step, from, step);
  }).immediate();
}

/** A bank's own outbox, a copy of the template; close its store when done. */
export function fleetBankContext(template: Buffer): BankContext {
  const db = preparedWhenUsed(new Database(template));
  db.pragma("foreign_keys = ON");
  return { store: new Store(db, () => true), clock, random: cryptoRandom, codes, sizes, doors: noDoors, policy: { pickupWindowMs: 72 * 3_600_000, maxFailedOpens: 3, attempts: DEFAULT_ATTEMPTS } };
}

/** What a statement's caller may set before its first use, recorded until it is compiled. */
const MODIFIERS = new Set(["raw", "pluck", "expand", "safeIntegers", "bind"]);

/** `db` whose prepare() compiles the statement at its first use (this connection only). */
export function preparedWhenUsed(db: Db): Db {
  const prepare = db.prepare.bind(db);
  const later = (source: string): Statement => {
    let compiled: Statement | undefined;
    const settings: [string, unknown[]][] = [];
    const compile = (): Statement => {
      if (compiled) return compiled;
      compiled = prepare(source);
      for (const [name, args] of settings) (compiled[name as keyof Statement] as (...a: unknown[]) => unknown).apply(compiled, args);
      return compiled;
    };
    const stand: Statement = new Proxy({} as Statement, {
      get(_, name) {
        if (!compiled && typeof name === "string" && MODIFIERS.has(name)) {
          return (...args: unknown[]) => {
            settings.push([name, args]);
            return stand;
          };
        }
        const s = compile();
        const v: unknown = Reflect.get(s, name, s);
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(s) : v;
      },
    });
    return stand;
  };
  Object.defineProperty(db, "prepare", { value: later });
  return db;
}
