/** Commands queued centrally reach the bank, take effect once each, and close centrally. */
import { expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { doorClosed, doorOpened } from "../../src/bank/door-outcomes.js";
import { CommandApplier } from "../../src/sync/commands.js";
import { SyncLoop } from "../../src/sync/loop.js";
import { syncSettings, useSyncParts, useTestCentral } from "../support/sync-parts.js";
import { silentLog } from "../support/log.js";

const central = useTestCentral();
const { bank } = useSyncParts();

async function queue(bankId: string, kind: string, args: Record<string, unknown>): Promise<number> {
  const r = await central.db.admin<{ id: string }>(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ($1, $2, $3) RETURNING id`, [bankId, kind, args]);
  return Number(r.rows[0]!.id);
}

const settings = (bankId: string) => syncSettings(bankId, { batchSize: 1000, retentionMs: 86_400_000 });

it("applies each kind of command through the bank's use cases and reports the outcome upward", async () => {
  const b = bank();
  const { bankId, url } = await central.addBank();
  const stored = await assignLocker(b.ctx, { size: "S", trackingRef: "keep" });
  doorOpened(b.ctx, stored.intentId);
  doorClosed(b.ctx, stored.intentId);
  const pending = await assignLocker(b.ctx, { size: "S", trackingRef: "cancel-me" });
  const deadline = b.clock.now() + 10 * 86_400_000;

  const ids = {
    oos: await queue(bankId, "out_of_service", { lockerId: "A03", reason: "vandalised" }),
    back: await queue(bankId, "in_service", { lockerId: "A03" }),
    extend: await queue(bankId, "extend_deadline", { parcelId: stored.parcelId, expiresAt: new Date(deadline).toISOString() }),
    cancel: await queue(bankId, "cancel_parcel", { parcelId: pending.parcelId, reason: "sender cancelled" }),
    open: await queue(bankId, "open_door", { lockerId: "B01" }),
    courier: await queue(bankId, "add_courier_credential", { name: "dpd-7", sha256: "a".repeat(64) }),
    bad: await queue(bankId, "open_door", { lockerId: "nowhere" }),
    occupied: await queue(bankId, "out_of_service", { lockerId: stored.lockerId }),
  };
  const loop = new SyncLoop({ ctx: b.ctx, link: central.link(url), log: silentLog }, settings(bankId));
  const report = await loop.runOnce();
  expect(report.commands).toBe(8);

  expect(b.ctx.store.parcels.get(stored.parcelId)!.expiresAt).toBe(deadline);
  expect(b.ctx.store.parcels.get(pending.parcelId)!.status).toBe("CANCELLED");
  expect(b.ctx.store.lockers.get("A03")!.status).toBe("AVAILABLE");
  expect(b.ctx.store.events.query({ type: "locker.out_of_service", lockerId: "A03" })).toHaveLength(1);
  expect(b.doors.unlocked.map((u) => u.lockerId)).toContain("B01");
  expect(b.ctx.store.events.query({ type: "courier.credential_added" })).toHaveLength(1);
  expect(b.ctx.store.couriers.get("dpd-7")).toMatchObject({ badgeSha256: "a".repeat(64), pinHash: null, revokedAt: null, addedCommand: ids.courier });

  const rows = await central.db.admin<{ id: string; status: string; result: { error?: { code: string } } }>(
    `SELECT id, status, result FROM central.bank_commands WHERE bank_id = $1 ORDER BY id`,
    [bankId],
  );
  const byId = new Map(rows.rows.map((r) => [Number(r.id), r]));
  for (const k of ["oos", "back", "extend", "cancel", "open", "courier"] as const) expect(byId.get(ids[k])!.status, k).toBe("done");
  expect(byId.get(ids.bad)!.status).toBe("failed");
  expect(byId.get(ids.occupied)).toMatchObject({ status: "failed", result: { error: { code: "LOCKER_OCCUPIED" } } });
  // the projections followed the commands' effects
  const parcel = await central.db.admin(`SELECT status FROM central.parcels WHERE bank_id = $1 AND parcel_id = $2`, [bankId, pending.parcelId]);
  expect(parcel.rows[0]).toEqual({ status: "CANCELLED" });
  const kept = await central.db.admin(`SELECT status, expires_at FROM central.parcels WHERE bank_id = $1 AND parcel_id = $2`, [bankId, stored.parcelId]);
  expect(kept.rows[0]).toEqual({ status: "STORED", expires_at: new Date(deadline) });
  await loop.stop();
});

it("a command pulled twice takes effect once", async () => {
  const b = bank();
  const { bankId, url } = await central.addBank();
  const id = await queue(bankId, "out_of_service", { lockerId: "A02", reason: "wet" });
  const link = central.link(url);
  const first = await link.pullCommands(bankId, 10);
  const again = await link.pullCommands(bankId, 10); // not yet reported: delivered again
  expect(again.map((c) => c.id)).toEqual([id]);
  const applier = new CommandApplier(b.ctx, silentLog);
  expect(await applier.apply(first[0]!)).toBe("done");
  expect(await applier.apply(again[0]!)).toBe("skipped");
  // a restarted daemon remembers it too
  expect(await new CommandApplier(b.reopen().ctx, silentLog).apply(again[0]!)).toBe("skipped");
  expect(b.ctx.store.events.query({ type: "locker.out_of_service" })).toHaveLength(1);
  expect(b.ctx.store.events.query({ type: "command.done" })).toHaveLength(1);

  const loop = new SyncLoop({ ctx: b.ctx, link, log: silentLog }, settings(bankId));
  await loop.runOnce(); // pushes the outcome, pulls nothing new
  expect(b.ctx.store.events.query({ type: "command.done" })).toHaveLength(1);
  const row = await central.db.admin<{ status: string; deliveries: number }>(`SELECT status, deliveries FROM central.bank_commands WHERE id = $1`, [id]);
  expect(row.rows[0]).toMatchObject({ status: "done" });
  await loop.stop();
});

it("a door command interrupted by a restart is reported failed, never opened twice", async () => {
  const b = bank();
  // the claim was committed, then the daemon died before the door was driven
  b.ctx.store.db.prepare(`INSERT INTO sync_commands (id, kind, state, received_at) VALUES (41, 'open_door', 'started', 0)`).run();
  const applier = new CommandApplier(b.reopen().ctx, silentLog);
  expect(applier.recoverInterrupted()).toBe(1);
  expect(await applier.apply({ id: 41, kind: "open_door", args: { lockerId: "A01" } })).toBe("skipped");
  expect(b.doors.unlocked).toHaveLength(0);
  const failed = b.ctx.store.events.query({ type: "command.failed" });
  expect(failed).toHaveLength(1);
  expect(failed[0]!.data).toMatchObject({ commandId: 41, kind: "open_door" });
});
