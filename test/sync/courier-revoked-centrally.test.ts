/**
 * End to end through the real command path: central queues revoke_courier_credential in its
 * PostgreSQL database, the daemon's own sync loop fetches and applies it, and the courier
 * signed in at the kiosk is signed out — while the parcel whose door stood open is stored.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, expect, it, vi } from "vitest";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { badgeSha256 } from "../../src/kiosk/couriers.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";
import { useTestCentral } from "../support/sync-parts.js";

vi.setConfig({ testTimeout: 60_000 });

const central = useTestCentral();
const BADGE = "COURIER-BADGE-alice-4f1c9e2a7b";

let t: DaemonTestBank<Clock> | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await t?.dispose();
  t = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

it("a revocation queued centrally signs the courier out at the kiosk; the open deposit completes and reaches central", async () => {
  const { bankId, role, url } = await central.addBank();
  const u = new URL(url);
  const scanner = new SimScanner();
  const indicator = new SimIndicator();
  const dir = mkdtempSync(join(tmpdir(), "lockerd-pw-"));
  dirs.push(dir);
  const pwFile = join(dir, "pw");
  writeFileSync(pwFile, decodeURIComponent(u.password) + "\n", { mode: 0o600 });
  t = await createTestBank({
    daemon: {
      config: {
        bank: { id: bankId },
        couriers: [{ id: "alice", name: "Alice", badgeSha256: badgeSha256(BADGE) }],
        kiosk: { courierIdleMs: 60_000 },
        sync: { enabled: true, url: `postgresql://${role}@${u.host}${u.pathname}`, passwordFile: pwFile, tls: "disable", intervalMs: 60_000, commandPollMs: 50 },
      },
      input: { keypad: new SimKeypad(), scanner, indicator },
      // POST /sync/now below.
      http: true,
    },
    clock: "system",
  });
  const { ctx, kiosk } = t.daemon;
  scanner.scan(BADGE);
  scanner.scan("REF-OPEN");
  await kiosk.settled();
  const p = ctx.store.parcels.find({ trackingRef: "REF-OPEN" })[0]!;
  t.sim.setDoor(p.lockerId, "open");
  await kiosk.settled();
  expect(kiosk.state()).toMatchObject({ mode: "courier", courierId: "alice" });

  const r = await central.db.admin<{ id: string }>(`INSERT INTO central.bank_commands (bank_id, kind, args) VALUES ($1, 'revoke_courier_credential', $2) RETURNING id`, [
    bankId,
    { name: "alice" },
  ]);
  const commandId = Number(r.rows[0]!.id);
  await vi.waitFor(() => expect(kiosk.state().mode).toBe("customer"), { timeout: 20_000, interval: 20 });
  expect(ctx.store.events.query({ type: "courier.session_ended" }).map((e) => e.data)).toEqual([{ courierId: "alice", reason: "revoked", commandId }]);
  expect(indicator.patterns().at(-1)).toBe("session_ended");

  // The courier puts the parcel in and shuts the door: it is stored; a new parcel is refused.
  t.sim.setDoor(p.lockerId, "closed");
  await kiosk.settled();
  expect(ctx.store.parcels.get(p.id)?.status).toBe("STORED");
  scanner.scan(BADGE);
  scanner.scan("REF-NEW");
  await kiosk.settled();
  expect(kiosk.state().mode).toBe("customer");
  expect(ctx.store.parcels.find({ trackingRef: "REF-NEW" })).toEqual([]);

  // Upward: the command closes centrally, and the session's end and the stored parcel arrive there.
  expect((await fetch(`${t.daemon.url}/sync/now`, { method: "POST" })).status).toBe(202);
  await vi.waitFor(
    async () => {
      const cmd = await central.db.admin<{ status: string }>(`SELECT status FROM central.bank_commands WHERE id = $1`, [commandId]);
      expect(cmd.rows[0]?.status).toBe("done");
      const events = await central.events(bankId);
      expect(events.find((e) => e.type === "courier.session_ended")?.data).toEqual({ courierId: "alice", reason: "revoked", commandId });
      expect(events.some((e) => e.type === "parcel.stored" && e.parcelId === p.id)).toBe(true);
    },
    { timeout: 20_000, interval: 100 },
  );
});
