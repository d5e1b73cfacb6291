/**
 * The whole path, with the real central PostgreSQL and a real bank daemon and its own sync loop:
 * an operator's signed command opens a door and is "done" only once the door opened, "failed"
 * after a jam; commands INSERTed by hand without a signature, with a wrong one, for another
 * bank, replayed or expired are refused at the bank and shown refused centrally; a flood of
 * valid signed opens is held to the bank's per-hour limit.
 */
import { bankSyncConfig } from "../support/central.js";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { afterEach, expect, it, vi } from "vitest";
import type { Clock } from "../../src/basics/ports.js";
import { getCommand, queueCommand, type CommandView } from "../../src/central/commands.js";
import { signCommand } from "../../src/signing/signed-command.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { TEST_OPERATOR, TEST_OPERATOR_CONFIG } from "../support/signed-commands.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
let t: DaemonTestBank<Clock> | null = null;
let admin: pg.Client | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await t?.dispose();
  t = null;
  await admin?.end();
  admin = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

/** A daemon syncing to the test central database as its own bank role, trusting the test operator's key. */
async function syncingBank(commands: Record<string, unknown> = {}): Promise<{ bankId: string; t: DaemonTestBank<Clock>; db: pg.Client }> {
  const login = await central.addBank();
  const { bankId } = login;
  const dir = mkdtempSync(join(tmpdir(), "lockerd-pw-"));
  dirs.push(dir);
  t = await createTestBank({
    daemon: {
      config: {
        bank: { id: bankId },
        doors: { openTimeoutMs: 1500 },
        commands: { trustedKeys: [TEST_OPERATOR_CONFIG], ...commands },
        sync: bankSyncConfig(login, dir, { intervalMs: 200, commandPollMs: 100 }),
      },
    },
    clock: "system",
  });
  admin = new pg.Client({ connectionString: central.db.url });
  await admin.connect();
  return { bankId, t, db: admin };
}

async function statusOf(db: pg.Client, id: number): Promise<CommandView> {
  return (await getCommand(db, id))!;
}

const settled = (db: pg.Client, id: number, timeout = 20_000) =>
  vi.waitFor(
    async () => {
      const c = await statusOf(db, id);
      if (c.status === "pending" || c.status === "delivered") throw new Error(`command ${id} still ${c.status}`);
      return c;
    },
    { timeout, interval: 50 },
  );

it("an operator opens a door: done only once the door opened; failed after a jam", async () => {
  const { bankId, t, db } = await syncingBank();
  const cmd = await queueCommand(db, TEST_OPERATOR, { bankId, kind: "open_door", args: { lockerId: "A02" }, createdBy: "alice" });
  expect(cmd).toMatchObject({ status: "pending", keyId: TEST_OPERATOR.keyId, createdBy: "alice" });
  // the bank pulsed the lock: the command is delivered, not done
  await vi.waitFor(() => expect(t.pulses()).toEqual(["A02"]), { timeout: 20_000, interval: 20 });
  await new Promise((r) => setTimeout(r, 600)); // several sync rounds
  expect((await statusOf(db, cmd.id)).status).toBe("delivered");
  t.open("A02");
  const done = await settled(db, cmd.id);
  expect(done).toMatchObject({ status: "done", result: { commandId: cmd.id, kind: "open_door", lockerId: "A02" } });
  t.close("A02");

  t.sim.setFault("B03", "jammed");
  const jam = await queueCommand(db, TEST_OPERATOR, { bankId, kind: "open_door", args: { lockerId: "B03" } });
  await vi.waitFor(() => expect(t.pulses()).toContain("B03"), { timeout: 20_000, interval: 20 });
  expect((await statusOf(db, jam.id)).status).toBe("delivered");
  const failed = await settled(db, jam.id);
  expect(failed).toMatchObject({ status: "failed", refusal: null, result: { error: { code: "DOOR_DID_NOT_OPEN" } } });
});

it("commands INSERTed by hand unsigned, with a wrong signature, for another bank, replayed or expired are refused at the bank and shown so centrally", async () => {
  const { bankId, t, db } = await syncingBank();
  const insert = async (kind: string, args: unknown, payload: string | null, signature: string | null) =>
    Number(
      (
        await db.query<{ id: string }>(`INSERT INTO central.bank_commands (bank_id, kind, args, signed_payload, signature) VALUES ($1, $2, $3, $4, $5) RETURNING id`, [
          bankId,
          kind,
          JSON.stringify(args),
          payload,
          signature,
        ])
      ).rows[0]!.id,
    );
  // a valid one first, to replay
  const valid = await queueCommand(db, TEST_OPERATOR, { bankId, kind: "out_of_service", args: { lockerId: "C01", reason: "inspection" } });
  expect(await settled(db, valid.id)).toMatchObject({ status: "done" });
  const validRow = await db.query<{ signed_payload: string; signature: string }>(`SELECT signed_payload, signature FROM central.bank_commands WHERE id = $1`, [valid.id]);
  const signedAt = (over: { bank?: string; issuedAt?: number }) =>
    signCommand(TEST_OPERATOR, { bank: over.bank ?? bankId, kind: "open_door", args: { lockerId: "A01" }, issuedAt: over.issuedAt ?? Date.now() });
  const tampered = signedAt({});

  const ids = {
    UNSIGNED: await insert("open_door", { lockerId: "A01" }, null, null),
    BAD_SIGNATURE: await insert("open_door", { lockerId: "A03" }, tampered.payload.replace('"A01"', '"A03"'), tampered.signature),
    OTHER_BANK: await (async () => {
      const other = signedAt({ bank: "some-other-bank" });
      return insert("open_door", { lockerId: "A01" }, other.payload, other.signature);
    })(),
    REPLAYED: await insert("out_of_service", { lockerId: "C01" }, validRow.rows[0]!.signed_payload, validRow.rows[0]!.signature),
    EXPIRED: await (async () => {
      const old = signedAt({ issuedAt: Date.now() - 20 * 60_000 });
      return insert("open_door", { lockerId: "A01" }, old.payload, old.signature);
    })(),
  };
  for (const [reason, id] of Object.entries(ids)) {
    expect(await settled(db, id), reason).toMatchObject({ status: "refused", refusal: reason, result: { error: { code: "COMMAND_REFUSED", reason } } });
  }
  expect(t.pulses()).toEqual([]);
  expect(t.ctx.store.lockers.get("C01")!.status).toBe("OUT_OF_SERVICE");
  expect(t.events("locker.out_of_service")).toHaveLength(1);
  // each refusal is an alarm the center holds
  await vi.waitFor(
    async () => {
      const alarms = await db.query<{ reason: string; command_id: string }>(
        `SELECT data ->> 'reason' AS reason, data ->> 'commandId' AS command_id FROM central.events WHERE bank_id = $1 AND type = 'alarm.command_refused' ORDER BY seq`,
        [bankId],
      );
      expect(alarms.rows.map((r) => [r.reason, Number(r.command_id)])).toEqual(Object.entries(ids));
    },
    { timeout: 20_000, interval: 50 },
  );
});

it("a flood of valid signed opens is held to the bank's per-hour limit", async () => {
  const { bankId, t, db } = await syncingBank({ maxRemoteOpensPerHour: 3 });
  const lockers = ["A01", "A02", "A03", "A04", "A05", "A06", "B01", "B02", "B03", "B04", "B05", "B06"];
  const queued: number[] = [];
  for (const lockerId of lockers) queued.push((await queueCommand(db, TEST_OPERATOR, { bankId, kind: "open_door", args: { lockerId } })).id);
  await vi.waitFor(
    async () => {
      const r = await db.query<{ n: string }>(`SELECT count(*) AS n FROM central.bank_commands WHERE bank_id = $1 AND status = 'refused'`, [bankId]);
      expect(Number(r.rows[0]!.n)).toBe(lockers.length - 3);
    },
    { timeout: 30_000, interval: 100 },
  );
  expect(t.pulses()).toEqual(lockers.slice(0, 3));
  for (const id of lockers.slice(0, 3)) t.open(id);
  for (const [i, id] of queued.entries()) {
    expect(await settled(db, id)).toMatchObject(i < 3 ? { status: "done" } : { status: "refused", refusal: "RATE_LIMITED" });
  }
  expect(t.pulses()).toHaveLength(3);
});
