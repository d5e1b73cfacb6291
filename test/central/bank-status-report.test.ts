/**
 * A bank tells the center what its events cannot: at every command poll its software version,
 * clock, backlog and last error go up (central.report_bank_status), and a batch refused for a
 * sequence conflict — which leaves no event centrally — is reported at once.
 */
import { expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import type { CentralLink } from "../../src/sync/central-link.js";
import { SOFTWARE_VERSION } from "../../src/system/paths.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";

const central = useTestCentral();
const parts = useSyncParts();

const status = (bankId: string) =>
  central.db.admin<{ software_version: string; backlog: string; clock_synced: boolean; sequence_conflict: boolean; last_error: string | null }>(
    `SELECT software_version, backlog, clock_synced, sequence_conflict, last_error FROM central.bank_status WHERE bank_id = $1`,
    [bankId],
  );

it("the software version, clock and backlog go up with the command poll", async () => {
  const b = parts.bank();
  const login = await central.addBank();
  const { bankId } = login;
  await assignLocker(b.ctx, { size: "S", trackingRef: "one" });
  const loop = parts.loop(b.ctx, central.link(login), syncSettings(bankId, { commandPollMs: 1 }));
  await loop.runOnce();
  const r = await status(bankId);
  expect(r.rows).toEqual([{ software_version: SOFTWARE_VERSION, backlog: "0", clock_synced: b.ctx.clock.isSynchronised(), sequence_conflict: false, last_error: null }]);
});

it("a batch refused for a sequence conflict is reported as one, and is an open alarm centrally", async () => {
  const b = parts.bank();
  const login = await central.addBank();
  const { bankId } = login;
  // the center already holds seq 1 with other content (a bank restored from an old backup)
  await central.link(login).pushBatch(bankId, [{ seq: 1, at: Date.now(), clockSynced: true, type: "other.event", lockerId: null, parcelId: null, data: "{}" }]);
  await assignLocker(b.ctx, { size: "S", trackingRef: "two" });
  const loop = parts.loop(b.ctx, central.link(login), syncSettings(bankId));
  await expect(loop.runOnce()).rejects.toMatchObject({ code: "LK001" });
  const r = await status(bankId);
  expect(r.rows[0]).toMatchObject({ sequence_conflict: true, last_error: expect.stringMatching(/^sequence conflict/) as unknown });
  expect(Number(r.rows[0]!.backlog)).toBeGreaterThan(0);
  const alarms = await central.db.admin(`SELECT kind FROM central.alarms WHERE bank_id = $1 AND cleared_at IS NULL`, [bankId]);
  expect(alarms.rows).toEqual([{ kind: "sequence_conflict" }]);
});

it("a center without the report function (an older schema) holds up nothing, and is not asked again", async () => {
  const b = parts.bank();
  await assignLocker(b.ctx, { size: "S", trackingRef: "three" });
  let pushed = 0;
  let reports = 0;
  const link: CentralLink = {
    pushBatch: (_bank, events) => {
      pushed += events.length;
      return Promise.resolve(events.at(-1)!.seq);
    },
    pullCommands: () => Promise.resolve([]),
    reportStatus: () => {
      reports++;
      return Promise.reject(Object.assign(new Error("function central.report_bank_status(text, jsonb) does not exist"), { code: "42883" }));
    },
    close: () => Promise.resolve(),
  };
  const loop = parts.loop(b.ctx, link, syncSettings("B-old-center", { commandPollMs: 1 }));
  await loop.runOnce();
  await assignLocker(b.ctx, { size: "S", trackingRef: "four" });
  b.clock.advance(10);
  await loop.runOnce();
  expect(pushed).toBe(b.ctx.store.events.lastSeq());
  expect(reports).toBe(1);
  expect(loop.status().lastError).toBeNull();
});
