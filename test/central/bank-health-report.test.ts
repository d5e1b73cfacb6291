/**
 * A bank's compartment health goes up with its status report (central migration 7) and the
 * fleet view shows it: the threshold, how many lockers score below it and the worst few. A report
 * whose lockerHealth is not an object of the expected size and shape is kept as none.
 */
import type pg from "pg";
import { expect, it } from "vitest";
import { countHealth } from "../../src/bank/health.js";
import { getBank } from "../../src/central/fleet/bank-reads.js";
import type { FleetSettings } from "../../src/central/fleet/queries.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
const parts = useSyncParts();
const settings: FleetSettings = { offlineAfterMs: 60_000, sizes: ["S", "M", "L"] };
const admin = { query: <T extends pg.QueryResultRow>(sql: string, params?: unknown[]) => central.db.admin<T>(sql, params) };

it("the bank's health summary reaches the fleet view with the status report", async () => {
  const b = parts.bank();
  const login = await central.addBank();
  const { bankId } = login;
  const [first, second] = b.ctx.store.lockers.list();
  b.ctx.store.write(() => {
    countHealth(b.ctx, first!.id, { cycles: 10, jams: 5, failed_opens: 5 }, b.clock.now());
    countHealth(b.ctx, second!.id, { cycles: 3, jams: 1, failed_opens: 1 }, b.clock.now());
  });
  const loop = parts.loop(b.ctx, central.link(login), syncSettings(bankId, { commandPollMs: 1 }));
  await loop.runOnce();
  const bank = await getBank(admin, settings, bankId);
  expect(bank!.lockerHealth).toEqual({
    threshold: 50,
    lockers: b.ctx.store.lockers.list().length,
    below: 1,
    worst: [
      { lockerId: first!.id, score: 40, jams: 5, cycles: 10 },
      { lockerId: second!.id, score: 88, jams: 1, cycles: 3 },
      ...b.ctx.store.lockers
        .list()
        .slice(2)
        .map((l) => l.id)
        .sort()
        .slice(0, 3)
        .map((lockerId) => ({ lockerId, score: 100, jams: 0, cycles: 0 })),
    ],
  });
});

it("a malformed or oversized lockerHealth is kept as none", async () => {
  const login = await central.addBank();
  const report = async (lockerHealth: unknown) => {
    await central.db.admin(`SELECT central.report_bank_status_as($1, $2::jsonb)`, [login.bankId, JSON.stringify({ softwareVersion: "1", lockerHealth })]);
    return (await getBank(admin, settings, login.bankId))!.lockerHealth;
  };
  expect(await report({ threshold: 50, lockers: 1, below: 0, worst: [] })).toEqual({ threshold: 50, lockers: 1, below: 0, worst: [] });
  expect(await report("not an object")).toBeNull();
  expect(await report({ threshold: 50, lockers: 1, below: 0, worst: [], extra: "x".repeat(5000) })).toBeNull();
  expect(await report({ threshold: "50", lockers: 1, below: 0, worst: [] })).toBeNull();
});
