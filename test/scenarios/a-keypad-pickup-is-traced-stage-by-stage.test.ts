/**
 * With tracing on (LOCKERD_TRACE=1, here enableTrace()), a pickup typed at the keypad of a CU16
 * bank leaves one record of its stages, in order, for the external keypress benchmark to take
 * apart; the work around it is recorded as spans. Off, nothing is kept. Real daemon and driver,
 * boards simulated over a socat pty pair.
 */
import { afterEach, expect, it } from "vitest";
import { assignLocker } from "../../src/bank/assign.js";
import { startDaemon } from "../../src/daemon.js";
import { SimKeypad } from "../../src/input/sim-devices.js";
import { createLogger } from "../../src/system/logger.js";
import { enableTrace, mark, nowMs, span, spansBetween, STAGES, takeStageRecords, traceEnabled, type StageRecord } from "../../src/system/trace.js";
import { cu16SimBank } from "../support/cu16-sim-bank.js";
import { waitFor } from "../support/wait-for.js";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

it("off, marks and spans keep nothing; on, a keypad pickup's stages are recorded in order with the bus exchange and the commits around it", async () => {
  expect(traceEnabled()).toBe(false);
  const t0 = nowMs();
  mark("kiosk.start", "A01");
  span("write", t0);
  expect(spansBetween(0, Infinity)).toEqual([]);
  expect(takeStageRecords()).toEqual([]);

  enableTrace();
  const { config } = await cu16SimBank(cleanups);
  const keypad = new SimKeypad();
  const daemon = await startDaemon(config(), createLogger({ level: "silent" }), { input: { keypad, scanner: null } });
  cleanups.push(() => daemon.stop());
  const a = await assignLocker(daemon.ctx, { size: "S" });
  await waitFor("the deposit to be stored", () => daemon.store.parcels.get(a.parcelId)?.status === "STORED");
  takeStageRecords(); // the deposit's unlock was no customer's

  const typed = nowMs();
  keypad.press(a.pickupCode + "#");
  let record: StageRecord | undefined;
  await waitFor("the pickup's stage record", () => (record ??= takeStageRecords().find((r) => r.lockerId === a.lockerId)) !== undefined);
  const done = nowMs();
  // every stage but the device read (the simulated keypad reads no device), in order
  const stages = STAGES.filter((s) => s !== "input.read");
  expect(Object.keys(record!.marks).sort()).toEqual([...stages].sort());
  const times = stages.map((s) => record!.marks[s]!);
  expect(times).toEqual([...times].sort((x, y) => x - y));
  expect(times[0]).toBeGreaterThanOrEqual(typed);
  expect(times.at(-1)).toBeLessThanOrEqual(done);

  expect(spansBetween(typed, done).some((s) => s.kind === "write")).toBe(true); // the pickup's own commit
  // the unlock frame's exchange (a span is kept when its exchange ends, after the frame's transmit
  // time): CU16 0x31 to board 0, lock index 0 (A01)
  const granted = record!.marks["bus.granted"]!;
  const unlockFrame = () => spansBetween(granted, Infinity).find((s) => s.kind === "bus" && s.start >= granted - 0.01);
  await waitFor("the unlock exchange's span", () => unlockFrame() !== undefined, 2000);
  expect(unlockFrame()!.detail).toBe(0x02_00_31_03);
});
