import { afterEach, describe, expect, it } from "vitest";
import { SimKeypad, SimScanner } from "../../src/input/sim-devices.js";
import { SimIndicator } from "../../src/output/sim-indicator.js";
import type { Clock } from "../../src/basics/ports.js";
import { createTestBank, type DaemonTestBank } from "../support/bank.js";

let t: DaemonTestBank<Clock> | null = null;
afterEach(async () => {
  await t?.dispose();
  t = null;
});

const devices = () => ({ keypad: new SimKeypad(), scanner: new SimScanner(), indicator: new SimIndicator() });

describe("guessing codes at the keypad", () => {
  it("hits the lockout, raises an alarm, refuses even a right code, and a restart keeps the lockout", async () => {
    let d = devices();
    t = await createTestBank({ daemon: { input: d, http: true }, clock: "system" });
    const a = await t.depositParcel();
    const b = await t.depositParcel();
    const base = t.pulses().length;
    // An attacker tries codes; meanwhile someone else's successful pickup resets nothing.
    for (let i = 0; i < 3; i++) d.keypad.press(`0000000${i}#`);
    d.keypad.press(b.pickupCode + "#");
    // (its door opens once its commit is on disk; the next codes would overtake that pattern)
    await t.daemon.kiosk.settled();
    for (let i = 3; i < 5; i++) d.keypad.press(`0000000${i}#`);
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns()).toEqual(["rejected", "rejected", "rejected", "door_opening", "rejected", "locked_out"]);
    const alarms = t.daemon.store.events.query({ type: "alarm.pickup_lockout" });
    expect(alarms).toHaveLength(1);
    expect(alarms[0]!.data).toMatchObject({ source: "keypad:main", trips: 1, lockedForMs: 40_000 });

    // Locked: even the right code opens nothing.
    d.keypad.press(a.pickupCode + "#");
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns().at(-1)).toBe("locked_out");
    expect(t.pulses().slice(base)).toEqual([b.lockerId]);

    // Restart: the lockout is in the database, not in memory.
    d = devices();
    await t.reopen({ input: d });
    expect(t.daemon.attempts.lockedForMs("keypad:main")).toBeGreaterThan(30_000);
    d.keypad.press(a.pickupCode + "#");
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns()).toEqual(["locked_out"]);
    expect(t.daemon.ctx.store.parcels.get(a.parcelId)?.status).toBe("STORED");

    // The QR token is not blocked by the keypad's lockout.
    d.scanner.scan("]Q1" + a.pickupToken);
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns()).toEqual(["locked_out", "door_opening"]);
    expect(t.sim.pulses.at(-1)?.lockerId).toBe(a.lockerId);
    t.sim.setDoor(a.lockerId, "open");
    expect(t.daemon.ctx.store.parcels.get(a.parcelId)?.status).toBe("PICKED_UP");
    // A used token opens nothing.
    d.scanner.scan(a.pickupToken);
    await t.daemon.kiosk.settled();
    expect(d.indicator.patterns().at(-1)).toBe("rejected");
  });

  it("with growing lockouts configured, the second lockout is longer than the first", async () => {
    const d = devices();
    t = await createTestBank({
      daemon: { config: { limiter: { baseLockoutMs: 40, lockoutGrowth: 2, maxLockoutMs: 10_000, alarmEveryMs: 0, allowWeakCodes: true } }, input: d, http: true },
      clock: "system",
    });
    for (let i = 0; i < 5; i++) d.keypad.press(`1111111${i}#`);
    await t.daemon.kiosk.settled();
    await new Promise((r) => setTimeout(r, 60));
    for (let i = 0; i < 5; i++) d.keypad.press(`2222222${i}#`);
    await t.daemon.kiosk.settled();
    const alarms = t.daemon.store.events.query({ type: "alarm.pickup_lockout" });
    expect(alarms.map((e) => e.data.lockedForMs)).toEqual([40, 80]);
  });

  it("the HTTP pickup route shares the limiter: 429 with Retry-After once tripped, per caller", async () => {
    t = await createTestBank({ daemon: { input: devices(), env: { LOCKERD_API_TOKEN: "technician-token-0123456789" }, http: true }, clock: "system" });
    const a = await t.depositParcel();
    const post = (code: string) =>
      fetch(`${t!.daemon.url}/pickup`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: "Bearer technician-token-0123456789" },
        body: JSON.stringify({ code }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await post(`9999999${i}`)).status);
    expect(statuses).toEqual([403, 403, 403, 403, 429]);
    const res = await post(a.pickupCode);
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(30);
    expect(((await res.json()) as { code: string }).code).toBe("TOO_MANY_ATTEMPTS");
    expect(t.daemon.attempts.lockedForMs("http:token:LOCKERD_API_TOKEN")).toBeGreaterThan(0);
    // The keypad is another source and is not locked.
    expect(t.daemon.attempts.lockedForMs("keypad:main")).toBe(0);
  });

  it("refuses to start when the configuration makes guessing pay, listing the numbers", async () => {
    // 6 digits under the code rules: the bound is certainty.
    await expect(createTestBank({ daemon: { config: { codes: { digits: 6 } }, http: true }, clock: "system" })).rejects.toThrow(/chance of 100% \(limit 1%\)/);
    t = await createTestBank({ daemon: { config: { codes: { digits: 6 }, limiter: { allowWeakCodes: true } }, input: devices(), http: true }, clock: "system" });
    expect(t.daemon.url).not.toBeNull();
  });
});
