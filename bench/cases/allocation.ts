/**
 * Allocation throughput: assign + deposit + pickup cycles per second, in one process; and,
 * in the same run on the same disk, a bare better-sqlite3 loop doing the same number of
 * FULL-sync WAL commits per cycle with a row written in each, so the figures say how much of a
 * cycle is SQLite's commit (mostly the disk flush) and how much is ours.
 */
import Database from "better-sqlite3";
import { join } from "node:path";
import { assignLocker } from "../../src/bank/assign.js";
import { pickupByCode } from "../../src/bank/pickup.js";
import { openBenchBank, type BenchBank } from "../support/bank.js";
import type { Benchmark } from "../support/result.js";
import { nowMs } from "../support/stats.js";

/** One full life of a parcel: assigned, deposited, picked up, locker free again. */
export async function parcelCycle(bank: BenchBank, i: number): Promise<void> {
  const size = (["S", "M", "L"] as const)[i % 3]!;
  const a = await assignLocker(bank.ctx, { size, trackingRef: `BENCH-${i}` });
  bank.cycleDoor(a.lockerId);
  await pickupByCode(bank.ctx, a.pickupCode, { channel: "http", id: "bench" });
  bank.cycleDoor(a.lockerId);
}

export const allocationInProcess: Benchmark = async ({ quick, log }) => {
  const bank = await openBenchBank();
  try {
    const warm = quick ? 10 : 100;
    const n = quick ? 50 : 2000;
    for (let i = 0; i < warm; i++) await parcelCycle(bank, i);
    const t0 = nowMs();
    for (let i = 0; i < n; i++) await parcelCycle(bank, warm + i);
    const seconds = (nowMs() - t0) / 1000;
    const bare = bareCommits(join(bank.dir, "bare.db"), n * TRANSACTIONS_PER_CYCLE);
    const oursMs = (seconds * 1000) / n;
    const sqliteMs = (bare * TRANSACTIONS_PER_CYCLE) / n;
    log(`  ${n} cycles in ${seconds.toFixed(2)} s; the same ${n * TRANSACTIONS_PER_CYCLE} commits bare: ${(bare / 1000).toFixed(2)} s (SQLite's share ${Math.round((100 * sqliteMs) / oursMs)}%)`);
    return [
      { name: "allocation.cycles_per_s.in_process", value: round(n / seconds), unit: "cycles/s", cycles: n, transactionsPerCycle: TRANSACTIONS_PER_CYCLE },
      { name: "allocation.cycles_per_s.bare_sqlite_commits", value: round((1000 * n) / bare), unit: "cycles/s", note: `${TRANSACTIONS_PER_CYCLE} bare FULL-sync commits per cycle, one row each, same run and disk` },
      { name: "allocation.commit_share_percent", value: round((100 * sqliteMs) / oursMs, 0), unit: "%", oursMsPerCycle: round(oursMs, 2), sqliteCommitMsPerCycle: round(sqliteMs, 2), note: "the rest is lockerd's own work per cycle" },
    ];
  } finally {
    await bank.close();
  }
};

/** Immediate FULL-sync WAL transactions per parcel cycle (assign, door open/close twice, pickup). */
const TRANSACTIONS_PER_CYCLE = 6;

/**
 * `count` bare commits as lockerd makes them (WAL, synchronous=FULL, BEGIN IMMEDIATE), each
 * inserting an event-sized row and updating another; returns the time taken in ms.
 */
function bareCommits(path: string, count: number): number {
  const db = new Database(path);
  try {
    db.pragma("journal_mode = WAL");
    db.pragma("synchronous = FULL");
    db.exec(`CREATE TABLE ev (seq INTEGER PRIMARY KEY AUTOINCREMENT, type TEXT, at INTEGER, data TEXT);
             CREATE TABLE st (id INTEGER PRIMARY KEY, status TEXT, at INTEGER);
             INSERT INTO st (id, status, at) VALUES (1, 'free', 0);`);
    const ins = db.prepare(`INSERT INTO ev (type, at, data) VALUES ('parcel.assigned', ?, ?)`);
    const upd = db.prepare(`UPDATE st SET status = ?, at = ? WHERE id = 1`);
    const data = JSON.stringify({ size: "S", lockerSize: "S", trackingRef: "BENCH-0", expiresAt: 1790259200000, pickupCode: "12345678" });
    const tx = db.transaction((i: number) => {
      ins.run(i, data);
      upd.run(i % 2 ? "occupied" : "free", i);
    });
    const t0 = nowMs();
    for (let i = 0; i < count; i++) tx.immediate(i);
    return nowMs() - t0;
  } finally {
    db.close();
  }
}

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;
